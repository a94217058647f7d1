"""Boomerang served for real on loopback, for the load benchmark (``bench/load.py``) and the
multi-process test (``tests/deploy/``): a throwaway PostgreSQL database, the environment
gunicorn and Celery run with, the seed, starting and stopping processes, and the rules the
data must obey after a run (``check_consistency``).

Nothing here leaves the machine: databases, servers and receivers are on 127.0.0.1.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/boomerang"
LOOPBACK = "127.0.0.1"
LOOPBACK_HOSTS = (LOOPBACK, "localhost", "::1")


class HarnessError(RuntimeError):
    """Something the run needs is missing or did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _server_params(url: str) -> dict:
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise HarnessError(f"This needs PostgreSQL, not {config['ENGINE']}")
    host = config["HOST"] or LOOPBACK
    if host not in LOOPBACK_HOSTS:
        raise HarnessError(f"This runs on loopback only, not on {host}")
    return {
        "name": config["NAME"] or "boomerang",
        "host": host,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }


@contextmanager
def throwaway_database(url: str, *, keep: bool = False, purpose: str = "load"):
    """A new PostgreSQL database ``<name>_<purpose>_<pid>`` on the server of ``url``; yields
    its URL and name, and drops it afterwards (whoever is still connected), failure or not."""
    import psycopg
    from psycopg import sql

    params = _server_params(url)
    name = f"{params.pop('name')}_{purpose}_{os.getpid()}"
    server = {**params, "dbname": "postgres", "autocommit": True, "connect_timeout": 5}
    with psycopg.connect(**server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl(), name
    finally:
        if keep:
            print(f"Kept database {name}")
        else:
            with psycopg.connect(**server) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def server_env(
    database_url: str, port: int, workers: int, logs: Path, *, secret_key: str = ""
) -> dict:
    """The environment of one gunicorn server on ``port``, logging into ``logs``. Servers
    that share a database need the same ``secret_key`` (what one signs, the other reads)."""
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}},
        "DEBUG": "false",
        "SECRET_KEY": secret_key or os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
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


def start_gunicorn(env: dict, *, stderr: Path) -> subprocess.Popen:
    """gunicorn with ``config/gunicorn.py`` and ``env`` (see ``server_env``)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("w"),
    )


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(f"the server exited with {process.returncode} before listening")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise HarnessError(f"the server did not listen on port {port} within {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL if it takes longer than ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# -- seed ----------------------------------------------------------------------------------


def setup_django(env: dict) -> None:
    """Set this process up as Boomerang with ``env`` (the seed and the checks run here)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(*, flows: int, clerks: int, orders: int) -> dict:
    """Migrate and fill the database; returns what the clients need: ``clerks`` (API token
    and calendar key each, with the return-order and stock roles an order's life needs),
    ``customers``, ``orders`` (pks of the seeded ones), ``location``, and ``items``: one
    serialized stock item held by a customer for each of ``flows`` order lives."""
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


# -- consistency ---------------------------------------------------------------------------


def check_consistency(
    *, seeded_orders: int, created: int, access_logs: Iterable[Path]
) -> list[str]:
    """Every rule the data must obey after a run of order lives (orders described "load");
    returns the broken ones.

    Every received line's stock item sits at a location with no customer and has one
    "returned" tracking entry for its order; no stock item is on two open orders; references
    are unique; receipt history rows name exactly the received lines, once each; the orders
    are the seeded ones and the ``created`` ones; every line of a completed "load" order was
    received; no access log line carries a query string.
    """
    from django.db import connections
    from django.db.models import Count

    from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
    from returns.statuses import ReturnOrderStatus as S
    from stock.models import StockItemTracking
    from stock.statuses import StockHistoryCode

    RETURNED = StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER
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
        # One receipt, one "returned" entry (a resolution may add entries of its own).
        entries = StockItemTracking.objects.filter(
            item=item, deltas__returnorder=line.order_id, tracking_type=RETURNED
        ).count()
        if entries != 1:
            problems.append(
                f"line {line.pk}: {entries} 'returned' tracking entries for order {line.order_id}"
            )

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

    for log in access_logs:
        access = log.read_text() if log.exists() else ""
        leaked = [line for line in access.splitlines() if "?" in line or "token=" in line]
        if leaked:
            problems.append(f"{len(leaked)} lines of {log.name} carry a query string: {leaked[0]}")
    return problems
