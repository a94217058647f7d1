"""The JSON of ``GET /api/order/ro/`` and ``GET /api/order/ro/<pk>/``, read as plain rows.

``ReturnOrderSerializer`` stays the definition of an order's representation (the schema, the
writes and their answers use it). Reading a page through it builds some 550 model instances
(the order and its ten joined rows, money descriptors included) and walks DRF's fields for
each: most of a list's cost. ``ReturnOrderReader`` gives the same JSON (same keys in the same
order, same values and types, the same ``*_detail`` toggles and the list's hidden ``notes``)
from one ``values()`` row per order, holding only the columns the requested fields show.
The derived values come from the functions the model and the serializer use:
``ReturnOrder.currency``, ``Company.currency_code``, ``Owner.label``, ``allowed_transitions``,
the serializer's own field objects for dates, times, choices and labels, the list
selector's annotations for the line counts, and ``overdue_filter``'s rule for ``overdue``.
A page's rows are read by key in a query compiled once (``common.sql``): the filters pick
the keys, and the joined columns cost Django nothing more to build. ``tests/returns/
test_representation.py`` holds both paths to the same output.
"""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework.settings import ISO_8601, api_settings

from common.pagination import KeysFirstPagination
from common.serializers import DetailToggleMixin
from common.sql import ReusedQuery, padded
from companies.models import Company
from returns import selectors
from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.serializers import ReturnOrderSerializer
from returns.statuses import OPEN_STATUSES, ReturnOrderLineStatus, allowed_transitions
from users import services as user_services
from users.models import Owner

# Columns every order shows, by the field they feed.
ORDER_COLUMNS = (
    "id",
    "reference",
    "creation_date",
    "issue_date",
    "start_date",
    "target_date",
    "complete_date",
    "description",
    "link",
    "project_code_id",
    "project_code__code",
    "responsible_id",
    "contact_id",
    "address_id",
    "status",
    "customer_id",
    "customer__currency",
    "customer_reference",
    "order_currency",
    "total_price",
    "total_price_currency",
    "total_price_note",
    "total_refunded",
    "total_refunded_currency",
    "total_refunded_note",
    "updated_at",
    "created_by_id",
    "created_by__username",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__email",
    "authorized_by_id",
    "authorized_date",
    "partially_authorized",
    "decline_reason",
    "visible_to_customer",
    "from_portal",
)
NOTES_COLUMNS = ("notes",)
# The ``*_detail`` fields that show a related row's columns as they are: the key that says
# whether there is one, then each shown key and the column it comes from.
PLAIN_DETAILS = {
    "customer_detail": (
        "customer_id",
        {
            "pk": "customer_id",
            "active": "customer__active",
            "name": "customer__name",
            "description": "customer__description",
            "currency": "customer__currency",
            "is_customer": "customer__is_customer",
        },
    ),
    "contact_detail": (
        "contact_id",
        {
            "pk": "contact_id",
            "company": "contact__company_id",
            "company_name": "contact__company__name",
            "name": "contact__name",
            "phone": "contact__phone",
            "email": "contact__email",
            "role": "contact__role",
        },
    ),
    "address_detail": (
        "address_id",
        {
            "pk": "address_id",
            "line1": "address__line1",
            "line2": "address__line2",
            "postal_code": "address__postal_code",
            "postal_city": "address__postal_city",
            "province": "address__province",
            "country": "address__country",
            "shipping_notes": "address__shipping_notes",
            "internal_shipping_notes": "address__internal_shipping_notes",
        },
    ),
}
# The columns of each ``*_detail`` field, read only when it is shown.
DETAIL_COLUMNS = {
    **{name: tuple(columns.values()) for name, (_key, columns) in PLAIN_DETAILS.items()},
    "responsible_detail": (
        "responsible__owner_id",
        "responsible__owner_type__model",
        "responsible__name",
    ),
    "project_code_detail": (
        "project_code__description",
        "project_code__responsible_id",
        "project_code__responsible__owner_id",
        "project_code__responsible__owner_type__model",
        "project_code__responsible__name",
    ),
}

# Every field the reader writes: when the serializer shows another one, the reader steps
# aside (``ReturnOrderReader.covers``) rather than answer without it.
FIELDS = frozenset(
    {
        "pk",
        "reference",
        "created_by",
        "creation_date",
        "issue_date",
        "start_date",
        "target_date",
        "complete_date",
        "description",
        "line_items",
        "completed_lines",
        "received_lines",
        "link",
        "project_code",
        "project_code_label",
        "project_code_detail",
        "responsible",
        "responsible_detail",
        "contact",
        "contact_detail",
        "address",
        "address_detail",
        "status",
        "status_text",
        "status_custom_key",
        "allowed_actions",
        "notes",
        "overdue",
        "customer",
        "customer_detail",
        "customer_reference",
        "order_currency",
        "currency",
        "total_price",
        "total_price_currency",
        "total_price_note",
        "total_refunded",
        "total_refunded_currency",
        "total_refunded_note",
        "updated_at",
        "authorized_by",
        "authorized_date",
        "partially_authorized",
        "decline_reason",
        "visible_to_customer",
        "from_portal",
    }
)


