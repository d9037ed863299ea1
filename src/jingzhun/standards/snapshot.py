"""Write a Parquet snapshot of the registry tables, for batch checks with DuckDB.

One file per table, named like the table, with column types taken from the Django fields (booleans as
booleans, dates as dates), so the same compiled rules run over the snapshot as over the database. Rows are
streamed in batches: a province's registry never sits in memory whole.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import connection, models

from jingzhun.registry.models import Household, IncomeRecord, Person, Region

BATCH = 50_000


def _arrow_type(field: models.Field) -> pa.DataType:
    if isinstance(field, models.GeneratedField):
        return _arrow_type(field.output_field)
    if isinstance(field, models.BooleanField):
        return pa.bool_()
    if isinstance(field, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(field, models.DateField):
        return pa.date32()
    if isinstance(field, (models.DecimalField, models.FloatField)):
        return pa.float64()
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)) and not (
        isinstance(field, models.ForeignKey) and isinstance(field.target_field, models.CharField)
    ):
        return pa.int64()
    return pa.string()


def _convert(field: models.Field, value):
    """Turn a raw database value into what the arrow type expects (SQLite hands back text and 0/1)."""
    if value is None:
        return None
    target = field.output_field if isinstance(field, models.GeneratedField) else field
    if isinstance(target, models.BooleanField):
        return bool(value)
    if isinstance(target, models.DateTimeField):
        return value
    if isinstance(target, models.DateField) and isinstance(value, str):
        import datetime as dt

        return dt.date.fromisoformat(value)
    if isinstance(target, (models.DecimalField, models.FloatField)):
        return float(value)
    return value


def write_snapshot(directory: str | Path, region_code: str | None = None) -> dict[str, int]:
    """Write every registry table (under ``region_code`` if given) to ``directory``; return rows per table."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    scopes = {
        Region: Region.objects.all(),
        Household: Household.objects.in_region(region_code) if region_code else Household.objects.all(),
        Person: Person.objects.filter(household__in=Household.objects.in_region(region_code)) if region_code
        else Person.objects.all(),
        IncomeRecord: IncomeRecord.objects.filter(household__in=Household.objects.in_region(region_code))
        if region_code else IncomeRecord.objects.all(),
    }  # fmt: skip
    for model, queryset in scopes.items():
        fields = [f for f in model._meta.concrete_fields]
        schema = pa.schema([pa.field(f.column, _arrow_type(f)) for f in fields])
        sql, params = queryset.order_by("pk").values_list(*[f.attname for f in fields]).query.sql_with_params()
        path = directory / f"{model._meta.db_table}.parquet"
        rows = 0
        with pq.ParquetWriter(path, schema) as writer, connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(BATCH):
                columns = list(zip(*batch, strict=True))
                arrays = [
                    pa.array([_convert(f, v) for v in column], type=schema.field(i).type)
                    for i, (f, column) in enumerate(zip(fields, columns, strict=True))
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                rows += len(batch)
            if rows == 0:
                writer.write_table(schema.empty_table())
        counts[model._meta.db_table] = rows
    return counts
