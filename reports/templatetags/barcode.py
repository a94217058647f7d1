"""``{% load barcode %}``: the QR code tags under the library name InvenTree's templates use."""

from django import template

from reports.templatetags.report import qrcode, qrcode_svg

register = template.Library()
register.simple_tag(qrcode)
register.simple_tag(qrcode_svg)
