"""Peak memory and time to export 100,000 return orders as CSV, XLSX and JSON through the API.

    .venv/bin/python bench/export.py [--orders 100000] [--formats csv,xlsx,json] [--keep]

Builds a throwaway SQLite database of its own (the project's database is never touched),
bulk-creates the orders, then exports them once per format, each in a fresh child process so
the figures do not mix: ``GET /api/order/ro/?export=<format>`` through the real view, the
response consumed chunk by chunk and thrown away, as a client would download it. For each
format it prints the time, the bytes produced, the peak of Python allocations (tracemalloc,
measured in a second pass) and the process's peak resident set size (``ru_maxrss``).
"""

import argparse
import datetime
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def build(orders: int) -> None:
    from django.core.management import call_command
    from djmoney.money import Money

    from companies.models import Company
    from returns.models import ReturnOrder
    from returns.statuses import ReturnOrderStatus

    call_command("migrate", verbosity=0)
    customers = Company.objects.bulk_create(
        Company(name=f"Customer {i:02d}", is_customer=True, is_supplier=False, currency="USD")
        for i in range(25)
    )
    rng = random.Random(7)
    statuses = list(ReturnOrderStatus.values)
    today = datetime.date(2025, 6, 1)
    batch = []
    for n in range(1, orders + 1):
        target = today + datetime.timedelta(days=rng.randint(-90, 90)) if n % 3 else None
        batch.append(
            ReturnOrder(
                reference=f"RMA-{n:06d}",
                reference_int=n,
                customer=rng.choice(customers),
                status=rng.choice(statuses),
                description=f"Returned unit {n}, fault {rng.choice('ABCDE')}",
                customer_reference=f"PO-{rng.randint(1000, 9999)}",
                target_date=target,
                creation_date=today - datetime.timedelta(days=rng.randint(0, 400)),
                total_price=Money(Decimal(rng.randint(0, 50000)) / 100, "USD"),
            )
        )
        if len(batch) == 5000:
            ReturnOrder.objects.bulk_create(batch)
            batch = []
    ReturnOrder.objects.bulk_create(batch)


def export_once(export_format: str) -> tuple[float, int]:
    from django.contrib.auth.models import User
    from rest_framework.test import APIRequestFactory, force_authenticate

    from returns.api import ReturnOrderList

    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench", "bench@example.com", None
    )
    request = APIRequestFactory().get("/api/order/ro/", {"export": export_format})
    force_authenticate(request, user=user)
    started = time.perf_counter()
    response = ReturnOrderList.as_view()(request)
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()
    return time.perf_counter() - started, size


def child(database: Path, export_format: str) -> None:
    setup_django(database)
    seconds, size = export_once(export_format)
    rss_after_timed = max_rss_mib()
    tracemalloc.start()
    export_once(export_format)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{export_format:<6}{seconds:>10.2f}{size / 2**20:>12.1f}"
        f"{peak / 2**20:>16.1f}{rss_after_timed:>14.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,json")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return

    folder = Path(tempfile.mkdtemp(prefix="boomerang-bench-"))
    database = folder / "bench.sqlite3"
    try:
        setup_django(database)
        started = time.perf_counter()
        build(args.orders)
        print(f"Built {args.orders:,} orders in {time.perf_counter() - started:.1f} s ({database})")
        print(f"Baseline: this process after building, maxrss {max_rss_mib():.0f} MiB\n")
        print(
            f"{'format':<6}{'time s':>10}{'size MiB':>12}{'traced peak MiB':>16}{'maxrss MiB':>14}"
        )
        for export_format in args.formats.split(","):
            subprocess.run(
                [sys.executable, __file__, "--child", str(database), export_format.strip()],
                check=True,
                env={**os.environ},
            )
    finally:
        if args.keep:
            print(f"\nKept {database}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
