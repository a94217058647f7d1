"""The permission matrix: every API endpoint, every method, four kinds of caller.

The endpoints are read from ``config.urls`` when the tests are collected, so an endpoint added
later is checked without anyone writing a test for it. For each endpoint and method:

* an anonymous caller gets 401;
* a logged-in user without any role gets 403 (200 where reading needs no role);
* a user holding exactly ``required_permissions(view, method)`` gets past the permission check;
* a user holding every other role permission, but not those, gets 403, and so does a user
  missing any one of them.

The same again in role flags, the way an administrator grants them (``test_role_flag_matrix``):
for every endpoint and method, a group holding every flag on every role except the method's own
flag on the role that governs it gets 403, and a group holding only the flags the method needs
gets through. So no flag implies another, except that any flag on a role implies ``view`` on it
(``RuleSet.actions``); for reads the matrix therefore checks that a group with no flag on the
role gets 403.

Endpoints outside the role system are listed explicitly: anonymous ones, self-service ones (the
caller's own account) and staff-write ones (site settings); each list is checked for stale
entries. Whoever adds an endpoint whose URL carries ``<int:pk>`` registers a factory for its
model in ``OBJECT_FACTORIES``; until then the matrix fails and says so.
"""

import datetime
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission, User
from django.db import models
from django.db.models import Q
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from djmoney.money import Money
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from common import model_types
from common.api import AttachmentList, AttachmentMixin, MetadataView
from common.permissions import (
    READ_METHODS,
    IsStaffForWrites,
    RolePermission,
    required_permissions,
)
from returns.models import (
    ProjectCode,
    ReturnOrderLineResolution,
    ReturnOrderRefund,
    ReturnOrderRepair,
)
from returns.statuses import ResolutionKind, ReturnOrderStatus
from tests import factories
from tests.jobs import factories as job_factories
from tests.reports import factories as report_factories
from tests.returns import factories as return_factories
from tests.webhooks import factories as webhook_factories
from users import services as user_services
from users.models import RuleSet
from users.roles import ACTIONS, ROLES

# Endpoints that are anonymous or guarded by something other than roles, on purpose.
ANONYMOUS_OR_SPECIAL = {
    "api/": "server details: the inventree client reads them anonymously when it connects",
    "api/schema/": "the OpenAPI schema is public",
    "api/docs/": "the Swagger UI is public",
    "api/^.*$": "catch-all: a JSON 404 for every path Boomerang does not serve",
    "media/attachments/<path:path>": "file download: login plus a per-attachment visibility check",
    "media/report/<int:pk>/<str:filename>": "printed PDF: login, served only to whoever printed it",
    "media/job/<int:pk>/<str:filename>": "a job's file: login, served only to the job's user",
    "media/images/<str:model_type>/<path:path>": (
        "part and company images: login plus view permission on the image's model"
    ),
    "media/report/template/<int:pk>/<str:filename>": (
        "a report template's source: login, as for the template list"
    ),
    # A job is its user's: to anyone else it is a 404, so the matrix's callers (who own no
    # job) cannot read one; tests/jobs/test_api.py runs the owner, others and anonymous.
    "api/job/<int:pk>/": "one of the caller's own jobs",
    # Role-checked (returns.view_returnorder), but it answers text/calendar, not JSON, and also
    # takes a calendar key; tests/calendar/test_feed.py runs the same four callers against it.
    "api/order/calendar/return-order/calendar.ics": "iCalendar feed (text/calendar)",
}

# Endpoints that act only on the caller's own account: logging in is all they need.
SELF_SERVICE = {
    "api/user/me/": "the inventree client's credential check",
    "api/user/me/token/": "issues a token to the caller",
    "api/user/token/": "issues a token to the caller",
    "api/user/tokens/": "lists the caller's own tokens",
    "api/user/tokens/<int:pk>/": "revokes one of the caller's own tokens",
    "api/job/": "lists the caller's own jobs",
}

