"""Odd input is a 400 (or 413), never a 500, on SQLite and PostgreSQL alike.

The API routes, their list endpoints, their filters and their search fields are read from
``config.urls`` when the tests are collected, so a route, filter or search added later is
covered without anyone writing a test for it:

* every list endpoint refuses a ``limit`` or ``offset`` that is no whole number below 2**63;
* every integer or primary-key filter of every FilterSet refuses a value beyond 64 bits;
* every endpoint that searches refuses a search of 1,500 words;
* every POST/PUT/PATCH route answers a body that is no JSON object, or that nests thousands of
  levels deep, without a server error (a 400 wherever the body is read);
* a NUL character in any query parameter, on any page or endpoint, is a 400.
"""

import io
import json
from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_filters import rest_framework as df
from rest_framework import mixins
from rest_framework import parsers as drf_parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from common import site_settings
from common.api import AttachmentList, SiteSettingDetail
from common.filters import (
    INT64_MAX,
    SEARCH_MAX_LENGTH,
    SEARCH_MAX_TERMS,
    FilterSet,
)
from common.parsers import JSON_MAX_DEPTH, JSONParser
from returns.statuses import ReturnOrderStatus
from tests import factories
from tests.reports import factories as report_factories
from tests.returns import factories as return_factories
from tests.test_permission_matrix import (
    ANONYMOUS_OR_SPECIAL,
    CASES,
    ENDPOINTS,
    Case,
    Endpoint,
    prepare_request,
)

pytestmark = pytest.mark.django_db

TOO_BIG = 2**64
WORDS_1500 = " ".join(f"word{i}" for i in range(1500))
FEED = "/api/order/calendar/return-order/calendar.ics"


def _list_endpoints() -> list[Endpoint]:
    return [
        endpoint
        for endpoint in ENDPOINTS
        if endpoint.route not in ANONYMOUS_OR_SPECIAL
        and issubclass(endpoint.view_class, mixins.ListModelMixin)
    ]


LIST_ENDPOINTS = _list_endpoints()
PAGED_ENDPOINTS = [
    e
    for e in LIST_ENDPOINTS
    if getattr(e.view_class, "pagination_class", api_settings.DEFAULT_PAGINATION_CLASS)
]
SEARCH_ENDPOINTS = [e for e in LIST_ENDPOINTS if getattr(e.view_class, "search_fields", None)]
WRITE_CASES = [case for case in CASES if case.method in ("POST", "PUT", "PATCH")]


@pytest.fixture
def superuser():
    return factories.UserFactory(password=None, is_superuser=True, is_staff=True)


def _client(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _list_path(endpoint: Endpoint, superuser) -> str:
    """The list URL, with the objects its URL names (and ``?model_type=`` for attachments)."""
    model_type = "part" if issubclass(endpoint.view_class, AttachmentList) else None
    path, _body, _kwargs = prepare_request(Case(endpoint, "GET", model_type), superuser)
    return path


def _get(client, path: str, **params):
    joiner = "&" if "?" in path else "?"
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"{path}{joiner}{query}")


def _describe(response) -> str:
    return f"{response.status_code} {response.content[:300]!r}"


# --- limit and offset ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 2**63},
        {"limit": -1},
        {"limit": "abc"},
        {"limit": "1.5"},
        {"offset": 2**63},
        {"offset": -1},
        {"limit": 1, "offset": "abc"},
        {"limit": "0" * 30 + str(2**63)},
    ],
    ids=str,
)
@pytest.mark.parametrize("endpoint", PAGED_ENDPOINTS, ids=lambda e: e.route)
def test_list_refuses_limit_or_offset_outside_64_bits(endpoint, params, superuser):
    factories.StockItemFactory()  # a row, so that the database really slices
    response = _get(_client(superuser), _list_path(endpoint, superuser), **params)
    assert response.status_code == 400, _describe(response)
    assert set(response.json()) == set(params) & set(response.json()) != set()


@pytest.mark.parametrize(
    "query",
    [f"limit={INT64_MAX}", f"limit={INT64_MAX}&offset={INT64_MAX}", f"offset={INT64_MAX}&limit=1"],
)
def test_the_largest_limit_and_offset_work(query, superuser):
    factories.StockItemFactory()
    response = _client(superuser).get(f"/api/stock/?{query}")
    assert response.status_code == 200, _describe(response)
    assert response.json()["count"] == 1


@pytest.mark.parametrize("query", ["", "limit=", "limit=0"])
def test_no_limit_is_a_bare_list_as_in_inventree(query, superuser):
    factories.StockItemFactory()
    response = _client(superuser).get(f"/api/stock/?{query}")
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_schema_documents_the_bounds_of_limit_and_offset(superuser):
    schema = _client(superuser).get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/stock/"]["get"]["parameters"]}
    for name in ("limit", "offset"):
        assert parameters[name]["schema"]["maximum"] == INT64_MAX
        assert parameters[name]["schema"]["minimum"] == 0


