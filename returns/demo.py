"""A small demo data set: customers, parts, a location tree, serialized stock and two roles.

Loaded by ``manage.py setup_site`` on the first run of ``make run`` (or ``load_demo_data``).
"""

import secrets
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from companies import services as company_services
from companies.models import Address, Company, Contact
from stock import services as stock_services
from stock.models import Part, StockLocation
from users import services as user_services

DEMO_MARKER = "demo-data"

CUSTOMERS = [
    {
        "name": "Northwind Cycles",
        "description": "Bicycle retailer, three shops",
        "email": "service@northwind.example",
        "phone": "+1 555 0100",
        "currency": "USD",
        "contacts": [
            ("Ada Park", "ada@northwind.example", "Service manager"),
            ("Tom Reyes", "tom@northwind.example", "Buyer"),
        ],
        "address": ("Head office", "12 Harbour Road", "98101", "Seattle", "WA", "USA"),
    },
    {
        "name": "Alpenrad GmbH",
        "description": "Distributor for Austria and Bavaria",
        "email": "rma@alpenrad.example",
        "phone": "+43 1 555 200",
        "currency": "EUR",
        "contacts": [("Jürgen Höfler", "j.hoefler@alpenrad.example", "Returns desk")],
        "address": ("Lager", "Industriestraße 4", "6020", "Innsbruck", "Tirol", "Austria"),
    },
    {
        "name": "Kestrel Outdoor Ltd",
        "description": "Online retailer",
        "email": "support@kestrel.example",
        "phone": "+44 20 5550 300",
        "currency": "GBP",
        "contacts": [("Priya Shah", "priya@kestrel.example", "Customer care")],
        "address": ("Warehouse", "Unit 7, Mill Lane", "LS1 4AP", "Leeds", "", "United Kingdom"),
    },
]
SUPPLIERS = ["Shimano Parts Supply", "Volt Cells Inc."]
PARTS = [
    # name, IPN, description, trackable, salable, units
    ("E-Bike Motor M400", "MOT-400", "250 W mid-drive motor", True, True, ""),
    ("Battery Pack 500Wh", "BAT-500", "36 V lithium-ion battery pack", True, True, ""),
    ("Display Unit D2", "DSP-002", "Handlebar display with USB-C", True, True, ""),
    ("Brake Pads (pair)", "BRK-010", "Organic disc brake pads", False, True, "pcs"),
    ("Chain Lube 100ml", "LUB-100", "Workshop consumable", False, False, "bottle"),
    ("Motor Bearing Set", "BRG-400", "Spare bearings for the M400 motor", False, False, "set"),
]


def demo_data_present() -> bool:
    return Company.objects.filter(metadata__source=DEMO_MARKER).exists()


def _location(
    name: str,
    parent: StockLocation | None = None,
    *,
    structural: bool = False,
    description: str = "",
):
    return stock_services.location_save(
        location=StockLocation(
            name=name, parent=parent, structural=structural, description=description
        )
    )


