"""PostgreSQL connections that prepare the statements of ``common.sql``'s reused queries.

psycopg prepares a statement (PostgreSQL parses and plans it once per connection) when its
cursor is asked to. Preparing every repeated statement would let PostgreSQL switch to a
generic plan, which ignores the values: a search's pattern, a filter's customer. So only the
reused queries, whose shape and plan do not depend on their values (lookups by key), are
prepared; every other statement is planned for its own values, as without preparing.
Needs server-side parameter binding (``server_side_binding`` in the database options,
``DATABASE_PREPARED_STATEMENTS`` in the settings).
"""

from django.db.backends.postgresql.base import ServerBindingCursor

from common.sql import REUSED_MARK


class ReusedStatementCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None:
            prepare = isinstance(query, str) and query.startswith(REUSED_MARK)
        return super().execute(query, params, prepare=prepare, binary=binary)


def prepare_reused_statements(sender, connection, **kwargs) -> None:
    """``connection_created``: a server-binding PostgreSQL connection uses the cursor above."""
    if connection.vendor == "postgresql" and connection.features.uses_server_side_binding:
        connection.connection.cursor_factory = ReusedStatementCursor