# --- integer filters ----------------------------------------------------------------------


# Stands in for the caller while the tests are collected, when there is no database yet:
# ``get_queryset`` only builds a lazy query with it.
_COLLECTING_USER = User(pk=0, username="collector", is_superuser=True, is_staff=True)


def _filterset_class(endpoint: Endpoint):
    """The FilterSet class the view's filter backend uses, as the backend finds it."""
    view = endpoint.view_class(**endpoint.initkwargs)
    view.kwargs, view.format_kwarg = {}, None
    view.request = SimpleNamespace(user=_COLLECTING_USER, query_params={}, method="GET")
    backend = next(
        (b() for b in view.filter_backends if issubclass(b, df.DjangoFilterBackend)), None
    )
    if backend is None:
        return None
    if getattr(view, "filterset_class", None) is not None:
        return view.filterset_class
    if not getattr(view, "filterset_fields", None):
        return None
    return backend.get_filterset_class(view, view.get_queryset())


NUMERIC_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.ModelChoiceField)


def _integer_filters() -> list[tuple[Endpoint, str]]:
    found = []
    for endpoint in LIST_ENDPOINTS:
        filterset_class = _filterset_class(endpoint)
        if filterset_class is None:
            continue
        for name, filter_ in filterset_class.base_filters.items():
            if issubclass(filter_.field_class, NUMERIC_FIELDS):
                found.append((endpoint, name))
    return found


INTEGER_FILTERS = _integer_filters()


def test_integer_filters_are_found():
    """The introspection finds the filters of the report: a sanity check on the walk."""
    names = {(endpoint.route, name) for endpoint, name in INTEGER_FILTERS}
    assert {
        ("api/stock/", "location"),
        ("api/stock/", "customer"),
        ("api/stock/", "part"),
        ("api/user/", "groups"),
        ("api/order/ro/", "customer"),
        ("api/attachment/", "model_id"),
    } <= names


@pytest.mark.parametrize("value", [TOO_BIG, -TOO_BIG, "1" * 5000])
@pytest.mark.parametrize(
    ("endpoint", "name"), INTEGER_FILTERS, ids=[f"{e.route}?{n}" for e, n in INTEGER_FILTERS]
)
def test_integer_filter_refuses_a_value_beyond_64_bits(endpoint, name, value, superuser):
    response = _get(_client(superuser), _list_path(endpoint, superuser), **{name: value})
    assert response.status_code == 400, _describe(response)
    assert name in response.json()


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=lambda e: e.route)
def test_every_filterset_bounds_its_integers(endpoint):
    """Every FilterSet builds on ``common.filters.FilterSet`` (``filterset_fields`` do too)."""
    filterset_class = _filterset_class(endpoint)
    if filterset_class is not None:
        assert issubclass(filterset_class, FilterSet), filterset_class


def test_an_integer_filter_in_range_still_filters(superuser):
    item = factories.StockItemFactory()
    factories.StockItemFactory()
    client = _client(superuser)
    assert [i["pk"] for i in client.get(f"/api/stock/?location={item.location_id}").json()] == [
        item.pk
    ]
    assert client.get(f"/api/stock/?location={INT64_MAX}").json() == []


def test_calendar_feed_refuses_a_customer_beyond_64_bits(superuser):
    response = _client(superuser).get(FEED, {"customer": str(TOO_BIG)})
    assert response.status_code == 400, _describe(response)
    assert "customer" in response.json()


@pytest.mark.parametrize("item", [TOO_BIG, -TOO_BIG, INT64_MAX + 1])
def test_report_print_refuses_items_beyond_64_bits(item, superuser):
    template = report_factories.ReportTemplateFactory()
    response = _client(superuser).post(
        "/api/report/print/", {"template": template.pk, "items": [item]}, format="json"
    )
    assert response.status_code == 400, _describe(response)
    assert "items" in response.json()


# --- search -------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", SEARCH_ENDPOINTS, ids=lambda e: e.route)
def test_search_refuses_1500_words(endpoint, superuser):
    response = _client(superuser).get(_list_path(endpoint, superuser), {"search": WORDS_1500})
    assert response.status_code == 400, _describe(response)
    assert response.json() == {"search": [f"Search for at most {SEARCH_MAX_LENGTH} characters."]}


