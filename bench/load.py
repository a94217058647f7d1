"""Load test: gunicorn (several workers) on PostgreSQL under a mixed read/write locust workload.

    .venv/bin/python bench/load.py [--duration 60] [--users 20] [--workers 4]
    make bench-load                       # the same, with BENCH_DURATION etc. from the env

Steps, all on loopback and bounded in time:

1. create a dedicated PostgreSQL database ``<name>_load_<pid>`` on the server named by
   ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/boomerang``), migrate it
   and seed it: customers, a location, open and closed orders to read, one stock item held by
   a customer for every write flow, and clerks with API tokens and calendar keys;
2. start gunicorn with ``config/gunicorn.py`` and ``--workers`` workers on a free port;
3. run locust headless (``bench/locustfile.py``) for ``--duration`` seconds: list, detail,
   filter, search, calendar feed; and whole order lives (create, add line, issue, receive,
   complete);
4. stop both, then check the database is consistent: every received line's stock item sits
   at a location with no customer and has one tracking entry for that order; no stock item is
   on two open orders; references are unique; receipt history rows name exactly the received
   lines, once each; every order created by the run exists; no access log line carries a
   query string;
5. print requests/s, p50/p95/p99 and the error count, and drop the database (``--keep`` keeps
   it). The exit status is non-zero when any request failed or a check did not hold.
"""

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/boomerang"
LOOPBACK = "127.0.0.1"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_database(url: str, *, keep: bool):
    """A new PostgreSQL database on the server of ``url``; yields its URL, drops it after."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"The load benchmark needs PostgreSQL, not {config['ENGINE']}")
    host = config["HOST"] or LOOPBACK
    if host not in (LOOPBACK, "localhost", "::1"):
        raise SystemExit(f"The load benchmark runs on loopback only, not on {host}")
    name = f"{config['NAME'] or 'boomerang'}_load_{os.getpid()}"
    server = {
        "host": host,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 5,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl(), name
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never got set up: nothing is connected
            pass
        if keep:
            print(f"Kept database {name}")
        else:
            with psycopg.connect(**server) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def server_env(database_url: str, port: int, workers: int, logs: Path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}},
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": LOOPBACK,
        "BOOMERANG_BASE_URL": f"http://{LOOPBACK}:{port}",
        "STATIC_STORAGE": "plain",
        "MEDIA_ROOT": str(logs / "media"),
        # Notifications on commit go nowhere: nothing leaves the machine.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"{LOOPBACK}:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": str(logs / "access.log"),
        "GUNICORN_ERROR_LOG": str(logs / "error.log"),
    }


# -- seed ----------------------------------------------------------------------------------


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(*, flows: int, clerks: int, orders: int) -> dict:
    """Migrate and fill the database; returns what the locust users need (see locustfile)."""
    import datetime
    import random
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from common import site_settings
    from companies.models import Company
    from returns.models import ReturnOrder
    from returns.statuses import ReturnOrderStatus as S
    from stock.models import Part, StockItem, StockLocation
    from users import services as user_services

    call_command("migrate", "--no-input", verbosity=0)
    rng = random.Random(20261201)
    today = timezone.localdate()
    with transaction.atomic():
        site_settings.set_value("RETURNORDER_ENABLED", True)
        group = Group.objects.create(name="Load clerks")
        user_services.group_set_role(
            group=group, role="return_order", view=True, add=True, change=True
        )
        user_services.group_set_role(group=group, role="stock", view=True, change=True)
        user_services.group_set_role(group=group, role="stock_location", view=True)
        user_services.group_set_role(group=group, role="part", view=True)
        seeded_clerks = []
        for n in range(clerks):
            user = User.objects.create_user(f"clerk{n}", password=None)
            user.groups.add(group)
            _token, key = user_services.api_token_create(user=user, name="load", days=2)
            _calendar, calendar_key = user_services.calendar_token_regenerate(user=user)
            seeded_clerks.append({"token": key, "calendar_key": calendar_key})
        customers = Company.objects.bulk_create(
            Company(name=f"Customer {n:02d}", is_customer=True, is_supplier=False)
            for n in range(20)
        )
        location = StockLocation.objects.create(name="Returns bench")
        ReturnOrder.objects.bulk_create(
            (
                ReturnOrder(
                    reference=f"RMA-{n:04d}",
                    reference_int=n,
                    customer=rng.choice(customers),
                    description=f"{rng.choice(['Faulty', 'Noisy', 'Dead'])} "
                    f"{rng.choice(['controller', 'servo', 'sensor', 'display'])} lot {n % 97}",
                    customer_reference=f"PO-{rng.randint(1000, 99999)}",
                    status=rng.choice([S.PENDING, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETE]),
                    target_date=today + datetime.timedelta(days=rng.randint(-60, 60)),
                )
                for n in range(1, orders + 1)
            ),
            batch_size=1000,
        )
        part = Part.objects.create(name="Servo motor", trackable=True, salable=True)
        items = StockItem.objects.bulk_create(
            (
                StockItem(
                    part=part,
                    quantity=Decimal(1),
                    serial=f"LD{n}",
                    serial_int=n,
                    customer=customers[n % len(customers)],
                )
                for n in range(1, flows + 1)
            ),
            batch_size=1000,
        )
    return {
        "clerks": seeded_clerks,
        "customers": [c.pk for c in customers],
        "orders": list(ReturnOrder.objects.values_list("pk", flat=True)),
        "location": location.pk,
        "items": [{"item": i.pk, "customer": i.customer_id} for i in items],
        "seeded_orders": orders,
    }


# -- run -----------------------------------------------------------------------------------


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} before listening")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start listening in time")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run_locust(*, port: int, users: int, duration: int, seed_file: Path, out: Path) -> None:
    locust = Path(sys.executable).with_name("locust")
    command = [
        str(locust),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users, 1)),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "20",
        "--host",
        f"http://{LOOPBACK}:{port}",
        "--json-file",
        str(out / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "BENCH_SEED_FILE": str(seed_file),
        "BENCH_FAILURES_FILE": str(out / "failures.json"),
    }
    subprocess.run(command, env=env, timeout=duration + 120, check=False)


def read_failures(out: Path) -> list[dict]:
    """The failed requests the locustfile recorded (``BENCH_FAILURES_FILE``)."""
    path = out / "failures.json"
    return json.loads(path.read_text()) if path.exists() else []


def percentile(response_times: dict, fraction: float) -> float:
    """The ``fraction`` quantile (0.95 -> p95) of locust's ``{milliseconds: count}`` buckets."""
    buckets = sorted((float(ms), count) for ms, count in response_times.items())
    total = sum(count for _ms, count in buckets)
    if not total:
        return 0.0
    seen = 0
    for ms, count in buckets:
        seen += count
        if seen >= fraction * total:
            return ms
    return buckets[-1][0]


