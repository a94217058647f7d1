"""Every URL answers with a Content-Security-Policy that refuses inline script.

The URL patterns are read from ``config.urls`` when the tests are collected, one test per
pattern, so a URL added later is checked without anyone writing a test for it. Each pattern is
requested with GET by a logged-in superuser: HTML pages, the API as JSON and as the browsable
API (``Accept: text/html``), the schema and Swagger UI (page and start-up script). Every
response must carry a policy whose scripts allow neither ``'unsafe-inline'`` nor
``'unsafe-eval'``, and every HTML page must run no script the policy would refuse: no inline
``<script>`` without the request's nonce, no ``on…=`` handler, no ``javascript:`` URL, no
``<style>`` or ``style=""`` the policy does not allow.

Media downloads answer with their own, stricter policy (``sandbox; default-src 'none'``),
which is accepted there. A pattern this module cannot build a request for fails, and says
which rule to add; it is never skipped.
"""

import base64
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern
from djmoney.contrib.exchange.models import Rate
from PIL import Image
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.views import APIView

from common import exchange, site_settings
from common import services as common_services
from jobs.models import OutgoingMail
from tests import factories
from tests.jobs.factories import FinishedJobFactory, JobFactory
from tests.reports.factories import ReportOutputFactory
from tests.returns import factories as return_factories
from tests.test_permission_matrix import (
    OBJECT_FACTORIES,
    Case,
    Endpoint,
    _model_type_variants,
    prepare_request,
)
from tests.webhooks import factories as webhook_factories
from users.models import RuleSet

SANDBOX = "sandbox; default-src 'none'"
MEDIA_ROUTE_NAMES = {
    "attachment-download",
    "report-output-download",
    "job-result-download",
    "image-download",
    "report-template-download",
}
# Downloads that answer with the media policy too: the customer portal's thread files.
SANDBOXED_ROUTE_NAMES = {*MEDIA_ROUTE_NAMES, "portal:file"}
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'"}
# <script> types a browser treats as data, never runs, and CSP does not govern.
DATA_BLOCK_TYPES = {"application/json", "application/ld+json", "text/template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


# --- the URL patterns --------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, prefixes joined: "returns/<int:pk>/"
    name: str | None  # namespaced: "returns:detail", "admin:auth_user_change"
    callback: Callable
    is_regex: bool

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None)

    @property
    def is_api_view(self) -> bool:
        return isinstance(self.view_class, type) and issubclass(self.view_class, APIView)

    def __str__(self) -> str:
        return self.route


def _walk(patterns, prefix: str = "", namespace: str | None = None, is_regex: bool = False):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        regex = is_regex or isinstance(entry.pattern, RegexPattern)
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if entry.namespace and namespace:
                inner = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, route, inner, regex)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(route, name, entry.callback, regex)


ROUTES = list(_walk(get_resolver().url_patterns))


# --- building a request for each pattern --------------------------------------------------


@dataclass
class Probe:
    """One GET to send: the path, and the Accept header to send it with."""

    path: str
    accept: str = "text/html,application/xhtml+xml,*/*;q=0.8"
    cookies: dict[str, str] | None = None  # sent as well (the customer portal's session)


def _attachment(order=None):
    order = order or return_factories.ReturnOrderFactory()
    return common_services.attachment_create(
        model_type="returnorder",
        model_id=order.pk,
        user=None,
        file=SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain"),
    )


def _rate() -> Rate:
    exchange.set_rate("EUR", 0.92)
    return Rate.objects.get(currency="EUR")


def _axes_fields() -> dict:
    return {
        "user_agent": "pytest",
        "ip_address": "192.0.2.1",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }


def _received_line():
    """A line of an order in progress, received through the service."""
    from returns import services as return_services
    from returns.statuses import ReturnOrderStatus

    order = return_factories.ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = return_factories.ReturnOrderLineItemFactory(order=order)
    return_services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=factories.LocationFactory(), user=None
    )
    line.refresh_from_db()
    return line


def _line_resolution():
    from returns import services as return_services

    line = _received_line()
    return_services.line_resolve_return(line=line, user=None)
    return line.resolutions.get()


def _import_run():
    from importer.models import ImportRun, ImportSource

    source = ImportSource.objects.get_or_create(url="https://inventree.example.com")[0]
    return ImportRun.objects.create(source=source, url=source.url, token="never-shown")


