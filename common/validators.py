"""The bounds every input must respect, in one place: dates, text and JSON documents.

Serializers (``common.serializers.BaseSerializer``/``BaseModelSerializer``) and forms attach
these validators to their fields by type, so a new field is bounded without anyone having to
remember it. Each bound exists because something downstream breaks without it:

* dates: the calendar feed and pages do arithmetic on stored dates (``9999-12-31`` plus a day
  overflows), and no return order is planned for year 1 or 9999;
* text: a lone UTF-16 surrogate (``"\\ud800"``) cannot be encoded as UTF-8, so PostgreSQL refuses
  it and a JSON response that contains it fails; NUL is refused by PostgreSQL's text and jsonb;
* JSON: the same two, in keys and values, plus depth and size, which are unbounded otherwise.
"""

import datetime
import json
import math
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2200, 12, 31)

JSON_MAX_DEPTH = 32
JSON_MAX_BYTES = 64 * 1024  # of the document encoded as UTF-8 JSON
JSON_MAX_INT = 2**63 - 1  # what every consumer (PostgreSQL bigint, SQLite) can hold

REPLACEMENT_CHARACTER = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


# -- dates ---------------------------------------------------------------------------------


def validate_date_in_range(value: datetime.date | datetime.datetime | None) -> None:
    """Dates (and the date of datetimes) must lie within ``DATE_MIN`` .. ``DATE_MAX``."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


def bound_form_dates(fields: Iterable[forms.Field]) -> None:
    """Give every date (and datetime) form field ``validate_date_in_range``.

    For page forms and django-filter FilterSets, whose fields are plain Django form fields;
    call it on a form's own ``fields`` (or a fresh form class's), never on shared ones.
    """
    for field in fields:
        if isinstance(field, forms.DateField | forms.DateTimeField) and (
            validate_date_in_range not in field.validators
        ):
            field.validators.append(validate_date_in_range)


# -- text ----------------------------------------------------------------------------------


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds a UTF-16 surrogate code point, which UTF-8 cannot encode."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def sanitize_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, for output of stored values."""
    if not has_lone_surrogate(text):
        return text
    return _SURROGATE.sub(REPLACEMENT_CHARACTER, text)


def sanitize_output(data: Any) -> Any:
    """Serializer output made encodable: lone surrogates in strings (keys too) become U+FFFD.

    Input validation keeps such strings out; this is for rows written before it existed or
    by other means, so that one bad row never breaks a list for everybody.
    """
    if isinstance(data, str):
        return sanitize_text(data)
    if isinstance(data, dict):
        if not any(_needs_sanitizing(k) or _needs_sanitizing(v) for k, v in data.items()):
            return data
        return type(data)(
            (sanitize_output(k) if isinstance(k, str) else k, sanitize_output(v))
            for k, v in data.items()
        )
    if isinstance(data, list | tuple):
        if not any(_needs_sanitizing(v) for v in data):
            return data
        return [sanitize_output(v) for v in data]
    return data


def _needs_sanitizing(value: Any) -> bool:
    if isinstance(value, str):
        return has_lone_surrogate(value)
    if isinstance(value, dict):
        return any(_needs_sanitizing(k) or _needs_sanitizing(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_needs_sanitizing(v) for v in value)
    return False


# -- JSON documents ------------------------------------------------------------------------


def _path(parts: list[str | int]) -> str:
    # Keys are cut short: the message should point at the problem, not repeat the document.
    return "".join(
        f"[{part}]" if isinstance(part, int) else f"[{json.dumps(part[:40])}]" for part in parts
    )


def _json_error(message, parts: list[str | int], code: str) -> ValidationError:
    if parts:
        message = _("%(problem)s (at %(path)s)") % {"problem": message, "path": _path(parts)}
    return ValidationError(message, code=code)


def _check_text(text: str, parts: list[str | int]) -> None:
    if "\x00" in text:
        raise _json_error(_("Text must not contain NUL characters."), parts, "null_characters")
    if has_lone_surrogate(text):
        raise _json_error(
            _("Text must not contain unpaired surrogate characters."), parts, "surrogate"
        )


def _check_json_node(value: Any, parts: list[str | int], depth: int) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        _check_text(value, parts)
    elif isinstance(value, int):
        if abs(value) > JSON_MAX_INT:
            raise _json_error(
                _("Numbers must lie between -%(max)d and %(max)d.") % {"max": JSON_MAX_INT},
                parts,
                "number_too_large",
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _json_error(_("Numbers must be finite."), parts, "number_not_finite")
    elif isinstance(value, dict | list):
        if depth >= JSON_MAX_DEPTH:
            raise _json_error(
                _("The value is nested more than %(max)d levels deep.") % {"max": JSON_MAX_DEPTH},
                parts,
                "too_deep",
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _json_error(_("Object keys must be strings."), parts, "key_not_text")
                _check_text(key, [*parts, key])
                _check_json_node(item, [*parts, key], depth + 1)
        else:
            for index, item in enumerate(value):
                _check_json_node(item, [*parts, index], depth + 1)
    else:
        raise _json_error(_("The value is not a JSON value."), parts, "not_json")


def validate_json_document(value: Any) -> None:
    """A JSON value every database stores and every client reads back.

    Strings (keys too) without NUL or lone surrogates, keys that are strings, finite numbers
    within 64 bits, at most ``JSON_MAX_DEPTH`` levels and ``JSON_MAX_BYTES`` bytes. The error
    says where the problem is, e.g. ``(at ["a"][0])``.
    """
    _check_json_node(value, [], 0)
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > JSON_MAX_BYTES:
        raise ValidationError(
            _("The value is too large: at most %(max)d bytes of JSON.") % {"max": JSON_MAX_BYTES},
            code="too_large",
        )