def read_stats(out: Path) -> list[dict]:
    """Per request name: count, failures, p50/p95/p99 and the span of the run."""
    entries = json.loads((out / "locust.json").read_text())
    rows = []
    for entry in entries:
        rows.append(
            {
                "name": entry["name"],
                "requests": entry["num_requests"],
                "failures": entry["num_failures"],
                "times": {str(k): v for k, v in entry["response_times"].items()},
                "start": entry["start_time"],
                "end": entry["last_request_timestamp"] or entry["start_time"],
            }
        )
    return rows


def aggregate(rows: list[dict]) -> dict:
    times: dict[str, int] = {}
    for row in rows:
        for ms, count in row["times"].items():
            times[ms] = times.get(ms, 0) + count
    start = min((row["start"] for row in rows), default=0)
    end = max((row["end"] for row in rows), default=0)
    requests = sum(row["requests"] for row in rows)
    return {
        "requests": requests,
        "failures": sum(row["failures"] for row in rows),
        "per_second": requests / (end - start) if end > start else 0.0,
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
    }


# -- consistency ---------------------------------------------------------------------------


def check_consistency(*, seeded_orders: int, created: int, logs: Path) -> list[str]:
    """Every rule the data must obey after the run; returns the broken ones."""
    from django.db import connections
    from django.db.models import Count

    from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
    from returns.statuses import ReturnOrderStatus as S
    from stock.models import StockItemTracking

    connections.close_all()
    problems = []
    open_statuses = [S.PENDING, S.IN_PROGRESS, S.ON_HOLD]

    received = list(
        ReturnOrderLineItem.objects.filter(received_date__isnull=False).select_related(
            "item", "order"
        )
    )
    for line in received:
        item = line.item
        if item.location_id is None or item.customer_id is not None:
            problems.append(
                f"line {line.pk}: stock item {item.pk} is not in stock at a location "
                f"(location={item.location_id}, customer={item.customer_id})"
            )
        entries = StockItemTracking.objects.filter(
            item=item, deltas__returnorder=line.order_id
        ).count()
        if entries != 1:
            problems.append(f"line {line.pk}: {entries} tracking entries for order {line.order_id}")

    doubled = (
        ReturnOrderLineItem.objects.filter(order__status__in=open_statuses)
        .values("item")
        .annotate(orders=Count("order", distinct=True))
        .filter(orders__gt=1)
    )
    problems.extend(
        f"stock item {row['item']} is on {row['orders']} open orders" for row in doubled
    )

    duplicates = ReturnOrder.objects.values("reference").annotate(n=Count("pk")).filter(n__gt=1)
    problems.extend(f"reference {row['reference']} used {row['n']} times" for row in duplicates)

    receipts: dict[int, int] = {}
    for row in ReturnOrderHistory.objects.filter(kind=ReturnOrderHistory.Kind.RECEIVED):
        for line_pk in row.data.get("lines", []):
            receipts[line_pk] = receipts.get(line_pk, 0) + 1
    received_pks = {line.pk for line in received}
    problems.extend(f"line {pk} received {n} times" for pk, n in receipts.items() if n != 1)
    if set(receipts) != received_pks:
        problems.append(
            f"receipt history names {len(receipts)} lines, {len(received_pks)} are received"
        )

    total = ReturnOrder.objects.count()
    if total != seeded_orders + created:
        problems.append(
            f"{total} orders, expected {seeded_orders} seeded + {created} created by the run"
        )
    completed_unreceived = ReturnOrderLineItem.objects.filter(
        order__status=S.COMPLETE, order__description="load", received_date__isnull=True
    ).count()
    if completed_unreceived:
        problems.append(f"{completed_unreceived} lines of completed load orders not received")

    access = (logs / "access.log").read_text() if (logs / "access.log").exists() else ""
    leaked = [line for line in access.splitlines() if "?" in line or "token=" in line]
    if leaked:
        problems.append(f"{len(leaked)} access log lines carry a query string: {leaked[0]}")
    return problems


