"""The InvenTree import, end to end: from a second Boomerang served for real
(``tests.importer.source``) into this test database, over HTTP with the ``inventree`` client.

The source holds every kind of row, and bad ones (``tests.importer.source_data``). After an
import the target must hold exactly what the source holds, by natural keys and field values
(``source_data.snapshot`` read on both sides), less the rows that must be skipped, which the
skipped-rows CSV lists with their reasons. A second run creates nothing and applies what
changed at the source; a run stopped mid-way resumes to the same end; a dry run writes
nothing; the token is in no log record, output or stored row.

The source is another process, so these tests commit (``transaction=True``); the users and
group the source's owners must match are made in each test, as an administrator would before
importing.
"""

import csv
import io
import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from common.models import Attachment
from companies.models import Company
from importer import services
from importer.models import ImportedRow, ImportRun, ImportSkippedRow
from importer.services.engine import STEPS
from returns import services as return_services
from returns.models import ReturnOrder
from tests.importer import source_data
from tests.importer.source import inventree_source  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

# The snapshot's model names, as the import labels them.
LABELS = {
    "company": "companies.company",
    "contact": "companies.contact",
    "address": "companies.address",
    "category": "stock.partcategory",
    "part": "stock.part",
    "location": "stock.stocklocation",
    "stockitem": "stock.stockitem",
    "tracking": "stock.stockitemtracking",
    "projectcode": "returns.projectcode",
    "returnorder": "returns.returnorder",
    "returnorderlineitem": "returns.returnorderlineitem",
    "returnorderextraline": "returns.returnorderextraline",
    "attachment": "common.attachment",
}
# Models whose rows map one to one: the mapping table holds one row per imported row.
MAPPED = [name for name in LABELS if name not in {"tracking", "attachment"}]


@pytest.fixture
def source(inventree_source):  # noqa: F811
    return inventree_source


@pytest.fixture
def owners(transactional_db):
    """The target's namesakes of the source's owners (the source's ``ghost`` has none)."""
    alice = User.objects.create_user(source_data.MATCHED_USER, password=None)
    desk = Group.objects.create(name=source_data.MATCHED_GROUP)
    return alice, desk


def expected(
    source, *, tracking: bool = True, attachments: bool = True, deltas: bool = False
) -> dict:
    """What the target must hold after importing ``source``: its snapshot without the
    skipped rows, the lines of skipped orders, and the owners with no namesake here."""
    left_out = {
        "tracking": not tracking,
        "attachment": not attachments,
        "trackingdeltas": not (tracking and deltas),
    }
    data = {name: dict(rows) for name, rows in source.snapshot.items() if not left_out.get(name)}
    for skip in source.skipped:
        data[skip["model"]].pop(skip["key"], None)
        if skip["model"] == "stockitem":
            data.get("tracking", {}).pop(skip["key"], None)
            data.get("trackingdeltas", {}).pop(skip["key"], None)
        if skip["model"] == "returnorder":
            for key in [k for k in data["returnorderlineitem"] if k.startswith(skip["key"] + "|")]:
                del data["returnorderlineitem"][key]
    for rows in (data["returnorder"], data["projectcode"]):
        for row in rows.values():
            if row["responsible"] == source_data.UNMATCHED_USER:
                row["responsible"] = None
    return data


# Checked on their own (test_return_order_notes_are_imported and
# test_the_tracking_of_an_unserialized_item_a_line_names_comes_with_the_first_run), so that
# the comparisons of everything else say what else differs.
SEPARATELY_CHECKED = {("returnorder", "notes")}
UNSERIALIZED = "|None"  # the key of a stock item without a serial, in the snapshot


def differences(actual: dict, wanted: dict) -> list[str]:
    """Every row and field where ``actual`` differs from ``wanted``, named."""
    found = []
    for model in sorted(set(actual) | set(wanted)):
        have, want = actual.get(model, {}), wanted.get(model, {})
        found.extend(f"{model} {key}: missing" for key in sorted(set(want) - set(have)))
        found.extend(f"{model} {key}: not expected" for key in sorted(set(have) - set(want)))
        for key in sorted(set(have) & set(want)):
            if not isinstance(want[key], dict):  # tracking: a list of entries
                if have[key] != want[key]:
                    found.append(f"{model} {key}: {have[key]!r}, expected {want[key]!r}")
                continue
            for name in sorted(set(have[key]) | set(want[key])):
                if (model, name) in SEPARATELY_CHECKED:
                    continue
                if have[key].get(name) != want[key].get(name):
                    found.append(
                        f"{model} {key} {name}: {have[key].get(name)!r}, "
                        f"expected {want[key].get(name)!r}"
                    )
    return found


