"""The models reports can be printed for, each with the context its templates receive.

An app registers its models in ``AppConfig.ready()``; this module imports none of them, so the
dependency arrow points from the apps to ``reports`` (``returns`` registers ``returnorder``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class ReportModel:
    name: str
    model: type[models.Model]
    context: Callable[[Any], dict]
    queryset: Callable[[], models.QuerySet]
    filename_pattern: str

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name).title()

    @property
    def view_permission(self) -> str:
        return f"{self.model._meta.app_label}.view_{self.model._meta.model_name}"


_registry: dict[str, ReportModel] = {}


def register(
    name: str,
    *,
    model: type[models.Model],
    context: Callable[[Any], dict],
    queryset: Callable[[], models.QuerySet] | None = None,
    filename_pattern: str = "report.pdf",
) -> None:
    """Make ``name`` (e.g. ``"returnorder"``) a model type report templates may apply to.

    ``context(instance)`` returns the template variables for one instance; ``queryset()``
    loads the instances with everything that context reads (default: the model's manager).
    """
    _registry[name] = ReportModel(
        name=name,
        model=model,
        context=context,
        queryset=queryset or model._default_manager.all,
        filename_pattern=filename_pattern,
    )


def get(name: str | None) -> ReportModel | None:
    if not name:
        return None
    return _registry.get(str(name).strip().lower())


def all_models() -> list[ReportModel]:
    return sorted(_registry.values(), key=lambda entry: entry.name)


def choices() -> list[tuple[str, str]]:
    return [(entry.name, entry.label) for entry in all_models()]


def default() -> ReportModel | None:
    """The first registered model type: the one a print request without a template is
    checked against (see ``reports.api.ReportPrint``)."""
    return next(iter(_registry.values()), None)
