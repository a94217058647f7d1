"""Exchange rates entered by staff rather than fetched from a web service.

django-money converts through the rates stored for this backend; ``manage.py
set_exchange_rate EUR 0.92`` (units of EUR per one unit of the base currency) or the admin
keep them. With no rate for a currency, conversions into or out of it fail with MissingRate.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

BACKEND_NAME = "manual"


class ManualRatesBackend:
    name = BACKEND_NAME


@transaction.atomic
def set_rate(currency: str, value: Decimal) -> None:
    from djmoney.contrib.exchange.models import ExchangeBackend, Rate

    backend, _ = ExchangeBackend.objects.update_or_create(
        name=BACKEND_NAME, defaults={"base_currency": settings.DEFAULT_CURRENCY}
    )
    Rate.objects.update_or_create(
        backend=backend, currency=currency.upper(), defaults={"value": Decimal(value)}
    )
