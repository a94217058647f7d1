"""Actions on several lines of one order at once: all of them or none."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.services.base import _ensure_editable, _lock_order
from returns.services.lines import return_order_line_delete, return_order_line_update
from returns.statuses import ReturnOrderLineStatus


def _line_name(line: ReturnOrderLineItem) -> str:
    return f"SN {line.item.serial}" if line.item.serial else str(line.item)


def _selected_lines(order: ReturnOrder, line_pks: list[int]) -> list[ReturnOrderLineItem]:
    if not line_pks:
        raise ValidationError({"lines": [_("Select at least one line.")]})
    lines = list(
        ReturnOrderLineItem.objects.select_for_update(of=("self",))
        .filter(order=order, pk__in=line_pks)
        .select_related("item__part")
        .order_by("pk")
    )
    if len(lines) != len(set(line_pks)):
        raise ValidationError(
            {
                "lines": [
                    _("Some of the selected lines are not on return order %s.") % order.reference
                ]
            }
        )
    return lines


def _run_each(lines, action) -> None:
    """Try the action on every line, collect every refusal, and undo them all if any."""
    errors = []
    for line in lines:
        try:
            action(line)
        except ValidationError as exc:
            errors.append(f"{_line_name(line)}: {' '.join(exc.messages)}")
    if errors:
        raise ValidationError({"lines": errors})


@transaction.atomic
def return_order_lines_set_outcome(
    *, order: ReturnOrder, line_pks: list[int], outcome: int, user
) -> list[ReturnOrderLineItem]:
    """Set ``outcome`` on the selected lines of ``order``, through ``return_order_line_update``
    (which writes an "outcome changed" history row per line that changes).

    All or nothing: a resolved line (or a locked order) refuses, and every refusal is named.
    Locks the order, then the lines, by primary key.
    """
    order = _lock_order(order)
    _ensure_editable(order)
    outcome = ReturnOrderLineStatus(outcome)
    lines = _selected_lines(order, line_pks)
    _run_each(
        lines,
        lambda line: return_order_line_update(line=line, user=user, data={"outcome": outcome}),
    )
    return lines


@transaction.atomic
def return_order_lines_delete(*, order: ReturnOrder, line_pks: list[int], user) -> int:
    """Remove the selected lines of ``order``: all or none (a received or resolved line
    refuses). Answers the number removed."""
    order = _lock_order(order)
    _ensure_editable(order)
    lines = _selected_lines(order, line_pks)
    _run_each(lines, lambda line: return_order_line_delete(line=line, user=user))
    return len(lines)
