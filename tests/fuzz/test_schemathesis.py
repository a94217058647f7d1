"""Fuzz every operation of the OpenAPI schema, as a superuser, a viewer and anonymously.

Schemathesis generates valid and invalid requests from /api/schema/ and checks each answer:
no 5xx (``not_a_server_error``), a status code the operation documents
(``status_code_conformance``), and a body that matches the documented schema for that code
(``response_schema_conformance``). The seed is fixed, so a run is reproducible; the number of
examples per operation and actor is bounded (``FUZZ_EXAMPLES``, small in ``make test``, large
in ``make fuzz``). ``FUZZ_SEED`` picks another seed for a longer campaign.

The application runs in-process (WSGI) inside the test's transaction, so every request sees the
data the fixtures built and nothing outlives the test.
"""

import copy
import json
import os
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from rest_framework.utils.encoders import JSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from returns import services
from returns.statuses import ReturnOrderStatus
from tests.factories import (
    AddressFactory,
    BulkStockItemFactory,
    ContactFactory,
    LinkAttachmentFactory,
    LocationFactory,
    PartCategoryFactory,
    PartFactory,
    StockItemTrackingFactory,
    UserFactory,
)
from tests.jobs.factories import FinishedJobFactory, JobFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ProjectCodeFactory,
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    ReturnReasonFactory,
)
from tests.webhooks.factories import WebhookDeliveryFactory
from users import services as user_services
from users.roles import ROLES

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# An anonymous request stops at authentication (401), whatever its input: fewer examples find
# what there is to find there.
ANONYMOUS_EXAMPLES = int(os.environ.get("FUZZ_ANONYMOUS_EXAMPLES", max(1, EXAMPLES // 3)))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
# The coverage phase (boundary values for every parameter) is thorough but its size grows with
# the schema, not with FUZZ_EXAMPLES: `make fuzz` turns it on.
COVERAGE = os.environ.get("FUZZ_COVERAGE", "").lower() in {"1", "true", "yes"}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _schema_document() -> dict:
    """The document /api/schema/ serves, built in-process (collection may not touch the DB)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(document, cls=JSONEncoder))


def _load(document: dict, *, examples: int):
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": examples,
                "mode": "all",  # valid and invalid input
                "deterministic": True,
                "database": "none",  # no example database: a run depends on the seed only
            },
            # Stateful runs need links between operations, which the schema does not declare.
            "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
        }
    )
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(document), config=config)
    loaded.app = application
    return loaded


# Every operation is fuzzed; none is excluded.
DOCUMENT = _schema_document()
schema = _load(DOCUMENT, examples=EXAMPLES)
anonymous_schema = _load(DOCUMENT, examples=ANONYMOUS_EXAMPLES)


@pytest.fixture
def in_process_app(db, settings):
    """Serve requests through the WSGI app on the test's own connection and transaction.

    Django closes the connection at the end of every request; inside a test transaction that
    would end the test's transaction too. Django's test client disconnects the same handler.
    """
    settings.ALLOWED_HOSTS = ["localhost"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_data(db):
    """A little of everything, so that requests by primary key sometimes hit a real object."""
    order = ReturnOrderFactory()
    ReturnOrderLineItemFactory(order=order)
    ReturnOrderLineItemFactory(
        order=order, item=CustomerBulkStockItemFactory(customer=order.customer)
    )
    ReturnOrderExtraLineFactory(order=order)
    ContactFactory(company=order.customer)
    AddressFactory(company=order.customer)
    LocationFactory()
    # A category tree with a part filed in it (and an inactive part a DELETE may remove).
    category = PartCategoryFactory(parent=PartCategoryFactory())
    PartFactory(category=category)
    PartFactory(active=False)
    StockItemTrackingFactory()
    ProjectCodeFactory()
    # A reason some line uses (its DELETE is refused with a 400) and one that is free.
    ReturnOrderLineItemFactory(order=order, reason=ReturnReasonFactory())
    ReturnReasonFactory(active=False)
    LinkAttachmentFactory(model_type="company", model_id=order.customer.pk)
    # A subscription with a logged delivery: rotate, redeliver and the log act on real rows.
    WebhookDeliveryFactory(state="failed", response_status=500)
    JobFactory(user=None)
    FinishedJobFactory(user=None)
    _resolutions()
    return order


def _resolutions():
    """An order in progress with an open repair (parts to add, a PATCH to finish it), a
    refund, and a received line left to resolve, so the resolution endpoints act on real
    rows and not only on missing ones."""
    user = UserFactory()
    location = LocationFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    services.return_order_receive(
        order=order, lines=[(line.pk, None) for line in lines[:2]], location=location, user=user
    )
    BulkStockItemFactory(location=location)
    services.line_resolve_repair(line=lines[0], user=user, fault="Fan")
    services.line_resolve_refund(line=lines[2], user=user, amount=Decimal(5), reference="CN-1")


@pytest.fixture(params=["superuser", "viewer"])
def actor_headers(request, make_user):
    """A token for a superuser, or for a viewer: a user whose group has ``view`` on every role."""
    if request.param == "superuser":
        user = make_user(superuser=True)
    else:
        user = make_user(**{role: ["view"] for role in ROLES})
    _token, key = user_services.api_token_create(user=user, name="fuzz")
    return {"Authorization": f"Token {key}"}


@schema.parametrize()
@hypothesis_settings(suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, in_process_app, api_data, actor_headers):
    case.call_and_validate(headers=actor_headers, checks=CHECKS)


@pytest.fixture(params=["anonymous"])
def no_credentials(request):
    """No credentials at all (a parameter, so that each test id names the actor)."""
    return {}


@anonymous_schema.parametrize()
@hypothesis_settings(suppress_health_check=list(HealthCheck))
def test_every_operation_answers_anonymous_as_documented(case, in_process_app, no_credentials):
    case.call_and_validate(headers=no_credentials, checks=CHECKS)


def test_the_fuzzed_document_is_the_served_schema(db):
    """The tests above fuzz the document /api/schema/ serves, every operation of it."""
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    served = json.loads(response.content)

    def operations(document):
        return {(method, path) for path, item in document["paths"].items() for method in item}

    assert operations(served) == operations(DOCUMENT)
    assert len(operations(DOCUMENT)) > 100
