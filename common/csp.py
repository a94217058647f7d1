"""The Content-Security-Policy middleware: the site policy, and the one page that widens it.

The policy itself is ``CONTENT_SECURITY_POLICY`` in the settings: scripts and styles come from
Boomerang's own origin or carry the per-request nonce, never ``'unsafe-inline'``.

DRF's browsable API needs two things more, on its pages only:

* its templates write a few ``style=""`` attributes (the filter and extra-action buttons,
  nested fieldsets, the search box), so inline style *attributes* are allowed there. Scripts
  stay locked down, and so do ``<style>`` elements, which would let injected markup read the
  page with CSS selectors; an attribute can only restyle the element it sits on;
* its ``<style>`` of syntax-highlighting rules is allowed by its hash rather than a nonce: the
  browsable API's forms replace the whole document with the response to an AJAX request, whose
  nonce the original policy does not know, while the hash stays the same.
"""

import base64
import functools
import hashlib

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.html import conditional_escape
from rest_framework.compat import pygments_css
from rest_framework.renderers import BrowsableAPIRenderer


@functools.cache
def browsable_api_policy(code_style: str) -> dict[str, list[str]]:
    """What the browsable API adds to the site policy, for a renderer's ``code_style``."""
    policy = {"style-src-attr": ["'unsafe-inline'"]}
    css = pygments_css(code_style)
    if css:
        # The template prints it autoescaped; the hash covers exactly that text.
        digest = hashlib.sha256(str(conditional_escape(css)).encode()).digest()
        policy["style-src"] = [f"'sha256-{base64.b64encode(digest).decode()}'"]
    return policy


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        renderer = getattr(response, "accepted_renderer", None)
        if parts.update is None and isinstance(renderer, BrowsableAPIRenderer):
            parts.update = browsable_api_policy(renderer.code_style)
        return parts
