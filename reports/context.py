"""Read-only values for report templates.

A report template is written by an administrator and rendered with whatever it is given, so
it is given no model instances: from an instance a template can walk to any related row
(``order.created_by.password``, ``order.created_by.api_tokens.all``, a template's other
outputs …). A context builder copies what a report needs into ``Record`` and ``Rows`` values,
which reach nothing else.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any


class Record(Mapping):
    """A read-only set of named values (``{{ order.reference }}``) that prints as its label
    (``{{ order }}``). Holds plain values, Money, dates and other records only."""

    __slots__ = ("_label", "_values")

    def __init__(self, label: Any = "", /, **values: Any):
        self._label = str(label)
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return self._label

    def __repr__(self) -> str:
        return f"<Record {self._label!r}>"


class Rows(tuple):
    """A read-only list of records that also answers the manager calls templates written for
    InvenTree use: ``lines.all``, ``lines.count``, ``lines.first``, ``lines.last``."""

    __slots__ = ()

    def __new__(cls, rows: Iterable = ()):
        return super().__new__(cls, rows)

    def all(self) -> "Rows":
        return self

    def count(self, *args) -> int:  # tuple.count(value) still works
        return super().count(*args) if args else len(self)

    def exists(self) -> bool:
        return bool(self)

    def first(self):
        return self[0] if self else None

    def last(self):
        return self[-1] if self else None


def user_record(user) -> Record | None:
    """A user as a report may show them: username and names, nothing else (no e-mail, no
    password hash, no tokens, no groups)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    username = user.get_username()
    full_name = user.get_full_name().strip()
    return Record(
        full_name or username,
        username=username,
        first_name=user.first_name,
        last_name=user.last_name,
        full_name=full_name,
    )
