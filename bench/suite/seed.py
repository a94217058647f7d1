"""Fill an empty database with a returns desk's history, through bulk inserts.

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.suite.settings \
        python -m bench.suite.seed --orders 100000 --receive-orders 12 --out seed.json

Runs ``migrate`` first, then writes, in batches of a few thousand orders: customers (skewed,
about one per 250 orders: a few return most of the goods), parts, serialized stock items held
by the customers, orders in every status with 1 to 5 lines each, their history rows, and a
tracking row for every received line. About 10,000 open orders carry a target date (the feed).
Separately it prepares in-progress orders of 1 and of 100 unreceived lines, one per timed
receive request, and an API user with a token, a calendar key and a logged-in session. What
the measuring side needs (keys, primary keys, sizes) is written to ``--out`` as JSON.
"""

import argparse
import datetime
import json
import random
import sys
import time
from decimal import Decimal

FEED_ORDERS = 10_000
ORDERS_PER_CUSTOMER = 250
LINES_PER_ORDER = (1, 2, 3, 4, 5)
LINE_WEIGHTS = (40, 25, 15, 12, 8)
BATCH_ORDERS = 5_000
INSERT_BATCH = 2_000
SEARCH_WORD = "servo"
PRODUCTS = ["controller", "servo", "sensor", "display", "gearbox", "encoder", "relay", "drive"]
FAULTS = ["Faulty", "Broken", "Noisy", "Dead", "Intermittent", "Overheating"]
RECEIVE_SIZES = (1, 100)
DETAIL_LINES = 3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument(
        "--receive-orders", type=int, default=12, help="prepared orders per receive size"
    )
    parser.add_argument("--out", required=True, help="JSON file for the measuring side")
    return parser.parse_args(argv)


