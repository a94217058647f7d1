"""How fast is the return-order index page with 100,000 orders, and do its queries use indexes?

    DEBUG=1 .venv/bin/python bench/index_100k.py [--orders 100000] [--repeat 7] [--keep]

Builds a throwaway database of its own: a temporary SQLite file, or, when DATABASE_URL names a
PostgreSQL server, a dedicated database on it (``<name>_bench_<pid>``) that is dropped at the
end. The project's own database is never touched. It bulk-creates the orders, renders the index
page through Django's test client for a handful of filters and sorts, and prints for each the
median time per request, the number of queries per request, whether the count query ran once,
and the database's plan for the page's queries (its keys, its rows, the count) exactly as the
page ran them.
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TABLE = "returns_returnorder"
PAGE = "/returns/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders to create")
    parser.add_argument("--customers", type=int, default=25, help="customers to spread them on")
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per scenario")
    parser.add_argument(
        "--keep", action="store_true", help="keep the SQLite file (its path is printed)"
    )
    return parser.parse_args()


# -- a database of its own -----------------------------------------------------------------


@contextmanager
def throwaway_database(keep: bool):
    """Point DATABASE_URL at a new, empty database for the length of the block."""
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="boomerang-bench-"))
        path = folder / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        try:
            yield f"SQLite file {path}"
        finally:
            if keep:
                print(f"\nKept {path}")
            else:
                for leftover in folder.iterdir():
                    leftover.unlink()
                folder.rmdir()
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


# -- data ----------------------------------------------------------------------------------


def build(orders: int, customers: int):
    """Bulk-create the orders and what they point at; return (user, a customer, a search)."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.db.models.functions import Mod
    from django.utils import timezone
    from djmoney.money import Money

    from common import site_settings
    from companies.models import Company
    from returns.models import ReturnOrder, ReturnOrderLineItem
    from returns.statuses import ReturnOrderStatus as S
    from stock.models import Part, StockItem
    from users import services as user_services
    from users.models import Owner

    rng = random.Random(20240601)
    today = timezone.localdate()
    with transaction.atomic():
        site_settings.set_value("RETURNORDER_ENABLED", True)
        clerks = Group.objects.create(name="Returns clerks")
        user_services.group_set_role(group=clerks, role="return_order", view=True)
        user = User.objects.create_user("bench", password=None)
        user.groups.add(clerks)
        staff = [User.objects.create_user(f"agent{n}", password=None) for n in range(8)]
        owners = list(Owner.objects.filter(name__in=[u.username for u in staff] + [clerks.name]))
        companies = Company.objects.bulk_create(
            Company(name=f"Customer {n:02d} {word}", is_customer=True, is_supplier=False)
            for n, word in enumerate(
                rng.choice(["Robotics", "Motors", "Labs", "Systems", "Devices"])
                for _ in range(customers)
            )
        )
        # Skewed like real life: a few customers return most of the goods.
        weights = [1 / (rank + 1) for rank in range(len(companies))]
        statuses = [S.PENDING, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETE, S.CANCELLED]
        status_weights = [20, 30, 10, 30, 10]
        batch = []
        for n in range(1, orders + 1):
            target = today + datetime.timedelta(days=rng.randint(-540, 180))
            batch.append(
                ReturnOrder(
                    reference=f"RMA-{n:04d}",
                    reference_int=n,
                    customer=rng.choices(companies, weights)[0],
                    description=f"{rng.choice(['Faulty', 'Broken', 'Noisy', 'Dead'])} "
                    f"{rng.choice(['controller', 'servo', 'sensor', 'display'])} lot {n % 997}",
                    customer_reference=f"PO-{rng.randint(1000, 99999)}",
                    status=rng.choices(statuses, status_weights)[0],
                    responsible=rng.choice(owners) if n % 3 else None,
                    creation_date=target - datetime.timedelta(days=rng.randint(10, 60)),
                    target_date=target if n % 11 else None,
                    total_price=Money(Decimal(rng.randint(0, 50000)) / 100, "USD"),
                )
            )
            if len(batch) == 5000:
                ReturnOrder.objects.bulk_create(batch, batch_size=1000)
                batch = []
        ReturnOrder.objects.bulk_create(batch, batch_size=1000)

        # Lines on every tenth order, so the line-count columns have something to count.
        part = Part.objects.create(name="Servo motor", trackable=True)
        order_rows = list(
            ReturnOrder.objects.annotate(tenth=Mod("reference_int", 10))
            .filter(tenth=0)
            .values_list("pk", "customer_id")
        )
        items = StockItem.objects.bulk_create(
            (
                StockItem(part=part, serial=f"SN{pk}", serial_int=pk, customer_id=customer)
                for pk, customer in order_rows
            ),
            batch_size=1000,
        )
        ReturnOrderLineItem.objects.bulk_create(
            (
                ReturnOrderLineItem(
                    order_id=pk,
                    item=item,
                    received_date=today if pk % 20 == 0 else None,
                )
                for (pk, _customer), item in zip(order_rows, items, strict=True)
            ),
            batch_size=1000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    biggest = companies[0]
    return user, biggest, "controller lot 42"


# -- measuring -----------------------------------------------------------------------------


def explain(sql_text: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql_text)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql_text)
        return [row[0] for row in cursor.fetchall()]


