"""Reference patterns such as ``RMA-{ref:04d}``, validated and applied the way InvenTree does.

A pattern is Python format syntax with exactly one ``{ref}`` group; it may also use ``{date}``
and the wildcard ``{?:default}``, which accepts any text and formats as its default. In the
literal text, ``?`` matches any single character and ``#`` any digit.

A pattern is valid only if every reference it can generate fits its column: the longest
rendering (the largest counter the counter column holds, the widest date) is computed from
the pattern, and widths and precisions are checked as numbers before anything is formatted,
so ``{ref:1000000000000d}`` is refused without trying to build it.
"""

import datetime
import re
import string
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

ALLOWED_KEYS = {"ref", "date", "?"}
REFERENCE_INT_MAX = 0x7FFFFFFF
# The largest counter when the column is not known: a 64-bit signed integer.
REFERENCE_COUNTER_MAX = 2**63 - 1
# No width or precision in a pattern is ever this large, whatever the column: a bound that
# keeps formatting cheap even for a pattern checked without a column.
MAX_FIELD_WIDTH = 255

# The format-spec mini-language: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC_RE = re.compile(
    r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?0?(?P<width>\d+)?[,_]?"
    r"(?:\.(?P<precision>\d+))?(?P<type>[bcdeEfFgGnoxX%])?$",
    re.DOTALL,
)
# strftime directives a {date:...} group may use. Others (and glibc's width flags such as
# ``%1000Y``) are refused, so the widest rendering can be worked out by trying dates.
DATE_DIRECTIVES = set("aAbBcdDeFGHIjmMpSTuUVwWxXyYzZ%")
_DIRECTIVE_RE = re.compile(r"%(.?)", re.DOTALL)


def _parse(pattern: str) -> list[tuple[str, str | None, str | None]]:
    try:
        return [(text, name, spec) for text, name, spec, _conv in string.Formatter().parse(pattern)]
    except ValueError as exc:
        raise ValidationError(
            _("Improperly formatted pattern: %(error)s") % {"error": exc}
        ) from exc


def _improper(error: str) -> ValidationError:
    return ValidationError(_("Improperly formatted pattern: %(error)s") % {"error": error})


def _check_ref_spec(spec: str, limit: int) -> None:
    """Refuse a {ref} format spec that is not the mini-language or whose width or precision
    exceeds ``limit``, before anything is formatted with it."""
    match = _SPEC_RE.match(spec)
    if match is None:
        raise _improper(_("invalid format specifier %(spec)r for {ref}") % {"spec": spec})
    for part in ("width", "precision"):
        digits = match.group(part)
        # Compare the digit count first: int() of a huge digit string is itself costly.
        if digits and (len(digits.lstrip("0")) > len(str(limit)) or int(digits) > limit):
            raise ValidationError(
                _(
                    "The {ref} %(part)s %(value)s is too large: a reference holds at most "
                    "%(limit)s characters."
                )
                % {"part": part, "value": digits[:20], "limit": limit}
            )


def _check_date_spec(spec: str) -> None:
    for directive in _DIRECTIVE_RE.findall(spec):
        if directive not in DATE_DIRECTIVES:
            raise _improper(
                _("unsupported date directive %(directive)r in {date}; use one of %(allowed)s")
                % {
                    "directive": "%" + directive,
                    "allowed": " ".join("%" + d for d in sorted(DATE_DIRECTIVES)),
                }
            )


def _check_specs(parts, limit: int) -> None:
    for _text, name, spec in parts:
        if name == "ref":
            _check_ref_spec(spec or "", limit)
        elif name == "date":
            _check_date_spec(spec or "")


def _sample_counters(max_ref: int) -> list[int]:
    """Counters whose renderings include the widest one: the edges of every digit count."""
    samples = {1, max_ref}
    for digits in range(1, len(str(max_ref)) + 1):
        samples.update({10 ** (digits - 1), 10**digits - 1})
    return sorted(n for n in samples if 0 < n <= max_ref)


def _sample_dates() -> list[datetime.datetime]:
    """Dates whose renderings include the widest one: every month, every weekday, both
    halves of the day, a four-digit year with the largest day of the year."""
    utc = datetime.UTC
    samples = [
        datetime.datetime(year, month, day, hour, 59, 59, 999999, tzinfo=utc)
        for year in (2000, 9999)
        for month in range(1, 13)
        for day in (1, 2, 3, 4, 5, 6, 7, 28)
        for hour in (9, 23)
    ]
    samples.append(datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=utc))
    return samples