def status_plan(orders: int, rng: random.Random) -> list[tuple[int, bool]]:
    """``(status, has_target_date)`` for each order, shuffled: ``min(10,000, orders / 2)`` open
    orders with a target date, a few open ones without, the rest complete or cancelled."""
    from returns.statuses import ReturnOrderStatus as S

    feed = min(FEED_ORDERS, orders // 2)
    open_statuses = [S.PENDING, S.IN_PROGRESS, S.ON_HOLD]
    plan = [(rng.choices(open_statuses, (35, 50, 15))[0], True) for _ in range(feed)]
    rest = orders - feed
    undated_open = rest // 20
    plan += [(rng.choice(open_statuses), False) for _ in range(undated_open)]
    plan += [
        (rng.choices([S.COMPLETE, S.CANCELLED], (80, 20))[0], rng.random() < 0.9)
        for _ in range(rest - undated_open)
    ]
    rng.shuffle(plan)
    return plan


def seed(*, orders: int, receive_orders: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone
    from djmoney.money import Money

    from common import site_settings
    from companies.models import Company
    from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
    from returns.statuses import ReturnOrderLineStatus
    from returns.statuses import ReturnOrderStatus as S
    from stock.models import Part, StockItem, StockItemTracking, StockLocation
    from stock.statuses import StockHistoryCode, StockStatus
    from users import services as user_services
    from users.models import Owner

    started = time.monotonic()
    call_command("migrate", "--no-input", verbosity=0)
    rng = random.Random(20261201 + orders)
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        site_settings.set_value("RETURNORDER_ENABLED", True)
        clerks = Group.objects.create(name="Returns desk")
        user_services.group_set_role(
            group=clerks, role="return_order", view=True, add=True, change=True
        )
        user_services.group_set_role(group=clerks, role="stock", view=True, change=True)
        user_services.group_set_role(group=clerks, role="stock_location", view=True)
        user_services.group_set_role(group=clerks, role="part", view=True)
        user = User.objects.create_user("bench", password=None, is_staff=True)
        user.groups.add(clerks)
        _token, api_key = user_services.api_token_create(user=user, name="bench", days=2)
        _calendar, calendar_key = user_services.calendar_token_regenerate(user=user)
        staff = [User.objects.create_user(f"agent{n}", password=None) for n in range(8)]
        owners = list(Owner.objects.filter(name__in=[u.username for u in staff] + [clerks.name]))

        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()

        customers = Company.objects.bulk_create(
            Company(
                name=f"{rng.choice(['Acme', 'Nova', 'Orbit', 'Vertex', 'Helix'])} "
                f"{rng.choice(['Robotics', 'Motors', 'Labs', 'Systems', 'Devices'])} {n:03d}",
                is_customer=True,
                is_supplier=False,
            )
            for n in range(max(20, orders // ORDERS_PER_CUSTOMER))
        )
        # Zipf-like: the first customer returns about a sixth of everything.
        weights = [1 / (rank + 1) for rank in range(len(customers))]
        parts = Part.objects.bulk_create(
            Part(name=f"{product.title()} {size}", trackable=True, salable=True)
            for product in PRODUCTS
            for size in ("S", "M", "L", "XL")
        )
        locations = StockLocation.objects.bulk_create(
            StockLocation(name=name, pathstring=name)
            for name in ("Returns inbound", "Quarantine", "Repair bench")
        )

    serial = 0
    lines_total = 0
    plan = status_plan(orders, rng)
    received_line_statuses = [ReturnOrderLineStatus.PENDING, ReturnOrderLineStatus.RETURN]
    for start in range(0, orders, BATCH_ORDERS):
        chunk = plan[start : start + BATCH_ORDERS]
        with transaction.atomic():
            batch = []
            for offset, (status, dated) in enumerate(chunk):
                n = start + offset + 1
                created = today - datetime.timedelta(days=int(1500 * (1 - n / orders)) + 1)
                if status in (S.COMPLETE, S.CANCELLED):
                    target = created + datetime.timedelta(days=rng.randint(7, 60))
                else:
                    target = today + datetime.timedelta(days=rng.randint(-60, 180))
                batch.append(
                    ReturnOrder(
                        reference=f"RMA-{n:06d}",
                        reference_int=n,
                        customer=rng.choices(customers, weights)[0],
                        description=f"{rng.choice(FAULTS)} {rng.choice(PRODUCTS)} lot {n % 997}",
                        customer_reference=f"PO-{rng.randint(1000, 99999)}",
                        status=status,
                        responsible=rng.choice(owners) if n % 3 else None,
                        creation_date=created,
                        issue_date=created if status != S.PENDING else None,
                        complete_date=target if status == S.COMPLETE else None,
                        target_date=target if dated else None,
                        total_price=Money(Decimal(rng.randint(0, 50000)) / 100, "USD"),
                    )
                )
            made = ReturnOrder.objects.bulk_create(batch, batch_size=INSERT_BATCH)

            items, lines, history, tracking = [], [], [], []
            for order in made:
                count = rng.choices(LINES_PER_ORDER, LINE_WEIGHTS)[0]
                received = order.status == S.COMPLETE or (
                    order.status == S.IN_PROGRESS and rng.random() < 0.3
                )
                for _ in range(count):
                    serial += 1
                    items.append(
                        StockItem(
                            part=rng.choice(parts),
                            quantity=Decimal(1),
                            serial=f"SN{serial:07d}",
                            serial_int=serial,
                            status=StockStatus.QUARANTINED if received else StockStatus.OK,
                            customer=None if received else order.customer,
                            location=rng.choice(locations) if received else None,
                        )
                    )
                    lines.append((order, received))
                history.append(
                    ReturnOrderHistory(
                        order=order, kind=ReturnOrderHistory.Kind.CREATED, user=user, date=now
                    )
                )
                if order.status != S.PENDING:
                    history.append(
                        ReturnOrderHistory(
                            order=order,
                            kind=ReturnOrderHistory.Kind.STATUS,
                            from_status=S.PENDING,
                            to_status=order.status,
                            user=user,
                            date=now,
                        )
                    )
            items = StockItem.objects.bulk_create(items, batch_size=INSERT_BATCH)
            line_rows = []
            for item, (order, received) in zip(items, lines, strict=True):
                line_rows.append(
                    ReturnOrderLineItem(
                        order=order,
                        item=item,
                        received_date=order.issue_date if received else None,
                        outcome=rng.choice(received_line_statuses)
                        if received
                        else ReturnOrderLineStatus.PENDING,
                    )
                )
                if received:
                    tracking.append(
                        StockItemTracking(
                            item=item,
                            tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER,
                            user=user,
                            date=now,
                            deltas={
                                "status": int(item.status),
                                "returnorder": order.pk,
                                "location": item.location_id,
                                "customer": order.customer_id,
                            },
                        )
                    )
            line_rows = ReturnOrderLineItem.objects.bulk_create(line_rows, batch_size=INSERT_BATCH)
            receipts: dict[int, list[int]] = {}
            for line, (order, received) in zip(line_rows, lines, strict=True):
                if received:
                    receipts.setdefault(order.pk, []).append(line.pk)
            history.extend(
                ReturnOrderHistory(
                    order_id=order_pk,
                    kind=ReturnOrderHistory.Kind.RECEIVED,
                    from_status=S.IN_PROGRESS,
                    to_status=S.IN_PROGRESS,
                    user=user,
                    date=now,
                    data={"lines": line_pks},
                )
                for order_pk, line_pks in receipts.items()
            )
            ReturnOrderHistory.objects.bulk_create(history, batch_size=INSERT_BATCH)
            StockItemTracking.objects.bulk_create(tracking, batch_size=INSERT_BATCH)
            lines_total += len(line_rows)
        print(f"  seeded {start + len(chunk):,} of {orders:,} orders", file=sys.stderr, flush=True)

    # Fresh in-progress orders for the receive requests: each is received once, so every
    # timed request finds the same state.
    receive: dict[str, list[dict]] = {}
    with transaction.atomic():
        big = customers[0]
        for size in RECEIVE_SIZES:
            prepared = []
            for n in range(receive_orders):
                order = ReturnOrder.objects.create(
                    reference=f"RCV-{size}-{n}",
                    reference_int=0,
                    customer=big,
                    description=f"receive {size}",
                    status=S.IN_PROGRESS,
                    issue_date=today,
                )
                stock = []
                for _ in range(size):
                    serial += 1
                    stock.append(
                        StockItem(
                            part=parts[0],
                            quantity=Decimal(1),
                            serial=f"SN{serial:07d}",
                            serial_int=serial,
                            customer=big,
                        )
                    )
                stock = StockItem.objects.bulk_create(stock)
                made_lines = ReturnOrderLineItem.objects.bulk_create(
                    ReturnOrderLineItem(order=order, item=item) for item in stock
                )
                prepared.append({"order": order.pk, "lines": [line.pk for line in made_lines]})
            receive[str(size)] = prepared

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum would have done long ago on a real desk: statistics for the
            # planner and a visibility map for index-only scans.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")

    seeded = ReturnOrder.objects.filter(reference__startswith="RMA-")
    # An in-progress order of three lines from the middle of the history: the same shape at
    # every size, so the detail figures of two sizes compare like with like.
    detail = (
        seeded.filter(status=S.IN_PROGRESS, reference_int__gte=orders // 2)
        .annotate(line_count=Count("lines"))
        .filter(line_count=DETAIL_LINES)
        .order_by("reference_int")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "orders": orders,
        "seeded_orders": seeded.count(),
        "all_orders": ReturnOrder.objects.count(),
        "lines": lines_total,
        "customers": len(customers),
        "feed_orders": ReturnOrder.objects.open().filter(target_date__isnull=False).count(),
        "big_customer": customers[0].pk,
        "search": SEARCH_WORD,
        "detail_order": detail,
        "api_key": api_key,
        "calendar_key": calendar_key,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_key": session.session_key,
        "location": locations[0].pk,
        "receive": receive,
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    import django

    django.setup()
    info = seed(orders=args.orders, receive_orders=args.receive_orders)
    with open(args.out, "w") as handle:
        json.dump(info, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
