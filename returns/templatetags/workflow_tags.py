"""Numbers as people read them on the order pages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def quantity(value) -> str:
    """``1`` for 1.00000, ``1,250.5`` for 1250.50000 (the locale's separators), ``10`` not
    ``1E+1``; an empty string for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    places = max(0, -number.as_tuple().exponent)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)
