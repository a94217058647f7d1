"""The InvenTree-shaped data the end-to-end import tests copy: run in the source server's
environment as ``python -m tests.importer.source_data --out <json>``.

Every row is made through Boomerang's services, as a clerk would make it: companies with
contacts and addresses, project codes, a category tree, parts, a location tree, serialized
stock held by customers in several statuses, return orders in every InvenTree status with
lines in every outcome, extra lines in two currencies, notes, metadata and an attachment.
Then the bad rows the importer must skip, made bad the way it happens on a real server (see
``_spoil``). ``--change`` instead makes a few edits, for the second run to pick up.

The JSON written holds ``snapshot()`` of the source (what the target must hold afterwards,
the skipped rows taken out) and ``skipped``: the rows the importer must report, each with
words its reason must contain. ``snapshot()`` reads whichever database Django is set up on,
so the tests take the target's the same way and compare the two.
"""

import argparse
import datetime
import hashlib
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORTER_USERNAME = "inventree-reader"
# The names the target must match: the tests create a user and a group with these names.
MATCHED_USER = "alice"
MATCHED_GROUP = "Returns desk"
# A source user with no namesake in the target: its order imports with no responsible.
UNMATCHED_USER = "ghost"
HIGHEST_REFERENCE = "RMA-0420"
FOREIGN_REFERENCE = "OLD-7"
ATTACHMENT_NAME = "inspection-report.txt"
CHANGED_TARGET_DATE = datetime.date(2026, 6, 30)
ATTACHMENT_BYTES = b"Inspection of serial 1002: connector cracked, board intact.\n" * 20

# Companies the target must not hold, and the rows that depend on them.
INVALID_COMPANY = "Epsilon Ltd"
FORMER_CUSTOMER = "Delta Former"
BAD_CATEGORY_PATH = "Legacy"  # its name is blanked afterwards: the path it had
BAD_PART = "Old widget"


# -- the data ---------------------------------------------------------------------------------


