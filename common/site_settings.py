"""Site-wide settings: definitions registered by the apps, values stored in ``SiteSetting``.

Values are stored as text; ``get_value`` returns them typed. Reading a setting costs one query,
once per request: within a request each key is read once and remembered until the response is
built (a page's view, its decorator and its context processors ask for the same keys; see
``RequestSettingsMiddleware``). Outside a request (commands, tasks, tests calling services
directly) every read goes to the database.
"""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

TRUE_VALUES = {"1", "true", "yes", "on", "y", "t"}
FALSE_VALUES = {"0", "false", "no", "off", "n", "f", ""}


@dataclass(frozen=True)
class SettingDefinition:
    key: str
    name: str
    description: str
    default: Any
    type: str = "string"  # "boolean" | "string" | "integer"
    validators: tuple[Callable[[Any], None], ...] = field(default_factory=tuple)

    def parse(self, raw: Any) -> Any:
        if self.type == "boolean":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in TRUE_VALUES:
                return True
            if text in FALSE_VALUES:
                return False
            raise ValidationError(_("Enter a valid boolean (true or false)."))
        if self.type == "integer":
            try:
                return int(raw)
            except (TypeError, ValueError) as exc:
                raise ValidationError(_("Enter a whole number.")) from exc
        return "" if raw is None else str(raw).strip()

    def serialize(self, value: Any) -> str:
        if self.type == "boolean":
            return "True" if value else "False"
        return str(value)


_definitions: dict[str, SettingDefinition] = {}


def register(definition: SettingDefinition) -> None:
    _definitions[definition.key] = definition


def definition(key: str) -> SettingDefinition | None:
    return _definitions.get(str(key).upper())


def definitions() -> list[SettingDefinition]:
    return sorted(_definitions.values(), key=lambda d: d.key)


# The raw stored values read during the current request (None: not in a request, do not keep).
# A context variable, so that threads and requests never see each other's values.
_request_values: ContextVar[dict[str, str | None] | None] = ContextVar(
    "site_setting_values", default=None
)


class RequestSettingsMiddleware:
    """Remember each setting read during a request until the request's response is built.

    A middleware, not the request signals: its ``finally`` forgets the values also when the
    view raises, so code running later on the same thread never reads a stale value.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_values.set({})
        try:
            return self.get_response(request)
        finally:
            _request_values.reset(token)


# Remembered for a key that this request wrote or locked: read it from the database each time.
_ALWAYS_READ = object()


def _stored(key: str) -> str | None:
    from common.models import SiteSetting

    remembered = _request_values.get()
    known = remembered.get(key) if remembered is not None else None
    if remembered is not None and key in remembered and known is not _ALWAYS_READ:
        return known
    stored = SiteSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if remembered is not None and known is not _ALWAYS_READ:
        remembered[key] = stored
    return stored


def _always_read(key: str) -> None:
    """Never answer ``key`` from memory again in this request: it was written (the write may
    still roll back) or locked (its value is the one read under the lock)."""
    remembered = _request_values.get()
    if remembered is not None:
        remembered[key] = _ALWAYS_READ


def get_value(key: str) -> Any:
    spec = _definitions[key]
    stored = _stored(key)
    if stored is None:
        return spec.default
    try:
        return spec.parse(stored)
    except ValidationError:
        return spec.default


def validate_value(key: str, raw: Any) -> Any:
    spec = _definitions[key]
    value = spec.parse(raw)
    for validator in spec.validators:
        validator(value)
    return value


@transaction.atomic
def set_value(key: str, raw: Any, *, user=None) -> Any:
    """Validate and store a setting; raises ``ValidationError`` with a ``value`` message."""
    from common.models import SiteSetting

    try:
        value = validate_value(key, raw)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc
    _always_read(key)
    SiteSetting.objects.update_or_create(
        key=key,
        defaults={
            "value": _definitions[key].serialize(value),
            "updated_by": user if user is not None and user.is_authenticated else None,
        },
    )
    return value


def lock(key: str) -> None:
    """Take a row lock on a setting's row (created if missing): a cheap named mutex."""
    from common.models import SiteSetting

    spec = _definitions[key]
    _always_read(key)
    SiteSetting.objects.get_or_create(key=key, defaults={"value": spec.serialize(spec.default)})
    SiteSetting.objects.select_for_update().filter(key=key).first()
