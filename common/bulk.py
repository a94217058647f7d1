"""Many rows of one model written in one statement, without a model instance per row.

``bulk_create`` builds an instance per row, then walks every field of every instance to save
it: for the hundred receipts, dispositions and tracking entries of receiving a hundred lines,
that Python costs more than the database's work. ``insert_rows`` takes plain rows instead
(field attnames to values, already of the field's Python type) and, on PostgreSQL, sends each
column as one array through ``UNNEST`` (the statement ``bulk_create`` itself sends there),
converting only the values whose field needs it (JSON). Elsewhere it is ``bulk_create``.
Either way it answers the new primary keys, in the order of the rows.

Fields left out of the rows take their default (called once per statement; else null or
``""`` as a new instance has them), ``auto_now``/``auto_now_add`` fields the statement's time,
and fields with a database default that default, as ``bulk_create`` gives them.
Nothing else of ``save()`` runs: no signals, no ``pre_save`` of custom fields, as with
``bulk_create``.
"""

from django.db import connections, models, router
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

# Field types whose Python values psycopg sends as they are (on PostgreSQL).
_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "DecimalField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallAutoField",
        "SmallIntegerField",
        "TextField",
        "URLField",
    }
)


def insert_rows(model: type[models.Model], rows: list[dict]) -> list:
    """Insert ``rows`` (each the same attnames, e.g. ``item_id``) and return their new keys."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    names = list(rows[0])
    if any(len(row) != len(names) for row in rows):
        raise ValueError("Every row must name the same fields")
    fields = {field.attname: field for field in model._meta.concrete_fields}
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    pk = model._meta.pk
    now = timezone.now()
    filled = {}
    for attname, field in fields.items():
        if attname in names or field is pk or field.generated:
            continue
        if field.db_default is not NOT_PROVIDED:
            continue  # the database's own default applies
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled[attname] = now
        else:  # the field's default, else null or "" as Django gives a new instance
            filled[attname] = field.get_default()
    if connection.vendor != "postgresql":
        objects = [model(**row, **filled) for row in rows]
        model._base_manager.using(connection.alias).bulk_create(objects)
        return [obj.pk for obj in objects]

    columns = [*names, *filled]
    arrays = []
    for name in columns:
        field = fields[name]
        values = [row[name] for row in rows] if name in names else [filled[name]] * len(rows)
        target = field.target_field if field.is_relation else field
        if target.get_internal_type() not in _AS_IS:
            values = [
                None if value is None else field.get_db_prep_save(value, connection)
                for value in values
            ]
        arrays.append((values, field.db_type(connection).split("(")[0]))
    quote = connection.ops.quote_name
    sql = "INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays}) RETURNING {pk}".format(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(fields[name].column) for name in columns),
        arrays=", ".join(f"(%s)::{db_type}[]" for _values, db_type in arrays),
        pk=quote(pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [values for values, _db_type in arrays])
        return [row[0] for row in cursor.fetchall()]
