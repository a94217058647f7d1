"""Helpers for report templates: ``{% load report %}``.

Money, quantities, dates and QR codes, drawn without any network access (QR codes are SVG
data URIs made by segno). Names follow InvenTree's report tags where they exist.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import segno
from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.safestring import mark_safe
from djmoney.money import Money

register = template.Library()


def _plain_decimal(value: Decimal) -> str:
    """``12.5``, ``10``, never ``1E+1``."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


@register.filter
def money(value, currency=None) -> str:
    """``$42.00`` from a Money (or from a number and ``currency``); empty for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Money):
        if not currency:
            return str(value)
        try:
            value = Money(Decimal(str(value)), currency)
        except (InvalidOperation, ValueError):
            return str(value)
    return str(value)


@register.filter
def line_total(line):
    """``price * quantity`` of a line (None when it has no price)."""
    if isinstance(line, Mapping):  # a report context's record
        price, quantity = line.get("price"), line.get("quantity", 1)
    else:
        price, quantity = getattr(line, "price", None), getattr(line, "quantity", 1)
    if price is None:
        return None
    return price * quantity


@register.simple_tag
def render_currency(value, currency=None) -> str:
    """InvenTree's ``{% render_currency money %}``."""
    return money(value, currency)


@register.filter
def quantity(value) -> str:
    """``1`` for ``Decimal("1.00000")``; ``2.5`` for ``Decimal("2.50000")``."""
    if value is None or value == "":
        return ""
    try:
        return _plain_decimal(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


@register.simple_tag
def format_number(value, decimal_places=None) -> str:
    """A number with trailing zeros removed, or rounded to ``decimal_places``."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if decimal_places is not None:
        return f"{number:.{int(decimal_places)}f}"
    return _plain_decimal(number)


@register.simple_tag
def render_date(value, fmt="Y-m-d") -> str:
    """A date (or datetime, in the local time zone) as ``2025-01-31``; empty for None."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_filter(value, fmt)


@register.simple_tag
def render_datetime(value, fmt="Y-m-d H:i") -> str:
    return render_date(value, fmt)


def _qr(data, error: str):
    return segno.make(str(data), error=error, micro=False)


@register.simple_tag
def qrcode(data, scale=4, border=0, error="m", dark="#000") -> str:
    """A QR code of ``data`` as an SVG data URI: ``<img src="{% qrcode reference %}">``."""
    return _qr(data, error).svg_data_uri(scale=scale, border=border, dark=dark)


@register.simple_tag
def qrcode_svg(data, scale=4, border=0, error="m", dark="#000") -> str:
    """A QR code of ``data`` as inline ``<svg>`` markup."""
    svg = _qr(data, error).svg_inline(scale=scale, border=border, dark=dark)
    # segno draws the code as paths: the data is encoded, never echoed into the markup.
    return mark_safe(svg)
