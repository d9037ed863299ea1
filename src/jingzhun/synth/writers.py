"""Write a generated county: to a registry file (.csv or .xlsx, the canonical template) or into the database.

Files have one row per person with the household's fields repeated, columns in template order
(jingzhun.registry.template); the same options give byte-identical files. The database writer inserts with
``executemany`` in batches through Django's connection, inside one transaction, with explicit primary keys.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

from jingzhun.core import xlsx
from jingzhun.registry import template
from jingzhun.synth.records import Household, Person
from jingzhun.synth.truth import NORMAL, id_info

TRUTH_HEADER = ("rule_id", "household_no", "id_number")
# Fixed document properties: xlsxwriter would otherwise stamp the current time into the file.
XLSX_PROPERTIES = {
    "title": "建档立卡户信息 (synthetic)",
    "author": "jingzhun synth",
    "created": dt.datetime(2025, 1, 1),
}


def _money(cents: int | None) -> str:
    if cents is None:
        return ""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _tenths(value: int | None) -> str:
    return "" if value is None else f"{value // 10}.{value % 10}"


def _bool(value: bool | None) -> str:
    return "" if value is None else template.TRUE_TEXT if value else template.FALSE_TEXT


def _text(value) -> str:
    return "" if value is None else str(value)


def _date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


# Where a template field lives on the generator's records when the name differs, and how money is held.
_HOUSEHOLD_SOURCE = {
    "village": "file_region_code",
    "year": "income_year",
    "water_litres_per_day": "water_litres_tenths",
}
_CENTS = {"wage", "operating", "property_income", "transfer", "production_costs", "stated_per_capita"}
_NAMES = {"乡镇名称": "town_name", "村名称": "village_name"}


def _cell_formatters(level_filter) -> list[tuple[Callable, Callable]]:
    """Return (getter, text formatter) per template column of the wanted levels, in template order."""
    result = []
    for column in template.COLUMNS:
        if not level_filter(column.level):
            continue
        name = _NAMES.get(column.header) or _HOUSEHOLD_SOURCE.get(column.field or "", column.field)
        if column.field in _CENTS:
            formatter = _money
        elif column.field == "water_litres_per_day":
            formatter = _tenths
        elif column.kind == template.BOOL:
            formatter = _bool
        elif column.kind == template.DATE:
            formatter = _date
        else:
            formatter = _text
        result.append((attrgetter(name), formatter))
    return result


def _person_first_check() -> None:
    """The template must list all household and income columns before the person columns (one row per person)."""
    levels = [column.level for column in template.COLUMNS]
    first_person = levels.index(template.PERSON)
    assert template.PERSON not in levels[:first_person] and all(
        level == template.PERSON for level in levels[first_person:]
    ), "the writer assumes household and income columns come first"


def text_rows(households: list[Household], progress: Callable[[int], None] | None = None) -> Iterator[list[str]]:
    """Yield the header, then one row of text cells per person (household cells repeated).

    ``progress`` is called with the number of persons yielded so far, every few thousand persons.
    """
    _person_first_check()
    household_cells = _cell_formatters(lambda level: level != template.PERSON)
    person_cells = _cell_formatters(lambda level: level == template.PERSON)
    yield list(template.HEADERS)
    done = 0
    for household in households:
        prefix = [fmt(get(household)) for get, fmt in household_cells]
        for person in household.members:
            yield prefix + [fmt(get(person)) for get, fmt in person_cells]
        done += len(household.members)
        if progress is not None and done % 4096 < len(household.members):
            progress(done)


def write_csv(households: list[Household], path: Path, progress: Callable[[int], None] | None = None) -> None:
    """Write the registry as UTF-8 CSV with a byte-order mark (what Excel needs to read Chinese correctly)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(text_rows(households, progress))


_NUMERIC_KINDS = (template.INT, template.DECIMAL)