def assert_same(actual: dict, wanted: dict) -> None:
    """Model by model, row by row, field by field: a failure lists every difference."""
    found = differences(actual, wanted)
    assert not found, "\n".join(found)


def run_command(source, *options: str, tmp_path: Path, token: str | None = None):
    """``manage.py import_inventree`` against the source: (stdout, stderr, CSV rows)."""
    out, err = io.StringIO(), io.StringIO()
    skipped = tmp_path / "skipped.csv"
    call_command(
        "import_inventree",
        "--url",
        source.url,
        "--token",
        source.token if token is None else token,
        "--no-progress",
        "--skipped-csv",
        str(skipped),
        *options,
        stdout=out,
        stderr=err,
    )
    rows = csv_rows(skipped.read_text()) if skipped.exists() else []
    return out.getvalue(), err.getvalue(), rows


# Not data: the calendar feeds' Last-Modified stamp, which an updated company moves forward.
NOT_DATA = {"returns.feedstate"}


def row_counts() -> dict[str, int]:
    """Every model's number of rows in the target (the import's own tables aside)."""
    return {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label != "importer" and model._meta.label_lower not in NOT_DATA
    }


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def csv_rows(text: str) -> list[tuple[str, int | None, str]]:
    return [
        (row["model"], int(row["source_pk"]) if row["source_pk"] else None, row["reason"])
        for row in csv.DictReader(io.StringIO(text))
    ]


def assert_skipped_reported(skipped, source) -> None:
    """Every bad row of the source is reported, under its model and pk, with its reason:
    ``skipped`` holds (model, source_pk, reason), as the report and the CSV do."""
    reported = {(model, pk): reason for model, pk, reason in skipped}
    for skip in source.skipped:
        reason = reported.get((LABELS[skip["model"]], skip["source_pk"]))
        assert reason is not None, f"{skip['model']} {skip['key']} is not reported: {reported}"
        for word in skip["reason"]:
            assert word in reason.lower(), f"{skip['key']}: {reason!r} does not say {word!r}"


# -- a first import ---------------------------------------------------------------------------


def test_the_command_imports_every_model_as_the_source_holds_it(source, owners, tmp_path):
    out, _err, skipped = run_command(source, "--tracking", "--attachments", tmp_path=tmp_path)

    assert_same(source_data.snapshot(tracking=True, attachments=True), expected(source))
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.SUCCEEDED
    wanted = expected(source)
    for name in MAPPED:
        label = LABELS[name]
        assert run.counts[label]["created"] == len(wanted[name]), label
        assert ImportedRow.objects.filter(model=label).count() == len(wanted[name]), label
    assert_skipped_reported(skipped, source)
    assert ImportSkippedRow.objects.filter(run=run).count() == len(skipped)
    # The table of counts (each model with its number created), the unmatched owner and
    # where the CSV went are in the output.
    for name in MAPPED:
        created = len(wanted[name])
        assert re.search(rf"{re.escape(LABELS[name])}\W+{created}\b", out), (name, out)
    assert source_data.UNMATCHED_USER in out
    assert run.unmatched_owners == [source_data.UNMATCHED_USER]
    assert str(tmp_path / "skipped.csv") in out


def test_imported_files_are_the_source_files(source, owners, tmp_path, settings):
    run_command(source, "--attachments", tmp_path=tmp_path)

    stored = Attachment.objects.exclude(attachment="").get()
    assert stored.filename == source_data.ATTACHMENT_NAME
    with stored.attachment.open("rb") as handle:
        assert handle.read() == source_data.ATTACHMENT_BYTES
    assert stored.comment == "Bench report"
    assert Attachment.objects.filter(link="https://photos.example.com/batch-3").exists()
    assert len(media_files(settings)) == 1


def test_without_options_no_tracking_and_no_attachments_are_copied(source, owners, tmp_path):
    run_command(source, tmp_path=tmp_path)

    assert_same(
        source_data.snapshot(tracking=False, attachments=False),
        expected(source, tracking=False, attachments=False),
    )
    assert not Attachment.objects.exists()
    assert not ImportedRow.objects.filter(model=LABELS["tracking"]).exists()


