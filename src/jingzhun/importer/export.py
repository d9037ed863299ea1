"""Export the registry in the canonical template, so that export → import is a round trip that changes nothing.

One row per person, household and income cells repeated on each member's row, in template.COLUMNS order and with
the same cell spellings the importer reads (是/否, ISO dates, comma-joined multi-valued cells). Households are read
in chunks with their members and income prefetched: a province's registry is never in memory whole.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.db.models import Max, Prefetch

from jingzhun.core import xlsx
from jingzhun.registry import masking, template
from jingzhun.registry.models import Household, IncomeRecord, Person

FORMATS = ("csv", "xlsx", "parquet")
CHUNK = 2000
PERSONAL = {"id_number": masking.id_number_for, "phone": masking.phone_for, "cadre_phone": masking.phone_for}


def _cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == template.BOOL:
        return template.TRUE_TEXT if value else template.FALSE_TEXT
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def latest_income_year(households) -> int | None:
    return IncomeRecord.objects.filter(household__in=households).aggregate(year=Max("year"))["year"]


def registry_rows(households, *, year: int | None = None, user=None, skipped: list | None = None) -> Iterator[list]:
    """Yield the header, then one row per person of ``households`` (a queryset already scoped to what may go out).

    ``user`` masks ID and phone numbers as that user sees them on pages; None (the data office's command line)
    exports them whole. Households without members cannot be written in this layout: their numbers go to
    ``skipped``.
    """
    year = year if year is not None else latest_income_year(households)
    yield list(template.HEADERS)
    queryset = (
        households.select_related("village__parent")
        .prefetch_related(
            Prefetch("members", queryset=Person.objects.order_by("pk")),
            Prefetch("incomes", queryset=IncomeRecord.objects.filter(year=year), to_attr="year_incomes"),
        )
        .order_by("village_id", "number")  # household_region_number index
    )
    household_columns = [c for c in template.COLUMNS if c.level != template.PERSON]
    person_columns = [c for c in template.COLUMNS if c.level == template.PERSON]
    for household in queryset.iterator(chunk_size=CHUNK):
        income = household.year_incomes[0] if household.year_incomes else None
        prefix = [_household_cell(household, income, column, user) for column in household_columns]
        members = list(household.members.all())
        if not members and skipped is not None:
            skipped.append(household.number)
        for person in members:
            yield prefix + [_value(person, column, user) for column in person_columns]


def _household_cell(household: Household, income, column, user) -> str:
    if column.level == template.INCOME:
        return _cell(getattr(income, column.field), column.kind) if income is not None else ""
    if column.field == "village":
        return household.village_id
    if column.field is None:  # 乡镇名称 / 村名称: names for people reading the file; the code places it
        village = household.village
        if column.header == "村名称":
            return village.name if village.level == "village" else ""
        return village.parent.name if village.level == "village" and village.parent else village.name
    return _value(household, column, user)


def _value(record, column, user) -> str:
    value = getattr(record, column.field)
    if column.field in PERSONAL and user is not None and value:
        return PERSONAL[column.field](user, value, revealed=True)
    return _cell(value, column.kind)


def write_registry(rows: Iterator[list], fmt: str, target) -> int:
    """Write header + rows as csv (UTF-8 with BOM, for Excel), xlsx or parquet; return the number of persons."""
    header = next(rows)
    count = 0
    if fmt == "csv":
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    if fmt == "xlsx":
        workbook = xlsx.workbook(str(target), {"constant_memory": True})
        workbook.set_properties({"created": dt.datetime(2000, 1, 1)})  # byte-stable for the same data
        # One sheet, since the importer reads the first: more persons than it holds raise TooManyRows (before
        # the workbook is closed, so no file is written).
        sheets = xlsx.Sheets(workbook, "registry", lambda sheet: sheet.write_row(0, 0, header), spill=False)
        for row in rows:
            sheet, count = sheets.next()
            sheet.write_row(count, 0, row)
        workbook.close()
        return count
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([pa.field(name, pa.string()) for name in header])
        with pq.ParquetWriter(str(target), schema) as writer:
            batch: list[list] = []
            for row in rows:
                batch.append(row)
                count += 1
                if len(batch) >= 20_000:
                    writer.write_table(pa.Table.from_pylist([dict(zip(header, r, strict=True)) for r in batch], schema))
                    batch = []
            if batch or count == 0:
                writer.write_table(pa.Table.from_pylist([dict(zip(header, r, strict=True)) for r in batch], schema))
        return count
    raise ValueError(f"unknown format {fmt!r}")


def format_of(path: Path, fmt: str | None) -> str:
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"say --format {'|'.join(FORMATS)} (cannot tell from {path.name!r})")
    return fmt
