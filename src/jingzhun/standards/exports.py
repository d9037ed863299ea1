"""Findings for people: the values that made a rule fire in words, and findings exported as CSV or XLSX.

Exports stream: the findings are read in chunks (``.iterator``) and written row by row (XLSX in xlsxwriter's
constant-memory mode), so a province's findings never sit in memory at once. Rows come in a fixed order (region,
household number, rule, id), so the same run exports to the same bytes, apart from the XLSX's creation time.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import IO

from django.db.models import OuterRef, Subquery
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jingzhun.core import xlsx
from jingzhun.engine.schema import Type
from jingzhun.engine.spec import Rule
from jingzhun.registry import masking
from jingzhun.registry.choices import PersonStatus, Relation
from jingzhun.registry.models import Household, IncomeRecord, Person, StandardParameters
from jingzhun.standards.models import CheckRun
from jingzhun.standards.rules import ENUM_FIELDS, load_ruleset, schema

CHUNK_SIZE = 2000
FORMATS = ("csv", "xlsx")

# Items of the standard, in the order of DOMAIN.md (两不愁三保障, water, income, monitoring, data quality).
ITEM_LABELS = {
    "education": gettext_lazy("education"),
    "medical": gettext_lazy("medical care"),
    "housing": gettext_lazy("housing"),
    "water": gettext_lazy("drinking water"),
    "food": gettext_lazy("food"),
    "clothing": gettext_lazy("clothing"),
    "income": gettext_lazy("income"),
    "monitoring": gettext_lazy("monitoring"),
    "data": gettext_lazy("data quality"),
}
ITEMS = tuple(ITEM_LABELS)
SEVERITY_LABELS = {"high": gettext_lazy("high"), "medium": gettext_lazy("medium"), "low": gettext_lazy("low")}
LEVEL_LABELS = {"person": gettext_lazy("person rule"), "household": gettext_lazy("household rule")}

# Rule fields and parameters that are not a model field of their own (the others take the model's verbose name).
EXTRA_LABELS = {
    "age": gettext_lazy("age"),
    "head_age": gettext_lazy("age of the head"),
    "head_sex": gettext_lazy("sex of the head"),
    "head_birth_date": gettext_lazy("birth date of the head"),
    "normal_members": gettext_lazy("current members"),
    "id_number_count": gettext_lazy("records with this ID number"),
    "income_recorded": gettext_lazy("income recorded"),
    "region_code": gettext_lazy("region code"),
    "region_level": gettext_lazy("region level"),
    "poverty_line": gettext_lazy("poverty line"),
    "monitoring_line": gettext_lazy("monitoring line"),
    "year": gettext_lazy("income year"),
}
# Rule field → (model, model field) whose verbose name labels it.
MODEL_FIELDS = {
    "household_number": (Household, "number"),
    "wage": (IncomeRecord, "wage"),
    "operating": (IncomeRecord, "operating"),
    "property_income": (IncomeRecord, "property_income"),
    "transfer": (IncomeRecord, "transfer"),
    "production_costs": (IncomeRecord, "production_costs"),
    "income_household_size": (IncomeRecord, "household_size"),
    "stated_per_capita": (IncomeRecord, "stated_per_capita"),
    "per_capita_income": (IncomeRecord, "per_capita_net_income"),
    "water_min_litres": (StandardParameters, "water_min_litres"),
    "water_max_fetch_minutes": (StandardParameters, "water_max_fetch_minutes"),
    "water_max_outage_days": (StandardParameters, "water_max_outage_days"),
    "education_age_min": (StandardParameters, "education_age_min"),
    "education_age_max": (StandardParameters, "education_age_max"),
    "ref_date": (StandardParameters, "reference_date"),
}
AGGREGATE_LABELS = {
    "count_members": gettext_lazy("members where %(condition)s"),
    "any_member": gettext_lazy("any member where %(condition)s"),
}


# --- rules -------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _builtin_rules() -> dict[str, Rule]:
    return {rule.id: rule for rule in load_ruleset().rules}


_RULE_FIELDS = ("item", "level", "severity", "title_zh", "title_en", "message_zh", "message_en", "when", "reference")


def rules_of(run=None) -> dict[str, Rule]:
    """The rules as ``run`` recorded them when it ran (its own rule file, even a custom one).

    Runs from before runs recorded their rules, and no run at all, fall back to the built-in set (ids are stable).
    Built once per run object (a request's worth), never per id across requests: ids can be reused.
    """
    if run is None or not run.rules:
        return _builtin_rules()
    cached = getattr(run, "_rules_by_id", None)
    if cached is None:
        cached = run._rules_by_id = {
            rule_id: Rule(id=rule_id, **{name: data.get(name, "") for name in _RULE_FIELDS})
            for rule_id, data in run.rules.items()
        }
    return cached


def rule_for(rule_id: str, run=None) -> Rule | None:
    """The rule with this id, as ``run`` used it (the built-in set when no run is given)."""
    return rules_of(run).get(rule_id)


def item_of(rule_id: str, run=None) -> str:
    rule = rule_for(rule_id, run)
    return rule.item if rule is not None else "data"


def rule_title(rule: Rule | None, rule_id: str = "") -> str:
    """The rule's title in the active language (Chinese unless English is chosen)."""
    if rule is None:
        return rule_id
    return rule.title_en if (get_language() or "").startswith("en") else rule.title_zh


def rule_message(rule: Rule | None) -> str:
    if rule is None:
        return ""
    return rule.message_en if (get_language() or "").startswith("en") else rule.message_zh


# --- values in words ---------------------------------------------------------------------------------------------


def field_label(name: str) -> str:
    """The label of a rule field or parameter in the active language (the name itself when unknown)."""
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    for function, label in AGGREGATE_LABELS.items():
        if name.lower().startswith(function + "("):
            return str(label) % {"condition": name[len(function) + 1 : -1]}
    if name in MODEL_FIELDS:
        model, field_name = MODEL_FIELDS[name]
        return str(model._meta.get_field(field_name).verbose_name)
    for model in (Person, Household):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: S112 - FieldDoesNotExist: try the next model
            continue
    return name


def _type_of(name: str) -> Type | None:
    field = schema().person.get(name)
    if field is not None:
        return field.type
    parameter = schema().parameters.get(name)
    if parameter is not None:
        return parameter.type
    if name in ("age", "head_age"):
        return Type.NUMBER
    if name.lower().startswith("count_members("):
        return Type.NUMBER
    if name.lower().startswith("any_member("):
        return Type.BOOL
    return None


def _number(value) -> str:
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


def value_text(name: str, value) -> str:
    """One value as a person reads it: yes/no, a choice's label, a number without trailing zeros."""
    kind = _type_of(name)
    if value is None:
        return _("not recorded")
    if kind == Type.BOOL or isinstance(value, bool):
        if value in (True, 1, "1", "true"):
            return _("yes")
        if value in (False, 0, "0", "false"):
            return _("no")
    if value == "":
        return _("empty")
    if kind == Type.NUMBER and isinstance(value, int | float | str):
        try:
            return _number(value)
        except ValueError:
            return str(value)
    enum = ENUM_FIELDS.get(name)
    if enum is not None:
        labels = dict(enum.choices)
        parts = [part for part in str(value).split(",") if part] if kind == Type.SET else [str(value)]
        separator = "、" if (get_language() or "zh").startswith("zh") else ", "
        return separator.join(str(labels.get(part, part)) for part in parts)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def value_pairs(values: dict) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split a finding's values into (field label, text) pairs and (parameter label, text) pairs."""
    fields, parameters = [], []
    for name, value in values.items():
        pair = (field_label(name), value_text(name, value))
        (parameters if name in schema().parameters else fields).append(pair)
    return fields, parameters


def values_in_words(values: dict) -> str:
    """The values that made a rule fire, e.g. "年龄 13 · 在校生状况 非在校生", then the parameters used."""
    fields, parameters = value_pairs(values)
    text = " · ".join(f"{label} {value}" for label, value in fields)
    if parameters:
        used = " · ".join(f"{label} {value}" for label, value in parameters)
        label = _("Parameters")
        text = f"{text} ({label}: {used})" if text else used
    return text


# --- export ------------------------------------------------------------------------------------------------------

COLUMNS = (
    "run_id",
    "rule_id",
    "rule_title_zh",
    "item",
    "severity",
    "level",
    "household_no",  # 户编号
    "id_number",  # 证件号码 (empty for household rules)
    "name",  # the person concerned (empty for household rules)
    "head_name",  # 户主
    "region_code",
    "town",
    "village",
    "values",  # the values that made it fire, in words
    "values_json",
)


def export_rows(findings, *, user=None) -> Iterator[tuple]:
    """Yield one row per finding (COLUMNS order); ID numbers masked as ``user`` may see them (None: unmasked).

    ``findings`` is a Finding queryset already limited to what may be exported (a run, a region, a user's scope).
    """
    head = (
        Person.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD, status=PersonStatus.NORMAL)
        .order_by("pk")
        .values("name")[:1]
    )
    rows = (
        findings.annotate(head_name=Subquery(head))
        .order_by("region_code", "household__number", "rule_id", "id")
        .values_list(
            "run_id",
            "rule_id",
            "household__number",
            "person__id_number",
            "person__name",
            "head_name",
            "region_code",
            "household__village__parent__name",
            "household__village__name",
            "values_json",
        )
    )
    runs: dict[int, CheckRun] = {}
    for run_id, rule_id, number, id_number, name, head_name, region_code, town, village, raw in rows.iterator(
        chunk_size=CHUNK_SIZE
    ):
        if run_id not in runs:  # one query per run exported (usually one)
            runs[run_id] = CheckRun.objects.only("rules").get(pk=run_id)
        rule = rule_for(rule_id, runs[run_id])
        id_number = id_number or ""
        if user is not None and id_number:
            id_number = masking.id_number_for(user, id_number, revealed=True)  # an export is a logged, deliberate act
        yield (
            run_id,
            rule_id,
            rule.title_zh if rule else "",
            rule.item if rule else "",
            rule.severity if rule else "",
            rule.level if rule else "",
            number,
            id_number,
            name or "",
            head_name or "",
            region_code,
            town or "",
            village or "",
            values_in_words(json.loads(raw or "{}")),
            raw,
        )


