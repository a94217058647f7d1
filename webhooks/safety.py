"""Where a webhook may be sent: http(s) only, and never to an internal address.

A target's host is resolved and every address it resolves to is checked; loopback, private,
link-local, multicast, reserved and unspecified addresses (IPv4 and IPv6, IPv4-mapped IPv6
included) are refused unless ``WEBHOOK_ALLOWED_HOSTS`` names the host or a network holding
the address. The check runs when a subscription is saved and again before every delivery,
which then connects to the very address that was checked.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SCHEMES = ("http", "https")
# IPv6 prefixes that carry an IPv4 address a gateway forwards to (NAT64, RFC 6052).
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Unresolvable(ValidationError):
    """The host has no address now: at delivery time a reason to retry, not to give up."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address to connect to


def _allowed() -> tuple[set[str], list]:
    names, networks = set(), []
    for entry in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", []):
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return names, networks


def _embedded_ipv4(address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: IPv4-mapped, 6to4 or NAT64."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refused_class(address) -> str | None:
    """Why ``address`` is internal, or None for a public one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        why = _refused_class(embedded)
        if why is not None or address.ipv4_mapped is not None:
            return why
    checks = (
        ("is_unspecified", _("an unspecified address")),
        ("is_loopback", _("a loopback address")),
        ("is_link_local", _("a link-local address")),
        ("is_multicast", _("a multicast address")),
        ("is_private", _("a private address")),
        ("is_reserved", _("a reserved address")),
    )
    for attribute, label in checks:
        if getattr(address, attribute):
            return label
    if not address.is_global:
        return _("a non-public address")
    return None


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(_("The host %(host)s cannot be resolved.") % {"host": host}) from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> Target:
    """The target ``url`` names, with the address to connect to; ValidationError if refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(_("Enter a valid URL.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValidationError(_("The URL must start with http:// or https://."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError(_("The URL must name a host."))
    if parts.username or parts.password:
        raise ValidationError(_("The URL must not carry a user name or password."))
    port = port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    names, networks = _allowed()
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = [host] if literal is not None else _resolve(host, port)
    if not addresses:
        raise Unresolvable(_("The host %(host)s cannot be resolved.") % {"host": host})
    host_allowed = host.lower() in names
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if host_allowed or any(address in network for network in networks):
            continue
        embedded = _embedded_ipv4(address)
        if embedded is not None and any(embedded in network for network in networks):
            continue
        why = _refused_class(address)
        if why is not None:
            raise ValidationError(
                _(
                    "%(host)s resolves to %(address)s, %(why)s: webhooks are not sent to "
                    "internal addresses (WEBHOOK_ALLOWED_HOSTS can allow it)."
                )
                % {"host": host, "address": address, "why": why}
            )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
