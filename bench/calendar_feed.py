"""How long the return-order calendar feed takes, and how much memory, for 10,000 open orders.

    DEBUG=1 .venv/bin/python bench/calendar_feed.py [--orders 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boomerang DEBUG=1 \
        .venv/bin/python bench/calendar_feed.py

Without ``DATABASE_URL`` it builds a throwaway SQLite database in a temporary folder; with a
PostgreSQL one it creates ``<name>_bench_<pid>`` on that server and drops it at the end (the
project's own database is never touched). It fills it, then requests the feed through the
whole Django stack with a calendar key — as a calendar client would — and prints:

* the floor: the feed's orders from ``values()`` as a plain ``JsonResponse`` (a view that
  lives here, not in the product), and the full render's ratio to it (target: at most 3 times);
* the time of a full render (200), best and median of a few runs;
* the peak memory of one render, traced with tracemalloc (a separate run: tracing slows it),
  and how much the first render grew the process's peak RSS (target: under 50 MB);
* the time of a revalidation answered 304, by If-None-Match and by If-Modified-Since, from a
  warm worker and from a cold one (its cache emptied before every request);
* the queries each request made (targets: 3 for a render, 2 for a 304).
"""

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
FEED = "/api/order/calendar/return-order/calendar.ics"
FLOOR = "/bench/feed-floor.json"


@contextmanager
def throwaway_database():
    """Point DATABASE_URL at a new, empty database for the length of the block."""
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="boomerang-bench-") as folder:
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            yield "a temporary SQLite file"
        return

    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"Only SQLite and PostgreSQL are supported, not {config['ENGINE']}")
    name = f"{config['NAME'] or 'boomerang'}_bench_{os.getpid()}"
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{name}").geturl()
    try:
        yield f"PostgreSQL database {name} (dropped afterwards)"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(**server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def floor_view(request):
    """The floor: the feed's orders and their columns from ``values()``, as plain JSON.

    The same rows and order as the feed, without its line counts: the floor of ``make bench``.
    """
    from django.core.serializers.json import DjangoJSONEncoder
    from django.http import JsonResponse

    from bench.suite.views import FEED_FIELDS
    from returns.models import ReturnOrder
    from returns.statuses import OPEN_STATUSES

    rows = list(
        ReturnOrder.objects.filter(target_date__isnull=False, status__in=OPEN_STATUSES)
        .order_by("target_date", "pk")
        .values(*FEED_FIELDS)
    )
    return JsonResponse({"count": len(rows), "results": rows}, encoder=DjangoJSONEncoder)


def rss_of_one_render(key: str) -> float:
    """In a fresh process on the filled database: how much one render grows the peak RSS."""
    setup_django()
    from django.test import Client
    from django.utils.http import http_date

    client = Client()
    # A 304 first: imports, connection, URL resolver and authentication, but no render.
    tomorrow = http_date(time.time() + 86400)
    assert request(client, key, HTTP_IF_MODIFIED_SINCE=tomorrow)[0].status_code == 304
    before = peak_rss_mb()
    response, _elapsed, _queries = request(client, key)
    assert response.status_code == 200
    return peak_rss_mb() - before


def bench_urls():
    """The project's URLs plus the floor's, as a module Django can use as ROOT_URLCONF."""
    from django.urls import path

    from config import urls

    module = types.ModuleType("bench_calendar_feed_urls")
    module.urlpatterns = [path(FLOOR.lstrip("/"), floor_view), *urls.urlpatterns]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        if hasattr(urls, name):
            setattr(module, name, getattr(urls, name))
    sys.modules[module.__name__] = module
    return module.__name__


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
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
    settings.ROOT_URLCONF = bench_urls()


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


def request(client, key: str | None, path: str = FEED, **headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {"token": key} if key else {}
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(path, params, **headers)
        elapsed = time.perf_counter() - start
    return response, elapsed, len(queries.captured_queries)


def timed(client, key, runs, path=FEED, before=None, **headers):
    times, queries, response = [], 0, None
    for _run in range(runs):
        if before:
            before()
        response, elapsed, queries = request(client, key, path, **headers)
        times.append(elapsed)
    return response, times, queries


def ms(times) -> str:
    return f"best {min(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms"


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ``ru_maxrss`` it does not survive an exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rss-of-one-render", metavar="KEY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_of_one_render:  # the child process of the RSS measurement
        print(f"{rss_of_one_render(args.rss_of_one_render):.1f}")
        return

    with throwaway_database() as where:
        setup_django()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        key = fill(args.orders)
        print(
            f"Filled {args.orders:,} open orders in {where} in "
            f"{time.perf_counter() - started:.1f} s"
        )

        client = Client()
        response, _elapsed, _queries = request(client, key)  # warm up
        assert response.status_code == 200, response.content[:300]
        # The fill itself peaked high in this process: a fresh one shows what a worker sees.
        child = subprocess.run(
            [sys.executable, __file__, "--rss-of-one-render", key],
            capture_output=True,
            text=True,
            check=True,
        )
        rss_growth = float(child.stdout.split()[-1])

        floor, floor_times, floor_queries = timed(client, None, args.runs, FLOOR)
        assert floor.status_code == 200
        print(f"floor (same rows as JSON): {ms(floor_times)} ({floor_queries} queries)")

        response, times, queries = timed(client, key, args.runs)
        events = response.content.count(b"BEGIN:VEVENT")
        size = len(response.content)
        ratio = statistics.median(times) / statistics.median(floor_times)
        print(
            f"200 full render: {ms(times)} ({events:,} events, {size / 1e6:.1f} MB, "
            f"{queries} queries); {ratio:.2f}x the floor (target 3x)"
        )

        tracemalloc.start()
        response, _elapsed, _queries = request(client, key)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"200 peak memory: {peak / 1e6:.1f} MB traced for a {size / 1e6:.1f} MB body; "
            f"one render grew a fresh process's peak RSS by {rss_growth:.1f} MB (target < 50 MB)"
        )

        etag, modified = response["ETag"], response["Last-Modified"]
        for label, headers in (
            ("If-None-Match", {"HTTP_IF_NONE_MATCH": etag}),
            ("If-Modified-Since", {"HTTP_IF_MODIFIED_SINCE": modified}),
        ):
            for worker, before in (("warm", None), ("cold", cache.clear)):
                response, times, queries = timed(client, key, 20, before=before, **headers)
                assert response.status_code == 304, response.status_code
                print(f"304 by {label}, {worker} worker: {ms(times)} ({queries} queries)")


if __name__ == "__main__":
    main()