def verdict(plan: list[str]) -> str:
    """One line: how the orders table is read, and whether every match is sorted first."""
    text = "\n".join(plan)
    if "sqlite" in os.environ["DATABASE_URL"]:
        reads = [line.strip() for line in plan if re.search(rf"\b(SCAN|SEARCH) {TABLE}\b", line)]
        if "USE TEMP B-TREE FOR ORDER BY" in text:
            sort = " + SORTS EVERY MATCH"
        elif "RIGHT PART OF ORDER BY" in text:
            sort = " + sorts ties only"
        else:
            sort = ", already in order"
    else:
        reads = [
            line.strip().lstrip("-> ").split("  (")[0]
            for line in plan
            if re.search(rf"\bon {TABLE}\b", line)
        ]
        if re.search(r"(^|->)\s*Sort\s+\(cost", text, re.M):
            sort = " + SORTS EVERY MATCH"
        elif re.search(r"Incremental Sort\s+\(cost", text):
            sort = " + sorts ties only (incremental)"
        else:
            sort = ""
    return ("; ".join(reads) or "(no read of the orders table)") + sort


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm: templates compiled, caches filled
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = [q["sql"] for q in ctx.captured_queries]
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    counts = [q for q in queries if re.match(r'SELECT COUNT\(\*\) AS "__count"', q)]
    lists = [q for q in queries if re.match(rf'SELECT "{TABLE}"\."id"', q)]
    return {
        "median_ms": statistics.median(timings) * 1000,
        "db_ms": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
        "slowest_ms": float(slowest["time"]) * 1000,
        "slowest_sql": slowest["sql"],
        "min_ms": min(timings) * 1000,
        "queries": len(queries),
        "count_queries": len(counts),
        "count_sql": counts[0] if counts else None,
        # The page reads its 25 keys in order first, then loads those rows with their columns.
        "keys_sql": lists[0] if lists else None,
        "rows_sql": lists[1] if len(lists) > 1 else None,
        "rows": response.content.decode().count('class="fw-semibold"'),
    }


def main() -> None:
    args = parse_args()
    with throwaway_database(args.keep) as where:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        if not settings.DEBUG:
            raise SystemExit("Run with DEBUG=1 (the test client needs the plain static files).")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        print(f"Database: {where}")
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        user, customer, search = build(args.orders, args.customers)
        print(
            f"Created {args.orders:,} orders for {args.customers} customers "
            f"in {time.perf_counter() - started:.1f} s ({connection.vendor})\n"
        )
        client = Client()
        client.force_login(user)
        scenarios = [
            ("default sort (newest reference first)", ""),
            ("status filter (In Progress)", "?status=20"),
            ("overdue filter", "?overdue=on"),
            (
                f"customer filter ({customer.name}) + sort by target date",
                f"?customer={customer.pk}&sort=target_date",
            ),
            (f"free-text search ({search!r})", "?search=" + search.replace(" ", "+")),
            ("page 200", "?page=200"),
        ]
        results = []
        for label, query in scenarios:
            result = measure(client, PAGE + query, args.repeat)
            results.append((label, query, result))
            count = result["count_queries"]
            print(
                f"{label:<58} {result['median_ms']:8.1f} ms median "
                f"(min {result['min_ms']:.1f}, {args.repeat} runs), "
                f"database {result['db_ms']:.1f} ms (slowest query {result['slowest_ms']:.1f}), "
                f"{result['queries']} queries, count query "
                f"{'ran once' if count == 1 else f'ran {count} times'}, "
                f"{result['rows']} rows shown"
            )
        print("\nQuery plans (as the page ran them):")
        for label, query, result in results:
            print(f"\n== {label}  [{PAGE}{query}]")
            for kind in ("keys", "rows", "count"):
                sql_text = result[f"{kind}_sql"]
                if sql_text is None:
                    print(f"  {kind}: (not run)")
                    continue
                plan = explain(sql_text)
                note = "  (25 rows by primary key: their sort is free)" if kind == "rows" else ""
                print(f"  {kind}: {verdict(plan)}{note}")
                for line in plan:
                    print(f"      {line}")


if __name__ == "__main__":
    main()
