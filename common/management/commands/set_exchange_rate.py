from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.exchange import set_rate


class Command(BaseCommand):
    help = "Set how many units of CURRENCY one unit of the default currency buys."

    def add_arguments(self, parser):
        parser.add_argument("currency")
        parser.add_argument("rate")

    def handle(self, *args, currency, rate, **options):
        currency = currency.upper()
        if currency not in settings.CURRENCIES:
            raise CommandError(
                f"Unknown currency {currency}; allowed: {', '.join(settings.CURRENCIES)}"
            )
        try:
            value = Decimal(rate)
        except InvalidOperation as exc:
            raise CommandError(f"Not a number: {rate}") from exc
        if value <= 0:
            raise CommandError("The rate must be greater than zero.")
        set_rate(currency, value)
        self.stdout.write(self.style.SUCCESS(f"1 {settings.DEFAULT_CURRENCY} = {value} {currency}"))
