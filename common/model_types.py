"""Registry of the models that generic endpoints (attachments, metadata) may address.

Each app registers its own models in ``AppConfig.ready()``; this module imports none of them,
so the dependency arrow keeps pointing from the apps to ``common``.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class ModelType:
    name: str
    model: type[models.Model]
    attachments: bool
    metadata: bool

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name).title()


_registry: dict[str, ModelType] = {}


def register(
    model: type[models.Model],
    *,
    name: str | None = None,
    attachments: bool = True,
    metadata: bool = True,
) -> None:
    key = name or model._meta.model_name
    _registry[key] = ModelType(name=key, model=model, attachments=attachments, metadata=metadata)


def get(name: str | None) -> ModelType | None:
    if not name:
        return None
    return _registry.get(str(name).strip().lower())


def all_types() -> list[ModelType]:
    return sorted(_registry.values(), key=lambda t: t.name)


def attachment_types() -> list[ModelType]:
    return [t for t in all_types() if t.attachments]


def metadata_types() -> list[ModelType]:
    return [t for t in all_types() if t.metadata]
