"""Insert many rows of one model in one go, with their ids known up front: COPY on PostgreSQL, executemany on SQLite;
update many by primary key.

`bulk_create` spends most of its time preparing each value through the model's fields; an import of thousands of
rows a second cannot afford that. Here each column's conversion is chosen once per insert, columns the caller does
not give are filled from the model (auto_now, default, null), and ids are taken from the table's sequence first,
so that rows of other tables can point at them without reading anything back.

Only for the importer's tables, inside a transaction. On SQLite the transaction holds the write lock from its start
(transaction_mode IMMEDIATE in settings), so the ids after the current maximum are ours.
"""

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone

Converter = Callable[[Any], Any]


class BulkInsertError(RuntimeError):
    """The model has a column this bulk insert cannot fill: a programming error, shown by the tests."""


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, in increasing order."""
    if count == 0:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk_column, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({pk_column}) FROM {table}), 0),"
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [model._meta.db_table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts by attname, all with the same keys; an `id` key gives the primary key)."""
    if not rows:
        return
    given = list(rows[0])
    fields = [_concrete_field(model, name) for name in given]
    filled = _fill_ins(model, given)
    names = [str(field.column) for field in fields] + [str(field.column) for field, _value in filled]
    constants = tuple(_converter(field)(value) for field, value in filled)
    values = _converted(rows, given, [_converter(field) for field in fields], constants)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    # wrap_database_errors: COPY goes around Django's cursor wrapper, whose errors (IntegrityError...) callers expect.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


def insert_objects(objects: Sequence[models.Model]) -> None:
    """`bulk_create` for unsaved objects of one model, through `insert_rows`: each gets a fresh primary key first."""
    if not objects:
        return
    model = type(objects[0])
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    for obj, pk in zip(objects, allocate_ids(model, len(objects)), strict=True):
        obj.pk = pk
        for field in stamped:
            if getattr(obj, field.attname) is None or getattr(field, "auto_now", False):
                setattr(obj, field.attname, now)
        obj._state.adding, obj._state.db = False, connection.alias
    insert_rows(
        model, [{"id": obj.pk} | {field.attname: getattr(obj, field.attname) for field in fields} for obj in objects]
    )


def update_rows(objects: Sequence[models.Model], attnames: Sequence[str]) -> None:
    """Write the columns `attnames` of saved objects of one model: `bulk_update` without building a CASE per row,
    one UPDATE by primary key sent for all rows at once (executemany, pipelined by psycopg)."""
    if not objects:
        return
    model = type(objects[0])
    fields = [_concrete_field(model, name) for name in attnames]
    converters = [_converter(field) for field in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(str(model._meta.pk.column))} = %s"
    values = [
        (*(convert(getattr(obj, name)) for convert, name in zip(converters, attnames, strict=True)), obj.pk)
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _converted(
    rows: Sequence[dict[str, Any]], given: list[str], converters: list[Converter], constants: tuple
) -> list[tuple]:
    """The rows as tuples in column order; only the columns that need a conversion pay for one."""
    if len(given) == 1:  # itemgetter of one name gives a value, not a tuple
        return [(converters[0](row[given[0]]), *constants) for row in rows]
    getter = itemgetter(*given)
    special = [(index, convert) for index, convert in enumerate(converters) if convert is not _same]
    values = []
    for row in rows:
        taken = list(getter(row))
        for index, convert in special:
            taken[index] = convert(taken[index])
        values.append((*taken, *constants))
    return values


def _concrete_field(model: type[models.Model], attname: str) -> models.Field:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise BulkInsertError(f"{model.__name__} has no column {attname}.")


def _fill_ins(model: type[models.Model], given: list[str]) -> list[tuple[models.Field, Any]]:
    """The value of every column not given: now for auto_now(_add), the default, NULL, or "" for blank text."""
    now = timezone.now()
    filled: list[tuple[models.Field, Any]] = []
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append((field, now))
        elif field.has_default():
            filled.append((field, field.get_default()))
        elif field.null:
            filled.append((field, None))
        elif field.empty_strings_allowed and field.blank:
            filled.append((field, ""))  # what Django stores for a blank text field left out (Field.get_default)
        else:
            raise BulkInsertError(f"{model.__name__}.{field.name} has no default: give it to insert_rows.")
    return filled


def _converter(field: models.Field) -> Converter:
    """How a Python value becomes what the driver takes, chosen once per column."""
    if isinstance(field, models.JSONField):
        return _json_text
    if isinstance(field, models.DateTimeField):
        # psycopg writes aware datetimes itself; SQLite stores them as Django does, as naive UTC text.
        return _same if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value
    if isinstance(field, models.ForeignKey | models.AutoField | models.CharField | models.TextField):
        return _same
    if isinstance(field, models.BooleanField | models.IntegerField):
        return _same
    return lambda value: field.get_db_prep_save(value, connection)


def _same(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)  # None is SQL NULL, as Django stores it