# Endpoints every logged-in user reads and only staff write.
STAFF_WRITES = {
    "api/settings/global/": "site settings",
    "api/settings/global/<str:key>/": "site settings",
}

# pk-URLs whose view has no queryset to read the object's model from, or whose pk names
# another model than the one whose permissions apply (a line's resolutions, repairs and
# refunds are guarded by the order's permissions). Elsewhere the pk names an object of the
# view's ``permission_model`` if it sets one, else of its queryset's model.
PK_MODELS = {
    "api/user/tokens/<int:pk>/": "users.apitoken",
    **{
        f"api/order/ro-line/<int:pk>/resolve/{kind}/": "returns.returnorderlineitem"
        for kind in ("return", "repair", "replace", "refund", "reject", "undo")
    },
    "api/order/ro-repair/<int:pk>/": "returns.returnorderrepair",
    "api/order/ro-refund/<int:pk>/": "returns.returnorderrefund",
    "api/order/ro-receipt/<int:pk>/": "returns.returnorderreceipt",
    "api/order/ro-receipt/<int:pk>/undo/": "returns.returnorderreceipt",
    # The delivery log is guarded by the subscription's permissions.
    "api/webhook-delivery/<int:pk>/": "webhooks.webhookdelivery",
    "api/webhook-delivery/<int:pk>/redeliver/": "webhooks.webhookdelivery",
}


def _first_setting_key() -> str:
    from common import site_settings

    return site_settings.definitions()[0].key


# How to fill a URL parameter other than <pk> and <model_type>.
PARAMETER_VALUES: dict[str, Callable[[], str]] = {"key": _first_setting_key}

_project_codes = itertools.count(1)


def _project_code() -> ProjectCode:
    return ProjectCode.objects.create(code=f"PRJ-{next(_project_codes):03d}")


def _resolution(kind: str) -> ReturnOrderLineResolution:
    """A standing resolution on a received line of an order in progress."""
    order = return_factories.ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = return_factories.ReturnOrderLineItemFactory(
        order=order, received_date=datetime.date.today()
    )
    return ReturnOrderLineResolution.objects.create(
        line=line, order=order, kind=kind, previous_outcome=line.outcome
    )


def _repair() -> ReturnOrderRepair:
    """An open repair: its PATCH (``{}`` in the matrix) edits nothing and is accepted."""
    return ReturnOrderRepair.objects.create(resolution=_resolution(ResolutionKind.REPAIR))


def _refund() -> ReturnOrderRefund:
    return ReturnOrderRefund.objects.create(
        resolution=_resolution(ResolutionKind.REFUND), amount=Money(Decimal(5), "USD")
    )


def _receipt():
    """A standing receipt of a line of an order in progress: undo can act on it."""
    from returns import services as return_services

    order = return_factories.ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = return_factories.ReturnOrderLineItemFactory(order=order)
    return_services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=factories.LocationFactory(), user=None
    )
    return line.receipts.get()


