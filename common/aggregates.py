"""Aggregates Django has only for PostgreSQL, written for SQLite and PostgreSQL alike.

They let a query carry a few child rows in one column of its parent's row (a user's permission
names, a repair's parts), instead of a second query for the children.
"""

from django.db.models import Aggregate, JSONField, TextField

SEPARATOR = ","


class JoinedText(Aggregate):
    """The rows' values joined by commas; NULL when there are none. For values that cannot hold
    a comma."""

    function = "GROUP_CONCAT"  # SQLite joins with a comma unless told otherwise
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template=f"%(function)s(%(distinct)s%(expressions)s, '{SEPARATOR}')",
            **extra_context,
        )


class JSONArray(Aggregate):
    """The rows' values (typically ``JSONObject``s) as a JSON array, in no particular order;
    NULL when there are none."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