# -- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=env_int("BENCH_DURATION", 60))
    parser.add_argument("--users", type=int, default=env_int("BENCH_USERS", 20))
    parser.add_argument("--workers", type=int, default=env_int("BENCH_WORKERS", 4))
    parser.add_argument("--orders", type=int, default=env_int("BENCH_ORDERS", 2000))
    parser.add_argument("--flows", type=int, default=env_int("BENCH_FLOWS", 5000))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    if not 1 <= args.duration <= 3600:
        raise SystemExit("--duration must be between 1 and 3600 seconds")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)

    with (
        tempfile.TemporaryDirectory(prefix="boomerang-load-") as folder,
        throwaway_database(url, keep=args.keep) as (database_url, name),
    ):
        out = Path(folder)
        port = free_port()
        env = server_env(database_url, port, args.workers, out)
        print(f"Database {name}; seeding {args.orders} orders and {args.flows} stock items ...")
        setup_django(env)
        data = seed(flows=args.flows, clerks=args.users, orders=args.orders)
        seed_file = out / "seed.json"
        seed_file.write_text(json.dumps(data))

        print(f"gunicorn: {args.workers} workers on {LOOPBACK}:{port}")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                str(ROOT / "config" / "gunicorn.py"),
                "config.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(out / "server.err").open("w"),
        )
        try:
            wait_for_port(port, server, timeout=60)
            print(f"locust: {args.users} users for {args.duration} s ...")
            run_locust(
                port=port,
                users=args.users,
                duration=args.duration,
                seed_file=seed_file,
                out=out,
            )
        finally:
            stop(server)

        rows = read_stats(out)
        total = aggregate(rows)
        failures = read_failures(out)
        created = sum(r["requests"] - r["failures"] for r in rows if r["name"] == "create order")
        problems = check_consistency(seeded_orders=args.orders, created=created, logs=out)
        error_log = "".join(
            (out / name).read_text()
            for name in ("error.log", "server.err")
            if (out / name).exists()
        )
        if "token=" in error_log:
            problems.append("the server's error output carries a query string")

    print()
    print(f"{'request':<14}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for row in sorted(rows, key=lambda r: r["name"]):
        print(
            f"{row['name']:<14}{row['requests']:>8}{row['failures']:>8}"
            f"{percentile(row['times'], 0.5):>9.0f}{percentile(row['times'], 0.95):>9.0f}"
            f"{percentile(row['times'], 0.99):>9.0f}"
        )
    print()
    print(f"duration      {args.duration} s, {args.users} users, {args.workers} gunicorn workers")
    print(f"requests      {total['requests']}")
    print(f"requests/s    {total['per_second']:.1f}")
    print(f"p50/p95/p99   {total['p50']:.0f} / {total['p95']:.0f} / {total['p99']:.0f} ms")
    print(f"errors        {total['failures']}")
    print(f"order lives   {created} orders created (then line, issue, receive, complete)")
    for failure in failures[:10]:
        print(f"  failure: {failure['name']}: {failure['error'][:200]}")
    tracebacks = error_log.count("Traceback")
    if tracebacks:
        print(f"  the server's error output holds {tracebacks} traceback(s)")
    if problems:
        print("consistency   FAILED")
        for problem in problems[:20]:
            print(f"  {problem}")
    else:
        print("consistency   ok")
    return 1 if total["failures"] or problems or total["requests"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
