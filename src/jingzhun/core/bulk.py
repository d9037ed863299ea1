"""Write many rows fast: executemany in batches on SQLite, COPY on PostgreSQL, without the ORM's per-row work.

``bulk_create`` compiles an INSERT with a placeholder and a prepared value per field per row, which costs more
than the database's own work by an order of magnitude at 100k persons. Here the primary keys are reserved first (a
sequence on PostgreSQL; past the table's AUTOINCREMENT counter on SQLite, whose write lock the importer's
IMMEDIATE transaction already holds), so children can point at new parents without reading keys back, and every
value is adapted by one converter chosen per field, not per cell. Callers run inside a transaction (the importer's,
the audit chain's). ``new`` builds model instances without ``Model.__init__``'s per-keyword work.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.base import ModelState
from django.utils import timezone

BATCH = 5000  # rows per executemany on SQLite (memory for the parameters, not a parameter limit)

# Field types whose Python values the drivers store as they are: text, integers, booleans, NULL, and dates and
# decimals (the importer's cleaning made them exact; Django registers sqlite3 adapters for both, psycopg has its own).
_PLAIN = {"AutoField", "BigAutoField", "CharField", "TextField", "IntegerField", "PositiveIntegerField",
          "PositiveSmallIntegerField", "PositiveBigIntegerField", "SmallIntegerField", "BigIntegerField",
          "BooleanField", "ForeignKey", "DateField", "DecimalField"}  # fmt: skip


def _fields(model: type[models.Model], names: Iterable[str] | None = None) -> list[models.Field]:
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    if names is None:
        return fields
    wanted = set(names)
    return [field for field in fields if field.name in wanted or field.attname in wanted]


def _converter(field: models.Field) -> Callable[[object], object] | None:
    """None when the driver takes the value as it is; else the field's own adaptation (memoised per value: the
    timestamps of one import are all the same moment)."""
    if field.get_internal_type() in _PLAIN:
        return None
    database = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-access proxy
    if field.get_internal_type() == "JSONField":  # a dict: unhashable, so no memo (a failed lookup costs a raise)
        return lambda value: None if value is None else field.get_db_prep_save(value, database)
    memo: dict[object, object] = {}

    def convert(value: object) -> object:
        if value is None:
            return None
        try:
            return memo[value]
        except KeyError:
            adapted = memo[value] = field.get_db_prep_save(value, database)
            return adapted
        except TypeError:  # an unhashable value: adapt it every time
            return field.get_db_prep_save(value, database)

    return convert


@cache
def _defaults(model: type[models.Model]) -> dict[str, object]:
    return {field.attname: field.get_default() for field in model._meta.concrete_fields if not field.generated}


def new(model: type[models.Model], values: dict[str, object]) -> models.Model:
    """Return an unsaved ``model`` instance holding ``values`` (by attname, e.g. ``village_id``) over the defaults.

    Model.__init__ spends most of an import's object-building time on keyword handling and init signals; the
    registry models have no post_init receivers and no field that needs __init__ (no file or image fields), and
    defaults must be immutable (they are: text, numbers, Decimal(0), None).
    """
    obj = model.__new__(model)
    state = _defaults(model).copy()
    state.update(values)
    state["_state"] = ModelState()
    obj.__dict__ = state
    return obj


def fetch(queryset: models.QuerySet, exclude: Iterable[str] = ()) -> Iterator[models.Model]:
    """Yield the rows of ``queryset`` as model instances, built like ``new`` rather than by Model.from_db.

    For reading many rows to compare them (an import re-reading the households it updates): each instance holds
    what from_db would give (the fields' values after the backend's converters, saved state, the database alias),
    the fields named in ``exclude`` left out as deferred (read on access). Model.from_db was about half the time
    of reading 100k persons.
    """
    model = queryset.model
    skipped = set(exclude)
    names = [field.attname for field in model._meta.concrete_fields if field.name not in skipped]
    database = queryset.db
    for row in queryset.values_list(*names):
        obj = model.__new__(model)
        state = dict(zip(names, row, strict=True))
        obj.__dict__ = state
        obj._state = ModelState()
        obj._state.adding = False
        obj._state.db = database
        yield obj


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` primary keys of ``model``'s table, in increasing order."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, count])  # fmt: skip
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # Never reuse a deleted row's key (AUTOINCREMENT's promise; audit entries name keys).
            cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from the model
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(top, row[0] if row else 0) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"reserve_ids: no fast path for the {connection.vendor} backend")


def insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert ``objects`` (new instances) with reserved primary keys, set on them; fill auto_now(_add) fields."""
    if not objects:
        return
    now = timezone.now()
    fields = _fields(model)
    stamps = {field.attname: now for field in fields
              if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)}  # fmt: skip
    keys = reserve_ids(model, len(objects))
    if model._meta.parents:  # the key is the parent link's too: Model.pk sets both
        for obj, key in zip(objects, keys, strict=True):
            obj.__dict__.update(stamps)
            obj.pk = key
            obj._state.adding = False
    else:  # plain attributes, set in one step per instance
        pk = model._meta.pk.attname
        for obj, key in zip(objects, keys, strict=True):
            state = obj.__dict__
            state.update(stamps)
            state[pk] = key
            state["_state"].adding = False
    row_of = operator.attrgetter(*(field.attname for field in fields))
    _write(model, fields, (list(row_of(obj)) for obj in objects))


def _write(model: type[models.Model], fields: list[models.Field], rows: Iterable[list]) -> None:
    converters = [(index, convert) for index, field in enumerate(fields) if (convert := _converter(field))]
    table = model._meta.db_table
    columns = ", ".join(f'"{field.column}"' for field in fields)

    def adapted() -> Iterable[list]:
        for row in rows:
            for index, convert in converters:
                row[index] = convert(row[index])
            yield row

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in adapted():
                    copy.write_row(row)
            return
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"bulk insert: no fast path for the {connection.vendor} backend")
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(["%s"] * len(fields))})'  # noqa: S608
        batch: list[list] = []
        for row in adapted():
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def update(model: type[models.Model], objects: Sequence[models.Model], names: Iterable[str]) -> None:
    """Write the fields ``names`` of ``objects`` (existing rows), one UPDATE per row by primary key, executemany'd
    (psycopg pipelines them on PostgreSQL); auto_now fields are set to now."""
    if not objects:
        return
    now = timezone.now()
    fields = _fields(model, names)
    for field in fields:
        if getattr(field, "auto_now", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    converters = [(index, convert) for index, field in enumerate(fields) if (convert := _converter(field))]
    assignments = ", ".join(f'"{field.column}" = %s' for field in fields)
    sql = f'UPDATE "{model._meta.db_table}" SET {assignments} WHERE "{model._meta.pk.column}" = %s'  # noqa: S608
    rows = []
    for obj in objects:
        row = [getattr(obj, field.attname) for field in fields]
        for index, convert in converters:
            row[index] = convert(row[index])
        rows.append([*row, obj.pk])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