def _import_skipped_row():
    from importer.models import ImportSkippedRow

    return ImportSkippedRow.objects.create(
        run=_import_run(), model="returns.returnorder", source_pk=7, reason="no customer"
    )


# Admin models without a factory in the permission matrix (no API URL names them).
ADMIN_FACTORIES: dict[str, Callable[[], models.Model]] = {
    "returns.returnorderlineresolution": _line_resolution,
    "common.attachment": _attachment,
    "exchange.rate": _rate,
    "users.ruleset": lambda: RuleSet.objects.create(
        group=factories.GroupFactory(), name="return_order", can_view=True
    ),
    "reports.reportoutput": ReportOutputFactory,
    "jobs.outgoingmail": lambda: OutgoingMail.objects.create(
        subject="Return order issued", body="Issued", to=["owner@example.com"]
    ),
    "axes.accessattempt": lambda: AccessAttempt.objects.create(
        **_axes_fields(), get_data="", post_data="", failures_since_start=1
    ),
    "axes.accesslog": lambda: AccessLog.objects.create(**_axes_fields()),
    "axes.accessfailurelog": lambda: AccessFailureLog.objects.create(**_axes_fields()),
    "webhooks.webhookevent": webhook_factories.WebhookEventFactory,
    "portal.portalaccess": lambda: _portal_row("access"),
    "portal.portaldomain": lambda: _portal_row("domain"),
    "portal.portalsigninlink": lambda: _portal_row("link"),
    "portal.portalsession": lambda: _portal_row("session"),
    "importer.importsource": lambda: _import_run().source,
    "importer.importrun": _import_run,
    "importer.importskippedrow": _import_skipped_row,
}


def _portal_row(kind: str) -> models.Model:
    """A contact invited to the portal (access and link), a sign-in domain or a session."""
    import datetime

    from django.utils import timezone

    from portal import services as portal_services
    from portal.models import PortalSession, secret_hash

    contact = factories.ContactFactory(email=f"admin-{kind}@example.com")
    if kind == "domain":
        portal_services.portal_domains_set(
            company=contact.company, domains=["admin-walk.example.com"], user=None
        )
        return contact.company.portal_domains.get()
    if kind == "session":
        return PortalSession.objects.create(
            key_hash=secret_hash("admin-walk"),
            contact=contact,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )
    access = portal_services.portal_access_invite(contact=contact, user=None)
    return access if kind == "access" else contact.portal_links.get()


def _object_of(label: str) -> models.Model:
    factory = ADMIN_FACTORIES.get(label) or OBJECT_FACTORIES.get(label)
    if factory is None:
        pytest.fail(
            f"No factory for {label!r}, a model with admin pages. Add one to ADMIN_FACTORIES "
            f"in {__name__} (or to OBJECT_FACTORIES in the permission matrix)."
        )
    return factory()


ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app_label>\w+)/(?P<model_name>\w+)/")


def _admin_probes(route: Route, superuser) -> list[Probe]:
    if route.name == "admin:app_list":
        return [Probe(reverse("admin:app_list", kwargs={"app_label": "returns"}))]
    if route.name is None and route.route.endswith("(?P<url>.*)$"):
        return [Probe("/admin/no-such-page/")]  # the admin's catch-all
    if route.name == "admin:view_on_site":
        order = return_factories.ReturnOrderFactory()
        content_type = ContentType.objects.get_for_model(order)
        kwargs = {"content_type_id": content_type.pk, "object_id": order.pk}
        return [Probe(reverse(route.name, kwargs=kwargs))]
    if route.name == "admin:auth_user_password_change":
        return [Probe(reverse(route.name, kwargs={"id": superuser.pk}))]
    match = ADMIN_MODEL_ROUTE.match(route.route)
    if match and "<path:object_id>" in route.route:
        model = apps.get_model(match["app_label"], match["model_name"])
        obj = _object_of(model._meta.label_lower)
        return [Probe("/" + route.route.replace("<path:object_id>", str(obj.pk)))]
    if not _parameters(route):
        return [Probe("/" + route.route)]
    return []


# Resolution pages render their form only for a line the order lets them resolve.
RESOLUTION_PAGES = {"returns:line-resolve", "returns:line-undo", "returns:repair-edit"}


