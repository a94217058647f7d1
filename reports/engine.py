"""The template engine report templates run in: a sandbox, not the site's engine.

* Templates load only other report templates (by name, from the database) and the bundled
  report bases in ``reports/templates/reports/`` (``reports/report_base.html``): no file
  system paths, no admin or site templates, so ``{% include "../x" %}``,
  ``{% include "/etc/passwd" %}`` and ``{% extends "admin/base.html" %}`` are simply missing.
* ``{% load %}`` knows only the report libraries (``report``, ``barcode``) and Django's
  ``i18n``, ``l10n``, ``static`` and ``tz``; not ``admin`` tags, not any other app's.
* ``{% debug %}`` (it prints the whole context) is refused; filters and tags that take a
  size (``ljust``, ``center``, ``stringformat``, ``floatformat``, ``lorem`` …) are capped,
  so a template cannot make a request build a gigabyte string.
* No context processors: a report sees only the context its builder made.

This module is also the engine's builtin library (the ``register`` below), which overrides
the Django builtins it names.
"""

import functools
import re
from pathlib import Path

from django import template
from django.template import (
    Engine,
    Origin,
    TemplateDoesNotExist,
    TemplateSyntaxError,
    defaultfilters,
)
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.template.loaders.base import Loader
from django.utils.translation import gettext as _

BUNDLED_DIR = Path(__file__).resolve().parent / "templates"
# Names a report may extend or include besides other report templates: exactly these.
BUNDLED_TEMPLATES = {
    path.relative_to(BUNDLED_DIR).as_posix(): path
    for path in sorted((BUNDLED_DIR / "reports").glob("*.html"))
}
LIBRARIES = {
    "report": "reports.templatetags.report",
    "barcode": "reports.templatetags.barcode",
    # Django's own, harmless ones that InvenTree's report templates load.
    "i18n": "django.templatetags.i18n",
    "l10n": "django.templatetags.l10n",
    "static": "django.templatetags.static",
    "tz": "django.templatetags.tz",
    # Notes are Markdown, shown sanitised (nh3), as on the order page.
    "markdown": "common.templatetags.markdown",
}
# Widths, precisions and counts a template may ask a filter or tag for.
MAX_SIZE = 1000
DB_PREFIX = "report-template:"


class ReportLoader(Loader):
    """Loads a bundled report base by its exact name, or another report template by name."""

    def get_template_sources(self, template_name):
        path = BUNDLED_TEMPLATES.get(template_name)
        if path is not None:
            yield Origin(name=str(path), template_name=template_name, loader=self)
        else:
            yield Origin(name=DB_PREFIX + template_name, template_name=template_name, loader=self)

    def get_contents(self, origin):
        if not origin.name.startswith(DB_PREFIX):
            return Path(origin.name).read_text(encoding="utf-8")
        from reports.models import ReportTemplate

        source = (
            ReportTemplate.objects.filter(name=origin.template_name)
            .order_by("model_type", "pk")
            .values_list("source", flat=True)
            .first()
        )
        if source is None:
            raise TemplateDoesNotExist(origin)
        return source


@functools.cache
def report_engine() -> Engine:
    return Engine(
        dirs=[],
        app_dirs=False,
        loaders=["reports.engine.ReportLoader"],
        libraries=LIBRARIES,
        builtins=["reports.engine"],
        autoescape=True,
        debug=False,
        string_if_invalid="",
    )


def compile_source(source: str):
    """The compiled template; raises TemplateSyntaxError (and nothing else of interest)."""
    return report_engine().from_string(source)


def _constant(expression) -> str | None:
    """The template name of ``{% include "x" %}`` / ``{% extends "x" %}``; None for a
    variable (which can only be checked when printing)."""
    if expression is None or getattr(expression, "filters", None):
        return None
    value = getattr(expression, "var", None)
    return str(value) if isinstance(value, str) else None


def missing_templates(compiled) -> list[str]:
    """Names the template extends or includes that no report template or bundled base has."""
    names = [
        _constant(node.parent_name) for node in compiled.nodelist.get_nodes_by_type(ExtendsNode)
    ] + [_constant(node.template) for node in compiled.nodelist.get_nodes_by_type(IncludeNode)]
    missing = []
    for name in dict.fromkeys(n for n in names if n is not None):
        try:
            report_engine().find_template(name)
        except TemplateDoesNotExist:
            missing.append(name)
    return missing


def missing_message(names: list[str]) -> str:
    return _(
        "%(names)s: no report template has this name, and it is not a bundled report base "
        "(%(bundled)s). Reports may include or extend only those."
    ) % {
        "names": ", ".join(f'"{name}"' for name in names),
        "bundled": ", ".join(BUNDLED_TEMPLATES),
    }


# -- the builtin library: what the sandbox takes away or caps --------------------------------

register = template.Library()


@register.tag
def debug(parser, token):
    raise TemplateSyntaxError(
        _("{% debug %} is not available in report templates: it would print the whole context.")
    )


def _size(value, what: str) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return 0
    if abs(size) > MAX_SIZE:
        raise ValueError(
            _("%(what)s %(size)s is too large (at most %(max)s)")
            % {"what": what, "size": str(value)[:20], "max": MAX_SIZE}
        )
    return size


@register.filter(is_safe=True)
def ljust(value, arg):
    return defaultfilters.ljust(value, _size(arg, "ljust width"))


@register.filter(is_safe=True)
def rjust(value, arg):
    return defaultfilters.rjust(value, _size(arg, "rjust width"))


@register.filter(is_safe=True)
def center(value, arg):
    return defaultfilters.center(value, _size(arg, "center width"))


_PRINTF_SIZES = re.compile(r"(\d+)")


@register.filter(is_safe=True)
def stringformat(value, arg):
    for digits in _PRINTF_SIZES.findall(str(arg)):
        _size(digits if len(digits) < 20 else "9" * 20, "stringformat width")
    return defaultfilters.stringformat(value, arg)


@register.filter(is_safe=True)
def floatformat(value, arg=-1):
    digits = re.sub(r"[^0-9-]", "", str(arg)) or "0"
    _size(digits if len(digits) < 20 else "9" * 20, "floatformat precision")
    return defaultfilters.floatformat(value, arg)


@register.tag
def lorem(parser, token):
    from django.template.defaulttags import lorem as django_lorem

    for bit in token.split_contents()[1:]:
        if bit.isascii() and bit.isdigit():
            _size(bit if len(bit) < 20 else "9" * 20, "lorem count")
    return django_lorem(parser, token)
