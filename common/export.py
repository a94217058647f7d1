"""Exports of list endpoints and pages as CSV, XLSX or JSON, in bounded memory.

A ``Table`` names the columns; ``export_response`` reads the queryset in chunks
(``.iterator(chunk_size=…)``) and answers with the file itself:

* CSV and JSON stream (``StreamingHttpResponse``), one tablib dataset per chunk, so memory
  stays flat however many rows match;
* XLSX is written row by row with openpyxl's write-only workbook into a temporary file, which
  is then streamed.

Spreadsheets run formulas, so text that a spreadsheet would read as one is neutralised
(OWASP "CSV injection"): in CSV a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return gets a leading ``'``; in XLSX every text cell is written as a string cell
(never a formula), and those starting with such a character carry Excel's quote prefix, so
editing the cell does not turn it into a formula either. Numbers, dates and booleans keep
their type (a negative number is not a formula); JSON is written as is.

``DataExportMixin`` gives a DRF list view InvenTree's export parameters:
``?export=csv|xlsx|json``, or ``?export=true&export_format=csv|xlsx|json``. The export holds
the rows that the same request without ``export`` would list (filters, search, ordering), all
of them: pagination does not apply.
"""

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from common.site_settings import TRUE_VALUES

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)
CHUNK_SIZE = 2000
FALSE_VALUES = {"", "0", "false", "f", "no", "n", "off"}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Table:
    """Columns of an export and how to load the rows (``prepare`` adds what they read)."""

    name: str
    columns: tuple[Column, ...]
    prepare: Callable[[QuerySet], QuerySet] = field(default=lambda queryset: queryset)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def rows(self, queryset: QuerySet, chunk_size: int | None = None) -> Iterator[tuple]:
        for obj in self.prepare(queryset).iterator(chunk_size=chunk_size or CHUNK_SIZE):
            yield tuple(column.value(obj) for column in self.columns)


def plain_number(value: Decimal | None) -> Decimal | None:
    """``Decimal("12.500000")`` → ``Decimal("12.5")``, ``Decimal("10.00")`` → ``Decimal("10")``."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def requested_format(params: Mapping[str, str]) -> str | None:
    """The export format a request asks for, or None when it asks for no export.

    Raises a ValidationError (a 400 in the API) for an unknown format.
    """
    value = (params.get("export") or "").strip().lower()
    if value in FALSE_VALUES:
        return None
    if value in TRUE_VALUES:
        value = (params.get("export_format") or "csv").strip().lower()
    if value not in CONTENT_TYPES:
        raise ValidationError(
            {
                "export_format": [
                    _("Unknown export format %(value)r: use %(formats)s.")
                    % {"value": value, "formats": ", ".join(FORMATS)}
                ]
            }
        )
    return value


# The characters a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """``'=1+2`` for the text ``=1+2``; any other value unchanged (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_row(row: Iterable) -> tuple:
    return tuple(csv_safe(value) for value in row)


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _csv_stream(headers: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    yield tablib.Dataset(headers=list(_csv_row(headers))).export("csv")
    for batch in _batches(rows, CHUNK_SIZE):
        yield tablib.Dataset(*(_csv_row(row) for row in batch)).export("csv")


def _json_stream(headers: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    yield "["
    first = True
    for batch in _batches(rows, CHUNK_SIZE):
        # tablib writes the chunk as a JSON array of objects; the brackets are ours.
        body = tablib.Dataset(*batch, headers=headers).export("json")[1:-1]
        yield body if first else "," + body
        first = False
    yield "]"


def _excel_value(value, sheet):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # XML 1.0 cannot hold these control characters; openpyxl would raise on them.
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if not value.startswith(FORMULA_PREFIXES):
        return value  # openpyxl writes it as a string cell already
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would make a text starting with "=" a formula
    cell.quotePrefix = True
    return cell


def _xlsx_file(title: str, headers: list[str], rows: Iterable[tuple]):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_excel_value(value, sheet) for value in headers])
    for row in rows:
        sheet.append([_excel_value(value, sheet) for value in row])
    # FileResponse closes the file once sent; the OS removes it then.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle


def export_filename(table: Table, export_format: str) -> str:
    return f"{table.name}-{timezone.localdate():%Y-%m-%d}.{export_format}"


def export_response(*, table: Table, queryset: QuerySet, export_format: str):
    """The export as a file download (``Content-Disposition: attachment``)."""
    filename = export_filename(table, export_format)
    rows = table.rows(queryset)
    if export_format == "xlsx":
        return FileResponse(
            _xlsx_file(table.name, table.headers, rows),
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES["xlsx"],
        )
    stream = _csv_stream if export_format == "csv" else _json_stream
    response = StreamingHttpResponse(
        stream(table.headers, rows), content_type=CONTENT_TYPES[export_format]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_is_large(queryset: QuerySet, threshold: int) -> bool:
    """Whether ``queryset`` has more than ``threshold`` rows, in one query that reads at most
    one row past the threshold (no count of the whole result)."""
    return queryset.order_by().values("pk")[threshold : threshold + 1].exists()


def export_write(
    *, table: Table, rows: Iterable[tuple], export_format: str, handle, on_rows=None
) -> None:
    """Write the whole export to the binary file ``handle``, as ``export_response`` would
    send it; ``on_rows(count)`` is called after each chunk of rows written."""

    def counted(rows):
        for count, row in enumerate(rows, start=1):
            yield row
            if on_rows is not None and count % CHUNK_SIZE == 0:
                on_rows(count)

    rows = counted(rows)
    if export_format == "xlsx":
        source = _xlsx_file(table.name, table.headers, rows)
        with source:
            while chunk := source.read(1 << 20):
                handle.write(chunk)
        return
    stream = _csv_stream if export_format == "csv" else _json_stream
    for text in stream(table.headers, rows):
        handle.write(text.encode("utf-8"))


def rows_in_key_order(table: Table, queryset: QuerySet, keys: list[int]) -> Iterator[tuple]:
    """The rows of ``queryset`` whose primary keys are ``keys``, in that order, read a chunk
    of keys at a time (so the order of a list request is kept without sorting it again)."""
    for start in range(0, len(keys), CHUNK_SIZE):
        chunk = keys[start : start + CHUNK_SIZE]
        found = {
            obj.pk: obj
            for obj in table.prepare(queryset.filter(pk__in=chunk)).iterator(chunk_size=CHUNK_SIZE)
        }
        for key in chunk:
            obj = found.get(key)
            if obj is not None:
                yield tuple(column.value(obj) for column in table.columns)


class DataExportMixin:
    # For a DRF list view: ``?export=…`` answers with the file instead of the JSON list.
    # (A comment, not a docstring: the schema would show it as every list's description.)

    export_table: Table | None = None
    # The serializer of the 202 answer of an export that runs in the background; the schema
    # documents that answer (common.schema) for a view that names one.
    export_job_serializer = None

    def export_in_background(self, queryset: QuerySet, export_format: str):
        """A response for an export too large to answer with the file, or None to answer
        with the file. A view whose exports may run as jobs overrides it, and names the
        serializer of its answer in ``export_job_serializer``."""
        return None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "export",
                OpenApiTypes.STR,
                description="Answer with a file of every matching row: csv, xlsx or json "
                "(or true, with export_format)",
            ),
            OpenApiParameter("export_format", OpenApiTypes.STR, enum=FORMATS),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        export_format = requested_format(request.query_params)
        if export_format is None or self.export_table is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        background = self.export_in_background(queryset, export_format)
        if background is not None:
            return background
        return export_response(
            table=self.export_table, queryset=queryset, export_format=export_format
        )
