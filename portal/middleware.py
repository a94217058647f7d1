"""The portal session: its own cookie, read only on the portal's own paths.

Staff sessions (``sessionid``, ``request.user``) and portal sessions never meet: this
middleware sets ``request.portal_contact`` and nothing else, only under ``/portal/``, and the
cookie is scoped to that path, so the browser does not even send it elsewhere. A staff user's
session does not sign anyone in to the portal either: portal views read only
``request.portal_contact``.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from portal.models import PortalSession, secret_hash

PORTAL_PATH = "/portal/"


def portal_session_contact(key: str):
    """The contact a live session key belongs to (one query), or None."""
    if not key:
        return None
    session = (
        PortalSession.objects.select_related("contact__company")
        .filter(
            key_hash=secret_hash(key),
            expires_at__gt=timezone.now(),
            contact__portal_access__isnull=False,
            contact__portal_access__revoked_at__isnull=True,
        )
        .first()
    )
    return session.contact if session is not None else None


class PortalSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_contact = None
        if not request.path_info.startswith(PORTAL_PATH):
            return self.get_response(request)
        key = request.COOKIES.get(settings.PORTAL_SESSION_COOKIE_NAME, "")
        request.portal_contact = portal_session_contact(key)
        language = portal_language(request.headers.get("Accept-Language", ""))
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


def portal_language(header: str) -> str:
    """The first of PORTAL_LANGUAGES the browser accepts (by quality), else the first one."""
    offered = [code.lower() for code in settings.PORTAL_LANGUAGES] or ["en"]
    wanted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag:
            wanted.append((-quality, position, tag.strip().lower()))
    for _quality, _position, tag in sorted(wanted):
        for code in offered:
            if tag == code or tag.split("-")[0] == code.split("-")[0]:
                return code
    return offered[0]


def set_portal_cookie(response, *, key: str, expires) -> None:
    response.set_cookie(
        settings.PORTAL_SESSION_COOKIE_NAME,
        key,
        expires=expires,
        path=PORTAL_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_portal_cookie(response) -> None:
    response.delete_cookie(settings.PORTAL_SESSION_COOKIE_NAME, path=PORTAL_PATH, samesite="Lax")