@transaction.atomic
def load_demo_data(*, password: str, viewer_password: str | None = None) -> dict:
    """Create the demo records; returns the demo users' names. Safe to call once per database.

    ``password`` is the clerk's; the viewer gets ``viewer_password``, or a random one, so that
    logging in as the read-only user never also opens the clerk's account.
    """
    if viewer_password is None:
        viewer_password = secrets.token_urlsafe(12)
    if viewer_password == password:
        raise ValueError("The demo clerk and viewer need different passwords.")
    customers = []
    for spec in CUSTOMERS:
        company = Company.objects.create(
            name=spec["name"],
            description=spec["description"],
            email=spec["email"],
            phone=spec["phone"],
            currency=spec["currency"],
            is_customer=True,
            is_supplier=False,
            metadata={"source": DEMO_MARKER},
        )
        for name, email, role in spec["contacts"]:
            Contact.objects.create(company=company, name=name, email=email, role=role)
        title, line1, postal_code, city, province, country = spec["address"]
        company_services.address_save(
            address=Address(
                company=company,
                title=title,
                line1=line1,
                postal_code=postal_code,
                postal_city=city,
                province=province,
                country=country,
                primary=True,
            )
        )
        customers.append(company)
    for name in SUPPLIERS:
        Company.objects.create(name=name, is_supplier=True, metadata={"source": DEMO_MARKER})

    parts = {}
    for name, ipn, description, trackable, salable, units in PARTS:
        parts[ipn] = Part.objects.create(
            name=name,
            IPN=ipn,
            description=description,
            trackable=trackable,
            salable=salable,
            units=units,
            # Serialized products sold to customers carry a two-year warranty.
            warranty_months=24 if trackable and salable else None,
        )

    warehouse = _location("Warehouse", structural=True, description="Main building")
    stores = _location("Stores", warehouse, description="Saleable stock")
    returns = _location(
        "Returns", warehouse, structural=True, description="Goods coming back from customers"
    )
    _location("Quarantine", returns, description="Returned items awaiting inspection")
    _location("Repair bench", returns, description="Items being repaired")
    _location("Scrap", warehouse, description="Written-off items")

    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    motors = stock_services.stock_item_create(
        part=parts["MOT-400"],
        quantity=Decimal(6),
        serial_numbers="1001-1006",
        location=stores,
        user=admin,
    )
    batteries = stock_services.stock_item_create(
        part=parts["BAT-500"],
        quantity=Decimal(4),
        serial_numbers="B-2001,B-2002,B-2003,B-2004",
        location=stores,
        user=admin,
    )
    displays = stock_services.stock_item_create(
        part=parts["DSP-002"],
        quantity=Decimal(4),
        serial_numbers="D-301,D-302,D-303,D-304",
        location=stores,
        user=admin,
    )
    pads = stock_services.stock_item_create(
        part=parts["BRK-010"], quantity=Decimal(40), location=stores, user=admin
    )
    stock_services.stock_item_create(
        part=parts["LUB-100"], quantity=Decimal(12), location=stores, user=admin
    )
    stock_services.stock_item_create(
        part=parts["BRG-400"], quantity=Decimal(8), location=stores, user=admin
    )

    stock_services.stock_items_assign(
        items=motors[:3] + batteries[:1], customer=customers[0], user=admin, notes="Demo sale"
    )
    stock_services.stock_items_assign(
        items=motors[3:5] + displays[:2], customer=customers[1], user=admin, notes="Demo sale"
    )
    stock_services.stock_items_assign(
        items=batteries[1:3], customer=customers[2], user=admin, notes="Demo sale"
    )
    # Display D-303/D-304 and motor 1006 stay in stores, to be sent as replacements.
    # Part of a bulk item sold: split it off, then assign the split.
    sold_pads = stock_services.stock_item_split(item=pads[0], quantity=Decimal(10), user=admin)
    stock_services.stock_items_assign(
        items=[sold_pads], customer=customers[0], user=admin, notes="Demo sale"
    )

    clerks, _ = Group.objects.get_or_create(name="Returns clerks")
    user_services.group_set_role(
        group=clerks, role="return_order", view=True, add=True, change=True
    )
    user_services.group_set_role(group=clerks, role="stock", view=True, change=True)
    user_services.group_set_role(group=clerks, role="stock_location", view=True)
    user_services.group_set_role(group=clerks, role="part", view=True)
    viewers, _ = Group.objects.get_or_create(name="Viewers")
    for role in ("return_order", "stock", "stock_location", "part"):
        user_services.group_set_role(group=viewers, role=role, view=True)

    users = {}
    for username, group, first, last, user_password in (
        ("clerk", clerks, "Casey", "Clerk", password),
        ("viewer", viewers, "Vic", "Viewer", viewer_password),
    ):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@boomerang.example",
            },
        )
        if created:
            user.set_password(user_password)
            user.save()
        user.groups.add(group)
        users[username] = user
    orders = load_demo_return_orders(user=admin)
    return {"customers": customers, "parts": parts, "users": users, "orders": orders}


