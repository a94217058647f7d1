"""The receive body's ``items``, checked in one pass (``ReceiveItemsSerializer``), answers
exactly as DRF's entry-by-entry check does: the same validated entries for a good list, the
same errors (messages, codes and shape) for a bad one, with the same queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns.receive_serializers import ReceiveItemsSerializer, ReceiveSerializer
from returns.statuses import ReturnOrderStatus
from stock.statuses import StockStatus
from tests.factories import LocationFactory
from tests.returns.factories import (
    ReturnConditionFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    return {
        "lines": [line.pk for line in lines],
        "location": LocationFactory().pk,
        "good": ReturnConditionFactory(label="Good").pk,
        "retired": ReturnConditionFactory(label="Retired", active=False).pk,
    }


def bodies(w):
    """Bodies for the receive endpoint, by name: the usual ones and every odd entry."""
    a, b, c = w["lines"]
    good, retired, location = w["good"], w["retired"], w["location"]
    ok, damaged = int(StockStatus.OK), int(StockStatus.DAMAGED)

    def body(*items, **extra):
        return {"items": list(items), "location": location, **extra}

    return {
        # Taken in one pass.
        "inventree": body({"item": a}, {"item": b}, {"item": c}),
        "statuses": body({"item": a, "status": ok}, {"item": b, "status": None}, {"item": c}),
        "conditions": body({"item": a, "condition": good}, {"item": b, "condition": None}),
        "everything": body({"item": a, "status": damaged, "condition": good, "extra": "x"}),
        "repeated": body({"item": a}, {"item": a}),  # the service refuses it, not the shape
        # DRF's way: accepted all the same.
        "string pk": body({"item": str(a)}, {"item": b}),
        "padded pk": body({"item": f" {a} "}),
        "float pk": body({"item": float(a)}),
        "string status": body({"item": a, "status": str(ok)}),
        "string condition": body({"item": a, "condition": str(good)}),
        "blank condition": body({"item": a, "condition": ""}),
        # DRF's way: refused.
        "unknown line": body({"item": a}, {"item": 999999}),
        "huge pk": body({"item": 2**70}),
        "negative pk": body({"item": -a}),
        "zero pk": body({"item": 0}),
        "boolean pk": body({"item": True}),
        "fractional pk": body({"item": a + 0.5}),
        "text pk": body({"item": "one"}),
        "list pk": body({"item": [a]}),
        "superscript pk": body({"item": "²"}),
        "arabic-indic pk": body({"item": "".join(chr(0x660 + int(d)) for d in str(a))}),
        "null pk": body({"item": None}),
        "blank pk": body({"item": ""}),
        "missing pk": body({"status": ok}),
        "bad status": body({"item": a, "status": 99999}),
        "boolean status": body({"item": a, "status": True}),
        "blank status": body({"item": a, "status": ""}),
        "float status": body({"item": a, "status": float(ok)}),
        "inactive condition": body({"item": a, "condition": retired}),
        "unknown condition": body({"item": a, "condition": 999999}),
        "boolean condition": body({"item": a, "condition": False}),
        "superscript condition": body({"item": a, "condition": "²"}),
        "entry not an object": body({"item": a}, a),
        "null entry": body(None),
        "entry a list": body([a]),
        "some bad entries": body({"item": a}, {"item": 999999}, {"item": b, "status": 1}),
        "no entries": body(),
        "items not a list": {"items": {"item": a}, "location": location},
        "items missing": {"location": location},
        "items null": {"items": None, "location": location},
        "bad location": body({"item": a}, location=999999),
        "bad location and entry": {"items": [{"item": 999999}], "location": "x"},
    }


def answer(body, *, one_pass: bool, monkeypatch):
    """What the serializer makes of ``body`` (validated entries or errors) and the queries."""
    with monkeypatch.context() as patched:
        if not one_pass:
            patched.setattr(ReceiveItemsSerializer, "_takes_entries_as_they_are", lambda s: False)
        serializer = ReceiveSerializer(data=body)
        with CaptureQueriesContext(connection) as queries:
            valid = serializer.is_valid()
    sql = [query["sql"] for query in queries.captured_queries]
    if not valid:
        return ("errors", serializer.errors, _codes(serializer.errors)), sql
    data = serializer.validated_data
    entries = [
        {
            "item": (type(e["item"]), e["item"].pk, e["item"].get_deferred_fields()),
            "status": (type(e["status"]), e["status"]),
            "condition": None if e["condition"] is None else e["condition"].pk,
            "keys": list(e),
        }
        for e in data["items"]
    ]
    return ("valid", entries, data["location"].pk, data["note"]), sql


def _codes(detail):
    """The error codes of a DRF error detail, in its shape."""
    if isinstance(detail, dict):
        return {key: _codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_codes(value) for value in detail]
    return getattr(detail, "code", None)


NAMES = list(bodies({"lines": [1, 2, 3], "location": 1, "good": 1, "retired": 2}))


@pytest.mark.parametrize("name", NAMES)
def test_one_pass_answers_as_drf_does(world, monkeypatch, name):
    body = bodies(world)[name]
    fast, fast_sql = answer(body, one_pass=True, monkeypatch=monkeypatch)
    drf, drf_sql = answer(body, one_pass=False, monkeypatch=monkeypatch)
    assert fast == drf
    assert fast_sql == drf_sql


# The bodies whose entries are all of the usual shape (the location is another field's).
USUAL = ["inventree", "statuses", "conditions", "everything", "repeated", "bad location"]


@pytest.mark.parametrize("name", NAMES)
def test_only_the_usual_entries_skip_the_entry_serializer(world, monkeypatch, name):
    """The usual bodies never reach the entry serializer; every other one does."""
    calls = []
    child = ReceiveSerializer().fields["items"].child
    original = type(child).run_validation

    def counted(self, data):
        calls.append(data)
        return original(self, data)

    monkeypatch.setattr(type(child), "run_validation", counted)
    ReceiveSerializer(data=bodies(world)[name]).is_valid()
    entries = bodies(world)[name].get("items")
    reaches_entries = isinstance(entries, list) and bool(entries)
    if name in USUAL:
        assert calls == []
    elif reaches_entries:
        assert calls == entries


def test_a_usual_body_becomes_the_lines_statuses_and_conditions(world):
    a, b, _c = world["lines"]
    serializer = ReceiveSerializer(
        data={
            "items": [
                {"item": a, "status": int(StockStatus.DAMAGED), "condition": world["good"]},
                {"item": b},
            ],
            "location": world["location"],
        }
    )
    assert serializer.is_valid(), serializer.errors
    first, second = serializer.validated_data["items"]
    assert (first["item"].pk, first["status"], first["condition"].pk) == (
        a,
        StockStatus.DAMAGED,
        world["good"],
    )
    assert (second["item"].pk, second["status"], second["condition"]) == (b, None, None)


def test_errors_name_each_bad_entry_as_drf_does(world):
    a, _b, _c = world["lines"]
    serializer = ReceiveSerializer(
        data={
            "items": [
                {"item": a},
                {"item": 999999},
                {"item": a, "status": 99999, "condition": world["retired"]},
            ],
            "location": world["location"],
        }
    )
    assert not serializer.is_valid()
    errors = serializer.errors["items"]
    # A list with an empty entry for each good one, or (DRF 3.16+ when asked) a dict.
    indexed = enumerate(errors) if isinstance(errors, list) else errors.items()
    bad = {int(index): entry for index, entry in indexed if entry}
    assert bad == {
        1: {"item": ['Invalid pk "999999" - object does not exist.']},
        2: {
            "status": ['"99999" is not a valid choice.'],
            "condition": ["The condition “Retired” is inactive."],
        },
    }


def test_digits_int_cannot_read_are_a_400_not_a_500(world, client_for):
    """ "²" is a digit to ``str.isdigit`` but not a number to ``int``: DRF's own message."""
    client = client_for(return_order=["view", "add"], stock=["view", "change"])
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    url = f"/api/order/ro/{order.pk}/receive/"
    for entry, field in (
        ({"item": "²"}, "item"),
        ({"item": line.pk, "condition": "²"}, "condition"),
    ):
        response = client.post(
            url, {"items": [entry], "location": world["location"]}, format="json"
        )
        assert response.status_code == 400, response.content
        errors = response.json()["items"]
        entry_errors = errors[0] if isinstance(errors, list) else errors["0"]
        assert entry_errors == {field: ["Incorrect type. Expected pk value, received str."]}
    line.refresh_from_db()
    assert line.received_date is None
