"""Input validation, proved for the class: every date field, JSON field, text field, number
and primary-key field of every API serializer, every metadata endpoint, the page forms, and
the readers of stored values (calendar feed, lists) when a bad value is already in the table.

The field-level tests find their fields by walking the URL patterns' views and their
serializers, so a new endpoint or field is covered without anyone listing it here.
"""

import datetime
import json

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from icalendar import Calendar
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common import model_types, site_settings, validators
from common.api import MetadataView
from common.serializers import InputBoundsMixin
from companies.models import Company
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderHistory
from stock.models import StockItem, StockItemTracking
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PartCategoryFactory,
    PartFactory,
    StockItemFactory,
    StockItemTrackingFactory,
)
from tests.returns.factories import (
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

ORDERS = "/api/order/ro/"
LINES = "/api/order/ro-line/"
EXTRA = "/api/order/ro-extra-line/"
FEED = "/api/order/calendar/return-order/calendar.ics"
ON_SQLITE = connection.vendor == "sqlite"


# -- introspection -------------------------------------------------------------------------


def _patterns(resolver=None, prefix=""):
    """``(route, name, callback)`` of every URL pattern, includes flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name, entry.callback


def _api_view_classes() -> list[type]:
    classes = []
    for route, _name, callback in _patterns():
        cls = getattr(callback, "cls", None)
        if route.startswith("api/") and cls is not None and cls not in classes:
            classes.append(cls)
    return classes


def _context() -> dict:
    request = Request(APIRequestFactory().post("/"))
    return {"request": request, "view": None}


def _nested_input_serializers(serializer) -> list[type]:
    found = []
    for field in serializer.fields.values():
        if field.read_only:
            continue
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.BaseSerializer):
            found.append(type(nested))
            found.extend(_nested_input_serializers(nested))
    return found


def _api_serializer_classes() -> list[type]:
    """Every serializer class an API view declares, and the writable ones nested in them."""
    found: list[type] = []
    for view in _api_view_classes():
        cls = getattr(view, "serializer_class", None)
        if cls is None:
            continue
        for candidate in [cls, *_nested_input_serializers(cls(context=_context()))]:
            if candidate not in found:
                found.append(candidate)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _writable_fields(kind) -> list:
    params = []
    for cls in _api_serializer_classes():
        for name, field in cls(context=_context()).fields.items():
            if not field.read_only and isinstance(field, kind):
                params.append(pytest.param(cls, name, id=f"{cls.__name__}.{name}"))
    return params


def _send(client, method: str, url: str, payload):
    """A JSON request whose body may hold lone surrogates (``json.dumps`` escapes them)."""
    return client.generic(method.upper(), url, json.dumps(payload), content_type="application/json")


def _errors(cls, data: dict) -> dict:
    serializer = cls(data=data, partial=True, context=_context())
    serializer.is_valid()
    return serializer.errors


# Collected once, at import: the URL patterns and serializers do not change during a run.
SERIALIZERS = _api_serializer_classes()
DATE_FIELDS = _writable_fields(serializers.DateField | serializers.DateTimeField)
JSON_FIELDS = _writable_fields(serializers.JSONField)
TEXT_FIELDS = _writable_fields(serializers.CharField)
PK_FIELDS = _writable_fields(serializers.PrimaryKeyRelatedField | serializers.ManyRelatedField)
NUMBER_FIELDS = _writable_fields(
    serializers.IntegerField | serializers.FloatField | serializers.DecimalField
)


def test_the_introspection_finds_the_fields_it_must():
    """A guard for the walk itself: it must see the fields the issue was about."""
    names = {p.id for p in DATE_FIELDS + JSON_FIELDS + PK_FIELDS + NUMBER_FIELDS}
    assert {
        "ReturnOrderSerializer.target_date",
        "ReturnOrderSerializer.creation_date",
        "ReturnOrderLineItemSerializer.target_date",
        "ReturnOrderExtraLineSerializer.context",
        "MetadataSerializer.metadata",
        "ReturnOrderSerializer.customer",
        "ReceiveLineConditionSerializer.item",
        "ReturnOrderLineItemSerializer.quantity",
        "StockItemSerializer.quantity",
    } <= names


@pytest.mark.parametrize("cls", SERIALIZERS, ids=lambda cls: cls.__name__)
def test_every_api_serializer_takes_the_common_bounds(cls):
    assert issubclass(cls, InputBoundsMixin)


# -- 5: dates ------------------------------------------------------------------------------

OUT_OF_RANGE_DATES = ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"]
IN_RANGE_DATES = ["1900-01-01", "2026-06-15", "2200-12-31"]


@pytest.mark.parametrize(("cls", "name"), DATE_FIELDS)
def test_every_date_field_refuses_dates_out_of_range(cls, name):
    for value in OUT_OF_RANGE_DATES:
        errors = _errors(cls, {name: value})
        assert name in errors, (value, errors)
        assert "between 1900-01-01 and 2200-12-31" in str(errors[name])
    for value in IN_RANGE_DATES:
        assert name not in _errors(cls, {name: value}), value


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.mark.parametrize(
    "name",
    [p.values[1] for p in DATE_FIELDS if p.values[0].__name__ == "ReturnOrderSerializer"],
)
@pytest.mark.parametrize("value", ["9999-12-31", "1899-12-31"])
def test_order_api_answers_400_for_a_date_out_of_range(admin_client_api, customer, name, value):
    order = ReturnOrderFactory(customer=customer)
    response = _send(admin_client_api, "post", ORDERS, {"customer": customer.pk, name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()
    assert ReturnOrder.objects.count() == 1

    response = _send(admin_client_api, "patch", f"{ORDERS}{order.pk}/", {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()
    order.refresh_from_db()
    assert getattr(order, name) != datetime.date.fromisoformat(value)


def test_line_api_answers_400_for_a_target_date_out_of_range(admin_client_api):
    line = ReturnOrderLineItemFactory()
    response = _send(admin_client_api, "patch", f"{LINES}{line.pk}/", {"target_date": "9999-12-31"})
    assert response.status_code == 400
    assert "target_date" in response.json()
    line.refresh_from_db()
    assert line.target_date is None


def test_order_api_accepts_the_bounds_themselves(admin_client_api, customer):
    response = _send(
        admin_client_api,
        "post",
        ORDERS,
        {"customer": customer.pk, "start_date": "1900-01-01", "target_date": "2200-12-31"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["target_date"] == "2200-12-31"


@pytest.mark.parametrize(
    "name",
    [
        "created_before",
        "created_after",
        "target_date_before",
        "target_date_after",
        "start_date_before",
        "completed_after",
        "min_date",
        "max_date",
    ],
)
def test_order_list_date_filters_answer_400_out_of_range(admin_client_api, name):
    response = admin_client_api.get(ORDERS, {name: "9999-12-31"})
    assert response.status_code == 400, response.content
    assert name in response.json()
    assert admin_client_api.get(ORDERS, {name: "2026-01-01"}).status_code == 200


# -- 5: page forms -------------------------------------------------------------------------


@pytest.fixture
def pages(client, make_user):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    client.force_login(make_user(superuser=True))
    return client


@pytest.mark.parametrize("name", ["start_date", "target_date"])
def test_order_create_page_refuses_a_date_out_of_range(pages, customer, name):
    response = pages.post(reverse("returns:create"), {"customer": customer.pk, name: "9999-12-31"})
    assert response.status_code == 200  # the form again, with the reason beside the field
    assert name in response.context["form"].errors
    assert "between 1900-01-01 and 2200-12-31" in response.content.decode()
    assert not ReturnOrder.objects.exists()


def test_order_edit_page_refuses_a_date_out_of_range(pages, customer):
    order = ReturnOrderFactory(customer=customer)
    response = pages.post(
        reverse("returns:edit", args=[order.pk]),
        {"customer": customer.pk, "reference": order.reference, "target_date": "0001-01-01"},
    )
    assert response.status_code == 200
    assert "target_date" in response.context["form"].errors
    order.refresh_from_db()
    assert order.target_date is None


def test_date_pickers_offer_only_the_range(pages):
    content = pages.get(reverse("returns:create")).content.decode()
    assert 'min="1900-01-01"' in content
    assert 'max="2200-12-31"' in content


@pytest.mark.parametrize("name", ["target_date_before", "target_date_after"])
def test_index_page_filter_out_of_range_selects_nothing_and_says_why(pages, name):
    ReturnOrderFactory()
    response = pages.get(reverse("returns:index"), {name: "9999-12-31"})
    assert response.status_code == 200
    assert name in response.context["form"].errors


# -- 5: stored dates at the edge of what Python knows ---------------------------------------


@pytest.fixture
def far_future_order(customer):
    """An order whose target date was stored before the bounds existed (or by the admin)."""
    order = ReturnOrderFactory(customer=customer, target_date=datetime.date(2026, 1, 1))
    ReturnOrder.objects.filter(pk=order.pk).update(target_date=datetime.date.max)
    early = ReturnOrderFactory(customer=customer)
    ReturnOrder.objects.filter(pk=early.pk).update(
        target_date=datetime.date.min, creation_date=datetime.date.min
    )
    return order


def test_feed_renders_an_order_due_on_the_last_representable_date(
    admin_client_api, far_future_order
):
    response = admin_client_api.get(FEED)
    assert response.status_code == 200, response.content[:300]
    by_ref = {
        str(e["summary"]).split()[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")
    }
    event = by_ref[far_future_order.reference]
    assert event["dtstart"].dt == datetime.date.max
    # No DTEND: RFC 5545 reads an all-day DTSTART alone as a one-day event.
    assert "dtend" not in event
    assert len(by_ref) == 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"overdue": "true"},
        {"target_date_before": "2200-12-31"},
        {"ordering": "-target_date"},
        {"limit": 5},
    ],
)
def test_order_list_api_answers_with_far_dates_stored(admin_client_api, far_future_order, params):
    response = admin_client_api.get(ORDERS, params)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"overdue": "on"},
        {"sort": "target_date"},
        {"view": "calendar"},
        {"view": "calendar", "month": "9999-12"},
        {"view": "calendar", "month": "9998-12"},
        {"view": "calendar", "month": "0001-01"},
        {"view": "calendar", "month": "0002-01"},
    ],
)
def test_index_page_answers_with_far_dates_stored(pages, far_future_order, params):
    assert pages.get(reverse("returns:index"), params).status_code == 200


def test_detail_page_and_api_answer_with_far_dates_stored(
    pages, admin_client_api, far_future_order
):
    assert pages.get(reverse("returns:detail", args=[far_future_order.pk])).status_code == 200
    assert admin_client_api.get(f"{ORDERS}{far_future_order.pk}/").status_code == 200


# -- 6: JSON documents ---------------------------------------------------------------------


def _deep(levels: int):
    value = "leaf"
    for _ in range(levels):
        value = {"k": value}
    return value


BAD_JSON = {
    "surrogate-value": {"a": "x\ud800y"},
    "surrogate-key": {"\udfff": 1},
    "nul-value": {"a": "x\u0000y"},
    "nul-key": {"a\u0000": 1},
    "nested-surrogate": {"a": [1, {"b": ["\ud83d"]}]},
    "too-deep": _deep(validators.JSON_MAX_DEPTH + 1),
    "too-large": {"a": "x" * (validators.JSON_MAX_BYTES + 1)},
    "too-large-number": {"a": 2**64},
}
BAD_JSON_PARAMS = [pytest.param(v, id=k) for k, v in BAD_JSON.items()]
NOT_AN_OBJECT = [pytest.param(v, id=repr(v)) for v in ([], [1], "text", 3, True)]


def test_json_validator_refuses_non_text_keys_and_non_json_values():
    """Python callers (services) can build what a JSON body cannot."""
    for value in ({1: "a"}, {"a": {1, 2}}, {"a": float("nan")}, {"a": float("inf")}):
        with pytest.raises(validators.ValidationError):
            validators.validate_json_document(value)
    validators.validate_json_document(_deep(validators.JSON_MAX_DEPTH - 1))
    validators.validate_json_document({"ok": ["é", "😀", 1.5, None, True, 2**63 - 1]})


@pytest.mark.parametrize(("cls", "name"), JSON_FIELDS)
@pytest.mark.parametrize("value", BAD_JSON_PARAMS)
def test_every_json_field_refuses_bad_documents(cls, name, value):
    errors = _errors(cls, {name: value})
    assert name in errors, errors


def test_the_error_says_where_the_problem_is():
    serializer = next(c for c in SERIALIZERS if c.__name__ == "ReturnOrderExtraLineSerializer")
    errors = _errors(serializer, {"context": {"a": [0, {"b": "\x00"}]}})
    assert '(at ["a"][1]["b"])' in str(errors["context"])


METADATA_FACTORIES = {
    "company": CompanyFactory,
    "contact": ContactFactory,
    "address": AddressFactory,
    "part": PartFactory,
    "partcategory": PartCategoryFactory,
    "stocklocation": LocationFactory,
    "stockitem": StockItemFactory,
    "returnorder": ReturnOrderFactory,
    "returnorderlineitem": ReturnOrderLineItemFactory,
    "returnorderextraline": ReturnOrderExtraLineFactory,
}


def _metadata_routes() -> list:
    """Every metadata URL: each per-model mount and the generic one for each model type."""
    params = []
    for _route, name, callback in _patterns():
        cls = getattr(callback, "cls", None)
        if cls is None or not issubclass(cls, MetadataView):
            continue
        model = callback.view_initkwargs.get("model")
        if model is not None:
            params.append(pytest.param(name, model._meta.model_name, id=name))
        else:
            for model_type in model_types.metadata_types():
                params.append(pytest.param(name, model_type.name, id=f"{name}-{model_type.name}"))
    return params


METADATA_ROUTES = _metadata_routes()


def _metadata_target(name: str, model_name: str):
    instance = METADATA_FACTORIES[model_name]()
    type(instance).objects.filter(pk=instance.pk).update(metadata={"kept": "yes"})
    kwargs = {"pk": instance.pk}
    if name == "api-metadata":
        kwargs["model_type"] = model_name
    return instance, reverse(name, kwargs=kwargs)


def test_every_metadata_model_has_a_factory_here():
    assert {t.name for t in model_types.metadata_types()} <= set(METADATA_FACTORIES)
    assert len(METADATA_ROUTES) >= 2 * len(model_types.metadata_types())


@pytest.mark.parametrize(("name", "model_name"), METADATA_ROUTES)
@pytest.mark.parametrize("value", BAD_JSON_PARAMS + NOT_AN_OBJECT)
def test_every_metadata_endpoint_refuses_bad_documents_and_writes_nothing(
    admin_client_api, name, model_name, value
):
    instance, url = _metadata_target(name, model_name)
    for method in ("put", "patch"):
        response = _send(admin_client_api, method, url, {"metadata": value})
        assert response.status_code == 400, (method, response.content)
        assert "metadata" in response.json()
        instance.refresh_from_db()
        assert instance.metadata == {"kept": "yes"}


@pytest.mark.parametrize(("name", "model_name"), METADATA_ROUTES)
def test_every_metadata_endpoint_still_takes_good_documents(admin_client_api, name, model_name):
    instance, url = _metadata_target(name, model_name)
    good = {"é": ["😀", 1, 2.5, None, {"deep": _deep(10)}]}
    response = admin_client_api.patch(url, {"metadata": good})
    assert response.status_code == 200, response.content
    instance.refresh_from_db()
    assert instance.metadata == {"kept": "yes", **good}


@pytest.mark.parametrize("value", BAD_JSON_PARAMS)
def test_extra_line_context_is_validated_before_anything_is_written(admin_client_api, value):
    extra = ReturnOrderExtraLineFactory(context={"kept": "yes"})
    response = _send(admin_client_api, "post", EXTRA, {"order": extra.order_id, "context": value})
    assert response.status_code == 400, response.content
    assert "context" in response.json()
    assert ReturnOrderExtraLine.objects.count() == 1

    response = _send(admin_client_api, "patch", f"{EXTRA}{extra.pk}/", {"context": value})
    assert response.status_code == 400, response.content
    assert "context" in response.json()
    extra.refresh_from_db()
    assert extra.context == {"kept": "yes"}
    assert admin_client_api.get(EXTRA).status_code == 200


def test_extra_line_context_takes_any_json_value(admin_client_api):
    extra = ReturnOrderExtraLineFactory()
    for value in ({"a": [1, "é"]}, ["x", 1], "text", 3, None):
        response = _send(admin_client_api, "patch", f"{EXTRA}{extra.pk}/", {"context": value})
        assert response.status_code == 200, response.content
        assert response.json()["context"] == value


# -- 6: one bad stored row must not break a list --------------------------------------------

BAD_STORED = {"k\ud800": ["v\udfff", {"n": "\x00"}]}
SANITIZED = {"k\ufffd": ["v\ufffd", {"n": "\x00"}]}


@pytest.mark.skipif(
    not ON_SQLITE, reason="PostgreSQL's jsonb refuses such values, so they cannot be stored"
)
@pytest.mark.parametrize(
    ("make", "url", "field"),
    [
        pytest.param(
            lambda: ReturnOrderExtraLine.objects.filter(pk=ReturnOrderExtraLineFactory().pk),
            lambda qs: EXTRA,
            "context",
            id="extra-lines",
        ),
        pytest.param(
            lambda: ReturnOrderHistory.objects.filter(
                pk=ReturnOrderHistory.objects.create(order=ReturnOrderFactory(), kind="created").pk
            ),
            lambda qs: f"{ORDERS}{qs.get().order_id}/history/",
            "data",
            id="order-history",
        ),
        pytest.param(
            lambda: StockItemTracking.objects.filter(pk=StockItemTrackingFactory().pk),
            lambda qs: "/api/stock/track/",
            "deltas",
            id="stock-tracking",
        ),
    ],
)
def test_a_bad_value_already_stored_does_not_break_the_list(admin_client_api, make, url, field):
    rows = make()
    rows.update(**{field: BAD_STORED})
    response = admin_client_api.get(url(rows))
    assert response.status_code == 200, response.content
    data = response.json()
    data = data["results"] if isinstance(data, dict) else data
    assert data[0][field] == SANITIZED


# -- 6: lone surrogates and NUL in ordinary text --------------------------------------------


@pytest.mark.parametrize(("cls", "name"), TEXT_FIELDS)
def test_every_text_field_refuses_lone_surrogates(cls, name):
    errors = _errors(cls, {name: "ab\ud800cd"})
    assert name in errors, errors


@pytest.mark.parametrize("text", ["ab\ud800cd", "ab\x00cd"])
@pytest.mark.parametrize(
    ("url", "field"),
    [(ORDERS, "description"), (ORDERS, "customer_reference"), ("/api/company/", "name")],
)
def test_text_with_surrogates_or_nul_is_a_400_on_every_database(
    admin_client_api, customer, text, url, field
):
    before = Company.objects.count() + ReturnOrder.objects.count()
    payload = {"customer": customer.pk, "name": "Acme", field: text}
    response = _send(admin_client_api, "post", url, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Company.objects.count() + ReturnOrder.objects.count() == before


# -- 13: silent coercion -------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "name"), PK_FIELDS)
@pytest.mark.parametrize("value", [1.5, True, False, -0.5])
def test_every_pk_field_refuses_floats_and_booleans(cls, name, value):
    field = cls(context=_context()).fields[name]
    raw = [value] if isinstance(field, serializers.ManyRelatedField) else value
    errors = _errors(cls, {name: raw})
    assert name in errors, errors
    assert "Incorrect type" in str(errors[name])


@pytest.mark.parametrize(("cls", "name"), NUMBER_FIELDS)
@pytest.mark.parametrize("value", [True, False])
def test_every_number_field_refuses_booleans(cls, name, value):
    errors = _errors(cls, {name: value})
    assert name in errors, errors


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(lambda pk: pk + 0.5, id="float"),
        pytest.param(lambda pk: True, id="true"),
        pytest.param(lambda pk: f"{pk}.5", id="float-string"),
        pytest.param(lambda pk: f"{pk}.0", id="float-string-integral"),
        pytest.param(lambda pk: [pk], id="list"),
        pytest.param(lambda pk: {"pk": pk}, id="object"),
    ],
)
def test_order_customer_must_be_an_integer(admin_client_api, value):
    # A customer on pk 1 too, so that a coerced 1.5 or true would find one.
    Company.objects.filter(pk=CustomerFactory().pk).update(id=1)
    customer = CustomerFactory()
    response = _send(admin_client_api, "post", ORDERS, {"customer": value(customer.pk)})
    assert response.status_code == 400, response.content
    assert "customer" in response.json()
    assert not ReturnOrder.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(lambda pk: pk, id="int"),
        pytest.param(lambda pk: str(pk), id="string"),
        pytest.param(lambda pk: float(pk), id="integral-float"),
    ],
)
def test_order_customer_takes_what_clients_send(admin_client_api, customer, value):
    response = _send(admin_client_api, "post", ORDERS, {"customer": value(customer.pk)})
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == customer.pk


def test_order_customer_as_a_form_field_string(admin_client_api, customer):
    response = _send(admin_client_api, "post", ORDERS, {"customer": str(customer.pk)})  # multipart
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", [True, False])
def test_line_quantity_must_not_be_a_boolean(admin_client_api, value):
    line = ReturnOrderLineItemFactory()
    item = StockItemFactory(customer=line.order.customer, location=None)
    response = admin_client_api.post(
        LINES, {"order": line.order_id, "item": item.pk, "quantity": value}
    )
    assert response.status_code == 400, response.content
    assert "quantity" in response.json()
    response = _send(admin_client_api, "patch", f"{LINES}{line.pk}/", {"quantity": value})
    assert response.status_code == 400
    assert "quantity" in response.json()
    response = _send(admin_client_api, "post", EXTRA, {"order": line.order_id, "quantity": value})
    assert response.status_code == 400
    assert "quantity" in response.json()
    assert not ReturnOrderExtraLine.objects.exists()


def test_stock_quantity_must_not_be_a_boolean(admin_client_api):
    part = PartFactory()
    response = _send(admin_client_api, "post", "/api/stock/", {"part": part.pk, "quantity": True})
    assert response.status_code == 400, response.content
    assert "quantity" in response.json()
    assert not StockItem.objects.exists()


def test_numbers_still_take_numeric_strings(admin_client_api):
    line = ReturnOrderLineItemFactory()
    response = _send(
        admin_client_api,
        "post",
        EXTRA,
        # An extra line must say what it is for: a description (or a reference).
        {"order": str(line.order_id), "quantity": "2.5", "price": "3", "description": "Carriage"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == 2.5


def test_receive_refuses_float_line_pks(admin_client_api):
    line = ReturnOrderLineItemFactory()
    location = LocationFactory()
    response = admin_client_api.post(
        f"{ORDERS}{line.order_id}/receive/",
        {"items": [{"item": line.pk + 0.5}], "location": location.pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "item" in json.dumps(response.json())


@pytest.mark.skipif(
    not ON_SQLITE, reason="PostgreSQL's jsonb refuses such values, so they cannot be stored"
)
@pytest.mark.parametrize(("name", "model_name"), METADATA_ROUTES)
def test_bad_metadata_already_stored_does_not_break_its_endpoint(
    admin_client_api, name, model_name
):
    instance, url = _metadata_target(name, model_name)
    type(instance).objects.filter(pk=instance.pk).update(metadata=BAD_STORED)
    response = admin_client_api.get(url)
    assert response.status_code == 200, response.content
    assert response.json() == {"metadata": SANITIZED}


def test_a_patch_may_not_grow_metadata_past_the_size_limit(admin_client_api):
    """Each request's part is within bounds; the merged document is checked too."""
    instance, url = _metadata_target("api-metadata", "company")
    half = "x" * (validators.JSON_MAX_BYTES // 2)
    assert admin_client_api.patch(url, {"metadata": {"a": half}}, format="json").status_code == 200
    response = admin_client_api.patch(url, {"metadata": {"b": half}}, format="json")
    assert response.status_code == 400, response.content
    assert "metadata" in response.json()
    instance.refresh_from_db()
    assert set(instance.metadata) == {"kept", "a"}
