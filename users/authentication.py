"""How requests log in: ``Authorization: Token <key>`` (the inventree client's scheme), HTTP
Basic, the calendar feeds' ``?token=<key>``, and the lockout after repeated failed logins.

Lockout (django-axes): every password check with a request, whether from the login page, the
admin's, or HTTP Basic anywhere in the API (``user/token/``, ``user/me/token/``, the calendar
feed), is counted per username and per client address. Once either reaches
``AXES_FAILURE_LIMIT`` within the cool-off, that username or address is refused, even with the
right password, until the cool-off has passed since its last failure or an administrator resets
it (``manage.py axes_reset_username`` / ``axes_reset_ip``, or the admin's "Access attempts").
"""

import logging
from dataclasses import dataclass

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import backends as auth_backends
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Permission
from django.db.models import OuterRef
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import authentication, exceptions, status

from common.permissions import required_permissions
from common.sql import ReusedQuery
from users import permission_names
from users.services import api_token_user, calendar_token_check


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        user = api_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return (user, key)

    def authenticate_header(self, request):
        return "Token"


@dataclass(frozen=True)
class CalendarAccess:
    """``request.auth`` for a calendar key: the permissions the key's query already checked."""

    granted_permissions: frozenset[str]


class CalendarTokenAuthentication(authentication.BaseAuthentication):
    """``?token=<calendar key>``, for calendar clients that cannot send credentials (Google,
    Outlook).

    Only views that list this class accept the key, and only the calendar feeds list it, so the
    key opens nothing else. The permissions the view requires are answered in the key's own
    query and passed on as ``request.auth`` (see ``returns.calendar_views.CalendarFeedPermission``).
    """

    query_param = "token"
    # Read-only: the key never authenticates a request that could change anything.
    methods = frozenset({"GET", "HEAD"})

    def authenticate(self, request):
        key = request.query_params.get(self.query_param)
        if key is None or request.method not in self.methods:
            return None
        view = request.parser_context.get("view") if request.parser_context else None
        permissions = required_permissions(view, request.method) if view is not None else []
        found = calendar_token_check(key, permissions=permissions)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked calendar token."))
        user, granted = found
        return (user, CalendarAccess(granted_permissions=granted))


# -- lockout after repeated failed logins -------------------------------------------------

logger = logging.getLogger(__name__)


def lockout_seconds() -> int | None:
    """How long a lockout lasts after the last failure, or None if it lasts until reset."""
    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else None


def lockout_message(seconds: int | None) -> str:
    if not seconds:
        return str(
            _(
                "Too many failed login attempts. This account or address stays locked until "
                "an administrator unlocks it."
            )
        )
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed login attempts. Try again in %(minutes)d minute.",
        "Too many failed login attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LoginLockedOut(exceptions.APIException):
    """429: this username or client address is locked out; ``wait`` becomes ``Retry-After``."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        self.wait = lockout_seconds()
        super().__init__(lockout_message(self.wait))


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first among the backends: a locked-out username or address is
    refused before any password is compared.

    A check without a request (a management command, the shell) is no online guess, so it is
    not counted and not refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


_PERMISSION_NAMES = ("content_type__app_label", "codename")


def _user_permissions(user):
    own = Permission.objects.filter(user=user).order_by().values_list(*_PERMISSION_NAMES)
    groups = Permission.objects.filter(group__user=user).order_by()
    return own.union(groups.values_list(*_PERMISSION_NAMES))


# Every request checks a role, so these are compiled once (see common.sql).
_USER_PERMISSIONS = ReusedQuery(_user_permissions)
_ALL_PERMISSIONS = ReusedQuery(
    lambda: Permission.objects.order_by().values_list(*_PERMISSION_NAMES)
)


def _session_user(pk):
    model = get_user_model()
    fields = [field.attname for field in model._meta.concrete_fields]
    return (
        model._default_manager.filter(pk=pk)
        .order_by()
        .annotate(**permission_names.permission_columns(OuterRef("pk")))
        .values_list(*fields, *permission_names.COLUMNS)
    )


# Every page request reads its session's user, with the user's permissions (see
# users.permission_names): compiled once.
_SESSION_USER = ReusedQuery(_session_user)


class ModelBackend(auth_backends.ModelBackend):
    """Django's backend; a successful login also clears the failures counted for its username.

    Only the username's: clearing the address's too (axes' ``AXES_RESET_ON_SUCCESS``) would let
    someone reset the count for their address by logging in to their own account between
    guesses. Runs for every successful password check with a request, HTTP Basic included,
    which does not send ``user_logged_in``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and request is not None and settings.AXES_ENABLED:
            AccessAttempt.objects.filter(username=user.get_username()).delete()
        return user

    def get_user(self, user_id):
        """The session's user, with its permissions read in the same query."""
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            return super().get_user(user_id)
        rows = _SESSION_USER.rows(pk=user_id)
        if not rows:
            return None
        *values, own, grouped = rows[0]
        model = get_user_model()
        fields = [field.attname for field in model._meta.concrete_fields]
        user = model.from_db(model._default_manager.db, fields, values)
        permission_names.fill_permission_caches(user, own, grouped)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own and their groups' permissions, read in one query instead of two.

        Every request checks a role, so this query is part of every request's cost. Cached on
        the user object for the request, as Django's backend does; ``get_user_permissions`` and
        ``get_group_permissions`` keep Django's behaviour for whoever asks for one half.
        """
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = _ALL_PERMISSIONS.rows()
            else:
                rows = _USER_PERMISSIONS.rows(user=user_obj.pk)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic, counted by the lockout, answering 429 with ``Retry-After`` when locked out.

    DRF's own class hands ``authenticate()`` its ``Request`` wrapper; django-axes marks a
    lockout on the request it is given, so this one passes the underlying Django request, which
    also carries the client address.
    """

    def authenticate_credentials(self, userid, password, request=None):
        django_request = getattr(request, "_request", request)
        credentials = {get_user_model().USERNAME_FIELD: userid, "password": password}
        user = authenticate(request=django_request, **credentials)
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                raise LoginLockedOut()
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, None)


def client_ip_address(request) -> str | None:
    """The client address the lockout counts (``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` reverse proxies are in front, each appending
    the address it saw to ``X-Forwarded-For``: then the entry the outermost trusted proxy added.
    Entries further left were sent by the client and prove nothing.
    """
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets (``AXES_LOCKOUT_CALLABLE``): JSON under ``/api/``, else the
    login page with the reason; 429 with ``Retry-After`` either way. Logs every refusal."""
    seconds = lockout_seconds()
    message = lockout_message(seconds)
    logger.warning(
        "Login locked out: username %r from %s on %s",
        get_client_username(request, credentials),
        getattr(request, "axes_ip_address", None) or client_ip_address(request),
        request.path,
    )
    if request.path.startswith(reverse("api-root")):
        if original_response is not None and original_response.status_code == 429:
            return original_response  # already LoginLockedOut's answer
        response = JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    else:
        response = render(
            request,
            "registration/login.html",
            {"form": AuthenticationForm(request), "lockout_message": message},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