def _resolution_probes(route: Route) -> list[Probe]:
    """Every outcome's form on a received line, and the repair page of an open repair."""
    from returns import services as return_services

    site_settings.set_value("RETURNORDER_ENABLED", True)
    line = _received_line()
    order = line.order
    factories.StockItemFactory(part=line.item.part)  # a replacement to pick
    factories.BulkStockItemFactory()  # a part to pick
    keys = {"pk": order.pk, "line_pk": line.pk}
    if route.name == "returns:line-resolve":
        kinds = ("return", "repair", "replace", "refund", "reject")
        return [Probe(reverse(route.name, kwargs={**keys, "kind": kind})) for kind in kinds]
    if route.name == "returns:repair-edit":
        return_services.line_resolve_repair(line=line, user=None, fault="Loose wire")
    # The undo URL takes POST only: its GET answers 405, with the policy all the same.
    return [Probe(reverse(route.name, kwargs=keys))]


def _receipt(order):
    """A receipt split into good, damaged and missing units, on a line of ``order``."""
    from returns.models import ReturnOrderReceipt, ReturnOrderReceiptDisposition

    line = return_factories.ReturnOrderLineItemFactory(order=order, quantity=3)
    receipt = ReturnOrderReceipt.objects.create(order=order, line=line, quantity=3)
    for kind in ("good", "damaged", "missing"):
        ReturnOrderReceiptDisposition.objects.create(
            receipt=receipt,
            kind=kind,
            quantity=1,
            location=None if kind == "missing" else factories.LocationFactory(),
            status={"good": 10, "damaged": 55}.get(kind),
        )
    return receipt


def _return_order_probes(route: Route) -> list[Probe]:
    if route.name in RESOLUTION_PAGES:
        return _resolution_probes(route)
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = return_factories.ReturnOrderFactory()
    if route.name in ("returns:authorize", "returns:decline"):
        # Their forms show only for a requested order (others are sent back to the order).
        from returns.statuses import ReturnOrderStatus

        order = return_factories.ReturnOrderFactory(status=ReturnOrderStatus.REQUESTED)
        return_factories.ReturnOrderLineItemFactory(order=order)
    values = {
        "pk": lambda: order.pk,
        "line_pk": lambda: return_factories.ReturnOrderLineItemFactory(order=order).pk,
        "extra_pk": lambda: return_factories.ReturnOrderExtraLineFactory(order=order).pk,
        "attachment_pk": lambda: _attachment(order).pk,
        "receipt_pk": lambda: _receipt(order).pk,
        "action": lambda: "issue",
        "name": lambda: "customer",
        "kind": lambda: "reasons",
        "entry_pk": lambda: return_factories.ReturnReasonFactory().pk,
    }
    kwargs = {}
    for name in _parameters(route):
        if name not in values:
            return []
        kwargs[name] = values[name]()
    return [Probe(reverse(route.name, kwargs=kwargs))]


def _api_probes(route: Route, superuser) -> list[Probe]:
    """A DRF view: the permission matrix builds the URL and the object it names."""
    endpoint = Endpoint(route.route, route.view_class, dict(route.callback.initkwargs))
    case = Case(endpoint, "GET", _model_type_variants(endpoint)[0])
    path, _body, _kwargs = prepare_request(case, superuser)
    joiner = "&" if "?" in path else "?"
    if route.name == "api-docs":
        # Swagger UI: the page, and the start-up script the split view serves beside it.
        return [Probe(path), Probe(f"{path}{joiner}script")]
    if route.name in {"api-schema", "api-return-order-calendar"}:
        return [Probe(path, accept="*/*")]
    # As the inventree client asks, and as a browser asks (the browsable API).
    return [Probe(path, accept="application/json"), Probe(path)]


def _media_probes(route: Route, superuser) -> list[Probe]:
    if route.name == "attachment-download":
        return [Probe(_attachment().attachment.url)]
    if route.name == "job-result-download":
        job = FinishedJobFactory(user=superuser)
        return [Probe(reverse(route.name, kwargs={"pk": job.pk, "filename": job.result_name}))]
    if route.name == "image-download":
        part = factories.PartFactory()
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), color="blue").save(buffer, format="PNG")
        part.image = SimpleUploadedFile("csp.png", buffer.getvalue(), content_type="image/png")
        part.save()
        return [Probe(part.image.url)]
    if route.name == "report-template-download":
        from reports.models import ReportTemplate
        from reports.serializers import template_filename

        template = ReportTemplate.objects.order_by("pk").first()
        kwargs = {"pk": template.pk, "filename": template_filename(template)}
        return [Probe(reverse(route.name, kwargs=kwargs))]
    output = ReportOutputFactory(user=superuser)
    return [Probe(reverse(route.name, kwargs={"pk": output.pk, "filename": output.filename}))]


