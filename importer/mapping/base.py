"""What every mapping function shares: ``Skip``, ``Refs`` and the value converters."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime


class Skip(Exception):
    """The row cannot be imported; ``reason`` says why, for the skipped-rows report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Refs:
    """Source primary keys of related rows, translated to Boomerang's.

    ``targets[model][source_pk]`` is the Boomerang pk of an imported row; ``customers`` holds
    the Boomerang pks of companies that are customers; ``owners[source_owner_pk]`` the local
    owner matched to a source owner (None when nothing matched) and ``owner_names`` the
    source owner's name, for the unmatched-owners report.
    """

    targets: dict[str, dict[int, int]] = field(default_factory=dict)
    customers: set[int] = field(default_factory=set)
    owners: dict[int, int | None] = field(default_factory=dict)
    owner_names: dict[int, str] = field(default_factory=dict)
    unmatched: set[str] = field(default_factory=set)

    def target(self, model: str, source_pk) -> int | None:
        if source_pk in (None, ""):
            return None
        return self.targets.get(model, {}).get(int(source_pk))

    def required(self, model: str, source_pk, what: str) -> int:
        """The Boomerang pk of a related row the row cannot do without, else ``Skip``."""
        if source_pk in (None, ""):
            raise Skip(f"{what}: missing")
        target = self.target(model, source_pk)
        if target is None:
            raise Skip(f"{what} {source_pk} was not imported")
        return target

    def optional(self, model: str, source_pk) -> int | None:
        """The Boomerang pk of a related row the row may lose (None when not imported)."""
        return self.target(model, source_pk)

    def owner(self, source_pk) -> int | None:
        if source_pk in (None, ""):
            return None
        source_pk = int(source_pk)
        local = self.owners.get(source_pk)
        if local is None:
            self.unmatched.add(self.owner_names.get(source_pk) or f"owner {source_pk}")
        return local


def pk_of(value) -> int | None:
    """A related row's pk, whether the source sent the pk or a nested object."""
    if value in (None, ""):
        return None
    if isinstance(value, Mapping):
        value = value.get("pk", value.get("id"))
        if value is None:
            return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Skip(f"not a primary key: {value!r}") from None


def text(row: Mapping, key: str, *, null: bool = False) -> str | None:
    """A text field: None becomes "" (or stays None where the column is nullable)."""
    value = row.get(key)
    if value is None:
        return None if null else ""
    return str(value)


def flag(row: Mapping, key: str, default: bool = False) -> bool:
    value = row.get(key)
    return default if value is None else bool(value)


def date(row: Mapping, key: str) -> datetime.date | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    parsed = parse_date(str(value)[:10])
    if parsed is None:
        raise Skip(f"{key}: not a date: {value!r}")
    return parsed


def moment(row: Mapping, key: str) -> datetime.datetime | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        day = parse_date(str(value))
        if day is None:
            raise Skip(f"{key}: not a date and time: {value!r}")
        parsed = datetime.datetime.combine(day, datetime.time())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def decimal(row: Mapping, key: str, *, default: Decimal | None = None) -> Decimal | None:
    value = row.get(key)
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise Skip(f"{key}: not a number: {value!r}") from None


def money(row: Mapping, key: str, *, currencies, default_currency: str) -> dict:
    """``key`` and ``key_currency`` as MoneyField attributes; the currency kept as sent."""
    amount = decimal(row, key)
    if amount is None:
        return {key: None, f"{key}_currency": None}
    currency = (row.get(f"{key}_currency") or default_currency).upper()
    if currency not in currencies:
        raise Skip(f"{key}_currency: {currency} is not a currency this site accepts")
    return {key: amount, f"{key}_currency": currency}


def status(row: Mapping, key: str, choices, what: str) -> int:
    """A status: the logical key InvenTree keeps next to a custom one, if ours knows it.

    InvenTree stores a custom state's logical (base) value in ``status`` and the custom value
    in ``status_custom_key``; either may be the one Boomerang knows.
    """
    values = set(choices.values)
    for candidate in (row.get(key), row.get(f"{key}_custom_key")):
        try:
            number = int(candidate)
        except (TypeError, ValueError):
            continue
        if number in values:
            return number
    raise Skip(f"{key}: {what} {row.get(key)!r} has no Boomerang equivalent")


def metadata(row: Mapping) -> dict | None:
    value = row.get("metadata")
    return value if isinstance(value, dict) and value else None