NO_LINES = (0, 0, 0)
LINE_COUNTS = ("line_items", "completed_lines", "received_lines")


def order_rows_queryset(request) -> QuerySet[ReturnOrder]:
    """The orders the list and the detail read their rows from, before filters and ordering.

    What ``selectors.return_order_list`` gives the filters and the orderings, without the
    joins (the reader names its columns) and, unless ``?ordering=`` names a line count,
    without the three line-count subqueries: building them costs more than reading the
    page's counts (``line_counts``), and only such an ordering needs them in the query.
    """
    ordering = request.query_params.get("ordering", "")
    if any(name in ordering for name in LINE_COUNTS):
        return selectors.with_line_counts(ReturnOrder.objects.all())
    return ReturnOrder.objects.all()


def _line_counts(keys):
    return (
        ReturnOrderLineItem.objects.filter(order_id__in=keys)
        .order_by()
        .values("order_id")
        .annotate(
            line_items=Count("pk"),
            completed_lines=Count("pk", filter=~Q(outcome=ReturnOrderLineStatus.PENDING)),
            received_lines=Count("pk", filter=Q(received_date__isnull=False)),
        )
        .values_list("order_id", "line_items", "completed_lines", "received_lines")
    )


# Read for every page and every detail: compiled once per page length (see common.sql).
_LINE_COUNTS = ReusedQuery(_line_counts)


def _rows_by_key(columns: tuple[str, ...]):
    def build(keys):
        orders = ReturnOrder.objects.filter(pk__in=keys).order_by()
        return selectors.with_line_counts(orders, overdue=False).values_list(*columns, *LINE_COUNTS)

    return build


# Reused queries of ``ReturnOrderReader.rows_for_keys``, by their columns.
_ROWS_BY_KEY: dict[tuple[str, ...], ReusedQuery] = {}


def line_counts(keys) -> dict[int, tuple[int, int, int]]:
    """``{order pk: (line_items, completed_lines, received_lines)}`` for the orders ``keys``.

    The counts ``selectors.with_line_counts`` annotates (every line; lines with an outcome;
    received lines), in one grouped query over the page's orders, which costs the database
    and Django less than three correlated subqueries in the page's query. Orders without
    lines are left out (``NO_LINES``).
    """
    if not keys:
        return {}
    rows = _LINE_COUNTS.rows(keys=padded(keys))
    return {order: (total, completed, received) for order, total, completed, received in rows}


class ReturnOrderPagination(KeysFirstPagination):
    """``KeysFirstPagination`` whose page is read as a ``ReturnOrderReader``'s rows.

    The count and the page's keys are taken on the filtered queryset itself, before the
    reader adds the joined columns of the page (a count over them would join them all).
    """

    def paginate_rows(self, queryset: QuerySet, request, reader: "ReturnOrderReader"):
        """The page's rows as ``paginate_queryset`` picks them, or None without ``limit``."""
        return self.paginate_queryset(queryset, request, read_keys=reader.rows_for_keys)


class _Customer:
    """A customer row seen through ``Company.currency_code``."""

    __slots__ = ("currency",)
    currency_code = Company.__dict__["currency_code"]

    def __init__(self, currency):
        self.currency = currency


class _Order:
    """An order row seen through ``ReturnOrder.currency``."""

    __slots__ = ("customer", "customer_id", "order_currency")
    currency = ReturnOrder.__dict__["currency"]

    def __init__(self, row):
        self.order_currency = row["order_currency"]
        self.customer_id = row["customer_id"]
        self.customer = _Customer(row["customer__currency"])


class _OwnerType:
    __slots__ = ("model",)

    def __init__(self, model):
        self.model = model


class _Owner:
    """An owner row seen through ``Owner.label``."""

    __slots__ = ("owner_type",)
    label = Owner.__dict__["label"]

    def __init__(self, model):
        self.owner_type = _OwnerType(model)


def _owner(pk: int | None, row: dict, prefix: str) -> dict | None:
    """``OwnerSerializer``'s dict for the owner whose columns start with ``prefix``."""
    if pk is None:
        return None
    model = row[f"{prefix}owner_type__model"]
    return {
        "pk": pk,
        "owner_id": row[f"{prefix}owner_id"],
        "owner_model": model,
        "name": row[f"{prefix}name"],
        "label": _Owner(model).label,
    }