def _portal_probes(route: Route) -> list[Probe]:
    """The customer portal's pages, as a signed-in contact sees them (its own session)."""
    from portal import services as portal_services
    from tests.portal.conftest import last_link

    contact = factories.ContactFactory(email="csp-walk@example.com")
    order = return_factories.ReturnOrderFactory(customer=contact.company)
    return_factories.ReturnOrderLineItemFactory(order=order)
    portal_services.portal_access_invite(contact=contact, user=None)
    link = last_link(contact.email)
    if route.name == "portal:link":
        return [Probe(link)]  # the confirmation page of an unused link
    signed_in = Client().post(link)
    cookies = {name: morsel.value for name, morsel in signed_in.cookies.items()}
    if route.name == "portal:not-found":
        return [Probe("/portal/no-such-page/", cookies=cookies)]
    kwargs = {"pk": order.pk} if _parameters(route) == ["pk"] else {}
    if _parameters(route) == ["pk", "attachment_pk"]:
        from tests.portal.test_portal_pages import thread_file

        kwargs = {"pk": order.pk, "attachment_pk": thread_file(order).pk}
    if _parameters(route) and not kwargs:
        return []
    return [Probe(reverse(route.name, kwargs=kwargs), cookies=cookies)]


# Pages outside the patterns above, by URL name: what to fill their parameters with.
PAGE_PARAMETERS: dict[str, Callable[[], dict]] = {
    "company-detail": lambda: {"pk": factories.CustomerFactory().pk},
    "jobs:detail": lambda: {"pk": JobFactory(user=None).pk},
    "stock-item-detail": lambda: {"pk": factories.StockItemFactory().pk},
    **{
        f"webhooks:{name}": lambda: {"pk": webhook_factories.WebhookSubscriptionFactory().pk}
        for name in ("detail", "edit", "delete", "rotate-secret")
    },
    **{
        f"portal-staff:{name}": lambda: {
            "pk": (contact := factories.ContactFactory()).company_id,
            "contact_pk": contact.pk,
        }
        for name in ("invite", "revoke")
    },
    "portal-staff:settings": lambda: {"pk": factories.CustomerFactory().pk},
    "importer:skipped-csv": lambda: {"pk": _import_skipped_row().run_id},
    "webhooks:redeliver": lambda: {
        "pk": (delivery := webhook_factories.WebhookDeliveryFactory()).subscription_id,
        "delivery_pk": delivery.pk,
    },
}


PARAMETER = re.compile(r"<(?:[^>:]+:)?(?P<converted>\w+)>|\(\?P<(?P<grouped>\w+)>")


def _parameters(route: Route) -> list[str]:
    """The names a URL pattern captures, from ``<int:pk>`` or a regex's ``(?P<pk>…)``."""
    return [m["converted"] or m["grouped"] for m in PARAMETER.finditer(route.route)]


def probes_for(route: Route, superuser) -> list[Probe]:
    """The GETs that exercise ``route``; an empty list means nobody taught this module how."""
    if route.name in MEDIA_ROUTE_NAMES:
        return _media_probes(route, superuser)
    if route.name == "api-not-found":
        return [Probe("/api/no-such-endpoint/", accept="application/json")]
    if route.route.startswith("admin/"):
        return _admin_probes(route, superuser)
    if route.name and route.name.startswith("returns:"):
        return _return_order_probes(route)
    if route.name and route.name.startswith("portal:"):
        return _portal_probes(route)
    if route.is_api_view and not route.is_regex:
        return _api_probes(route, superuser)
    if route.name in PAGE_PARAMETERS:
        return [Probe(reverse(route.name, kwargs=PAGE_PARAMETERS[route.name]()))]
    if not _parameters(route) and not route.is_regex:
        return [Probe("/" + route.route)]
    return []


# --- reading a policy and a page ----------------------------------------------------------


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def effective(policy: dict[str, list[str]], *names: str) -> list[str]:
    """The sources of the first directive present, as CSP's fallback chain picks it."""
    for name in (*names, "default-src"):
        if name in policy:
            return policy[name]
    return ["*"]  # no directive and no default-src: anything goes


class PageScan(HTMLParser):
    """What in an HTML page a Content-Security-Policy has to allow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[dict] = []  # attributes of each <script> without src
        self.styles: list[tuple[dict, str]] = []  # attributes and text of each <style>
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []
        self.style_attributes = 0
        self._open: tuple[str, dict] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name.lower(): value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value[:60]!r}>")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value[:60]!r}>")
        if "style" in attributes:
            self.style_attributes += 1
        if tag in {"script", "style"}:
            self._open, self._text = (tag, attributes), []

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self._open or tag != self._open[0]:
            return
        opened, attributes = self._open
        self._open = None
        if opened == "script" and "src" not in attributes:
            self.inline_scripts.append(attributes)
        elif opened == "style":
            self.styles.append((attributes, "".join(self._text)))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_problems(html: str, policy: dict[str, list[str]], *, browsable_api: bool) -> list[str]:
    """Everything in the page the policy would refuse, or that the policy allows too widely."""
    scan = PageScan()
    scan.feed(html)
    scan.close()
    script_sources = effective(policy, "script-src-elem", "script-src")
    style_sources = effective(policy, "style-src-elem", "style-src")
    problems = []
    for attributes in scan.inline_scripts:
        if attributes.get("type", "").split(";")[0].strip().lower() in DATA_BLOCK_TYPES:
            continue
        nonce = attributes.get("nonce")
        if not nonce or f"'nonce-{nonce}'" not in script_sources:
            problems.append(f"inline <script> without the page's nonce: {attributes}")
    for attributes, text in scan.styles:
        nonce = attributes.get("nonce")
        if nonce and f"'nonce-{nonce}'" in style_sources:
            continue
        if _sha256(text) not in style_sources:
            problems.append("<style> with neither the page's nonce nor an allowed hash")
    problems += [f"inline event handler {handler}" for handler in scan.handlers]
    problems += [f"javascript: URL {url}" for url in scan.javascript_urls]
    attribute_sources = effective(policy, "style-src-attr", "style-src")
    if scan.style_attributes and "'unsafe-inline'" not in attribute_sources:
        problems.append(f"{scan.style_attributes} style attribute(s) the policy refuses")
    if "'unsafe-inline'" in attribute_sources and not browsable_api:
        problems.append("inline style attributes allowed outside DRF's browsable API")
    return problems


def policy_problems(policy: dict[str, list[str]]) -> list[str]:
    problems = []
    for directive in ("script-src", "script-src-elem", "script-src-attr"):
        if directive in policy or directive == "script-src":
            unsafe = UNSAFE & set(effective(policy, directive, "script-src"))
            if unsafe:
                problems.append(f"{directive} allows {sorted(unsafe)}")
    for directive in ("style-src", "style-src-elem"):
        if "'unsafe-inline'" in effective(policy, directive, "style-src"):
            problems.append(f"{directive} allows 'unsafe-inline'")
    if "'none'" not in policy.get("object-src", []):
        problems.append("object-src is not 'none'")
    if "base-uri" not in policy:
        problems.append("no base-uri")
    return problems


def response_problems(route: Route, response) -> list[str]:
    header = response.get("Content-Security-Policy")
    if header is None:
        return ["no Content-Security-Policy header"]
    if route.name in SANDBOXED_ROUTE_NAMES and header == SANDBOX:
        return []
    if response.status_code >= 500:
        return [f"answered {response.status_code}"]
    policy = parse_policy(header)
    problems = policy_problems(policy)
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        browsable_api = isinstance(
            getattr(response, "accepted_renderer", None), BrowsableAPIRenderer
        )
        html = response.content.decode(response.charset or "utf-8", errors="replace")
        problems += page_problems(html, policy, browsable_api=browsable_api)
    return problems


# --- the tests ----------------------------------------------------------------------------


@pytest.fixture
def superuser_client(db):
    user = factories.UserFactory(password=None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


# Known defects outside this module's reach, each strict: the entry must go once it is fixed.
KNOWN_DEFECTS: dict[str, str] = {}


def _route_params():
    for route in ROUTES:
        reason = KNOWN_DEFECTS.get(route.route)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(route, marks=marks, id=str(route))


@pytest.mark.parametrize("route", list(_route_params()))
def test_every_url_answers_with_a_policy_that_refuses_inline_script(route, superuser_client):
    probes = probes_for(route, superuser_client.user)
    if not probes:
        pytest.fail(
            f"/{route.route} ({route.name}): no rule builds a request for this URL pattern. "
            f"Teach probes_for() in {__name__} how to fill its parameters.",
            pytrace=False,
        )
    failures = []
    for probe in probes:
        reached = resolve(probe.path.split("?")[0]).func
        if reached is not route.callback:
            pytest.fail(f"{probe.path} does not reach /{route.route}", pytrace=False)
        for name, value in (probe.cookies or {}).items():
            superuser_client.cookies[name] = value
        response = superuser_client.get(probe.path, HTTP_ACCEPT=probe.accept)
        failures += [
            f"GET {probe.path} (Accept: {probe.accept}) -> {response.status_code}: {problem}"
            for problem in response_problems(route, response)
        ]
    assert not failures, "\n".join(failures)


def test_the_walk_finds_pages_admin_api_docs_and_media():
    routes = {route.route for route in ROUTES}
    names = {route.name for route in ROUTES}
    assert {"", "accounts/login/", "returns/", "returns/<int:pk>/", "admin/", "api/docs/"} <= routes
    assert {"api-docs", "api-schema", "admin:index", "returns:detail", *MEDIA_ROUTE_NAMES} <= names
    assert sum(route.route.startswith("admin/") for route in ROUTES) > 50
    assert len(ROUTES) > 150


def test_known_defects_name_existing_patterns():
    assert set(KNOWN_DEFECTS) <= {route.route for route in ROUTES}


def test_an_unknown_url_pattern_is_a_failure_not_a_skip():
    """No rule gives no probes, and the walk's test fails on an empty list (see above)."""
    route = Route("widgets/<slug:widget>/", "widget-detail", lambda request: None, False)
    assert probes_for(route, superuser=None) == []


