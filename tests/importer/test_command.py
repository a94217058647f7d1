"""manage.py import_inventree against an HTTP server answering from the samples, through
the real ``inventree`` client."""

import logging

import pytest
from django.core.management import CommandError, call_command

from importer.models import ImportedRow, ImportRun, ImportSkippedRow
from returns.models import ReturnOrder
from tests.importer.sample_server import sample_server

TOKEN = "tok-Zq81-distinctive-4c0ffee"

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_inventree", *args, stdout=out)
    return out.getvalue()


def test_imports_prints_the_table_and_writes_the_skipped_csv(local_owners, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with sample_server(TOKEN) as url:
        output = run("--url", url, "--token", TOKEN)
    run_row = ImportRun.objects.get()
    assert run_row.state == ImportRun.State.SUCCEEDED
    assert "returns.returnorder" in output
    assert "Dry run" not in output
    assert "bob" in output  # the unmatched owner
    csv_path = tmp_path / f"inventree-import-skipped-{run_row.pk}.csv"
    assert f"written to {csv_path.name}" in output
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "model,source_pk,reason"
    assert len(lines) - 1 == ImportSkippedRow.objects.filter(run=run_row).count() > 0
    assert "returns.returnorder,102,customer: the order has no customer" in lines
    assert set(ReturnOrder.objects.values_list("reference", flat=True)) == {
        "RMA-0041",
        "LEGACY-7",
        "RMA-0100",
    }


def test_token_from_the_environment_and_skipped_csv_path(local_owners, tmp_path, monkeypatch):
    monkeypatch.setenv("INVENTREE_API_TOKEN", TOKEN)
    target = tmp_path / "skipped.csv"
    with sample_server(TOKEN) as url:
        output = run("--url", url, "--skipped-csv", str(target), "--no-progress")
    assert target.exists()
    assert str(target) in output


def test_dry_run_says_so_and_writes_nothing(local_owners, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with sample_server(TOKEN) as url:
        output = run("--url", url, "--token", TOKEN, "--dry-run")
    assert "Dry run: nothing was written." in output
    assert "rows would be skipped" in output
    assert not ImportRun.objects.exists()
    assert not ImportedRow.objects.exists()
    assert not ReturnOrder.objects.exists()
    assert list(tmp_path.glob("*.csv")) == []


def test_a_refused_token_is_a_command_error_without_the_token(capsys):
    with sample_server(TOKEN) as url, pytest.raises(CommandError) as error:
        run("--url", url, "--token", "wrong-" + TOKEN)
    assert "refused the API token" in str(error.value)
    assert TOKEN not in str(error.value)
    run_row = ImportRun.objects.get()
    assert run_row.state == ImportRun.State.FAILED
    assert run_row.token == ""


def test_an_unreachable_server_is_a_command_error():
    with pytest.raises(CommandError, match="Could not connect"):
        run("--url", "http://127.0.0.1:9", "--token", TOKEN)


def test_no_token_is_a_command_error(monkeypatch):
    monkeypatch.delenv("INVENTREE_API_TOKEN", raising=False)
    with pytest.raises(CommandError, match="API token"):
        run("--url", "http://127.0.0.1:9")


def test_the_token_appears_in_no_log_output_or_stored_field(
    local_owners, tmp_path, monkeypatch, caplog, capsys
):
    """With every logger at DEBUG and --verbosity 2 (the client logs its request headers at
    DEBUG), a full import and a refused one leave the token in no log record, no output and
    no stored row."""
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    with sample_server(TOKEN) as url:
        output = run("--url", url, "--token", TOKEN, "--tracking", "--attachments", "-v", "2")
        with pytest.raises(CommandError) as error:
            run("--url", url, "--token", TOKEN + "-bad", "-v", "2")
    captured = capsys.readouterr()
    assert any("Sending Request" in r.getMessage() for r in caplog.records)  # it did log
    for text in (
        output,
        str(error.value),
        captured.out,
        captured.err,
        caplog.text,
        *(r.getMessage() for r in caplog.records),
        *(path.read_text() for path in tmp_path.glob("*.csv")),
    ):
        assert TOKEN not in text
    for run_row in ImportRun.objects.all():
        assert TOKEN not in repr(run_row) + str(run_row) + run_row.error + str(run_row.options)
        assert run_row.token == ""
    assert not ImportSkippedRow.objects.filter(reason__contains=TOKEN).exists()
    # The file attachment came through the client's download, with the token.
    from common.models import Attachment

    assert Attachment.objects.exclude(attachment="").get().file_size > 0
    # The scrubbing filters are gone once the import is over.
    assert logging.getLogger("inventree").filters == []


def test_a_url_that_is_not_http_is_a_command_error():
    with pytest.raises(CommandError, match="http"):
        run("--url", "ftp://inventree.example.com", "--token", TOKEN)
    assert not ImportRun.objects.exists()


def test_the_client_request_log_is_quiet_below_verbosity_2(
    local_owners, tmp_path, monkeypatch, caplog
):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    with sample_server(TOKEN) as url:
        run("--url", url, "--token", TOKEN)
    assert not [r for r in caplog.records if r.name.startswith("inventree")]
    assert logging.getLogger("inventree").level == logging.NOTSET  # restored
