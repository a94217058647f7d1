"""Queries of a fixed shape, built by the ORM once per process and then run with new values.

A handful of queries run on every request (the API key's lookup, the user's permissions, the
line counts of a page), always with the same shape and only other values. Building and
compiling a queryset costs Django more than the database needs to answer it, so a
``ReusedQuery`` compiles its queryset once, with markers in place of the values, and runs the
SQL it got with the values of each call. The rows come back as tuples, converted as the ORM
converts them (dates on SQLite, decimals, ...). Only values that the ORM passes to the
database unchanged can be markers: integers and strings compared with ``exact`` or ``in``.

On PostgreSQL these statements, and only these, are prepared on each connection
(``common.postgresql``), so the database stops planning them too: a page's rows join ten
tables, and planning them cost more than reading them.
"""

from collections.abc import Callable, Sequence
from itertools import count

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Starts every reused query's SQL: the statements PostgreSQL is asked to prepare.
REUSED_MARK = "/* reused */ "
# Far from any primary key or string a table holds; each marker is used for one compilation.
# Integers stay inside a 32-bit column's range: Django compiles a comparison of such a column
# with a value outside it (on PostgreSQL) to "matches nothing", leaving no parameter to fill.
_INT_MARKERS = count(2_100_000_000)
_STR_MARKER = "\x1fmarker-{}\x1f"


def _marker(value):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ImproperlyConfigured(f"Only integers and strings can be reused values: {value!r}")
    number = next(_INT_MARKERS)
    return number if isinstance(value, int) else _STR_MARKER.format(number)


def padded(values: Sequence, size: int = 8) -> list:
    """``values`` repeated at the end to the next multiple of ``size``, for ``in`` lookups:
    the same rows match, and a page of any length uses one of a few compiled shapes."""
    values = list(values)
    if values and len(values) % size:
        values.extend([values[-1]] * (size - len(values) % size))
    return values


class ReusedQuery:
    """``build(**values)`` -> a values_list() queryset; ``rows(**values)`` -> its rows.

    A value may be a list (for ``__in``): each length compiles once, so pass ``padded()``
    lists. The compiled SQL is kept per database alias and shape.
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._compiled: dict[tuple, tuple[str, list, dict]] = {}

    def _compile(self, using: str, values: dict):
        slots = {}
        arguments = {}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                markers = [_marker(item) for item in value]
                slots.update({marker: (name, index) for index, marker in enumerate(markers)})
                arguments[name] = markers
            else:
                marker = _marker(value)
                slots[marker] = (name, None)
                arguments[name] = marker
        compiler = self._build(**arguments).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        sql = REUSED_MARK + sql  # prepared on PostgreSQL (common.postgresql)
        # Each parameter: (name, index) of the value it takes, or (None, the constant).
        template = [slots.get(param, (None, param)) for param in params]
        placed = {slot for slot in template if slot[0] is not None}
        if placed != set(slots.values()):
            raise ImproperlyConfigured(
                "A reused query's values must reach the database unchanged; "
                f"missing from the compiled parameters: {set(slots.values()) - placed}"
            )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        return sql, template, converters

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else None)
            for name, value in sorted(values.items())
        )
        key = (using, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, values)
        sql, template, converters = compiled
        params = [
            second if name is None else values[name] if second is None else values[name][second]
            for name, second in template
        ]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted
