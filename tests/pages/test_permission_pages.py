"""The permission matrix of the HTML pages: every page and every form post, in role flags.

For each page URL and method a user whose group holds every flag on every role except the one
the page needs (for a page that reads: no flag at all on that role, since any flag implies
view) gets 403, and a user holding only the flags it needs gets through. ``PAGES`` lists every
page of the site; ``test_every_page_is_in_the_matrix`` fails when a new URL is not listed.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from returns.models import ReturnOrderReceipt
from tests import factories
from tests.factories import ContactFactory
from tests.pages.factories import ExtraLineFactory, LineFactory, OrderFactory
from tests.returns.factories import ReturnReasonFactory
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from users import services as user_services
from users.models import RuleSet
from users.roles import ACTIONS, ROLES

LOGIN = "login"  # only a logged-in user
STAFF = "staff"  # staff, not a role flag
SUPERUSER = "superuser"  # a superuser: staff with every role flag is not enough

ORDER_VIEW = ("return_order", "view")
RESOLVE = (("return_order", "change"), ("stock", "change"))


@dataclass(frozen=True)
class Page:
    name: str  # URL name
    methods: tuple[str, ...]
    needs: tuple  # (role, flag) pairs, or LOGIN / STAFF
    query: str = ""  # a cheap request that still passes the permission check

    def __str__(self) -> str:
        return self.name


PAGES = [
    Page("home", ("GET",), (LOGIN,)),
    # One's own job (someone else's is a 404, as a job none of these users owns).
    Page("jobs:detail", ("GET",), (LOGIN,)),
    Page("company-detail", ("GET",), (("return_order", "view"),)),
    Page("stock-item-detail", ("GET",), (("stock", "view"),)),
    Page("company-list", ("GET",), (("return_order", "view"),)),
    Page("stock-list", ("GET",), (("stock", "view"),)),
    # Assigning sold stock changes stock items (stock_items_assign), as the API's assign.
    Page("stock-assign", ("GET", "POST"), (("stock", "change"),)),
    Page("returns:index", ("GET",), (ORDER_VIEW,)),
    # The filter panel's customer and responsible matches: what the index may show.
    Page("returns:picker", ("GET",), (ORDER_VIEW,), query="?q=a"),
    Page("returns:settings", ("GET", "POST"), (STAFF,)),
    Page("returns:create", ("GET", "POST"), (("return_order", "add"),)),
    Page("returns:calendar-token-regenerate", ("POST",), (LOGIN,)),
    Page("returns:calendar-token-revoke", ("POST",), (LOGIN,)),
    Page("returns:export", ("GET",), (ORDER_VIEW,)),
    # Printing or exporting the ticked orders reads; issue/hold/cancel need add (see
    # tests/pages/test_index_desk.py). An empty post is refused with a message, not a 403.
    Page("returns:bulk", ("POST",), (ORDER_VIEW,)),
    Page("returns:calendar-export", ("GET",), (ORDER_VIEW,)),
    Page("returns:detail", ("GET",), (ORDER_VIEW,)),
    Page("returns:edit", ("GET", "POST"), (("return_order", "change"),)),
    Page("returns:delete", ("GET", "POST"), (("return_order", "delete"),)),
    # Receiving needs add on the order (as in InvenTree) and change on the stock it moves.
    Page("returns:receive", ("GET", "POST"), (("return_order", "add"), ("stock", "change"))),
    # Receiving part of a line, and undoing a receipt: as receiving.
    Page("returns:receive-split", ("GET", "POST"), (("return_order", "add"), ("stock", "change"))),
    Page("returns:receipt-undo", ("GET", "POST"), (("return_order", "add"), ("stock", "change"))),
    # A template that does not exist: a 404, after the permission check.
    Page("returns:print", ("GET",), (ORDER_VIEW,), query="?template=0"),
    Page("returns:notes", ("POST",), (("return_order", "change"),)),
    Page("returns:line-add", ("GET", "POST"), (("return_order", "add"),)),
    Page("returns:line-scan", ("POST",), (("return_order", "add"),)),
    Page("returns:goto", ("GET",), (ORDER_VIEW,), query="?q=RMA"),
    Page("returns:line-edit", ("GET", "POST"), (("return_order", "change"),)),
    Page("returns:line-delete", ("POST",), (("return_order", "delete"),)),
    # Resolving a line changes the order and the stock it moves, as the API's resolve endpoints.
    Page("returns:line-resolve", ("GET", "POST"), RESOLVE),
    Page("returns:line-undo", ("POST",), RESOLVE),
    Page("returns:repair-edit", ("GET", "POST"), RESOLVE),
    Page("returns:extra-add", ("GET", "POST"), (("return_order", "add"),)),
    Page("returns:extra-edit", ("GET", "POST"), (("return_order", "change"),)),
    Page("returns:extra-delete", ("POST",), (("return_order", "delete"),)),
    # An attachment is part of the order: adding or removing one changes the order.
    Page("returns:attachment-add", ("POST",), (("return_order", "change"),)),
    Page("returns:attachment-delete", ("POST",), (("return_order", "change"),)),
    # A message to the customer changes the order, as an attachment does.
    Page("returns:message-add", ("POST",), (("return_order", "change"),)),
    # Status changes need add, as in InvenTree (not change).
    Page("returns:transition", ("POST",), (("return_order", "add"),)),
    # Authorizing and declining a requested return: the authorize permission, which comes with
    # the return-order change flag (users.roles "grants").
    Page("returns:authorize", ("GET", "POST"), (("return_order", "change"),)),
    Page("returns:decline", ("GET", "POST"), (("return_order", "change"),)),
    # The steps before issuing an empty order, completing and cancelling (with a reason).
    Page("returns:transition-confirm", ("GET",), (("return_order", "add"),)),
    # The line table's bulk actions: each needs what the one-line action needs.
    Page("returns:lines-outcome", ("POST",), (("return_order", "change"),)),
    Page("returns:lines-remove", ("POST",), (("return_order", "delete"),)),
    Page("returns:lines-receive", ("POST",), (("return_order", "add"), ("stock", "change"))),
    # The settings page's reason and condition lists: staff (to reach the settings page) and
    # the return order role's flag for the change, as the API asks it.
    Page("returns:choice-add", ("POST",), (STAFF, ("return_order", "add"))),
    Page("returns:choice-edit", ("GET", "POST"), (STAFF, ("return_order", "change"))),
    Page("returns:choice-active", ("POST",), (STAFF, ("return_order", "change"))),
    Page("returns:choice-delete", ("POST",), (STAFF, ("return_order", "delete"))),
    # Webhooks: the admin role's flags on subscriptions; the delivery log reads with view,
    # redelivering and rotating the secret are changes.
    Page("webhooks:list", ("GET",), (("admin", "view"),)),
    Page("webhooks:create", ("GET", "POST"), (("admin", "add"),)),
    Page("webhooks:detail", ("GET",), (("admin", "view"),)),
    Page("webhooks:edit", ("GET", "POST"), (("admin", "change"),)),
    Page("webhooks:delete", ("GET", "POST"), (("admin", "delete"),)),
    Page("webhooks:rotate-secret", ("POST",), (("admin", "change"),)),
    Page("webhooks:redeliver", ("POST",), (("admin", "change"),)),
    # Customer portal access, from the company page: inviting and revoking change the contact,
    # the self sign-in domains change the company (both return-order role models).
    Page("portal-staff:invite", ("POST",), (("return_order", "change"),)),
    Page("portal-staff:revoke", ("POST",), (("return_order", "change"),)),
    Page("portal-staff:settings", ("POST",), (("return_order", "change"),)),
    # The wording of the customer e-mails: a site setting, for staff.
    Page("portal-settings:emails", ("GET", "POST"), (STAFF,)),
    # Importing from InvenTree writes every kind of row: superusers only. An empty post is
    # refused with the form's errors (400), not a 403.
    Page("importer:import", ("GET", "POST"), (SUPERUSER,)),
    Page("importer:skipped-csv", ("GET",), (SUPERUSER,)),
]

CASES = [(page, method) for page in PAGES for method in page.methods]

# The sections of the URL configuration that are not pages of this matrix. The customer
# portal has a matrix of its own (tests/portal/test_portal_pages.py): no staff user reaches it.
NOT_PAGES = ("api/", "admin/", "accounts/", "media/", "portal/")


def _page_names(patterns=None, namespace="", prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(NOT_PAGES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _page_names(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}"


def test_every_page_is_in_the_matrix():
    assert set(_page_names()) == {page.name for page in PAGES}


def _user(flags: dict[str, set[str]] | None = None, *, staff: bool = False) -> User:
    user = factories.UserFactory(password=None, is_staff=staff)
    if flags:
        group = factories.GroupFactory()
        RuleSet.objects.bulk_create(
            RuleSet(group=group, name=role, **{f"can_{flag}": True for flag in granted})
            for role, granted in flags.items()
        )
        user_services.group_sync_permissions(group=group)
        user.groups.add(group)
    return User.objects.get(pk=user.pk)


def _every_flag() -> dict[str, set[str]]:
    return {role: set(ACTIONS) for role in ROLES}


def _url(page: Page) -> str:
    if page.name == "importer:skipped-csv":
        from importer import services as import_services

        run = import_services.create_run(
            url="https://inventree.example.com", options=import_services.ImportOptions()
        )
        return reverse(page.name, kwargs={"pk": run.pk})
    if page.name == "webhooks:redeliver":
        delivery = WebhookDeliveryFactory()
        return reverse(
            page.name, kwargs={"pk": delivery.subscription_id, "delivery_pk": delivery.pk}
        )
    order = OrderFactory()
    line = LineFactory(order=order)
    extra = ExtraLineFactory(order=order)
    attachment = factories.LinkAttachmentFactory(model_type="returnorder", model_id=order.pk)
    hook = WebhookSubscriptionFactory()
    kwargs = {
        **{
            name: {"pk": hook.pk}
            for name in (
                "webhooks:detail",
                "webhooks:edit",
                "webhooks:delete",
                "webhooks:rotate-secret",
            )
        },
        "company-detail": {"pk": order.customer_id},
        **{
            name: {"pk": order.customer_id, "contact_pk": ContactFactory(company=order.customer).pk}
            for name in ("portal-staff:invite", "portal-staff:revoke")
            if name == page.name
        },
        "portal-staff:settings": {"pk": order.customer_id},
        "stock-item-detail": {"pk": line.item_id},
        "returns:picker": {"name": "customer"},
        "returns:transition": {"pk": order.pk, "action": "issue"},
        "returns:transition-confirm": {"pk": order.pk, "action": "cancel"},
        "returns:line-edit": {"pk": order.pk, "line_pk": line.pk},
        "returns:line-delete": {"pk": order.pk, "line_pk": line.pk},
        "returns:line-resolve": {"pk": order.pk, "line_pk": line.pk, "kind": "return"},
        "returns:line-undo": {"pk": order.pk, "line_pk": line.pk},
        "returns:receive-split": {"pk": order.pk, "line_pk": line.pk},
        "returns:receipt-undo": {
            "pk": order.pk,
            "receipt_pk": ReturnOrderReceipt.objects.create(order=order, line=line, quantity=1).pk,
        },
        "returns:repair-edit": {"pk": order.pk, "line_pk": line.pk},
        "returns:extra-edit": {"pk": order.pk, "extra_pk": extra.pk},
        "returns:extra-delete": {"pk": order.pk, "extra_pk": extra.pk},
        "returns:attachment-delete": {"pk": order.pk, "attachment_pk": attachment.pk},
        "returns:choice-add": {"kind": "reasons"},
        **{
            name: {"kind": "reasons", "entry_pk": ReturnReasonFactory().pk}
            for name in ("returns:choice-edit", "returns:choice-active", "returns:choice-delete")
            if name == page.name
        },
    }.get(page.name)
    if kwargs is None:
        try:
            return reverse(page.name, kwargs={"pk": order.pk}) + page.query
        except NoReverseMatch:
            return reverse(page.name) + page.query
    return reverse(page.name, kwargs=kwargs) + page.query


def _request(user: User | None, method: str, url: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.post(url, {}) if method == "POST" else client.get(url)


def _expectations(page: Page) -> list[tuple[str, User, bool]]:
    """(who, user, allowed): the denied ones first, the allowed one last (it may delete)."""
    if page.needs == (LOGIN,):
        return [("no role at all", _user(), True)]
    if page.needs == (SUPERUSER,):
        return [
            ("staff with every role flag, not superuser", _user(_every_flag(), staff=True), False),
            ("superuser", factories.UserFactory(password=None, is_superuser=True), True),
        ]
    if page.needs == (STAFF,):
        return [
            ("every role flag, not staff", _user(_every_flag()), False),
            ("staff without roles", _user(staff=True), True),
        ]
    expectations = []
    needed: dict[str, set[str]] = {}
    staff = STAFF in page.needs
    if staff:
        expectations.append(("every role flag, not staff", _user(_every_flag()), False))
    for role, flag in (need for need in page.needs if need != STAFF):
        needed.setdefault(role, set()).add(flag)
        held = _every_flag()
        if flag == "view":
            held[role] = set()  # any flag implies view
            who = f"every flag but none on {role}"
        else:
            held[role] = set(ACTIONS) - {flag}
            who = f"every flag but {role}.{flag}"
        expectations.append((who, _user(held, staff=staff), False))
    expectations.append((f"only {needed}", _user(needed, staff=staff), True))
    return expectations


@pytest.mark.parametrize(("page", "method"), CASES, ids=[f"{m} {p}" for p, m in CASES])
def test_page_needs_exactly_its_flag(enabled, page, method):
    url = _url(page)
    failures = []
    anonymous = _request(None, method, url)
    if anonymous.status_code != 302 or "/accounts/login/" not in anonymous["Location"]:
        failures.append(f"anonymous: expected a redirect to log in, got {anonymous.status_code}")
    for who, user, allowed in _expectations(page):
        response = _request(user, method, url)
        if allowed and (response.status_code == 403 or response.status_code >= 500):
            failures.append(f"{who}: expected to get through, got {response.status_code}")
        elif not allowed and response.status_code != 403:
            failures.append(f"{who}: expected 403, got {response.status_code}")
    assert not failures, f"{method} {url}:\n" + "\n".join(failures)


def test_view_and_add_cannot_edit_an_order_on_its_page(enabled):
    """The reported case, on the pages: view and add on return orders, no change."""
    order = OrderFactory(description="before")
    user = _user({"return_order": {"view", "add"}})
    client = Client()
    client.force_login(user)
    assert client.get(f"/returns/{order.pk}/").status_code == 200
    assert client.get(f"/returns/{order.pk}/edit/").status_code == 403
    response = client.post(f"/returns/{order.pk}/edit/", {"description": "after"})
    assert response.status_code == 403
    assert client.post(f"/returns/{order.pk}/notes/", {"notes": "x"}).status_code == 403
    order.refresh_from_db()
    assert order.description == "before"
