"""Owners: a source's users and groups, matched to local ones by username and name."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class OwnerMatch:
    source_pk: int
    name: str
    kind: str  # "user" or "group"
    target_pk: int | None


def owner_kind(row: Mapping) -> str:
    """InvenTree names the owner's model in ``owner_model`` (``label`` in older versions)."""
    kind = str(row.get("owner_model") or row.get("label") or "").lower()
    return "group" if kind == "group" else "user"


def match_owners(
    rows: Iterable[Mapping], *, users: Mapping[str, int], groups: Mapping[str, int]
) -> list[OwnerMatch]:
    """Each source owner and the local owner pk it matches (None when nothing matches).

    ``users`` maps local usernames to their owner pks and ``groups`` local group names to
    theirs. Usernames match exactly, as Django's do; nothing is ever created.
    """
    matches = []
    for row in rows:
        name = str(row.get("name") or "")
        kind = owner_kind(row)
        table = groups if kind == "group" else users
        matches.append(OwnerMatch(int(row["pk"]), name, kind, table.get(name)))
    return matches
