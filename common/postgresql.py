"""PostgreSQL connections that prepare the statements of ``common.sql``'s reused queries.

psycopg prepares a statement (PostgreSQL parses and plans it once per connection) when its
cursor is asked to. Preparing every repeated statement would let PostgreSQL switch to a
generic plan, which ignores the values: a search's pattern, a filter's customer. So only the
reused queries, whose shape and plan do not depend on their values (lookups by key), are
prepared; every other statement is planned for its own values, as without preparing.
Needs server-side parameter binding (``server_side_binding`` in the database options,
``DATABASE_PREPARED_STATEMENTS`` in the settings).

The same connections send lists of JSON values in binary (``JsonbListDumper``).
"""

from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg.adapt import PyFormat
from psycopg.types.array import ListBinaryDumper, ListDumper
from psycopg.types.json import Jsonb

from common.sql import REUSED_MARK


class ReusedStatementCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None:
            prepare = isinstance(query, str) and query.startswith(REUSED_MARK)
        return super().execute(query, params, prepare=prepare, binary=binary)


class JsonbListDumper(ListDumper):
    """A list parameter, as psycopg dumps it, except a list of JSON values, sent in binary.

    Django inserts many rows on PostgreSQL as one array per column (``UNNEST``). In text
    format psycopg quotes every element of a ``jsonb[]`` and escapes each of its double quotes
    through a regular expression: a third of the cost of writing a hundred receipts. In binary
    format each element goes as it is. Other lists (and an explicit text placeholder) keep
    psycopg's text arrays.
    """

    def upgrade(self, obj, format):
        if format == PyFormat.AUTO and isinstance(_first_element(obj), Jsonb):
            return ListBinaryDumper(self.cls, self._tx).upgrade(obj, PyFormat.BINARY)
        return super().upgrade(obj, format)


def _first_element(values: list):
    for value in values:
        if isinstance(value, list):
            value = _first_element(value)
        if value is not None:
            return value
    return None


def prepare_reused_statements(sender, connection, **kwargs) -> None:
    """``connection_created``: a server-binding PostgreSQL connection uses the cursor above,
    and dumps lists of JSON values in binary (binary parameters need server-side binding)."""
    if connection.vendor == "postgresql" and connection.features.uses_server_side_binding:
        connection.connection.cursor_factory = ReusedStatementCursor
        connection.connection.adapters.register_dumper(list, JsonbListDumper)