def test_admin_pages_exist_for_every_registered_model(db):
    """Every model with admin pages can be built, so its change and delete pages are checked."""
    for model in admin.site._registry:
        assert _object_of(model._meta.label_lower).pk is not None


# --- the checks catch what they should ----------------------------------------------------

POLICY = parse_policy(
    "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self'; object-src 'none'; "
    "base-uri 'self'"
)


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script nonce="wrong">alert(1)</script>',
        '<script type="text/javascript">alert(1)</script>',
        '<button onclick="alert(1)">x</button>',
        '<a href="javascript:alert(1)">x</a>',
        "<style>body { color: red }</style>",
        '<p style="color: red">x</p>',
    ],
)
def test_the_page_check_refuses_inline_code(html):
    assert page_problems(html, POLICY, browsable_api=False)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/js/boomerang.js"></script>',
        '<script nonce="abc">init()</script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<a href="/returns/">x</a>',
    ],
)
def test_the_page_check_accepts_static_and_nonced_scripts(html):
    assert page_problems(html, POLICY, browsable_api=False) == []


@pytest.mark.parametrize(
    "header",
    [
        "default-src 'self'; object-src 'none'; base-uri 'self'",  # no script-src: default
        "default-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'",
        "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'",
        "script-src 'self' 'unsafe-eval'; object-src 'none'; base-uri 'self'",
        "script-src 'self'; script-src-elem 'unsafe-inline'; object-src 'none'; base-uri 'self'",
        "script-src 'self'; style-src 'unsafe-inline'; object-src 'none'; base-uri 'self'",
    ],
)
def test_the_policy_check(header):
    problems = policy_problems(parse_policy(header))
    assert bool(problems) == ("unsafe" in header), problems


def test_style_attributes_are_allowed_on_the_browsable_api_only(superuser_client):
    order = return_factories.ReturnOrderFactory()
    browsable = superuser_client.get(f"/api/order/ro/{order.pk}/", HTTP_ACCEPT="text/html")
    as_json = superuser_client.get(f"/api/order/ro/{order.pk}/", HTTP_ACCEPT="application/json")
    page = superuser_client.get("/accounts/login/")
    assert parse_policy(browsable["Content-Security-Policy"])["style-src-attr"] == [
        "'unsafe-inline'"
    ]
    for response in (as_json, page):
        assert "style-src-attr" not in parse_policy(response["Content-Security-Policy"])
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_swagger_ui_loads_its_script_from_the_split_view(superuser_client):
    page = superuser_client.get("/api/docs/")
    script = superuser_client.get("/api/docs/?script")
    assert page.status_code == script.status_code == 200
    assert b'src="/api/docs/?script=' in page.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page.content
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
