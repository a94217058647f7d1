"""The configurable lists lines choose from: return reasons and arrival conditions.

Both lists have the same shape (``ReturnChoiceList``), so one set of services serves both:
``model`` says which list. Lines refer to entries with ``PROTECT``: an entry in use is never
deleted, it is deactivated, and inactive entries are refused for new lines.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import site_settings
from returns.models import ReturnChoiceList, ReturnCondition, ReturnReason

REQUIRE_REASON_SETTING = "RETURNORDER_REQUIRE_REASON"
CHOICE_FIELDS = ("code", "label", "active", "sort_order")


def _check_code(model: type[ReturnChoiceList], code: str, *, pk=None) -> None:
    if model.objects.filter(code=code).exclude(pk=pk).exists():
        raise ValidationError(
            {"code": [_("%(list)s with this code already exists.") % _names(model)]}
        )


def _names(model: type[ReturnChoiceList]) -> dict[str, str]:
    return {"list": str(model._meta.verbose_name).capitalize()}


@transaction.atomic
def choice_entry_create(
    *, model: type[ReturnChoiceList], user, data: dict[str, Any]
) -> ReturnChoiceList:
    """Add an entry to the reasons or the conditions. Raises ``ValidationError`` under
    ``code`` for a code already in the list."""
    fields = {k: v for k, v in data.items() if k in CHOICE_FIELDS}
    _check_code(model, fields.get("code", ""))
    return model.objects.create(**fields)


@transaction.atomic
def choice_entry_update(*, entry: ReturnChoiceList, user, data: dict[str, Any]) -> ReturnChoiceList:
    """Edit an entry (deactivate it with ``active=False``). Lines keep the entry they chose."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    fields = {k: v for k, v in data.items() if k in CHOICE_FIELDS}
    if "code" in fields:
        _check_code(type(entry), fields["code"], pk=entry.pk)
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    return entry


@transaction.atomic
def choice_entry_delete(*, entry: ReturnChoiceList, user) -> None:
    """Delete an entry no line uses. Raises ``ValidationError`` (saying to deactivate it)
    when lines use it."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    try:
        entry.delete()
    except ProtectedError:
        count = entry.lines.count()
        raise ValidationError(
            ngettext(
                "“%(label)s” is used by %(count)d line and cannot be deleted: deactivate it "
                "instead.",
                "“%(label)s” is used by %(count)d lines and cannot be deleted: deactivate it "
                "instead.",
                count,
            )
            % {"label": entry.label, "count": count}
        ) from None


def reason_required() -> bool:
    return bool(site_settings.get_value(REQUIRE_REASON_SETTING))


def check_line_reason(
    reason: ReturnReason | None, *, current_pk: int | None = None, required: bool | None = None
) -> None:
    """A new (or changed) line's reason: required when ``RETURNORDER_REQUIRE_REASON`` is on,
    and active unless it is the one the line already had. Raises ``ValidationError`` under
    ``reason``."""
    if reason is None:
        if reason_required() if required is None else required:
            raise ValidationError({"reason": [_("A return reason is required for every line.")]})
        return
    if not reason.active and reason.pk != current_pk:
        raise ValidationError(
            {"reason": [_("The return reason “%(label)s” is inactive.") % {"label": reason.label}]}
        )


def check_condition(condition: ReturnCondition | None) -> None:
    if condition is not None and not condition.active:
        raise ValidationError(
            {
                "condition": [
                    _("The condition “%(label)s” is inactive.") % {"label": condition.label}
                ]
            }
        )