def _fill() -> dict:
    from django.contrib.auth.models import Group, User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from djmoney.money import Money

    from common import services as common_services
    from common import site_settings
    from companies import services as company_services
    from companies.models import Address, Company, Contact
    from returns import services
    from returns.models import ProjectCode, ReturnOrder
    from returns.statuses import ReturnOrderLineStatus as Outcome
    from stock import services as stock_services
    from stock.models import Part, PartCategory, StockLocation
    from stock.statuses import StockHistoryCode, StockStatus
    from users import services as user_services
    from users.models import Owner
    from users.roles import ROLES

    site_settings.set_value("RETURNORDER_ENABLED", True)
    day = datetime.date(2026, 3, 2)

    # -- users, groups and the importer's token
    clerk = User.objects.create_user("clerk", "clerk@example.com", password=None)
    alice = User.objects.create_user(MATCHED_USER, "alice@example.com", password=None)
    ghost = User.objects.create_user(UNMATCHED_USER, "ghost@example.com", password=None)
    desk = Group.objects.create(name=MATCHED_GROUP)
    alice.groups.add(desk)
    reader = User.objects.create_user(IMPORTER_USERNAME, password=None, is_staff=True)
    readers = Group.objects.create(name="Readers")
    for role in ROLES:
        user_services.group_set_role(group=readers, role=role, view=True)
    reader.groups.add(readers)
    _token, key = user_services.api_token_create(user=reader, name="import", days=2)

    def owner(instance):
        return Owner.objects.get(owner_id=instance.pk, owner_type__model=instance._meta.model_name)

    # -- companies, contacts, addresses
    def company(name, **fields):
        return company_services.company_save(company=Company(name=name, **fields))

    acme = company(
        "Acme Repairs",
        description="Industrial automation, Lyon",
        website="https://acme.example.com",
        phone="+33 4 00 00 00 01",
        email="returns@acme.example.com",
        is_customer=True,
        is_supplier=True,
        currency="EUR",
        notes="Key account. Ships with **DHL**.",
        metadata={"crm": {"id": 4411}, "tier": "gold"},
    )
    beta = company("Beta Retail", description="Shop chain", is_customer=True, currency="USD")
    gamma = company(
        "Gamma Parts", description="Makes our servos", is_supplier=True, is_manufacturer=True
    )
    delta = company(FORMER_CUSTOMER, description="Stopped buying in 2025", is_customer=True)
    epsilon = company(INVALID_COMPANY, is_customer=True)
    company("Zeta Inactive", is_customer=True, active=False)

    # Contacts have no service of their own: the API's serializer saves them as here.
    acme_jane = Contact.objects.create(
        company=acme, name="Jane Roux", email="jane@acme.example.com", role="Quality", phone="12"
    )
    Contact.objects.create(company=acme, name="Paul Martin", role="Buyer")
    beta_sam = Contact.objects.create(company=beta, name="Sam Lee", email="sam@beta.example.com")
    Contact.objects.create(company=gamma, name="Ines Kay", role="Sales")
    Contact.objects.create(company=epsilon, name="Eve Stone")

    def address(company, title, **fields):
        address = Address(company=company, title=title, **fields)
        return company_services.address_save(address=address)

    acme_dock = address(
        acme,
        "Receiving dock",
        primary=True,
        line1="12 rue des Usines",
        line2="Bâtiment C",
        postal_code="69007",
        postal_city="Lyon",
        province="Rhône",
        country="France",
        shipping_notes="Dock 4, before 15:00",
        internal_shipping_notes="Forklift needed",
        link="https://maps.example.com/acme",
    )
    address(acme, "Head office", line1="1 place Bellecour", postal_city="Lyon", country="France")
    beta_store = address(beta, "Store 12", line1="5 Main Street", country="USA")
    address(epsilon, "Epsilon yard", line1="Unit 9")

    # -- project codes
    alpha_code = ProjectCode.objects.create(
        code="PRJ-ALPHA", description="Field failures 2026", responsible=owner(alice)
    )
    ProjectCode.objects.create(code="PRJ-BETA", description="Retail returns")

    # -- categories and parts
    def category(name, parent=None, **fields):
        return stock_services.category_save(
            category=PartCategory(name=name, parent=parent, **fields)
        )

    electronics = category("Electronics", description="Everything with a board", structural=True)
    controllers = category("Controllers", electronics)
    servo_controllers = category("Servo controllers", controllers, description="SC series")
    mechanical = category("Mechanical")
    legacy = category(BAD_CATEGORY_PATH, description="Parts from the old system")

    def part(name, category, **fields):
        fields.setdefault("trackable", True)
        fields.setdefault("salable", True)
        return stock_services.part_save(part=Part(name=name, category=category, **fields))

    servo = part(
        "Servo controller SC-1",
        servo_controllers,
        IPN="SC-1",
        description="Single-axis servo controller",
        revision="B",
        units="pcs",
        notes="Firmware 3.2 or later.",
        metadata={"datasheet": "sc1.pdf"},
    )
    display = part("Display D7", controllers, IPN="D7", description="7 inch display")
    gears = part("Gear kit", mechanical, IPN="GK", component=True, purchaseable=True)
    old_widget = part(BAD_PART, legacy, IPN="OW-1")
    part("Spare screws", mechanical, trackable=False, salable=False)

    # -- locations
    def location(name, parent=None, **fields):
        return stock_services.location_save(
            location=StockLocation(name=name, parent=parent, **fields)
        )

    warehouse = location("Warehouse", description="Main building", structural=True)
    returns_bay = location("Returns bay", warehouse)
    quarantine = location("Quarantine shelf", returns_bay, description="Do not sell")
    stores = location("Stores", warehouse)
    location("Workshop")

    # -- stock: serialized items, most of them sold to customers
    def serials(part, text, *, status=StockStatus.OK, at=stores):
        count = len(text.split(","))
        items = stock_services.stock_item_create(
            part=part, quantity=Decimal(count), serial_numbers=text, location=at, status=status
        )
        return {item.serial: item for item in items}

    sc = serials(servo, "1001,1002,1003,1004,1005,1006,1007,1008")
    sc.update(serials(servo, "1009", status=StockStatus.ATTENTION))
    d7 = serials(display, "D-01,D-02,D-03,D-04")
    d7.update(serials(display, "D-05", status=StockStatus.DAMAGED, at=quarantine))
    gk = serials(gears, "G-1,G-2,G-3")
    old = serials(old_widget, "OW-100", at=stores)
    # Not serialized and on no order: not imported.
    stock_services.stock_item_create(part=gears, quantity=Decimal(40), location=stores)
    # Not serialized, but a line names it: imported.
    (gear_batch,) = stock_services.stock_item_create(
        part=gears, quantity=Decimal(5), location=stores, batch="B-2026-02"
    )

    def sell(items, customer):
        stock_services.stock_items_assign(
            items=list(items), customer=customer, user=clerk, notes=f"Sold to {customer.name}"
        )

    sell([sc[s] for s in ("1001", "1002", "1003", "1004", "1005", "1006")], acme)
    sell([d7["D-01"], d7["D-02"], gk["G-1"], old["OW-100"]], acme)
    sell([sc["1007"], d7["D-03"], d7["D-04"], gk["G-2"]], beta)
    sell([sc["1008"], gk["G-3"]], delta)
    sell([gear_batch], acme)
    stock_services.stock_item_add_tracking(
        item=sc["1001"], code=StockHistoryCode.EDITED, user=clerk, notes="Checked by the customer"
    )

    # -- return orders
    def order(customer, *, reference=None, **fields):
        return services.return_order_create(
            user=clerk, customer=customer, reference=reference, **fields
        )

    def line(order, item, **fields):
        return services.return_order_line_create(order=order, item=item, user=clerk, **fields)

    def receive(order, *lines):
        services.return_order_receive(
            order=order, lines=[(ln.pk, None) for ln in lines], location=quarantine, user=clerk
        )

    def outcome(ln, value):
        services.return_order_line_update(line=ln, user=clerk, data={"outcome": value})

    pending = order(
        acme,
        description="Two controllers dead on arrival",
        customer_reference="ACME-PO-7781",
        contact=acme_jane,
        address=acme_dock,
        responsible=owner(alice),
        project_code=alpha_code,
        creation_date=day - datetime.timedelta(days=3),
        target_date=day + datetime.timedelta(days=30),
        start_date=day,
        link="https://crm.example.com/tickets/77",
        notes="Customer says both failed at power-on.",
    )
    line(pending, sc["1001"], price=Money("120.00", "EUR"), notes="No power LED")
    line(pending, gear_batch, quantity=Decimal(2), notes="Two of the five")
    common_services.metadata_set(
        instance=pending, metadata={"ticket": 77, "tags": ["doa", "power"]}, overwrite=True
    )

    working = order(
        acme,
        description="Mixed batch back from the field",
        contact=acme_jane,
        address=acme_dock,
        responsible=owner(desk),
        target_date=day + datetime.timedelta(days=10),
        notes="Sorted on arrival.",
    )
    w_return = line(working, sc["1002"], price=Money("120.00", "EUR"), reference="L1")
    w_repair = line(working, sc["1003"], price=Money("95.50", "EUR"))
    w_refund = line(working, d7["D-01"], price=Money("60", "EUR"))
    line(working, d7["D-02"], notes="Customer still testing it")
    services.return_order_extra_line_create(
        order=working,
        user=clerk,
        description="Return shipping",
        reference="SHIP",
        quantity=Decimal(1),
        price=Money("-15.00", "EUR"),
    )
    services.return_order_extra_line_create(
        order=working,
        user=clerk,
        description="Customs handling",
        quantity=Decimal(2),
        price=Money("12.25", "USD"),
        notes="Billed by the broker in dollars",
    )
    services.return_order_issue(order=working, user=clerk)
    receive(working, w_return, w_repair, w_refund)
    outcome(w_return, Outcome.RETURN)
    outcome(w_repair, Outcome.REPAIR)
    outcome(w_refund, Outcome.REFUND)
    common_services.attachment_create(
        model_type="returnorder",
        model_id=working.pk,
        user=clerk,
        file=SimpleUploadedFile(ATTACHMENT_NAME, ATTACHMENT_BYTES, content_type="text/plain"),
        comment="Bench report",
    )
    common_services.attachment_create(
        model_type="returnorder",
        model_id=working.pk,
        user=clerk,
        link="https://photos.example.com/batch-3",
        comment="Photos",
    )

    # A line whose stock item cannot be imported (its part is in the category spoiled below):
    # the line is skipped, the order and its other line import.
    partial = order(acme, description="Widget and gears", responsible=owner(ghost))
    line(partial, old["OW-100"])
    line(partial, gk["G-1"], notes="Teeth worn")
    services.return_order_issue(order=partial, user=clerk)

    held = order(beta, description="Waiting for the customer", contact=beta_sam)
    line(held, d7["D-03"])
    services.return_order_issue(order=held, user=clerk)
    services.return_order_hold(order=held, user=clerk)

    complete = order(
        beta,
        description="Swap and reject",
        address=beta_store,
        responsible=owner(alice),
        target_date=day,
    )
    c_replace = line(complete, sc["1007"], price=Money("130", "USD"))
    c_reject = line(complete, d7["D-04"], price=Money("70", "USD"))
    services.return_order_issue(order=complete, user=clerk)
    receive(complete, c_replace, c_reject)
    outcome(c_replace, Outcome.REPLACE)
    outcome(c_reject, Outcome.REJECT)
    services.return_order_complete(order=complete, user=clerk)

    cancelled = order(beta, description="Sent by mistake", responsible=owner(ghost))
    line(cancelled, gk["G-2"])
    services.return_order_cancel(order=cancelled, user=clerk)

    # The former customer's order (skipped once the company stops being a customer) and an
    # order whose customer is gone (skipped).
    former = order(delta, description="Last return before they left")
    line(former, sc["1008"])
    orphan = order(beta, description="Customer deleted in the old system")

    # References: one far ahead of the others, one written under another pattern.
    order(beta, reference=HIGHEST_REFERENCE, description="Numbered by hand")
    site_settings.set_value("RETURNORDER_REFERENCE_PATTERN", "OLD-{ref}")
    order(beta, reference=FOREIGN_REFERENCE, description="From the previous numbering")
    site_settings.set_value("RETURNORDER_REFERENCE_PATTERN", "RMA-{ref:04d}")

    _spoil(delta=delta, epsilon=epsilon, legacy=legacy, orphan=orphan)

    assert not ReturnOrder.objects.filter(customer=gamma).exists()
    return {
        "token": key,
        "skipped": _expected_skips(
            former=former, orphan=orphan, partial=partial, epsilon=epsilon, legacy=legacy
        ),
        "orders": {
            "pending": pending.reference,
            "working": working.reference,
            "partial": partial.reference,
            "held": held.reference,
            "complete": complete.reference,
            "cancelled": cancelled.reference,
        },
    }