def write_xlsx(households: list[Household], path: Path, progress: Callable[[int], None] | None = None) -> None:
    """Write the registry as .xlsx (xlsxwriter, constant memory): numbers as numbers, ID numbers as text."""
    numeric = [column.kind in _NUMERIC_KINDS for column in template.COLUMNS]
    workbook = xlsx.workbook(str(path), {"constant_memory": True})  # ZIP64: 1M persons are over 4 GB of XML
    workbook.set_properties(XLSX_PROPERTIES)
    header = workbook.add_format({"bold": True})
    rows = text_rows(households, progress)
    names = next(rows)

    def start(sheet) -> None:
        sheet.write_row(0, 0, names, header)
        sheet.freeze_panes(1, 0)

    # One sheet (the importer reads the first): more persons than it holds raise TooManyRows.
    sheets = xlsx.Sheets(workbook, "建档立卡户", start, spill=False)
    for row in rows:
        sheet, row_number = sheets.next()
        write_string, write_number = sheet.write_string, sheet.write_number
        for column, (cell, is_number) in enumerate(zip(row, numeric, strict=True)):
            if not cell:
                continue
            if is_number:
                write_number(row_number, column, float(cell))
            else:
                write_string(row_number, column, cell)
    workbook.close()


def write_truth(truth: list[tuple[str, str, str]], path: Path) -> None:
    """Write the ground truth, one finding per line, sorted: rule_id, household_no, id_number ("" = household)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TRUTH_HEADER)
        writer.writerows(truth)


def read_truth(path: Path) -> list[tuple[str, str, str]]:
    """Read a truth file back (for tests and benchmarks)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return [tuple(row) for row in rows[1:]]


# Database ------------------------------------------------------------------------------------------------------
def _cents(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-2)