def test_search_refuses_too_many_short_words(superuser):
    words = " ".join("a" for _ in range(SEARCH_MAX_TERMS + 1))
    response = _client(superuser).get("/api/stock/", {"search": words})
    assert response.status_code == 400
    assert response.json() == {"search": [f"Search for at most {SEARCH_MAX_TERMS} words."]}


def test_search_at_the_limit_still_searches(superuser):
    item = factories.StockItemFactory()
    words = " ".join([item.serial] * SEARCH_MAX_TERMS)
    response = _client(superuser).get("/api/stock/", {"search": words})
    assert response.status_code == 200, _describe(response)
    assert [row["pk"] for row in response.json()] == [item.pk]


@pytest.fixture
def page_client(superuser):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    return client


def test_index_page_says_a_1500_word_search_is_too_long(page_client):
    return_factories.ReturnOrderFactory()
    response = page_client.get(reverse("returns:index"), {"search": WORDS_1500})
    assert response.status_code == 200
    assert f"Search for at most {SEARCH_MAX_LENGTH} characters." in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_index_page_refuses_too_many_words_beside_the_field(page_client):
    response = page_client.get(reverse("returns:index"), {"search": "a " * 40})
    assert response.status_code == 200
    assert response.context["form"].errors["search"] == [
        f"Search for at most {SEARCH_MAX_TERMS} words."
    ]


def test_index_page_integer_filter_beyond_64_bits_is_a_form_error(page_client):
    for name in ("customer", "assigned_to", "project_code", "part", "created_by"):
        response = page_client.get(reverse("returns:index"), {name: str(TOO_BIG)})
        assert response.status_code == 200, (name, response.status_code)


def test_line_picker_searches_the_first_words_and_says_so(page_client):
    customer = factories.CustomerFactory()
    order = return_factories.ReturnOrderFactory(customer=customer)
    item = factories.StockItemFactory(customer=customer)
    search = " ".join([item.serial] * 1500)
    response = page_client.get(reverse("returns:line-add", args=[order.pk]), {"q": search})
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Only the first {SEARCH_MAX_TERMS} words" in content
    assert response.context["has_items"] is True


# --- NUL in the query string --------------------------------------------------------------


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=lambda e: e.route)
def test_nul_in_any_query_parameter_is_a_400(endpoint, superuser):
    client = _client(superuser)
    path = _list_path(endpoint, superuser)
    for query in ("search=a%00b", "q=%00", "anything=x%00", "x%00=1", "limit=1%00"):
        response = _get(client, path, **dict([query.split("=", 1)]))
        assert response.status_code == 400, (query, _describe(response))
        assert response["Content-Type"] == "application/json"
        assert "Null characters" in response.json()["detail"]


def test_nul_in_a_page_query_is_a_400(page_client):
    order = return_factories.ReturnOrderFactory()
    for path in (
        reverse("returns:index") + "?search=a%00",
        reverse("returns:line-add", args=[order.pk]) + "?q=%00",
        reverse("returns:index") + f"?status={ReturnOrderStatus.PENDING}%00",
    ):
        response = page_client.get(path)
        assert response.status_code == 400, path
        assert b"Null characters" in response.content


def test_too_many_query_parameters_is_a_json_400_under_the_api(superuser, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"p{i}=1" for i in range(20))
    response = _client(superuser).get(f"/api/company/?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": "The query string has too many parameters."}


# --- odd bodies ---------------------------------------------------------------------------

ODD_BODIES = {
    "zero": "0",
    "empty array": "[]",
    "string": '"x"',
    "true": "true",
    "null": "null",
    "array of objects": '[{"name": "x"}]',
    "5,000 arrays deep": "[" * 5000 + "]" * 5000,
    "100,000 arrays deep": "[" * 100_000 + "]" * 100_000,
    "20,000 objects deep": '{"a":' * 20_000 + "1" + "}" * 20_000,
}


@pytest.mark.parametrize("case", WRITE_CASES, ids=str)
def test_an_odd_body_is_never_a_server_error(case, superuser):
    path, _body, _kwargs = prepare_request(case, superuser)
    client = _client(superuser)
    failures = []
    for label, body in ODD_BODIES.items():
        response = client.generic(case.method, path, body, content_type="application/json")
        if response.status_code >= 500 or response["Content-Type"] != "application/json":
            failures.append(f"{label}: {_describe(response)}")
        elif response.status_code == 400 and "detail" in response.json():
            assert response.json()["detail"].startswith("JSON parse error"), label
    assert not failures, f"{case}:\n" + "\n".join(failures)