def _money(amount) -> float | None:
    return None if amount is None else float(amount)


class _Toggles(DetailToggleMixin):
    """The serializer's ``*_detail`` rule, applied to its toggles alone."""

    detail_defaults = ReturnOrderSerializer.detail_defaults

    def __init__(self, request):
        self.context = {"request": request}
        self.fields = dict.fromkeys(self.detail_defaults)
        super().__init__()


# Date formats that write what ``date.isoformat()`` writes, for years from 1000 on.
ISO_DATES = (ISO_8601, "%Y-%m-%d")


def _iso_date(value: datetime.date) -> str:
    return value.isoformat() if value.year >= 1000 else value.strftime("%Y-%m-%d")


DATE_NAMES = ("creation_date", "issue_date", "start_date", "target_date", "complete_date")


class _Layout:
    """What the serializer's class says about its output, read once per process."""

    @cached_property
    def serializer(self) -> ReturnOrderSerializer:
        return ReturnOrderSerializer()

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every field shown on a read, in the serializer's order."""
        return tuple(name for name, field in self.serializer.fields.items() if not field.write_only)

    @cached_property
    def converters(self) -> dict:
        fields = self.serializer.fields
        return {
            name: fields[name].to_representation
            for name in (
                *DATE_NAMES,
                "status_text",
                "order_currency",
                "updated_at",
                "authorized_date",
            )
        }

    def request_converters(self) -> dict:
        """``converters``, with what DRF does per value done once for the request where the
        output is the same: ISO dates and times in the request's time zone, and the status
        labels in its language."""
        converters = dict(self.converters)
        fields = self.serializer.fields
        for name in DATE_NAMES:
            if getattr(fields[name], "format", api_settings.DATE_FORMAT) in ISO_DATES:
                converters[name] = _iso_date
        zone = fields["updated_at"].default_timezone()
        if zone is not None and (
            getattr(fields["updated_at"], "format", api_settings.DATETIME_FORMAT) == ISO_8601
        ):

            def iso_datetime(value, zone=zone, slow=converters["updated_at"]):
                if value.tzinfo is None:
                    return slow(value)
                text = value.astimezone(zone).isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text

            converters["updated_at"] = iso_datetime
        labels = {key: str(label) for key, label in fields["status_text"].choices}
        converters["status_text"] = lambda value: labels.get(value, str(value))
        return converters

    @cached_property
    def covered(self) -> bool:
        return set(self.names) <= FIELDS


_layout = _Layout()


