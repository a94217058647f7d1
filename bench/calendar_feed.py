"""How long the return-order calendar feed takes, and how much memory, for 10,000 open orders.

    DEBUG=1 .venv/bin/python bench/calendar_feed.py [--orders 10000]

Builds a throwaway SQLite database in a temporary folder (the project's own database and
DATABASE_URL are never touched), fills it, then requests the feed through the whole Django
stack with a calendar key — as a calendar client would — and prints:

* the time of a full render (200), best and median of a few runs;
* the peak memory of one render, traced with tracemalloc (a separate run: tracing slows it);
* the time of a revalidation answered 304, by If-None-Match and by If-Modified-Since;
* the queries each request made.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEED = "/api/order/calendar/return-order/calendar.ics"


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    # WhiteNoise warns that collectstatic has not run; the feed serves no static files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.conf import settings

    # DEBUG would keep every query of the data load in memory and skew the measurement.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]


def fill(count: int):
    from django.contrib.auth.models import Permission, User
    from django.utils import timezone

    from companies.models import Company
    from returns.models import ReturnOrder, ReturnOrderLineItem
    from returns.statuses import OPEN_STATUSES
    from stock.models import Part, StockItem
    from users import services as user_services

    user = User.objects.create_user("bench", password="bench-password")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="returns", codename="view_returnorder")
    )
    owner = user_services.owner_sync(instance=user)
    customers = Company.objects.bulk_create(
        Company(name=f"Customer {n}, Ltd; «{n}»", is_customer=True, is_supplier=False)
        for n in range(200)
    )
    part = Part.objects.create(name="Widget", IPN="W-1", trackable=True, salable=True)
    today = timezone.localdate()
    orders = ReturnOrder.objects.bulk_create(
        (
            ReturnOrder(
                reference=f"RMA-{n:05d}",
                reference_int=n,
                customer=customers[n % len(customers)],
                description=f"Units {n} arrived cracked, scratched; see notes.\nSecond line",
                customer_reference=f"PO-{n}",
                status=OPEN_STATUSES[n % len(OPEN_STATUSES)],
                responsible=owner if n % 2 else None,
                target_date=today + datetime.timedelta(days=n % 365),
            )
            for n in range(1, count + 1)
        ),
        batch_size=2000,
    )
    items = StockItem.objects.bulk_create(
        (
            StockItem(part=part, serial=f"SN-{n}", customer=order.customer)
            for n, order in enumerate(orders)
        ),
        batch_size=2000,
    )
    ReturnOrderLineItem.objects.bulk_create(
        (
            ReturnOrderLineItem(order=order, item=item, received_date=today if n % 3 == 0 else None)
            for n, (order, item) in enumerate(zip(orders, items, strict=True))
        ),
        batch_size=2000,
    )
    # Changed a while ago, so the feed carries a Last-Modified from the start.
    ReturnOrder.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    _token, key = user_services.calendar_token_regenerate(user=user)
    return key


def request(client, key: str, **headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(FEED, {"token": key}, **headers)
        elapsed = time.perf_counter() - start
    return response, elapsed, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="boomerang-bench-") as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        key = fill(args.orders)
        print(f"Filled {args.orders:,} open orders in {time.perf_counter() - started:.1f} s")

        client = Client()
        response, _elapsed, _queries = request(client, key)  # warm up
        assert response.status_code == 200, response.content[:300]

        times, queries = [], 0
        for _run in range(args.runs):
            response, elapsed, queries = request(client, key)
            times.append(elapsed)
        events = response.content.count(b"BEGIN:VEVENT")
        size = len(response.content)
        print(
            f"200 full render: best {min(times) * 1000:.0f} ms, median "
            f"{statistics.median(times) * 1000:.0f} ms ({events:,} events, "
            f"{size / 1e6:.1f} MB, {queries} queries)"
        )

        tracemalloc.start()
        response, _elapsed, _queries = request(client, key)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"200 peak memory (tracemalloc): {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB body")

        etag, modified = response["ETag"], response["Last-Modified"]
        for label, headers in (
            ("If-None-Match", {"HTTP_IF_NONE_MATCH": etag}),
            ("If-Modified-Since", {"HTTP_IF_MODIFIED_SINCE": modified}),
        ):
            times = []
            for _run in range(20):
                response, elapsed, queries = request(client, key, **headers)
                assert response.status_code == 304, response.status_code
                times.append(elapsed)
            print(
                f"304 by {label}: best {min(times) * 1000:.1f} ms, median "
                f"{statistics.median(times) * 1000:.1f} ms ({queries} queries)"
            )


if __name__ == "__main__":
    main()
