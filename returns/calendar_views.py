"""The return-order calendar feed endpoint, and the context of the "Subscribe" panel.

``GET /api/order/calendar/return-order/calendar.ics`` (InvenTree's path) serves the target dates
of return orders to calendar clients. They authenticate with whatever they can send:

* a personal calendar key in the URL (``?token=``): Google Calendar and Outlook send nothing
  else. It opens the calendar feeds only;
* HTTP Basic, challenged with ``WWW-Authenticate: Basic`` so Thunderbird and Apple Calendar
  prompt for it; no session is created;
* an API token (``Authorization: Token <key>``), or an existing browser session.

Whoever it is needs ``returns.view_returnorder``.
"""

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from common.filters import INT64_MAX
from common.permissions import RolePermission, required_permissions
from common.renderers import JSONRenderer
from returns import calendar, selectors
from returns.models import ReturnOrder
from returns.statuses import OPEN_STATUSES, ReturnOrderStatus
from users import services as user_services
from users.authentication import (
    ApiTokenAuthentication,
    BasicAuthentication,
    CalendarTokenAuthentication,
)

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Per user, so no shared cache may keep it; no proxy may compress it (Outlook has failed on
# gzipped feeds); after five minutes a client revalidates, which is cheap.
CACHE_CONTROL = "private, max-age=300, no-transform"


class StatusListField(serializers.Field):
    """``status=10&status=20``, ``status=10,20`` or ``status=open``: status codes."""

    default_error_messages = {"invalid": _("%(value)s is not a return order status.")}

    def to_internal_value(self, data):
        values = data if isinstance(data, list) else [data]
        statuses: list[int] = []
        for value in (part.strip() for item in values for part in str(item).split(",")):
            if not value:
                continue
            if value.lower() == "open":
                statuses.extend(int(s) for s in OPEN_STATUSES)
            elif value.isascii() and value.isdigit() and int(value) in ReturnOrderStatus.values:
                statuses.append(int(value))
            else:
                raise serializers.ValidationError(self.error_messages["invalid"] % {"value": value})
        return tuple(sorted(set(statuses)))

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            return dictionary.getlist(self.field_name) or serializers.empty
        return dictionary.get(self.field_name, serializers.empty)


class CalendarQuerySerializer(serializers.Serializer):
    """The feed's query parameters. Booleans take true/1/yes and false/0/no."""

    include_completed = serializers.BooleanField(
        default=False, help_text=_("Also list complete and cancelled orders")
    )
    assigned_to_me = serializers.BooleanField(
        default=False, help_text=_("Only orders whose responsible owner is you or your group")
    )
    # A primary key: at most 64 bits, or SQLite cannot even look it up.
    customer = serializers.IntegerField(required=False, min_value=1, max_value=INT64_MAX)
    status = StatusListField(
        required=False, help_text=_("Status codes (or 'open'); overrides include_completed")
    )
    lines = serializers.BooleanField(
        default=False,
        help_text=_(
            "Also list the open lines (not received, or received without an outcome) of open "
            "orders that have their own target date, one event each"
        ),
    )

    def to_query(self) -> calendar.FeedQuery:
        data = self.validated_data
        return calendar.FeedQuery(
            include_completed=data["include_completed"],
            assigned_to_me=data["assigned_to_me"],
            customer=data.get("customer"),
            statuses=data.get("status", ()),
            lines=data["lines"],
        )


class CalendarFeedPermission(RolePermission):
    """``RolePermission``, answered from the calendar key's own query when it carries one.

    ``CalendarTokenAuthentication`` checks the view's permissions in the query that finds the
    key (``request.auth.granted_permissions``), which saves two permission queries on every
    poll; other credentials are checked as everywhere else.
    """

    def has_permission(self, request, view) -> bool:
        granted = getattr(request.auth, "granted_permissions", None)
        if granted is None:
            return super().has_permission(request, view)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return set(required_permissions(view, request.method)) <= granted


class FirstRendererNegotiation(BaseContentNegotiation):
    """Ignore Accept: Google's fetcher sends none, others send anything; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _query_params(request) -> QueryDict:
    """The query without blank values: ``?customer=`` means no filter, not a bad one."""
    params = QueryDict(mutable=True)
    for key, values in request.query_params.lists():
        filled = [value for value in values if value != ""]
        if filled:
            params.setlist(key, filled)
    return params


class ReturnOrderCalendarFeed(APIView):
    """Return-order target dates as an iCalendar feed, one all-day event per order.

    Queries: authentication (one for a calendar key), one for the validator, and, unless the
    client's copy is current, one for the orders — however many there are.
    """

    permission_model = ReturnOrder
    # Basic first: its challenge (``Basic realm="api"``, as InvenTree's) is the WWW-Authenticate
    # header of every 401, which makes Thunderbird and Apple Calendar ask for a password. DRF
    # splits the credentials at the first colon only, and creates no session.
    authentication_classes = [
        BasicAuthentication,
        ApiTokenAuthentication,
        CalendarTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsAuthenticated, CalendarFeedPermission]
    renderer_classes = [JSONRenderer]  # for errors; the feed is a plain HttpResponse
    content_negotiation_class = FirstRendererNegotiation
    http_method_names = ["get", "head"]

    @extend_schema(
        operation_id="order_calendar_return_order_ics",
        summary="Return-order target dates (iCalendar feed)",
        parameters=[
            OpenApiParameter("include_completed", OpenApiTypes.BOOL),
            OpenApiParameter("assigned_to_me", OpenApiTypes.BOOL),
            OpenApiParameter("customer", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, many=True),
            OpenApiParameter("lines", OpenApiTypes.BOOL),
        ],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY, "RFC 5545 calendar"),
            304: OpenApiResponse(description="Not modified (ETag / Last-Modified)"),
            400: OpenApiResponse(description="Invalid filter"),
            401: OpenApiResponse(description="No or bad credentials"),
            403: OpenApiResponse(description="The user may not view return orders"),
        },
    )
    def get(self, request, *args, **kwargs):
        params = CalendarQuerySerializer(data=_query_params(request))
        params.is_valid(raise_exception=True)
        query = params.to_query()
        user = request.user

        # The validators come from the database state, not from a rendered body, so any
        # worker, cold or warm, answers a revalidation without rendering. They are read
        # before the orders: a change committed in between gives a body newer than its
        # validators, which the next poll replaces, never an old body under new validators,
        # which a client would keep until the feed next changed.
        changed_at = selectors.return_order_feed_changed_at()
        modified = calendar.last_modified(changed_at, timezone.now())
        context = calendar.FeedContext()
        etag = calendar.feed_etag(context=context, changed_at=changed_at, query=query, user=user)
        conditional = get_conditional_response(request._request, etag=etag, last_modified=modified)
        if conditional is not None:  # 304, or 412 for a failed If-Match
            return self._headers(conditional, etag, modified)

        rows = selectors.return_orders_for_calendar(
            user=user,
            include_completed=query.include_completed,
            assigned_to_me=query.assigned_to_me,
            customer=query.customer,
            statuses=query.statuses,
            lines=query.lines,
        )
        # One complete body, not a stream: a failure half-way is then an error, not a
        # truncated calendar that a client would take as cancelled events, and clients get a
        # Content-Length. Rows arrive in chunks, so only the body's bytes are held.
        body = calendar.calendar_body(rows.iterator(chunk_size=2000), context)
        return self._headers(HttpResponse(body, content_type=CONTENT_TYPE), etag, modified)

    @staticmethod
    def _headers(response: HttpResponse, etag: str, modified: int | None):
        response["ETag"] = etag
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
        response["Cache-Control"] = CACHE_CONTROL
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The URL may carry a calendar key: never leak it through a Referer, errors included.
        response["Referrer-Policy"] = "no-referrer"
        return response


# -- the Subscribe panel -------------------------------------------------------------------

# Where the regenerate view leaves a new key for the next page view (see ``subscribe_panel``).
SESSION_KEY = "returns.calendar_key"


def feed_url() -> str:
    return settings.BOOMERANG_BASE_URL + reverse("api-return-order-calendar")


def webcal(url: str) -> str:
    """The ``webcal://`` form, which makes Apple Calendar (and Google's ``cid=``) subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def subscribe_panel(request, *, lines: bool = False) -> dict:
    """What ``returns/_subscribe.html`` shows: the user's feed URLs and their calendar key.

    Only a hash of the key is stored, so the key-bearing URLs exist only right after the key
    is (re)generated: the regenerate view leaves the key in the session and the next page
    view takes it out (``SESSION_KEY``). Otherwise the panel says a key exists and how to get
    a new one. One query (the user's key), none when a key was just issued. With ``lines``
    (the calendar page shows line events) every URL asks for them too (``lines=true``).
    """
    plain = feed_url()
    with_lines = "&lines=true" if lines else ""
    fresh_key = request.session.pop(SESSION_KEY, None)
    token = None if fresh_key else user_services.calendar_token_get(user=request.user)
    variants = []
    if fresh_key:
        for label, extra in (
            (_("Open orders"), ""),
            (_("Only mine"), "&assigned_to_me=true"),
            (_("Including completed and cancelled"), "&include_completed=true"),
            (_("Only mine, including completed"), "&assigned_to_me=true&include_completed=true"),
        ):
            https = f"{plain}?token={fresh_key}{extra}{with_lines}"
            variants.append({"label": label, "https": https, "webcal": webcal(https)})
    return {
        "scheme": plain.split("://", 1)[0],
        "plain_url": plain + ("?lines=true" if lines else ""),
        "plain_variants": [
            {"label": _("Only mine"), "https": plain + "?assigned_to_me=true" + with_lines},
            {
                "label": _("Including completed"),
                "https": plain + "?include_completed=true" + with_lines,
            },
            {"label": _("With line target dates"), "https": plain + "?lines=true"},
        ],
        "lines": lines,
        "fresh_key": bool(fresh_key),
        "variants": variants,
        "token": token,
        "has_token": bool(fresh_key) or token is not None,
    }