def write_database(county, *, batch_size: int = 5000, progress: Callable[[int], None] | None = None) -> None:
    """Insert the county's regions, households, persons and income records in one transaction.

    Primary keys are assigned here (after the current maximum) so persons can point at their household without
    reading ids back; PostgreSQL's sequences are reset afterwards. ``progress`` is called with the number of
    persons written after each batch. Raises ValueError if the county already has households.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from jingzhun.registry.models import Household as HouseholdModel
    from jingzhun.registry.models import IncomeRecord, Region
    from jingzhun.registry.models import Person as PersonModel
    from jingzhun.registry.statistics import refresh_statistics

    county_code = county.regions[2].code
    # Adapted once: the backends' per-value adapters cost more than the insert itself at a million rows.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    report = progress or (lambda count: None)
    with transaction.atomic():
        if HouseholdModel.objects.in_region(county_code).exists():
            raise ValueError(f"region {county_code} already has households")
        existing = set(Region.objects.filter(code__in=[r.code for r in county.regions]).values_list("code", flat=True))
        Region.objects.bulk_create(
            [Region(code=r.code, name=r.name, level=r.level, parent_id=r.parent) for r in county.regions
             if r.code not in existing]
        )  # fmt: skip
        next_household = (HouseholdModel.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        next_person = (PersonModel.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        next_income = (IncomeRecord.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # A bigger page cache (for this connection only) keeps the person indexes' pages in memory.
                cursor.execute("PRAGMA cache_size = -262144")
            household_sql = _insert_sql(connection, HouseholdModel, _HOUSEHOLD_COLUMNS)
            person_sql = _insert_sql(connection, PersonModel, _PERSON_COLUMNS)
            income_sql = _insert_sql(connection, IncomeRecord, _INCOME_COLUMNS)
            households, persons, incomes = [], [], []
            written = 0
            for household in county.households:
                hid = next_household
                next_household += 1
                households.append(_household_params(hid, household, now))
                normal = 0
                for person in household.members:
                    persons.append(_person_params(next_person, hid, person, now))
                    next_person += 1
                    normal += person.status == NORMAL
                incomes.append(_income_params(next_income, hid, household, normal))
                next_income += 1
                if len(persons) >= batch_size:
                    written += _flush(cursor, household_sql, households, person_sql, persons, income_sql, incomes)
                    report(written)
            written += _flush(cursor, household_sql, households, person_sql, persons, income_sql, incomes)
            report(written)
            for statement in connection.ops.sequence_reset_sql(no_style(), [HouseholdModel, PersonModel, IncomeRecord]):
                cursor.execute(statement)
    refresh_statistics(connection)  # committed: PostgreSQL can vacuum them too


def _flush(cursor, household_sql, households, person_sql, persons, income_sql, incomes) -> int:
    count = len(persons)
    for sql, rows in ((household_sql, households), (person_sql, persons), (income_sql, incomes)):
        if rows:
            cursor.executemany(sql, rows)
            rows.clear()
    return count


def _insert_sql(connection, model, columns: tuple[str, ...]) -> str:
    """Return the INSERT for ``columns``; refuse if the model has a stored column the writer does not fill."""
    stored = {field.column for field in model._meta.concrete_fields if not field.generated}
    if stored != set(columns):
        raise RuntimeError(
            f"the synth writer is out of date for {model.__name__}: "
            f"missing {sorted(stored - set(columns))}, unknown {sorted(set(columns) - stored)}"
        )
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - names are the model's


_HOUSEHOLD_COLUMNS = (
    "id", "number", "region_code", "household_type", "poverty_attribute", "exit_year", "monitoring_category",
    "risk_types", "risk_eliminated", "risk_elimination_method", "main_cause", "food_secure", "clothing_secure",
    "housing_grade", "safe_housing_measure", "water_piped", "water_fetch_minutes", "water_litres_per_day",
    "water_quality_ok", "water_outage_days", "household_size", "phone", "cadre_name", "cadre_phone", "created_at",
    "updated_at",
)  # fmt: skip


def _household_params(hid: int, h: Household, now) -> tuple:
    litres = h.water_litres_tenths
    return (
        hid, h.number, h.region_code, h.household_type, h.poverty_attribute, h.exit_year, h.monitoring_category,
        h.risk_types, h.risk_eliminated, h.risk_elimination_method, h.main_cause, h.food_secure, h.clothing_secure,
        h.housing_grade, h.safe_housing_measure, h.water_piped, h.water_fetch_minutes,
        None if litres is None else Decimal(litres).scaleb(-1), h.water_quality_ok, h.water_outage_days,
        h.household_size, h.phone, h.cadre_name, h.cadre_phone, now, now,
    )  # fmt: skip


_PERSON_COLUMNS = (
    "id", "household_id", "name", "id_type", "id_number", "id_valid", "id_error", "id_birth_date", "id_sex", "sex",
    "birth_date", "ethnicity", "relation", "status", "education_level", "school_status", "home_schooled",
    "health_exempt", "dropout_reason", "health", "disability_type", "disability_grade", "labour_capacity",
    "migrant_status", "migrant_months", "insured_resident_medical", "insured_employee_medical",
    "insured_serious_illness", "insured_pension", "dibao", "tekun", "medical_assistance", "created_at", "updated_at",
)  # fmt: skip


def _person_params(pid: int, hid: int, p: Person, now) -> tuple:
    # What registry.models.apply_id_fields would store (bulk inserts skip Person.save()).
    if p.id_type == "居民身份证" and p.id_number:
        info = id_info(p)
        number, valid, error, id_birth, id_sex = info.number, info.valid, info.error or "", info.birth_date, info.sex
    else:
        number, valid, error, id_birth, id_sex = p.id_number, False, "", None, None
    return (
        pid, hid, p.name, p.id_type, number, valid, error, id_birth, id_sex or "", p.sex or id_sex or "",
        p.birth_date or id_birth, p.ethnicity, p.relation, p.status, p.education_level, p.school_status,
        p.home_schooled, p.health_exempt, p.dropout_reason, p.health, p.disability_type, p.disability_grade,
        p.labour_capacity, p.migrant_status, p.migrant_months, p.insured_resident_medical,
        p.insured_employee_medical, p.insured_serious_illness, p.insured_pension, p.dibao, p.tekun,
        p.medical_assistance, now, now,
    )  # fmt: skip


_INCOME_COLUMNS = (
    "id", "household_id", "year", "wage", "operating", "property_income", "transfer", "production_costs",
    "household_size", "stated_per_capita",
)  # fmt: skip


def _income_params(iid: int, hid: int, h: Household, normal: int) -> tuple:
    return (
        iid, hid, h.income_year, _cents(h.wage), _cents(h.operating), _cents(h.property_income), _cents(h.transfer),
        _cents(h.production_costs), normal, _cents(h.stated_per_capita),
    )  # fmt: skip


__all__ = ["read_truth", "text_rows", "write_csv", "write_database", "write_truth", "write_xlsx"]