def load_demo_return_orders(*, user=None) -> list:
    """Return orders in every state, with lines, prices and target dates, and a line resolved
    each way: repaired with parts, returned, replaced (once ahead of the faulty unit), rejected
    and refunded. Everything goes through the services, as a user's requests would."""
    import datetime

    from djmoney.money import Money

    from returns import services as return_services
    from returns.models import ReturnCondition, ReturnOrder, ReturnReason
    from returns.statuses import RejectDisposition, ReturnOrderStatus
    from stock.models import StockItem
    from stock.statuses import StockStatus
    from users.models import Owner

    today = datetime.date.today()
    quarantine = StockLocation.objects.get(pathstring="Warehouse/Returns/Quarantine")
    clerks_owner = Owner.objects.filter(name="Returns clerks").first()
    customers = {c.name: c for c in Company.objects.filter(is_customer=True)}

    def held(customer, serial=None):
        items = StockItem.objects.filter(customer=customers[customer]).order_by("pk")
        return items.get(serial=serial) if serial else items.filter(serial__isnull=True).first()

    def order(customer, description, days, **fields):
        contact = customers[customer].contacts.order_by("pk").first()
        address = customers[customer].addresses.filter(primary=True).first()
        return return_services.return_order_create(
            user=user,
            customer=customers[customer],
            description=description,
            contact=contact,
            address=address,
            responsible=clerks_owner,
            target_date=today + datetime.timedelta(days=days),
            **fields,
        )

    stores = StockLocation.objects.get(pathstring="Warehouse/Stores")
    in_stores = StockItem.objects.filter(location=stores, customer__isnull=True)

    # A few return reasons (the conditions come with the installation).
    reasons = {}
    for order_number, (code, label) in enumerate(
        [
            ("faulty", "Faulty"),
            ("wrong-item", "Wrong item"),
            ("damaged-in-transit", "Damaged in transit"),
            ("no-longer-needed", "No longer needed"),
        ],
        start=1,
    ):
        reasons[code] = ReturnReason.objects.filter(code=code).first() or (
            return_services.choice_entry_create(
                model=ReturnReason,
                user=user,
                data={"code": code, "label": label, "sort_order": order_number * 10},
            )
        )
    conditions = {c.code: c.pk for c in ReturnCondition.objects.all()}

    def receive(target, *lines, condition=None):
        return_services.return_order_receive(
            order=target,
            lines=[(line.pk, None) for line in lines],
            location=quarantine,
            user=user,
            conditions=(
                {line.pk: conditions[condition] for line in lines}
                if condition in conditions
                else None
            ),
        )

    created = []
    # Complete: one unit repaired with spare parts, one sent back as it was.
    done = order("Northwind Cycles", "Motor noise under load", -12, customer_reference="NW-4410")
    noisy = return_services.return_order_line_create(
        order=done,
        item=held("Northwind Cycles", "1001"),
        user=user,
        price=Money(45, "USD"),
        reason=reasons["faulty"],
    )
    fine = return_services.return_order_line_create(
        order=done, item=held("Northwind Cycles", "1002"), user=user, reason=reasons["faulty"]
    )
    return_services.return_order_issue(order=done, user=user)
    receive(done, noisy, fine, condition="opened")
    bearings = in_stores.get(part__IPN="BRG-400")
    return_services.line_resolve_repair(
        line=noisy,
        user=user,
        fault="Worn rear bearing",
        work_done="Bearings replaced, gearbox re-greased",
        technician=user,
        labour_minutes=50,
        under_warranty=True,
        cost_amount=Decimal("38.50"),
        cost_currency="USD",
        parts=[
            # One set from the bulk item (split off), and lube drawn from what stores hold.
            return_services.PartUse(item=bearings.pk, quantity=Decimal(1)),
            return_services.PartUse(
                part=Part.objects.get(IPN="LUB-100").pk, location=stores.pk, quantity=Decimal(1)
            ),
        ],
        finish=True,
    )
    return_services.line_resolve_return(
        line=fine, user=user, notes="No fault found on the test bench"
    )
    return_services.return_order_complete(order=done, user=user)
    created.append(done)

    # In progress: a replacement for a received unit, one sent ahead of the faulty unit, a
    # rejected return, and an extra line for freight.
    busy = order(
        "Alpenrad GmbH", "Display flicker after firmware update", 5, customer_reference="AR-77"
    )
    first = return_services.return_order_line_create(
        order=busy, item=held("Alpenrad GmbH", "D-301"), user=user, reason=reasons["faulty"]
    )
    second = return_services.return_order_line_create(
        order=busy,
        item=held("Alpenrad GmbH", "D-302"),
        user=user,
        price=Money(30, "EUR"),
        reason=reasons["damaged-in-transit"],
    )
    opened = return_services.return_order_line_create(
        order=busy, item=held("Alpenrad GmbH", "1004"), user=user, reason=reasons["wrong-item"]
    )
    return_services.return_order_extra_line_create(
        order=busy,
        user=user,
        reference="Freight",
        description="Return label",
        price=Money(12, "EUR"),
    )
    return_services.return_order_issue(order=busy, user=user)
    receive(busy, first)
    receive(busy, opened, condition="missing-parts")
    return_services.line_resolve_replace(
        line=first,
        user=user,
        replacement_item=in_stores.get(serial="D-303"),
        unit_status=StockStatus.DAMAGED,
    )
    return_services.line_resolve_replace(  # advance replacement: D-302 is still on its way
        line=second,
        user=user,
        replacement_item=in_stores.get(serial="D-304"),
        unit_status=StockStatus.QUARANTINED,
    )
    return_services.line_resolve_reject(
        line=opened,
        user=user,
        reason="Motor housing opened by the customer: the warranty is void",
        disposition=RejectDisposition.RETURN,
    )
    created.append(busy)

    # In progress: a battery refunded and written off.
    refunded = order("Kestrel Outdoor Ltd", "Battery swollen", 10, customer_reference="KO-311")
    swollen = return_services.return_order_line_create(
        order=refunded,
        item=held("Kestrel Outdoor Ltd", "B-2003"),
        user=user,
        price=Money(80, "GBP"),
        reason=reasons["faulty"],
    )
    return_services.return_order_issue(order=refunded, user=user)
    receive(refunded, swollen, condition="damaged")
    return_services.line_resolve_refund(
        line=swollen,
        user=user,
        amount=Decimal(80),
        currency="GBP",
        method="Bank transfer",
        reference="CN-1001",
        unit_status=StockStatus.DESTROYED,
        notes="Unsafe to repair",
    )
    created.append(refunded)

    # Pending, with a partial quantity of bulk stock.
    pending = order("Northwind Cycles", "Brake pads squeal", 20)
    return_services.return_order_line_create(
        order=pending,
        item=held("Northwind Cycles"),
        quantity=Decimal(4),
        user=user,
        price=Money(3, "USD"),
        reason=reasons["no-longer-needed"],
    )
    created.append(pending)

    # On hold, and overdue.
    waiting = order("Kestrel Outdoor Ltd", "Battery will not charge", -3)
    return_services.return_order_line_create(
        order=waiting, item=held("Kestrel Outdoor Ltd", "B-2002"), user=user, price=Money(80, "GBP")
    )
    return_services.return_order_hold(
        order=waiting, user=user, note="Waiting for photos from the customer"
    )
    created.append(waiting)

    # Cancelled.
    cancelled = order("Kestrel Outdoor Ltd", "Customer changed their mind", 35)
    return_services.return_order_cancel(order=cancelled, user=user, note="Resolved by phone")
    created.append(cancelled)

    # Two requests from when authorization was required: one awaiting the decision, one
    # declined. (With RETURNORDER_REQUIRE_AUTHORIZATION on, new orders start as Requested.)
    asked = order("Kestrel Outdoor Ltd", "Lens scratched out of the box", 10)
    declined = order("Kestrel Outdoor Ltd", "Wants a newer model", 12)
    ReturnOrder.objects.filter(pk__in=[asked.pk, declined.pk]).update(
        status=ReturnOrderStatus.REQUESTED
    )
    declined.refresh_from_db()
    return_services.return_order_decline(
        order=declined, user=user, reason="Bought more than 90 days ago: outside the return window"
    )
    asked.refresh_from_db()
    created.extend([asked, declined])
    return created