# One callable per model that appears as ``<int:pk>`` in an API URL: it returns a saved object.
# Attachments are built separately, on an object of each attachment model type.
OBJECT_FACTORIES: dict[str, Callable[[], models.Model]] = {
    "auth.user": lambda: factories.UserFactory(password=None),
    "auth.group": factories.GroupFactory,
    "users.owner": lambda: user_services.owner_sync(instance=factories.GroupFactory()),
    "users.apitoken": factories.ApiTokenFactory,
    "companies.company": factories.CustomerFactory,
    "companies.contact": factories.ContactFactory,
    "companies.address": factories.AddressFactory,
    "stock.part": factories.PartFactory,
    "stock.stocklocation": factories.LocationFactory,
    "stock.partcategory": factories.PartCategoryFactory,
    "stock.stockitem": factories.StockItemFactory,
    "stock.stockitemtracking": factories.StockItemTrackingFactory,
    "returns.returnorder": return_factories.ReturnOrderFactory,
    "returns.returnorderlineitem": return_factories.ReturnOrderLineItemFactory,
    "returns.returnorderextraline": return_factories.ReturnOrderExtraLineFactory,
    "returns.projectcode": _project_code,
    "returns.returnreason": return_factories.ReturnReasonFactory,
    "returns.returncondition": return_factories.ReturnConditionFactory,
    "returns.returnorderrepair": _repair,
    "returns.returnorderrefund": _refund,
    "returns.returnorderreceipt": _receipt,
    "reports.reporttemplate": report_factories.ReportTemplateFactory,
    "webhooks.webhooksubscription": webhook_factories.WebhookSubscriptionFactory,
    "webhooks.webhookdelivery": webhook_factories.WebhookDeliveryFactory,
    "jobs.job": job_factories.JobFactory,
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Endpoint:
    route: str
    view_class: type[APIView]
    initkwargs: dict = field(hash=False, compare=False)
    is_regex: bool = False

    @property
    def parameters(self) -> list[str]:
        return [m["name"] for m in PARAMETER.finditer(self.route)]

    @property
    def methods(self) -> list[str]:
        return [
            name.upper()
            for name in self.view_class.http_method_names
            if name not in {"head", "trace"} and hasattr(self.view_class, name)
        ]


@dataclass(frozen=True)
class Case:
    endpoint: Endpoint
    method: str
    model_type: str | None  # the model type a generic endpoint is exercised with

    @property
    def route(self) -> str:
        return self.endpoint.route

    def __str__(self) -> str:
        suffix = f" [{self.model_type}]" if self.model_type else ""
        return f"{self.method} /{self.route}{suffix}"


def _walk(patterns, prefix: str = "", is_regex: bool = False):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        regex = is_regex or isinstance(entry.pattern, RegexPattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, regex)
            continue
        view_class = getattr(entry.callback, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            initkwargs = dict(getattr(entry.callback, "initkwargs", {}))
            yield Endpoint(route, view_class, initkwargs, regex)


def collect_endpoints() -> list[Endpoint]:
    """Every DRF view in the URL configuration, wherever it is mounted."""
    return list(_walk(get_resolver().url_patterns))


def _model_type_variants(endpoint: Endpoint) -> list[str | None]:
    view_class = endpoint.view_class
    if "model_type" in endpoint.parameters and issubclass(view_class, MetadataView):
        return [t.name for t in model_types.metadata_types()]
    if issubclass(view_class, AttachmentMixin):
        return [t.name for t in model_types.attachment_types()]
    return [None]


def build_cases() -> list[Case]:
    return [
        Case(endpoint, method, variant)
        for endpoint in collect_endpoints()
        if endpoint.route not in ANONYMOUS_OR_SPECIAL
        for variant in _model_type_variants(endpoint)
        for method in endpoint.methods
    ]


ENDPOINTS = collect_endpoints()
CASES = build_cases()


# --- building a request -------------------------------------------------------------------


def _permission(name: str) -> Permission | None:
    app_label, codename = name.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def _role_permissions() -> dict[str, Permission]:
    """Every permission some role can grant, by ``app_label.codename``."""
    query = Q(pk__in=[])
    for spec in ROLES.values():
        for label in spec["models"]:
            app_label, model_name = label.split(".")
            query |= Q(content_type__app_label=app_label, content_type__model=model_name)
    permissions = Permission.objects.filter(query).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}": p for p in permissions}


def _user(permissions=(), **kwargs) -> User:
    # No password: hashing one costs far more than the whole request.
    user = factories.UserFactory(password=None, **kwargs)
    user.user_permissions.set(permissions)
    return User.objects.get(pk=user.pk)  # a fresh instance has no stale permission cache


def _create(model: type[models.Model], model_type: str | None = None) -> models.Model:
    from common.models import Attachment

    if model is Attachment:
        target_type = model_types.get(model_type)
        target = _create(target_type.model)
        return factories.LinkAttachmentFactory(model_type=target_type.name, model_id=target.pk)
    label = model._meta.label_lower
    factory = OBJECT_FACTORIES.get(label)
    if factory is None:
        pytest.fail(
            f"No factory registered for {label!r}, the model behind an API URL with <int:pk>. "
            f"Add one to OBJECT_FACTORIES in {__name__}."
        )
    return factory()


def _make_view(case: Case, path: str, body: dict, kwargs: dict, user) -> APIView:
    """The view instance a request would reach, set up as DRF's ``dispatch`` sets it up."""
    request = APIRequestFactory().generic(
        case.method, path, json.dumps(body), content_type="application/json"
    )
    force_authenticate(request, user=user)
    view = case.endpoint.view_class(**case.endpoint.initkwargs)
    view.setup(request, **kwargs)
    view.request = view.initialize_request(request, **kwargs)
    view.format_kwarg = None
    return view


def _object_model(case: Case, kwargs: dict, superuser) -> type[models.Model]:
    if case.route in PK_MODELS:
        return apps.get_model(PK_MODELS[case.route])
    if not issubclass(case.endpoint.view_class, generics.GenericAPIView):
        pytest.fail(
            f"/{case.route} takes <int:pk> but {case.endpoint.view_class.__name__} has no "
            f"queryset: make it a GenericAPIView or add the route to PK_MODELS."
        )
    permission_model = getattr(case.endpoint.view_class, "permission_model", None)
    if permission_model is not None:
        return permission_model
    view = _make_view(case, "/", {}, kwargs, superuser)
    return view.get_queryset().model


def prepare_request(case: Case, superuser) -> tuple[str, dict, dict]:
    """The concrete path, JSON body and URL kwargs for a case, with the objects they name."""
    if case.endpoint.is_regex:
        pytest.fail(f"/{case.route}: cannot build a URL from a regular expression")
    kwargs: dict = {}
    for name in case.endpoint.parameters:
        if name == "model_type":
            kwargs[name] = case.model_type
        elif name in PARAMETER_VALUES:
            kwargs[name] = PARAMETER_VALUES[name]()
        elif name != "pk":
            pytest.fail(
                f"/{case.route}: no rule to fill the URL parameter <{name}>; "
                f"add one to PARAMETER_VALUES in {__name__}."
            )
    if "pk" in case.endpoint.parameters:
        model = _object_model(case, kwargs, superuser)
        kwargs["pk"] = _create(model, case.model_type).pk
    path = "/" + PARAMETER.sub(lambda m: str(kwargs[m["name"]]), case.route)

    body: dict = {}
    if issubclass(case.endpoint.view_class, AttachmentList):
        # The attachment list takes its model type from the query (reads) or the body (writes).
        if case.method in READ_METHODS:
            path += f"?model_type={case.model_type}"
        else:
            target = _create(model_types.get(case.model_type).model)
            body = {
                "model_type": case.model_type,
                "model_id": target.pk,
                "link": "https://example.com/datasheet.pdf",
            }
    return path, body, kwargs


def _send(case: Case, path: str, body: dict, user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    # Like the inventree client: a JSON body on every request, GET and DELETE included.
    return client.generic(case.method, path, json.dumps(body), content_type="application/json")


def _describe(who: str, expected: str, response) -> str:
    text = response.content.decode(errors="replace")[:300]
    return f"{who}: expected {expected}, got {response.status_code} {text}"


# --- the matrix ---------------------------------------------------------------------------


@dataclass
class Expectation:
    who: str
    user: User | None
    allowed: bool  # True: gets past the permission check; False: 401 (anonymous) or 403


def _role_expectations(case: Case, required: list[str], role_permissions: dict) -> list:
    """Role-checked endpoints: exactly the required permissions, nothing less."""
    expectations = [Expectation("no role", _user(), allowed=not required)]
    if required:
        others = [p for name, p in role_permissions.items() if name not in required]
        expectations.append(Expectation("every other role permission", _user(others), False))
    if len(required) > 1:
        for missing in required:
            held = [_permission(name) for name in required if name != missing]
            expectations.append(Expectation(f"all but {missing}", _user(held), False))
    # Last: its DELETE may remove the object.
    exact = _user([_permission(name) for name in required])
    expectations.append(Expectation(f"exactly {required}", exact, allowed=True))
    return expectations


def _staff_expectations(case: Case, role_permissions: dict) -> list:
    """Staff-write endpoints: any logged-in user reads; writing takes staff, not roles."""
    reading = case.method in READ_METHODS
    every_role = list(role_permissions.values())
    return [
        Expectation("no role", _user(), allowed=reading),
        Expectation("every role permission, not staff", _user(every_role), allowed=reading),
        Expectation("staff without roles", _user(is_staff=True), allowed=True),
    ]


def _check_declarations(case: Case, required: list[str], role_permissions: dict) -> list[str]:
    problems = []
    if case.route in SELF_SERVICE or case.route in STAFF_WRITES:
        if required:
            problems.append(f"needs only a login or staff, yet declares {required}")
    elif not required and (
        case.method in WRITE_METHODS
        or getattr(case.endpoint.view_class, "read_requires_role", True)
    ):
        problems.append(
            "needs no permission: give the view a queryset or a permission_model "
            "(or read_requires_role = False for a deliberately open read)"
        )
    for name in required:
        if _permission(name) is None:
            problems.append(f"required permission {name} does not exist")
        elif name not in role_permissions:
            problems.append(f"required permission {name} is granted by no role in users.roles")
    return problems


@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_matrix(case: Case, db):
    superuser = _user(is_superuser=True, is_staff=True)
    path, body, kwargs = prepare_request(case, superuser)
    required = required_permissions(_make_view(case, path, body, kwargs, superuser), case.method)
    role_permissions = _role_permissions()

    problems = _check_declarations(case, required, role_permissions)
    assert not problems, f"{case} (needs {required}):\n" + "\n".join(problems)

    if case.route in STAFF_WRITES:
        expectations = _staff_expectations(case, role_permissions)
    else:
        expectations = _role_expectations(case, required, role_permissions)

    failures = []
    for expectation in [Expectation("anonymous", None, False), *expectations]:
        response = _send(case, path, body, expectation.user)
        status_code = response.status_code
        if expectation.user is None:
            if status_code != 401:
                failures.append(_describe(expectation.who, "401", response))
        elif not expectation.allowed:
            if status_code != 403:
                failures.append(_describe(expectation.who, "403", response))
        elif status_code in (401, 403):
            failures.append(_describe(expectation.who, "not 401/403", response))
        elif case.method in READ_METHODS and status_code != 200:
            failures.append(_describe(expectation.who, "200", response))
        if status_code >= 500:
            failures.append(_describe(expectation.who, "no server error", response))
        elif status_code != 204 and response["Content-Type"] != "application/json":
            failures.append(f"{expectation.who}: Content-Type {response['Content-Type']!r}")

    assert not failures, f"{case} (needs {required}):\n" + "\n".join(failures)


# --- the matrix in role flags -------------------------------------------------------------


def _role_flag(permission_name: str) -> tuple[str, str]:
    """The (role, flag) that grants ``app_label.action_model``, or that comes with it
    (``grants`` in ``users.roles``: the authorize permission comes with change)."""
    for role, spec in ROLES.items():
        for flag, names in spec.get("grants", {}).items():
            if permission_name in names:
                return role, flag
    app_label, codename = permission_name.split(".", 1)
    action, model_name = codename.split("_", 1)
    for role, spec in ROLES.items():
        if f"{app_label}.{model_name}" in spec["models"]:
            return role, action
    pytest.fail(f"{permission_name} is granted by no role")


def _flag_user(flags: dict[str, set[str]]) -> User:
    """A user in one group holding ``{role: {flags}}`` through the role system."""
    group = factories.GroupFactory()
    RuleSet.objects.bulk_create(
        RuleSet(group=group, name=role, **{f"can_{flag}": True for flag in granted})
        for role, granted in flags.items()
    )
    user_services.group_sync_permissions(group=group)  # what group_set_role runs per role
    user = factories.UserFactory(password=None)
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def _flag_expectations(required: list[str]) -> list[Expectation]:
    needed: dict[str, set[str]] = {}
    for name in required:
        role, flag = _role_flag(name)
        needed.setdefault(role, set()).add(flag)
    expectations = []
    for role, flags in needed.items():
        for flag in sorted(flags):
            held = {r: set(ACTIONS) for r in ROLES}
            if flag == "view":
                # Any flag implies view, so only a role with no flag at all cannot read.
                held[role] = set()
                who = f"every flag but none on {role}"
            else:
                held[role] = set(ACTIONS) - {flag}
                who = f"every flag but {role}.{flag}"
            expectations.append(Expectation(who, _flag_user(held), allowed=False))
    # Last: its DELETE may remove the object.
    expectations.append(Expectation(f"only the flags {needed}", _flag_user(needed), True))
    return expectations


ROLE_CASES = [
    case for case in CASES if case.route not in SELF_SERVICE and case.route not in STAFF_WRITES
]


@pytest.mark.parametrize("case", ROLE_CASES, ids=str)
def test_role_flag_matrix(case: Case, db):
    """Each method needs exactly its own role flag: every other flag on every role is not
    enough, and the method's own flags (on each role it involves) are."""
    superuser = _user(is_superuser=True, is_staff=True)
    path, body, kwargs = prepare_request(case, superuser)
    required = required_permissions(_make_view(case, path, body, kwargs, superuser), case.method)
    if not required:
        return  # open to every logged-in user; test_permission_matrix checks that
    failures = []
    for expectation in _flag_expectations(required):
        response = _send(case, path, body, expectation.user)
        if not expectation.allowed:
            if response.status_code != 403:
                failures.append(_describe(expectation.who, "403", response))
        elif response.status_code in (401, 403) or response.status_code >= 500:
            failures.append(_describe(expectation.who, "not 401/403/5xx", response))
        elif case.method in READ_METHODS and response.status_code != 200:
            failures.append(_describe(expectation.who, "200", response))
    assert not failures, f"{case} (needs {required}):\n" + "\n".join(failures)


def test_view_and_add_do_not_let_a_role_change_an_order(make_user):
    """The reported case: view and add on return orders, no change: PATCH is refused."""
    order = return_factories.ReturnOrderFactory(description="before")
    url = f"/api/order/ro/{order.pk}/"
    adder = APIClient()
    adder.force_authenticate(make_user(return_order=["view", "add"]))
    assert adder.get(url).status_code == 200
    response = adder.patch(url, {"description": "after"}, format="json")
    assert response.status_code == 403, response.content
    assert adder.put(url, {"description": "after"}, format="json").status_code == 403
    order.refresh_from_db()
    assert order.description == "before"

    changer = APIClient()
    changer.force_authenticate(make_user(return_order=["change"]))
    response = changer.patch(url, {"description": "after"}, format="json")
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.description == "after"


def test_demo_groups_hold_the_flags_their_work_needs(db):
    """The demo's clerks work orders end to end with explicit flags; viewers only read."""
    from returns import demo

    factories.UserFactory(username="root", is_superuser=True, is_staff=True, password=None)
    users = demo.load_demo_data(password="demo-pass-1")["users"]
    clerk = User.objects.get(pk=users["clerk"].pk)
    viewer = User.objects.get(pk=users["viewer"].pk)
    works = [
        "returns.view_returnorder",
        "returns.add_returnorder",
        "returns.change_returnorder",
        "returns.add_returnorderlineitem",
        "returns.change_returnorderlineitem",
        "returns.add_returnorderextraline",
        "returns.change_returnorderextraline",
        "stock.change_stockitem",
        "stock.view_stocklocation",
        "companies.view_company",
    ]
    assert clerk.has_perms(works)
    assert not clerk.has_perm("returns.delete_returnorder")
    assert viewer.has_perms(["returns.view_returnorder", "stock.view_stockitem"])
    assert not any(viewer.has_perm(p) for p in works if ".view_" not in p)

    order = return_factories.ReturnOrderFactory()
    for user, expected in ((viewer, 403), (clerk, 200)):
        client = APIClient()
        client.force_authenticate(user)
        response = client.patch(f"/api/order/ro/{order.pk}/", {"description": "x"}, format="json")
        assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    ("flags", "actions"),
    [
        ({"view"}, ["view"]),
        ({"add"}, ["add", "view"]),
        ({"delete"}, ["delete", "view"]),
        ({"add", "delete"}, ["add", "delete", "view"]),
        ({"change"}, ["change", "view"]),
        (set(), []),
    ],
)
def test_a_flag_grants_its_own_action_and_view_nothing_else(db, flags, actions):
    rule_set = user_services.group_set_role(
        group=factories.GroupFactory(), role="return_order", **dict.fromkeys(flags, True)
    )
    assert rule_set.actions() == actions


# --- the lists that steer the matrix ------------------------------------------------------


def test_matrix_finds_the_endpoints_the_client_uses():
    routes = {endpoint.route for endpoint in ENDPOINTS}
    assert {
        "api/company/",
        "api/company/<int:pk>/",
        "api/company/contact/",
        "api/company/address/",
        "api/part/<int:pk>/",
        "api/stock/",
        "api/stock/assign/",
        "api/stock/location/",
        "api/stock/track/",
        "api/attachment/",
        "api/metadata/<str:model_type>/<int:pk>/",
        "api/user/me/",
    } <= routes
    assert len(CASES) > 100


@pytest.mark.parametrize(
    "listed",
    [ANONYMOUS_OR_SPECIAL, SELF_SERVICE, STAFF_WRITES, PK_MODELS],
    ids=["special", "self-service", "staff-writes", "pk-models"],
)
def test_allow_lists_name_existing_endpoints(listed):
    """An allow-list entry whose endpoint has gone (or moved) must be removed, not kept."""
    routes = {endpoint.route for endpoint in ENDPOINTS}
    assert set(listed) - routes == set()


def test_every_endpoint_checks_roles_unless_listed():
    """A view that swaps out RolePermission must be listed, and use the listed policy."""
    unchecked = []
    for endpoint in ENDPOINTS:
        if endpoint.route in ANONYMOUS_OR_SPECIAL:
            continue
        permission_classes = endpoint.view_class.permission_classes
        if endpoint.route in SELF_SERVICE:
            if IsAuthenticated not in permission_classes:
                unchecked.append(f"/{endpoint.route}: self-service but not IsAuthenticated")
        elif endpoint.route in STAFF_WRITES:
            if IsStaffForWrites not in permission_classes:
                unchecked.append(f"/{endpoint.route}: staff-writes but not IsStaffForWrites")
        elif RolePermission not in permission_classes:
            unchecked.append(f"/{endpoint.route}: {endpoint.view_class.__name__}")
    assert unchecked == []


def test_every_model_type_of_generic_endpoints_is_exercised():
    """Metadata and attachments run once per registered model type, so a new type is covered."""
    exercised = {(case.endpoint.view_class, case.model_type) for case in CASES}
    for model_type in model_types.metadata_types():
        assert (MetadataView, model_type.name) in exercised
    for model_type in model_types.attachment_types():
        assert (AttachmentList, model_type.name) in exercised


# --- the special endpoints keep their own guarantees --------------------------------------


def test_api_root_is_anonymous(db):
    response = APIClient().get("/api/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_unknown_api_path_is_a_json_404_even_anonymously(db):
    response = APIClient().get("/api/plugins/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found.",
        "reason": "Boomerang does not implement InvenTree's plugins API.",
    }


def test_attachment_download_needs_login(db):
    attachment = factories.LinkAttachmentFactory()
    response = APIClient().get(f"/media/attachments/company/{attachment.model_id}/x.pdf")
    assert response.status_code == 401