class ReturnOrderReader:
    """Orders as ``ReturnOrderSerializer`` shows them to ``request``, from ``values()`` rows.

    ``rows(queryset)`` narrows a queryset of ``selectors.return_order_list()`` (filtered and
    ordered as the view wants) to the columns the request's fields need; ``represent(rows)``
    turns those rows into the serializer's dicts. The query count is the queryset's: the
    line counts and ``overdue`` are its annotations, and the user check for ``created_by``'s
    ``email`` is the serializer's, made once per request.
    """

    def __init__(self, *, request, hide_notes: bool = False):
        self.request = request
        self.details = frozenset(_Toggles(request).fields)
        self.hide_notes = hide_notes
        hidden = set(ReturnOrderSerializer.detail_defaults) - self.details
        if hide_notes:
            hidden.add("notes")
        self.names = tuple(name for name in _layout.names if name not in hidden)
        self._details_visible = None
        self._convert = _layout.request_converters()
        # ``overdue_filter``'s rule, as of the request's date.
        self._today = timezone.localdate()

    @staticmethod
    def covers() -> bool:
        """Whether every field the serializer shows is one this reader writes."""
        return _layout.covered

    def columns(self) -> tuple[str, ...]:
        columns = list(ORDER_COLUMNS)
        if not self.hide_notes:
            columns.extend(NOTES_COLUMNS)
        for name in sorted(self.details):
            columns.extend(DETAIL_COLUMNS[name])
        return tuple(dict.fromkeys(columns))  # each once, in order

    def rows(self, queryset: QuerySet) -> QuerySet:
        return queryset.values(*self.columns())

    def rows_for_keys(self, keys) -> list[dict]:
        """The rows of the orders ``keys``, in that order, with their line counts: one query,
        compiled once per set of columns (see ``common.sql``), whatever filtered the keys."""
        if not keys:
            return []
        columns = self.columns()
        query = _ROWS_BY_KEY.get(columns)
        if query is None:
            query = _ROWS_BY_KEY.setdefault(columns, ReusedQuery(_rows_by_key(columns)))
        names = (*columns, *LINE_COUNTS)
        rows = query.rows(keys=padded(keys))
        by_key = {row[0]: dict(zip(names, row, strict=True)) for row in rows}
        return [by_key[key] for key in keys if key in by_key]

    def represent(self, rows) -> list[dict]:
        """The serializer's dicts for ``rows``: one query more, for their line counts, unless
        the rows hold them (``rows_for_keys``)."""
        if rows and LINE_COUNTS[0] in rows[0]:
            return [self.represent_one(row) for row in rows]
        counts = line_counts([row["id"] for row in rows])
        return [self.represent_one(row, counts.get(row["id"], NO_LINES)) for row in rows]

    def _email_visible(self, user_pk: int) -> bool:
        # UserBriefSerializer's rule: one's own e-mail, or every e-mail for account managers.
        viewer = self.request.user
        if viewer.pk == user_pk:
            return True
        if self._details_visible is None:
            self._details_visible = user_services.account_details_visible_to(viewer=viewer)
        return self._details_visible

    def _created_by(self, row: dict) -> dict | None:
        user_pk = row["created_by_id"]
        if user_pk is None:
            return None
        user = {
            "pk": user_pk,
            "username": row["created_by__username"],
            "first_name": row["created_by__first_name"],
            "last_name": row["created_by__last_name"],
            "email": row["created_by__email"],
        }
        if not self._email_visible(user_pk):
            del user["email"]
        return user

    def _values(self, row: dict, counts: tuple[int, int, int]) -> dict:
        convert = self._convert
        status = row["status"]

        def converted(name):
            value = row[name]
            return None if value is None else convert[name](value)

        values = {
            "pk": row["id"],
            "reference": row["reference"],
            "created_by": self._created_by(row),
            "creation_date": converted("creation_date"),
            "issue_date": converted("issue_date"),
            "start_date": converted("start_date"),
            "target_date": converted("target_date"),
            "complete_date": converted("complete_date"),
            "description": row["description"],
            "line_items": counts[0],
            "completed_lines": counts[1],
            "received_lines": counts[2],
            "link": row["link"],
            "project_code": row["project_code_id"],
            "project_code_label": row["project_code__code"],
            "responsible": row["responsible_id"],
            "contact": row["contact_id"],
            "address": row["address_id"],
            "status": status,
            "status_text": convert["status_text"](status),
            "status_custom_key": status,
            "allowed_actions": allowed_transitions(status),
            "overdue": status in OPEN_STATUSES
            and row["target_date"] is not None
            and row["target_date"] < self._today,
            "customer": row["customer_id"],
            "customer_reference": row["customer_reference"],
            "order_currency": converted("order_currency"),
            "currency": _Order(row).currency,
            "total_price": _money(row["total_price"]),
            "total_price_currency": row["total_price_currency"],
            "total_price_note": row["total_price_note"],
            "total_refunded": _money(row["total_refunded"]),
            "total_refunded_currency": row["total_refunded_currency"],
            "total_refunded_note": row["total_refunded_note"],
            "updated_at": converted("updated_at"),
            "authorized_by": row["authorized_by_id"],
            "authorized_date": converted("authorized_date"),
            "partially_authorized": row["partially_authorized"],
            "decline_reason": row["decline_reason"],
            "visible_to_customer": row["visible_to_customer"],
            "from_portal": row["from_portal"],
        }
        if not self.hide_notes:
            values["notes"] = row["notes"]
        details = self.details
        for name, (key, columns) in PLAIN_DETAILS.items():
            if name in details:
                values[name] = (
                    None
                    if row[key] is None
                    else {shown: row[column] for shown, column in columns.items()}
                )
        if "responsible_detail" in details:
            values["responsible_detail"] = _owner(row["responsible_id"], row, "responsible__")
        if "project_code_detail" in details:
            if row["project_code_id"] is None:
                values["project_code_detail"] = None
            else:
                responsible = row["project_code__responsible_id"]
                values["project_code_detail"] = {
                    "pk": row["project_code_id"],
                    "code": row["project_code__code"],
                    "description": row["project_code__description"],
                    "responsible": responsible,
                    "responsible_detail": _owner(responsible, row, "project_code__responsible__"),
                }
        return values

    def represent_one(self, row: dict, counts: tuple[int, int, int] | None = None) -> dict:
        """The serializer's dict for ``row``, given its line counts (read if not given)."""
        if counts is None and LINE_COUNTS[0] in row:
            counts = tuple(row[name] for name in LINE_COUNTS)
        elif counts is None:
            counts = line_counts([row["id"]]).get(row["id"], NO_LINES)
        values = self._values(row, counts)
        return {name: values[name] for name in self.names}