class _Echo:
    """A file-like object whose write returns the text, for csv.writer inside a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[tuple]) -> Iterator[str]:
    """CSV text in UTF-8 with a byte-order mark (Excel in Chinese Windows reads it as UTF-8), line by line."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow(row)


def write_csv(rows: Iterable[tuple], stream: IO[str]) -> int:
    """Write the rows as CSV to a text stream (open it with newline=""); return the number of findings."""
    count = -1
    for count, chunk in enumerate(csv_chunks(rows)):  # noqa: B007 - the count is the point
        stream.write(chunk)
    return count


def write_xlsx(rows: Iterable[tuple], target, *, exported_by: str = "", exported_at=None) -> int:
    """Write the rows to an .xlsx file (path or binary file object), one sheet; return the number of findings.

    ``exported_by`` and ``exported_at`` go into the document's properties (author, created, comments), so a file
    found on a shared drive still says who took it out of jingzhun and when.
    """
    book = xlsx.workbook(target, {"constant_memory": True})
    if exported_by or exported_at:
        properties = {"author": exported_by, "comments": f"jingzhun export by {exported_by} at {exported_at}"}
        if exported_at is not None:
            properties["created"] = exported_at.replace(tzinfo=None)
        book.set_properties(properties)
    header = book.add_format({"bold": True})
    widths = {"rule_title_zh": 28, "household_no": 20, "id_number": 20, "values": 60, "values_json": 40}

    def start(sheet) -> None:
        for index, column in enumerate(COLUMNS):
            sheet.set_column(index, index, widths.get(column, 12))
        sheet.write_row(0, 0, COLUMNS, header)
        sheet.freeze_panes(1, 0)

    try:
        sheets = xlsx.Sheets(book, "findings", start)  # over a million findings go on in "findings (2)" …
        for row in rows:
            sheet, index = sheets.next()
            sheet.write_row(index, 0, row)
    finally:
        book.close()
    return sheets.rows


def write_findings(findings, fmt: str, target, *, user=None) -> int:
    """Export ``findings`` as ``fmt`` (csv or xlsx) to ``target`` (a path); return the number of findings."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    rows = export_rows(findings, user=user)
    if fmt == "csv":
        with open(target, "w", encoding="utf-8", newline="") as stream:
            return write_csv(rows, stream)
    return write_xlsx(rows, str(target))