def _spoil(*, delta, epsilon, legacy, orphan) -> None:
    """Make rows bad after the fact, as they turn up on servers that have run for years."""
    from companies import services as company_services
    from companies.models import Company
    from returns.models import ReturnOrder
    from stock.models import PartCategory

    # A customer that stopped being one, with its stock and its order still on file: through
    # the company service, as an edit on the company's page would.
    delta.is_customer = False
    company_services.company_save(company=delta)
    # Direct updates, because no service writes such rows: a company e-mail that an older
    # server accepted unchecked, a category whose name was emptied by a data fix in SQL, and
    # an order whose customer was deleted (InvenTree sets it to null; Boomerang protects it).
    Company.objects.filter(pk=epsilon.pk).update(email="sales at epsilon")
    PartCategory.objects.filter(pk=legacy.pk).update(name="")
    ReturnOrder.objects.filter(pk=orphan.pk).update(customer=None)


def _expected_skips(*, former, orphan, partial, epsilon, legacy) -> list[dict]:
    """The rows the import must report: model (as the snapshot names it), the source's pk,
    the snapshot's key, and words the reason must contain (lower case)."""
    from stock.models import Part, StockItem

    def item(part, serial):
        return StockItem.objects.get(part__name=part, serial=serial)

    old = item(BAD_PART, "OW-100")
    skips = [
        ("company", epsilon.pk, INVALID_COMPANY, ["email"]),
        ("contact", epsilon.contacts.get().pk, f"{INVALID_COMPANY}|Eve Stone", []),
        ("address", epsilon.addresses.get().pk, f"{INVALID_COMPANY}|Epsilon yard", []),
        ("category", legacy.pk, BAD_CATEGORY_PATH, ["name"]),
        ("part", Part.objects.get(name=BAD_PART).pk, BAD_PART, []),
        ("stockitem", old.pk, f"{BAD_PART}|OW-100", []),
        ("stockitem", item("Gear kit", "G-3").pk, "Gear kit|G-3", ["customer"]),
        (
            "stockitem",
            item("Servo controller SC-1", "1008").pk,
            "Servo controller SC-1|1008",
            ["customer"],
        ),
        ("returnorder", former.pk, former.reference, ["customer"]),
        ("returnorder", orphan.pk, orphan.reference, ["customer"]),
        (
            "returnorderlineitem",
            partial.lines.get(item=old).pk,
            f"{partial.reference}|{BAD_PART}|OW-100",
            ["stock"],
        ),
    ]
    return [
        {"model": model, "source_pk": pk, "key": key, "reason": words}
        for model, pk, key, words in skips
    ]