@pytest.mark.parametrize("body", ["0", "[]", '"x"', "true", "null"])
@pytest.mark.parametrize("roles", [{}, {"part": ["view", "change"]}], ids=["superuser", "role"])
def test_attachment_post_with_a_non_object_body_is_a_400(body, roles, make_user, superuser):
    user = make_user(**roles) if roles else superuser
    response = _client(user).post("/api/attachment/", body, content_type="application/json")
    assert response.status_code == 400, _describe(response)
    assert response.json() == {"non_field_errors": ["Expected a JSON object."]}


@pytest.mark.parametrize("body", ['["value"]', '"value"', "[1, 2]", "0"])
def test_setting_put_with_a_non_object_body_is_a_400(body, superuser):
    key = site_settings.definitions()[0].key
    client = _client(superuser)
    for method in ("PUT", "PATCH"):
        response = client.generic(
            method, f"/api/settings/global/{key}/", body, content_type="application/json"
        )
        assert response.status_code == 400, _describe(response)


@pytest.mark.parametrize("body", ["0", '"value"', '["value"]'])
def test_views_refuse_a_non_object_from_any_parser(body, make_user, superuser):
    """Defence in depth: with DRF's own parser (any JSON value), the attachment list's role
    check and the setting view still answer 400."""
    key = site_settings.definitions()[0].key
    any_json = [drf_parsers.JSONParser]
    factory = APIRequestFactory()
    clerk = make_user(part=["view", "change"])
    for view, request, user in (
        (
            SiteSettingDetail.as_view(parser_classes=any_json),
            factory.put("/", body, content_type="application/json"),
            superuser,
        ),
        (
            AttachmentList.as_view(parser_classes=any_json),
            factory.post("/", body, content_type="application/json"),
            clerk,
        ),
    ):
        force_authenticate(request, user=user)
        response = view(request, key=key) if view.cls is SiteSettingDetail else view(request)
        assert response.status_code == 400, (view.cls.__name__, response.data)


@pytest.mark.parametrize("depth", [1, JSON_MAX_DEPTH])
def test_the_parser_takes_objects_nested_to_the_limit(depth):
    data = JSONParser().parse(io.BytesIO(('{"a": ' * depth + "1" + "}" * depth).encode()))
    for _level in range(depth):
        data = data["a"]
    assert data == 1


@pytest.mark.parametrize(
    "body",
    [
        "1",
        "[]",
        '"x"',
        "null",
        '{"a": ' * (JSON_MAX_DEPTH + 1) + "1" + "}" * (JSON_MAX_DEPTH + 1),
        '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["number", "array", "string", "null", "one level too deep", "100,000 levels"],
)
def test_the_parser_refuses_what_is_no_object_or_too_deep(body):
    with pytest.raises((ParseError, ValidationError)):
        JSONParser().parse(io.BytesIO(body.encode()))


def test_json_nested_past_the_limit_is_a_400(superuser):
    depth = JSON_MAX_DEPTH + 1
    nested = '{"metadata": ' + '{"a": ' * (depth - 1) + "1" + "}" * (depth - 1) + "}"
    part = factories.PartFactory()
    response = _client(superuser).patch(
        f"/api/part/{part.pk}/metadata/", nested, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"JSON parse error - nested more than {JSON_MAX_DEPTH} levels deep."
    }


# --- bodies over the limits ---------------------------------------------------------------


def test_a_json_body_over_the_memory_limit_is_a_json_413(superuser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"name": "x" * 2048})
    response = _client(superuser).post("/api/company/", body, content_type="application/json")
    assert response.status_code == 413, _describe(response)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is too large."}


def test_a_form_with_too_many_fields_is_a_json_400(superuser, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=1" for i in range(10))
    response = _client(superuser).post(
        "/api/company/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400, _describe(response)
    assert response.json() == {"detail": "The request has too many fields or files."}


def test_an_upload_over_every_limit_is_refused_before_it_is_read(superuser, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    part = factories.PartFactory()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.pdf", b"x" * 4096, content_type="application/pdf")
    response = _client(superuser).post(
        "/api/attachment/",
        {"model_type": "part", "model_id": part.pk, "attachment": upload},
        format="multipart",
    )
    assert response.status_code == 413, _describe(response)
    assert response.json() == {"detail": "The request body is larger than the 2048 bytes allowed."}


def test_a_page_upload_over_every_limit_is_a_413(page_client, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    order = return_factories.ReturnOrderFactory()
    response = page_client.post(
        reverse("returns:attachment-add", args=[order.pk]), {"comment": "x" * 4096}
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_the_walk_reaches_the_routes_of_the_report():
    routes = {case.route for case in WRITE_CASES}
    assert {"api/attachment/", "api/settings/global/<str:key>/", "api/company/"} <= routes
    assert {e.route for e in SEARCH_ENDPOINTS} >= {"api/stock/", "api/order/ro/", "api/user/"}
