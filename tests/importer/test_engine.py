"""The import engine against an in-memory source serving the samples."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from companies.models import Address, Company, Contact
from importer.models import ImportedRow, ImportRun
from importer.services import (
    ImportBusy,
    ImportOptions,
    Interrupted,
    create_run,
    execute,
    import_inventree,
)
from importer.services import engine as engine_module
from returns.models import (
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
)
from returns.services.orders import next_reference
from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation
from tests.importer.fake_source import FakeSource
from users.models import Owner

pytestmark = pytest.mark.django_db

URL = "https://inventree.example.com"
TOKEN = "tok-engine-7a1d"

EXPECTED_COUNTS = {
    "companies.company": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1},
    "companies.contact": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1},
    "companies.address": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0},
    "stock.stocklocation": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1},
    "stock.partcategory": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1},
    "stock.part": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1},
    # 61 and 64 from the serialized list, 65 because a line names it.
    "stock.stockitem": {"created": 3, "updated": 0, "unchanged": 0, "skipped": 2},
    "stock.stockitemtracking": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1},
    "returns.projectcode": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0},
    "returns.returnorder": {"created": 3, "updated": 0, "unchanged": 0, "skipped": 2},
    "returns.returnorderlineitem": {"created": 3, "updated": 0, "unchanged": 0, "skipped": 3},
    "returns.returnorderextraline": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0},
    # Only with ImportOptions(attachments=True).
    "common.attachment": {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0},
}

EXPECTED_SKIPPED = {
    ("companies.company", 3, "name: this field cannot be blank"),
    ("companies.contact", 12, "company 3 was not imported"),
    ("stock.stocklocation", 33, "parent 99 was not imported"),
    ("stock.partcategory", 43, "name: A category name cannot contain '/'."),
    ("stock.part", 52, "category 43 was not imported"),
    ("stock.stockitem", 62, "customer: company 2 is not a customer"),
    ("stock.stockitem", 63, "part 52 was not imported"),
    ("stock.stockitemtracking", 72, "stock item 62 was not imported"),
    ("returns.returnorder", 102, "customer: the order has no customer"),
    ("returns.returnorderlineitem", 114, "order 102 was skipped"),
    ("returns.returnorder", 103, "customer: company 2 is not a customer"),
    ("returns.returnorderlineitem", 112, "item: stock item 404 is not on the source"),
    (
        "returns.returnorderlineitem",
        113,
        "item: stock item 62 was skipped (customer: company 2 is not a customer)",
    ),
}

OPTIONS = ImportOptions(tracking=True)


def run_import(source=None, options=OPTIONS, **kwargs):
    return import_inventree(
        url=URL, token=TOKEN, options=options, source=source or FakeSource(), **kwargs
    )


def without_zero(counts):
    return {label: {k: v for k, v in c.items() if v} for label, c in counts.items()}


def snapshot() -> dict:
    """What a run leaves behind, comparable between runs (no pks, no timestamps)."""
    return {
        "companies": sorted(Company.objects.values_list("name", "is_customer", "currency")),
        "contacts": sorted(Contact.objects.values_list("company__name", "name", "email")),
        "addresses": sorted(Address.objects.values_list("company__name", "title", "primary")),
        "locations": sorted(StockLocation.objects.values_list("pathstring", "structural")),
        "categories": sorted(
            PartCategory.objects.values_list("pathstring", "default_location__name")
        ),
        "parts": sorted(Part.objects.values_list("name", "IPN", "category__pathstring")),
        "stock": sorted(
            StockItem.objects.values_list(
                "part__name", "serial", "quantity", "status", "customer__name", "location__name"
            ),
            key=str,
        ),
        "tracking": sorted(StockItemTracking.objects.values_list("item__serial", "tracking_type")),
        "orders": sorted(
            ReturnOrder.objects.values_list(
                "reference",
                "reference_int",
                "customer__name",
                "status",
                "responsible__name",
                "contact__name",
                "address__title",
                "project_code__code",
                "notes",
            ),
            key=str,
        ),
        "lines": sorted(
            ReturnOrderLineItem.objects.values_list(
                "order__reference",
                "item__serial",
                "quantity",
                "received_date",
                "outcome",
                "price",
                "price_currency",
            ),
            key=str,
        ),
        "extra": sorted(
            ReturnOrderExtraLine.objects.values_list(
                "order__reference", "reference", "price", "price_currency"
            ),
            key=str,
        ),
        "mapping": ImportedRow.objects.count(),
    }


def test_first_run_creates_every_importable_row(local_owners):
    alice, desk = local_owners
    report = run_import()
    assert report.counts == EXPECTED_COUNTS
    assert list(report.counts) == list(EXPECTED_COUNTS)  # in import order
    assert set(report.skipped) == EXPECTED_SKIPPED
    assert len(report.skipped) == len(EXPECTED_SKIPPED)
    assert report.unmatched_owners == ["bob"]
    assert report.run.state == ImportRun.State.SUCCEEDED
    assert report.run.token == ""
    created = sum(c["created"] for c in EXPECTED_COUNTS.values())
    assert ImportedRow.objects.filter(source=report.run.source).count() == created

    order = ReturnOrder.objects.get(reference="RMA-0041")
    assert order.customer.name == "Acme Repairs Ltd"
    assert order.contact.name == "Jo Smith"
    assert order.address.title == "Head office"
    assert order.project_code.code == "PRJ-RADIO"
    assert order.responsible == Owner.objects.get(owner_id=alice.pk, owner_type__model="user")
    assert order.status == 20
    assert order.creation_date == datetime.date(2024, 5, 2)
    assert order.start_date == datetime.date(2024, 5, 3)
    assert order.notes == "Customer dropped it once"
    assert order.metadata == {"crm": {"ticket": 77}}
    assert order.order_currency == "EUR"
    assert order.total_price == Money("12.50", "EUR")
    assert order.reference_int == 41
    line = order.lines.get()
    assert line.item.serial == "1001"
    assert line.received_date == datetime.date(2024, 5, 6)
    assert line.outcome == 30
    extra = order.extra_lines.get()
    assert extra.price == Money("12.50", "EUR")
    history = ReturnOrderHistory.objects.get(order=order)
    assert history.note == f"Imported from {URL}"

    assert ReturnOrder.objects.get(reference="RMA-0100").responsible == Owner.objects.get(
        owner_id=desk.pk, owner_type__model="group"
    )
    legacy = ReturnOrder.objects.get(reference="LEGACY-7")
    assert legacy.responsible is None  # "bob" matched nobody
    assert legacy.reference_int == 7
    refund = legacy.lines.get()
    assert (refund.item.serial, refund.item.quantity) == (None, Decimal(4))
    assert refund.price == Money("19.99", "USD")

    damaged = StockItem.objects.get(serial="1003")
    assert damaged.status == 55  # custom state 1055, logical DAMAGED
    assert damaged.parent.serial == "1001"
    assert damaged.location.pathstring == "Warehouse/Shelf A"
    assert StockItem.objects.get(serial="1001").customer.name == "Acme Repairs Ltd"
    assert PartCategory.objects.get(name="Radios").pathstring == "Electronics/Radios"
    tracking = StockItemTracking.objects.get()
    assert tracking.user == alice
    assert tracking.notes == "Sent with order SO-0007"


def test_second_run_changes_nothing_and_duplicates_nothing(local_owners):
    run_import()
    before = snapshot()
    report = run_import()
    assert snapshot() == before
    assert ImportRun.objects.count() == 2
    for label, counts in report.counts.items():
        assert counts["created"] == 0, label
        assert counts["updated"] == 0, label
        assert counts["unchanged"] == EXPECTED_COUNTS[label]["created"], label
        assert counts["skipped"] == EXPECTED_COUNTS[label]["skipped"], label


def test_a_changed_source_row_updates_its_boomerang_row(local_owners):
    run_import()
    source = FakeSource()
    order = next(row for row in source.lists["order/ro/"] if row["pk"] == 101)
    order["description"] = "Radio not charging (second look)"
    order["status"] = order["status_custom_key"] = 30
    source.lists["order/ro-extra-line/"][0]["price"] = "15.00"
    company = source.lists["company/"][0]
    company["phone"] = "+44 20 7946 9999"
    report = run_import(source)
    assert report.counts["returns.returnorder"]["updated"] == 1
    assert report.counts["returns.returnorder"]["unchanged"] == 2
    assert report.counts["returns.returnorderextraline"]["updated"] == 1
    assert report.counts["companies.company"]["updated"] == 1
    updated = ReturnOrder.objects.get(reference="RMA-0041")
    assert updated.description == "Radio not charging (second look)"
    assert updated.status == 30
    assert updated.total_price == Money("15.00", "EUR")
    assert Company.objects.get(name="Acme Repairs Ltd").phone == "+44 20 7946 9999"
    assert ReturnOrder.objects.count() == 3


def test_interrupted_run_resumes_where_it_stopped(local_owners, monkeypatch):
    """Pages of two orders: the run stops while reading the second page's lines; the next
    call resumes that run at that page and ends as an uninterrupted run does."""
    monkeypatch.setattr(engine_module, "PAGE_SIZE", 2)
    with pytest.raises(Interrupted):
        run_import(FakeSource(fail_after_orders=3))
    stopped = ImportRun.objects.get()
    assert stopped.state == ImportRun.State.INTERRUPTED
    assert stopped.token == ""
    assert stopped.cursor["step"] == "orders"
    assert stopped.cursor["offset"] == 2
    assert set(ReturnOrder.objects.values_list("reference", flat=True)) == {"RMA-0041"}

    resumed_source = FakeSource()
    report = run_import(resumed_source)
    assert report.run.pk == stopped.pk
    assert ImportRun.objects.count() == 1
    assert report.run.state == ImportRun.State.SUCCEEDED
    # The finished steps and the committed page are not read again.
    asked = [endpoint for endpoint, _params in resumed_source.requests]
    assert "company/" not in asked and "stock/" not in asked
    first_page = [p for e, p in resumed_source.requests if e == "order/ro-line/"]
    assert {"order": 101} not in first_page
    assert report.counts == EXPECTED_COUNTS
    assert set(report.skipped) == EXPECTED_SKIPPED
    resumed = snapshot()

    # The same import, uninterrupted, into an emptied database.
    for model in (ReturnOrderHistory, ReturnOrderLineItem, ReturnOrderExtraLine, ReturnOrder):
        model.objects.all().delete()
    for model in (ImportRun, StockItemTracking, StockItem, Part, Contact, Address):
        model.objects.all().delete()
    ImportedRow.objects.all().delete()
    for model in (PartCategory, StockLocation):
        while model.objects.exists():
            model.objects.filter(children__isnull=True).delete()
    Company.objects.all().delete()
    from returns.models import ProjectCode

    ProjectCode.objects.all().delete()
    assert without_zero(run_import().counts) == without_zero(EXPECTED_COUNTS)
    assert snapshot() == resumed


def all_row_counts() -> dict[str, int]:
    counts = {}
    for label in ("importer", "companies", "stock", "returns", "users", "common", "auth"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model.objects.count()
    return counts


def test_dry_run_counts_what_a_run_would_do_and_leaves_the_database_as_it_was(local_owners):
    before = all_row_counts()
    report = run_import(options=ImportOptions(tracking=True, dry_run=True))
    assert report.dry_run
    assert report.counts == EXPECTED_COUNTS
    assert set(report.skipped) == EXPECTED_SKIPPED
    assert all_row_counts() == before
    assert not ImportRun.objects.exists()


def test_dry_run_after_a_real_run_reports_updates_without_writing_them(local_owners):
    run_import()
    before, counts = snapshot(), all_row_counts()
    source = FakeSource()
    source.lists["company/"][0]["phone"] = "000"
    report = run_import(source, options=ImportOptions(tracking=True, dry_run=True))
    assert report.counts["companies.company"]["updated"] == 1
    assert snapshot() == before
    assert all_row_counts() == counts


def test_new_orders_continue_after_the_highest_imported_reference(local_owners):
    run_import()
    assert next_reference() == "RMA-0101"


def test_references_outside_the_pattern_are_kept_verbatim(local_owners):
    source = FakeSource()
    source.lists["order/ro/"][0]["reference"] = "SRV/2024/17"
    run_import(source)
    # Outside the pattern the number is the reference's leading, else trailing, digits.
    assert ReturnOrder.objects.get(reference="SRV/2024/17").reference_int == 17


def test_an_order_whose_reference_a_local_order_has_is_skipped(local_owners):
    from tests.factories import CustomerFactory

    local = ReturnOrder.objects.create(reference="RMA-0100", customer=CustomerFactory())
    report = run_import()
    assert (
        "returns.returnorder",
        105,
        "reference: Return Order with this Reference already exists.",
    ) in report.skipped
    assert ReturnOrder.objects.filter(reference="RMA-0100").get() == local
    assert report.counts["returns.returnorder"]["created"] == 2


def test_a_line_failing_validation_is_skipped_and_its_order_imports(local_owners):
    source = FakeSource()
    source.lists["order/ro-line/"][0]["quantity"] = 0
    report = run_import(source)
    reasons = {pk: reason for model, pk, reason in report.skipped if model.endswith("lineitem")}
    assert reasons[111] == "quantity: Return quantity must be greater than zero"
    order = ReturnOrder.objects.get(reference="RMA-0041")
    assert order.lines.count() == 0
    assert order.extra_lines.count() == 1


def test_without_tracking_the_history_is_not_read(local_owners):
    source = FakeSource()
    report = run_import(source, options=ImportOptions())
    assert "stock/track/" not in [endpoint for endpoint, _params in source.requests]
    assert report.counts["stock.stockitemtracking"] == dict.fromkeys(
        ("created", "updated", "unchanged", "skipped"), 0
    )
    assert not StockItemTracking.objects.exists()


def test_importing_sends_no_customer_mail_and_no_webhook(local_owners, mailoutbox):
    from jobs.models import Job

    jobs_before = Job.objects.count()
    run_import()
    assert mailoutbox == []
    assert Job.objects.count() == jobs_before
    assert not apps.get_model("webhooks", "WebhookDelivery").objects.exists()


def many_orders_source(n: int) -> FakeSource:
    """The samples plus ``n`` orders of customer 1, each with one serialized unit and one
    priced extra line."""
    source = FakeSource()
    for i in range(n):
        source.lists["stock/"].append(
            {
                "pk": 1000 + i,
                "part": 51,
                "quantity": 1,
                "serial": f"S{i}",
                "customer": 1,
                "status": 10,
                "location": None,
                "parent": None,
                "belongs_to": None,
            }
        )
    source.orders = [
        {
            "pk": 2000 + i,
            "reference": f"RMA-{500 + i}",
            "customer": 1,
            "status": 10,
            "responsible": 81,
            "contact": 11,
            "address": 21,
            "project_code": 91,
            "creation_date": "2024-07-01",
            "metadata": None,
            "notes": "",
        }
        for i in range(n)
    ]
    source.lists["order/ro-line/"] = [
        {
            "pk": 3000 + i,
            "order": 2000 + i,
            "item": 1000 + i,
            "quantity": 1,
            "outcome": 10,
            "price": "5.00",
            "price_currency": "EUR",
        }
        for i in range(n)
    ]
    source.lists["order/ro-extra-line/"] = [
        {
            "pk": 4000 + i,
            "order": 2000 + i,
            "reference": "Freight",
            "quantity": 1,
            "price": "2.00",
            "price_currency": "EUR",
        }
        for i in range(n)
    ]
    source.lists["order/ro/"] = []
    return source


def queries_for_an_order_page(n: int) -> tuple[int, int]:
    """Queries to write a page of ``n`` new orders, then the same page again, changed."""
    source = many_orders_source(n)
    run_import(source)  # everything but the orders
    run = ImportRun.objects.create(source=ImportRun.objects.first().source, url=URL)
    engine = engine_module.Engine(run, source, token=TOKEN, progress=None)
    engine.match_owners()
    with CaptureQueriesContext(connection) as queries:
        engine.write_orders(source.orders)
        engine.flush({})

    assert ReturnOrder.objects.filter(reference__startswith="RMA-5").count() == n
    assert ReturnOrderLineItem.objects.filter(order__reference__startswith="RMA-5").count() == n
    for order in source.orders:
        order["description"] = "changed"
    for line in source.lists["order/ro-line/"]:
        line["outcome"] = 20
    with CaptureQueriesContext(connection) as again:
        engine.write_orders(source.orders)
        engine.flush({})
    assert ReturnOrder.objects.filter(description="changed").count() == n
    assert ReturnOrderLineItem.objects.filter(outcome=20).count() == n
    return len(queries), len(again)


@pytest.mark.parametrize("n", [2, 8])
def test_a_page_of_orders_costs_the_same_queries_whatever_its_size(local_owners, n):
    # New orders: the mapping lookups (stock items, companies, contacts, addresses, project
    # codes, orders, lines, extra lines), which stock items are unserialized, the customers,
    # the companies of the contacts and addresses,
    # the pattern, the reference clash check, the savepoint pair, five inserts (orders,
    # history, lines, extra lines, mapping rows) and the run's bookkeeping: 22. The same
    # page changed: the mapping lookups are cached by then; which items are unserialized,
    # the three reads of the rows to change, the pattern, the clash check, the savepoint
    # pair, one bulk update of the orders and one of the lines, and the bookkeeping: 11.
    assert queries_for_an_order_page(n) == (22, 11)


def test_attachments_come_with_their_orders_when_asked(local_owners):
    from common.models import Attachment
    from tests.importer.fake_source import FILE_CONTENT

    options = ImportOptions(attachments=True)
    report = run_import(options=options)
    assert report.counts["common.attachment"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
    }
    assert ("common.attachment", 133, "attachment: neither a file nor a link") in report.skipped
    order = ReturnOrder.objects.get(reference="RMA-0041")
    stored = Attachment.objects.filter(model_type="returnorder", model_id=order.pk)
    photo = stored.get(link="")
    assert photo.filename == "casing-photo.jpg"
    assert photo.comment == "Crack near the antenna"
    assert photo.file_size == len(FILE_CONTENT)
    assert photo.attachment.read() == FILE_CONTENT
    assert stored.get(attachment="").link == "https://photos.example.com/albums/77"

    # Again: nothing downloaded twice, nothing duplicated.
    source = FakeSource()
    again = run_import(source, options=options)
    assert again.counts["common.attachment"]["unchanged"] == 2
    assert Attachment.objects.count() == 2
    assert not [url for url, _params in source.requests if url.startswith("/media/")]


def test_dry_run_reads_no_attachment_file(local_owners):
    from common.models import Attachment

    source = FakeSource()
    report = run_import(source, options=ImportOptions(attachments=True, dry_run=True))
    assert report.counts["common.attachment"]["created"] == 2
    assert not [url for url, _params in source.requests if url.startswith("/media/")]
    assert not Attachment.objects.exists()


def test_a_row_deleted_here_since_the_import_is_created_again(local_owners):
    run_import()
    contact = Contact.objects.get(name="Jo Smith")
    ReturnOrder.objects.filter(contact=contact).update(contact=None)
    contact.delete()
    report = run_import()
    assert report.counts["companies.contact"]["created"] == 1
    again = Contact.objects.get(name="Jo Smith")
    mapped = ImportedRow.objects.get(model="companies.contact", source_pk=11)
    assert mapped.target_pk == again.pk
    # The orders naming it point at it again.
    assert ReturnOrder.objects.get(reference="RMA-0041").contact == again


def test_progress_is_reported_per_step_as_rows_are_processed(local_owners):
    calls = []
    run_import(progress=lambda step, done, total: calls.append((step, done, total)))
    steps = list(dict.fromkeys(step for step, _done, _total in calls))
    assert steps == [
        "Companies",
        "Contacts",
        "Addresses",
        "Stock locations",
        "Part categories",
        "Parts",
        "Stock items",
        "Project codes",
        "Return orders",
        "Stock tracking",  # last: the orders' lines bring unserialized items in
    ]
    assert ("Return orders", 5, 5) in calls
    assert ("Companies", 3, 3) in calls


def test_an_order_whose_contact_is_of_another_company_is_skipped(local_owners):
    source = FakeSource()
    source.lists["company/"][1]["is_customer"] = True
    source.lists["company/contact/"][0]["company"] = 2  # Jo Smith now works for company 2
    report = run_import(source)
    assert (
        "returns.returnorder",
        101,
        "contact: Contact does not match selected company",
    ) in report.skipped
    assert not ReturnOrder.objects.filter(reference="RMA-0041").exists()
    assert not ReturnOrderLineItem.objects.filter(order__reference="RMA-0041").exists()


class FailingSource(FakeSource):
    """A source whose server starts refusing requests at the return orders."""

    def page(self, endpoint, **kwargs):
        if endpoint == "order/ro/":
            from importer.services import SourceError

            raise SourceError("HTTP 502 from https://inventree.example.com/api/order/ro/")
        return super().page(endpoint, **kwargs)


def test_a_background_run_holds_the_token_only_until_it_ends(local_owners):
    from importer.services import SourceError, create_run, execute

    run = create_run(url=URL, options=OPTIONS, user=local_owners[0], token=TOKEN)
    assert ImportRun.objects.get(pk=run.pk).token == TOKEN  # waiting for its worker
    with pytest.raises(SourceError):
        execute(run, token=run.token, source=FailingSource())
    failed = ImportRun.objects.get(pk=run.pk)
    assert failed.state == ImportRun.State.FAILED
    assert failed.token == ""
    assert "HTTP 502" in failed.error
    assert failed.cursor["done"][-1] == "project_codes"

    # The same import again resumes the failed run and finishes it.
    report = run_import()
    assert report.run.pk == run.pk
    assert report.run.state == ImportRun.State.SUCCEEDED
    assert report.counts == EXPECTED_COUNTS
    assert ImportRun.objects.get(pk=run.pk).token == ""


def test_a_renamed_location_renames_the_paths_below_it(local_owners):
    run_import()
    source = FakeSource()
    warehouse = next(row for row in source.lists["stock/location/"] if row["pk"] == 31)
    warehouse["name"] = "Depot"
    report = run_import(source)
    assert report.counts["stock.stocklocation"]["updated"] == 1
    assert StockLocation.objects.get(name="Shelf A").pathstring == "Depot/Shelf A"


def test_a_line_returning_more_than_its_stock_item_holds_is_skipped(local_owners):
    source = FakeSource()
    refund = next(row for row in source.lists["order/ro-line/"] if row["pk"] == 115)
    refund["quantity"] = 5  # item 65 holds 4
    serialized = next(row for row in source.lists["order/ro-line/"] if row["pk"] == 116)
    serialized["quantity"] = 2  # item 64 is serialized
    report = run_import(source)
    reasons = {pk: reason for model, pk, reason in report.skipped if model.endswith("lineitem")}
    assert reasons[115] == "quantity: Return quantity exceeds stock quantity"
    assert reasons[116] == "quantity: Invalid quantity for serialized stock item"
    assert ReturnOrder.objects.get(reference="LEGACY-7").lines.count() == 0


def test_the_kept_row_counts_agree_with_the_tables_after_an_import(local_owners):
    from common.row_counts import counted_tables

    run_import()
    source = FakeSource()
    source.lists["order/ro/"][0]["description"] = "changed"
    run_import(source)
    tables = counted_tables()
    assert tables  # the check below compares something
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            actual = cursor.fetchone()[0]
            cursor.execute('SELECT rows FROM common_rowcount WHERE "table" = %s', [table])
            stored = cursor.fetchone()
            assert stored is not None and stored[0] == actual, table


def test_a_queued_dry_run_records_only_its_outcome(local_owners):
    """A dry run queued first (as the settings page does) keeps its own row, with what a real
    run would do, and nothing else."""
    from importer.services import create_run, execute

    run = create_run(url=URL, options=ImportOptions(tracking=True, dry_run=True), token=TOKEN)
    before = all_row_counts()
    report = execute(run, token=run.token, source=FakeSource())
    assert report.counts == EXPECTED_COUNTS
    stored = ImportRun.objects.get(pk=run.pk)
    assert stored.state == ImportRun.State.SUCCEEDED
    assert stored.token == ""
    assert stored.counts == EXPECTED_COUNTS
    assert stored.unmatched_owners == ["bob"]
    assert set(stored.skipped_rows.values_list("model", "source_pk", "reason")) == EXPECTED_SKIPPED
    after = all_row_counts()
    assert after.pop("importer.ImportSkippedRow") == len(EXPECTED_SKIPPED)
    before.pop("importer.ImportSkippedRow")
    assert after == before


def test_a_queued_dry_run_that_fails_empties_its_token(local_owners):
    from importer.services import SourceError, create_run, execute

    run = create_run(url=URL, options=ImportOptions(dry_run=True), token=TOKEN)
    with pytest.raises(SourceError):
        execute(run, token=run.token, source=FailingSource())
    stored = ImportRun.objects.get(pk=run.pk)
    assert stored.state == ImportRun.State.FAILED
    assert stored.token == ""
    assert "HTTP 502" in stored.error
    assert not ImportedRow.objects.exists()


def test_notes_missing_from_the_list_rows_are_read_from_the_order(local_owners):
    source = FakeSource()
    order = source.lists["order/ro/"][0]
    source.details["order/ro/"] = [dict(order)]
    del order["notes"]
    run_import(source)
    assert ("order/ro/101/", {}) in source.requests
    assert ReturnOrder.objects.get(reference="RMA-0041").notes == "Customer dropped it once"


# -- one import of a source at a time ----------------------------------------------------------


def _running_run(*, minutes_ago: float) -> ImportRun:
    """A run of the source that another process is executing (or was, until it was killed)."""
    run = create_run(url=URL, options=OPTIONS)
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING,
        started=timezone.now() - datetime.timedelta(minutes=minutes_ago + 1),
        heartbeat=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )
    run.refresh_from_db()
    return run


def test_an_import_is_refused_while_another_of_the_same_source_runs(local_owners):
    running = _running_run(minutes_ago=1)
    queued = create_run(url=URL, options=ImportOptions(tracking=True, attachments=True))

    with pytest.raises(ImportBusy, match=f"Import #{running.pk} from {URL} is running"):
        execute(queued, token=TOKEN, source=FakeSource())
    # Resuming the running run itself (the command finds it unfinished) is refused too.
    with pytest.raises(ImportBusy):
        run_import()

    assert not Company.objects.exists() and not ImportedRow.objects.exists()
    queued.refresh_from_db()
    assert queued.state == ImportRun.State.FAILED and "is running" in queued.error
    assert queued.token == ""
    running.refresh_from_db()
    assert running.state == ImportRun.State.RUNNING  # the other one is left alone
    # A dry run writes nothing that stays: it goes ahead.
    assert run_import(options=ImportOptions(tracking=True, dry_run=True)).counts


def test_a_run_whose_process_stopped_without_a_word_is_resumed_once_stale(local_owners):
    stale = _running_run(minutes_ago=engine_module.STALE_AFTER.total_seconds() / 60 + 1)
    report = run_import()
    assert report.run.pk == stale.pk
    assert report.run.state == ImportRun.State.SUCCEEDED
    assert Company.objects.exists()


def test_a_running_import_beats_on_every_page(local_owners, monkeypatch):
    monkeypatch.setattr(engine_module, "PAGE_SIZE", 2)
    beats = []
    original = engine_module.Engine.flush

    def flush(self, cursor):
        original(self, cursor)
        beats.append(ImportRun.objects.values_list("heartbeat", flat=True).get(pk=self.run.pk))

    monkeypatch.setattr(engine_module.Engine, "flush", flush)
    run_import()
    assert len(beats) > 5
    assert beats == sorted(beats) and None not in beats