def test_references_are_kept_and_numbering_continues_after_the_highest(source, owners, tmp_path):
    run_command(source, tmp_path=tmp_path)

    assert ReturnOrder.objects.filter(reference=source_data.FOREIGN_REFERENCE).exists()
    assert ReturnOrder.objects.filter(reference=source_data.HIGHEST_REFERENCE).exists()
    order = return_services.return_order_create(
        user=owners[0], customer=Company.objects.get(name="Acme Repairs")
    )
    assert order.reference == "RMA-0421"


def test_an_owner_with_no_namesake_leaves_its_orders_without_responsible(source):
    """No target user or group at all: every owner is reported, no order is skipped for it."""
    report = services.import_inventree(
        url=source.url, token=source.token, options=services.ImportOptions()
    )

    assert sorted(report.unmatched_owners) == sorted(
        {source_data.MATCHED_USER, source_data.MATCHED_GROUP, source_data.UNMATCHED_USER}
    )
    assert not ReturnOrder.objects.filter(responsible__isnull=False).exists()
    assert ReturnOrder.objects.count() == len(expected(source)["returnorder"])
    assert not User.objects.exists()  # matched by name, never created
    assert not Group.objects.exists()


def test_return_order_notes_are_imported(source, owners):
    """InvenTree's order list leaves the notes out (as Boomerang's does): the order's own
    endpoint has them."""
    services.import_inventree(url=source.url, token=source.token, options=services.ImportOptions())

    wanted = expected(source)["returnorder"]
    have = source_data.snapshot(tracking=False, attachments=False)["returnorder"]
    assert {ref: have[ref]["notes"] for ref in wanted} == {
        ref: row["notes"] for ref, row in wanted.items()
    }
    assert any(row["notes"] for row in wanted.values())


def test_the_tracking_of_an_unserialized_item_a_line_names_comes_with_the_first_run(source, owners):
    """An unserialized item is imported because a line names it; with tracking, its history
    comes in the same run as the others', and a second run finds nothing new."""
    options = services.ImportOptions(tracking=True)
    services.import_inventree(url=source.url, token=source.token, options=options)
    wanted = {k: v for k, v in expected(source)["tracking"].items() if k.endswith(UNSERIALIZED)}
    assert wanted, "the source has no unserialized item on a line: this proves nothing"
    have = source_data.snapshot(attachments=False)["tracking"]

    assert {key: have.get(key) for key in wanted} == wanted
    second = services.import_inventree(url=source.url, token=source.token, options=options)
    assert second.counts[LABELS["tracking"]]["created"] == 0


def test_tracking_deltas_name_the_imported_rows(source, owners):
    """A tracking entry's deltas name an order, a location or a customer by pk: after the
    import they must be the target's rows (the same reference, path, name), not whatever
    row here has the source's pk."""
    services.import_inventree(
        url=source.url, token=source.token, options=services.ImportOptions(tracking=True)
    )
    wanted = expected(source, deltas=True)["trackingdeltas"]
    assert any(row[1] for rows in wanted.values() for row in rows), "no order in any deltas"
    have = source_data.snapshot(attachments=False, deltas=True)["trackingdeltas"]

    assert {key: have.get(key) for key in wanted} == wanted


# -- running it again ---------------------------------------------------------------------------


def test_a_second_run_creates_nothing_and_applies_the_source_changes(source, owners, tmp_path):
    options = services.ImportOptions(attachments=True, tracking=True)
    first = services.import_inventree(url=source.url, token=source.token, options=options)
    counts, mapped = row_counts(), ImportedRow.objects.count()

    changed = source.change()
    second = services.import_inventree(url=source.url, token=source.token, options=options)

    assert second.run.pk != first.run.pk
    assert {label: c["created"] for label, c in second.counts.items() if c["created"]} == {}
    assert second.counts[LABELS["company"]]["updated"] >= 1
    assert second.counts[LABELS["returnorder"]]["updated"] >= 1
    assert row_counts() == counts
    assert ImportedRow.objects.count() == mapped
    assert_same(source_data.snapshot(), expected(source))
    assert Company.objects.get(name=changed["company"]).phone == "+1 555 0100"
    held = ReturnOrder.objects.get(reference=changed["order"])
    assert (held.customer_reference, held.target_date) == (
        "BETA-2231",
        source_data.CHANGED_TARGET_DATE,
    )