def _change() -> dict:
    """Edits made between two runs, through the services: the second run must apply them."""
    from companies import services as company_services
    from companies.models import Company
    from returns import services
    from returns.models import ReturnOrder

    beta = Company.objects.get(name="Beta Retail")
    beta.description = "Shop chain, now 40 stores"
    beta.phone = "+1 555 0100"
    company_services.company_save(company=beta)
    held = ReturnOrder.objects.get(description="Waiting for the customer")
    services.return_order_update(
        order=held,
        user=None,
        data={"customer_reference": "BETA-2231", "target_date": CHANGED_TARGET_DATE},
    )
    return {"company": beta.name, "order": held.reference}


# -- what a database holds, by natural keys ---------------------------------------------------


def _owner_name(owner) -> str | None:
    return owner.name if owner is not None else None


def _decimal(value) -> str | None:
    return format(Decimal(value).normalize(), "f") if value is not None else None


def _money(value) -> list | None:
    return [_decimal(value.amount), str(value.currency)] if value is not None else None


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(*, tracking: bool = True, attachments: bool = True, deltas: bool = False) -> dict:
    """Every imported model's rows, keyed by what identifies them on both servers (names,
    paths, serials, references), with the fields the import carries over. Metadata is
    compared where the issue asks for it: on return orders (InvenTree's list rows carry none,
    so companies and parts would cost a request each).

    Stock items are those the import copies: serialized ones and any a line refers to.
    ``deltas``: also what each tracking entry's deltas name (an order by reference, a location
    by path, a customer by name), which must be this database's rows, not the source's pks.
    """
    from common.models import Attachment
    from companies.models import Address, Company, Contact
    from returns.models import ProjectCode, ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
    from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation

    data: dict[str, dict] = {}
    data["company"] = {
        c.name: {
            "description": c.description,
            "website": c.website,
            "phone": c.phone,
            "email": c.email or "",
            "active": c.active,
            "is_customer": c.is_customer,
            "is_supplier": c.is_supplier,
            "is_manufacturer": c.is_manufacturer,
            "currency": c.currency,
            "notes": c.notes or "",
        }
        for c in Company.objects.all()
    }
    data["contact"] = {
        f"{c.company.name}|{c.name}": {"phone": c.phone, "email": c.email, "role": c.role}
        for c in Contact.objects.select_related("company")
    }
    data["address"] = {
        f"{a.company.name}|{a.title}": {
            field: getattr(a, field)
            for field in (
                "primary",
                "line1",
                "line2",
                "postal_code",
                "postal_city",
                "province",
                "country",
                "shipping_notes",
                "internal_shipping_notes",
                "link",
            )
        }
        for a in Address.objects.select_related("company")
    }
    data["category"] = {
        c.pathstring: {
            "name": c.name,
            "description": c.description,
            "parent": c.parent.pathstring if c.parent else None,
            "structural": c.structural,
        }
        for c in PartCategory.objects.select_related("parent")
    }
    data["part"] = {
        p.name: {
            "IPN": p.IPN or "",
            "description": p.description,
            "revision": p.revision or "",
            "category": p.category.pathstring if p.category else None,
            **{
                flag: getattr(p, flag)
                for flag in (
                    "active",
                    "virtual",
                    "purchaseable",
                    "component",
                    "assembly",
                    "trackable",
                    "salable",
                )
            },
            "units": p.units,
            "notes": p.notes or "",
        }
        for p in Part.objects.select_related("category")
    }
    data["location"] = {
        loc.pathstring: {
            "name": loc.name,
            "description": loc.description,
            "parent": loc.parent.pathstring if loc.parent else None,
            "structural": loc.structural,
        }
        for loc in StockLocation.objects.select_related("parent")
    }
    on_lines = ReturnOrderLineItem.objects.values("item")
    serialized = StockItem.objects.filter(serial__isnull=False).exclude(serial="")
    items = serialized | StockItem.objects.filter(pk__in=on_lines)
    items = items.select_related("part", "location", "customer")
    data["stockitem"] = {
        f"{i.part.name}|{i.serial}": {
            "quantity": _decimal(i.quantity),
            "status": i.status,
            "location": i.location.pathstring if i.location else None,
            "customer": i.customer.name if i.customer else None,
            "batch": i.batch,
        }
        for i in items
    }
    if tracking:
        entries: dict[str, list] = {}
        for t in StockItemTracking.objects.filter(item__in=items).select_related("item__part"):
            entries.setdefault(f"{t.item.part.name}|{t.item.serial}", []).append(
                # To the second: the API's JSON may round what the column holds.
                [t.tracking_type, t.notes or "", t.date.replace(microsecond=0).isoformat()]
            )
        data["tracking"] = {key: sorted(value) for key, value in entries.items()}
    if tracking and deltas:
        data["trackingdeltas"] = _tracking_deltas(items)
    data["projectcode"] = {
        p.code: {"description": p.description, "responsible": _owner_name(p.responsible)}
        for p in ProjectCode.objects.select_related("responsible")
    }
    data["returnorder"] = {
        o.reference: {
            "customer": o.customer.name if o.customer else None,
            "description": o.description,
            "customer_reference": o.customer_reference,
            "status": o.status,
            "contact": o.contact.name if o.contact else None,
            "address": o.address.title if o.address else None,
            "responsible": _owner_name(o.responsible),
            "project_code": o.project_code.code if o.project_code else None,
            "link": o.link,
            "creation_date": _date(o.creation_date),
            "start_date": _date(o.start_date),
            "target_date": _date(o.target_date),
            "issue_date": _date(o.issue_date),
            "complete_date": _date(o.complete_date),
            "notes": o.notes or "",
            "metadata": o.metadata or {},
        }
        for o in ReturnOrder.objects.select_related(
            "customer", "contact", "address", "responsible", "project_code"
        )
    }
    data["returnorderlineitem"] = {
        f"{ln.order.reference}|{ln.item.part.name}|{ln.item.serial}": {
            "quantity": _decimal(ln.quantity),
            "received_date": _date(ln.received_date),
            "outcome": ln.outcome,
            "price": _money(ln.price),
            "reference": ln.reference,
            "notes": ln.notes,
            "target_date": _date(ln.target_date),
        }
        for ln in ReturnOrderLineItem.objects.select_related("order", "item__part")
    }
    data["returnorderextraline"] = {
        f"{x.order.reference}|{x.description}": {
            "reference": x.reference,
            "quantity": _decimal(x.quantity),
            "price": _money(x.price),
            "notes": x.notes,
        }
        for x in ReturnOrderExtraLine.objects.select_related("order")
    }
    if attachments:
        references = dict(ReturnOrder.objects.values_list("pk", "reference"))
        data["attachment"] = {
            f"{a.model_type}|{references.get(a.model_id, a.model_id)}|{a.filename or a.link}": {
                "comment": a.comment,
                "link": a.link,
                "sha256": _file_digest(a),
            }
            for a in Attachment.objects.filter(model_type="returnorder")
        }
    return data


