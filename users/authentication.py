"""API authentication: ``Authorization: Token <key>`` (the inventree client's scheme) and the
calendar feeds' ``?token=<key>``."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from common.permissions import required_permissions
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