def test_an_interrupted_run_resumes_where_it_stopped(source, owners, monkeypatch):
    """Stopped after the first page of orders has committed (pages of three here), the next
    run with the same options picks the same run up and ends where an unbroken run would."""
    monkeypatch.setattr("importer.services.engine.PAGE_SIZE", 3)
    options = services.ImportOptions()

    orders = next(step.title for step in STEPS if step.label == LABELS["returnorder"])

    def stop_after_a_page_of_orders(step, done, total):
        if step == orders and done >= 3:
            raise services.Interrupted("stopped by the test")

    with pytest.raises(services.Interrupted):
        services.import_inventree(
            url=source.url,
            token=source.token,
            options=options,
            progress=stop_after_a_page_of_orders,
        )
    stopped = ImportRun.objects.get()
    assert stopped.state == ImportRun.State.INTERRUPTED
    assert stopped.token == ""
    imported_before = ReturnOrder.objects.count()
    assert 0 < imported_before < len(expected(source)["returnorder"])

    report = services.import_inventree(url=source.url, token=source.token, options=options)

    assert report.run.pk == stopped.pk
    assert ImportRun.objects.get().state == ImportRun.State.SUCCEEDED
    assert_same(
        source_data.snapshot(tracking=False, attachments=False),
        expected(source, tracking=False, attachments=False),
    )
    for name in MAPPED:
        model = apps.get_model(LABELS[name])
        assert ImportedRow.objects.filter(model=LABELS[name]).count() == model.objects.count()
    assert report.counts[LABELS["returnorder"]]["created"] == ReturnOrder.objects.count()


# -- a dry run ------------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing(source, owners, settings):
    before = row_counts()

    report = services.import_inventree(
        url=source.url,
        token=source.token,
        options=services.ImportOptions(tracking=True, attachments=True, dry_run=True),
    )

    assert row_counts() == before
    assert not media_files(settings)
    assert not ImportedRow.objects.exists()
    assert not ImportRun.objects.exists()
    wanted = expected(source)
    for name in MAPPED:
        assert report.counts[LABELS[name]]["created"] == len(wanted[name]), name
    assert_skipped_reported(report.skipped, source)
    assert report.unmatched_owners == [source_data.UNMATCHED_USER]


def test_the_command_dry_run_prints_the_counts_and_writes_nothing(source, owners, tmp_path):
    before = row_counts()

    out, _err, skipped = run_command(source, "--dry-run", tmp_path=tmp_path)

    assert row_counts() == before
    assert not ImportRun.objects.exists()
    assert_skipped_reported(skipped, source)
    assert source_data.UNMATCHED_USER in out


# -- the token --------------------------------------------------------------------------------


def _stored_text() -> str:
    """Everything the import stored about its runs, as text."""
    rows = [
        *ImportRun.objects.values(),
        *ImportSkippedRow.objects.values(),
        *ImportedRow.objects.values(),
    ]
    return repr(rows)


def test_the_token_is_in_no_log_output_or_stored_row(source, owners, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)

    out, err, _skipped = run_command(source, "--tracking", "--attachments", tmp_path=tmp_path)

    assert caplog.records, "the import logs nothing at DEBUG: the check would prove nothing"
    for record in caplog.records:
        assert source.token not in record.getMessage(), record.name
        assert source.token not in repr(record.args), record.name
    assert source.token not in out + err
    assert source.token not in _stored_text()
    assert ImportRun.objects.get().token == ""


def test_a_wrong_token_fails_without_showing_it(source, owners, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "0123456789abcdef-wrong-token-fedcba9876543210"

    with pytest.raises(CommandError) as excinfo:
        run_command(source, tmp_path=tmp_path, token=wrong)

    assert wrong not in str(excinfo.value)
    assert all(wrong not in record.getMessage() for record in caplog.records)
    assert wrong not in _stored_text()
    assert not Company.objects.exists()


def test_an_unreachable_server_raises_a_source_error(owners, unused_port_url):
    with pytest.raises(services.SourceError) as excinfo:
        services.import_inventree(
            url=unused_port_url, token="secret-token-value", options=services.ImportOptions()
        )
    assert "secret-token-value" not in str(excinfo.value)


@pytest.fixture
def unused_port_url():
    from bench.harness import LOOPBACK, free_port

    return f"http://{LOOPBACK}:{free_port()}"


def test_the_service_imports_what_the_source_holds(source, owners):
    report = services.import_inventree(
        url=source.url, token=source.token, options=services.ImportOptions(tracking=True)
    )

    assert_same(
        source_data.snapshot(tracking=True, attachments=False),
        expected(source, tracking=True, attachments=False),
    )
    assert_skipped_reported(report.skipped, source)
    assert report.unmatched_owners == [source_data.UNMATCHED_USER]
    assert report.run.state == ImportRun.State.SUCCEEDED