def _tracking_deltas(items) -> dict:
    from companies.models import Company
    from returns.models import ReturnOrder
    from stock.models import StockItemTracking, StockLocation

    orders = dict(ReturnOrder.objects.values_list("pk", "reference"))
    locations = dict(StockLocation.objects.values_list("pk", "pathstring"))
    companies = dict(Company.objects.values_list("pk", "name"))
    named: dict[str, list] = {}
    tracking = StockItemTracking.objects.filter(item__in=items).select_related("item__part")
    for t in tracking:
        d = t.deltas or {}
        if not {"returnorder", "location", "customer"} & set(d):
            continue
        named.setdefault(f"{t.item.part.name}|{t.item.serial}", []).append(
            [
                t.tracking_type,
                orders.get(d.get("returnorder"), d.get("returnorder")),
                locations.get(d.get("location"), d.get("location")),
                companies.get(d.get("customer"), d.get("customer")),
            ]
        )
    return {key: sorted(value, key=repr) for key, value in named.items()}


def _file_digest(attachment) -> str | None:
    if not attachment.attachment:
        return None
    with attachment.attachment.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


# -- the command ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--change", action="store_true", help="edit, do not fill")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    if args.change:
        with transaction.atomic():
            result = {"changed": _change()}
    else:
        call_command("migrate", "--no-input", verbosity=0)
        with transaction.atomic():
            result = _fill()
    result["snapshot"] = snapshot(deltas=True)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
