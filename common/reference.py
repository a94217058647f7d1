"""Reference patterns such as ``RMA-{ref:04d}``, validated and applied the way InvenTree does.

A pattern is Python format syntax with exactly one ``{ref}`` group; it may also use ``{date}``
and the wildcard ``{?:default}``, which accepts any text and formats as its default. In the
literal text, ``?`` matches any single character and ``#`` any digit.
"""

import re
import string

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

ALLOWED_KEYS = {"ref", "date", "?"}
REFERENCE_INT_MAX = 0x7FFFFFFF


def _parse(pattern: str) -> list[tuple[str, str | None, str | None]]:
    try:
        return [(text, name, spec) for text, name, spec, _conv in string.Formatter().parse(pattern)]
    except ValueError as exc:
        raise ValidationError(
            _("Improperly formatted pattern: %(error)s") % {"error": exc}
        ) from exc


def validate_pattern(pattern: str) -> None:
    parts = _parse(pattern)
    names = [name for _text, name, _spec in parts if name is not None]
    for name in names:
        if name not in ALLOWED_KEYS:
            raise ValidationError(_("Unknown format key specified: '%(key)s'") % {"key": name})
    if "ref" not in names:
        raise ValidationError(_("Missing required format key: 'ref'"))
    if names.count("ref") > 1:
        raise ValidationError(_("The pattern must contain exactly one {ref} group"))
    if any(name == "?" and not spec for _text, name, spec in parts):
        # Without a default, generated references would not match the pattern.
        raise ValidationError(_("The wildcard needs a default value, e.g. {?:RMA}"))
    try:
        format_reference(pattern, 1)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValidationError(
            _("Improperly formatted pattern: %(error)s") % {"error": exc}
        ) from exc


def _literal_regex(text: str) -> str:
    return "".join("." if c == "?" else r"\d" if c == "#" else re.escape(c) for c in text)


def pattern_regex(pattern: str) -> re.Pattern:
    regex = "^"
    for text, name, spec in _parse(pattern):
        regex += _literal_regex(text)
        if name is None:
            continue
        if name == "?":
            regex += ".+"
        elif (spec or "").endswith("d"):
            regex += rf"(?P<{name}>\d+)"
        else:
            regex += rf"(?P<{name}>.+)"
    return re.compile(regex + "$")


def format_reference(pattern: str, ref: int) -> str:
    text = ""
    for literal, name, spec in _parse(pattern):
        text += literal
        if name is None:
            continue
        if name == "?":
            text += spec or ""
        elif name == "ref":
            text += format(ref, spec or "")
        elif name == "date":
            text += format(timezone.now(), spec or "%Y-%m-%d")
    return text


def extract_int(text: str) -> int:
    match = re.match(r"^\s*(\d+)", text) or re.search(r"(\d+)\s*$", text)
    return min(int(match.group(1)), REFERENCE_INT_MAX) if match else 0


def reference_int(pattern: str, reference: str) -> int:
    match = pattern_regex(pattern).match(reference or "")
    if match and match.groupdict().get("ref"):
        return extract_int(match.group("ref"))
    return extract_int(reference or "")


def validate_reference(pattern: str, reference: str) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("Reference field cannot be empty"))
    if not pattern_regex(pattern).match(reference):
        raise ValidationError(
            _("Reference must match required pattern: %(pattern)s") % {"pattern": pattern}
        )
    return reference