def longest_reference(pattern: str, *, max_ref: int = REFERENCE_COUNTER_MAX) -> int:
    """The length of the longest reference ``pattern`` can generate, for counters up to
    ``max_ref``. Assumes the pattern passed ``validate_pattern``'s format checks."""
    length = 0
    for text, name, spec in _parse(pattern):
        length += len(text)
        if name == "?":
            length += len(spec or "")
        elif name == "ref":
            length += max(len(format(n, spec or "")) for n in _sample_counters(max_ref))
        elif name == "date":
            length += max(len(format(d, spec or "%Y-%m-%d")) for d in _sample_dates())
    return length


def validate_pattern(
    pattern: str, *, max_length: int | None = None, max_ref: int = REFERENCE_COUNTER_MAX
) -> None:
    """Refuse a pattern that is malformed, or that could generate a reference longer than
    ``max_length`` for a counter up to ``max_ref``. Never formats anything unbounded."""
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
    _check_specs(parts, min(max_length or MAX_FIELD_WIDTH, MAX_FIELD_WIDTH))
    try:
        format_reference(pattern, 1)
        longest = longest_reference(pattern, max_ref=max_ref)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _improper(str(exc)) from exc
    if max_length is not None and longest > max_length:
        raise ValidationError(
            _(
                "References made from this pattern would not fit: the longest would have "
                "%(length)s characters (with the counter at %(max_ref)s), but a reference "
                "holds at most %(max_length)s."
            )
            % {"length": longest, "max_ref": max_ref, "max_length": max_length}
        )


def pattern_validator(
    model, *, field: str = "reference", counter_field: str = "reference_int"
) -> Callable[[str], None]:
    """A validator for the reference-pattern setting of ``model``: the references must fit
    ``model.<field>`` (its ``max_length``) for every counter ``model.<counter_field>`` holds.
    The fields are read when validating, so this can be built before the models are ready.
    """

    def validate(pattern: str) -> None:
        max_length, max_ref = reference_limits(model, field=field, counter_field=counter_field)
        validate_pattern(pattern, max_length=max_length, max_ref=max_ref)

    return validate


def reference_limits(
    model, *, field: str = "reference", counter_field: str = "reference_int"
) -> tuple[int | None, int]:
    """``(max_length of the reference column, largest value of the counter column)``."""
    from django.db import connection

    max_length = model._meta.get_field(field).max_length
    counter = model._meta.get_field(counter_field)
    try:
        _low, high = connection.ops.integer_field_range(counter.get_internal_type())
    except KeyError:
        high = None
    return max_length, high if high is not None else REFERENCE_COUNTER_MAX


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


def format_reference(
    pattern: str,
    ref: int,
    *,
    max_length: int | None = None,
    max_ref: int = REFERENCE_COUNTER_MAX,
) -> str:
    """The reference for counter ``ref``. Raises a ValidationError on ``reference`` (never
    a MemoryError or a database error later) when the counter is past ``max_ref``, when the
    pattern has a width beyond reason (a pattern stored before patterns were bounded), or
    when the result would be longer than ``max_length``."""
    parts = _parse(pattern)
    if ref > max_ref:
        raise ValidationError(
            {"reference": [_("The reference counter has reached its maximum (%s).") % max_ref]}
        )
    try:
        _check_specs(parts, min(max_length or MAX_FIELD_WIDTH, MAX_FIELD_WIDTH))
    except ValidationError as exc:
        raise ValidationError(
            {
                "reference": [
                    _("The reference pattern %(pattern)r is invalid: %(error)s")
                    % {"pattern": pattern[:100], "error": " ".join(exc.messages)}
                ]
            }
        ) from exc
    text = _render(parts, ref)
    if max_length is not None and len(text) > max_length:
        raise ValidationError(
            {
                "reference": [
                    _(
                        "The next reference would have %(length)s characters, more than the "
                        "%(max_length)s a reference holds: change the reference pattern."
                    )
                    % {"length": len(text), "max_length": max_length}
                ]
            }
        )
    return text


def _render(parts, ref: int) -> str:
    text = ""
    for literal, name, spec in parts:
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
