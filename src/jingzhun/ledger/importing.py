"""Import a list of problems found by an assessment (成效考核), an inspection (巡视 "回头看") or an audit (审计).

The list is an .xlsx or .csv with one problem a row: a region code or a household number, the item of the
standard, a description, and optionally a deadline, a severity and a responsible person. It is read and cleaned
with the registry importer's reader (header row found below titles, aliases, merged cells, Excel dates), and
validated like the registry: every data row ends either as a new problem or in the rejection report with its row,
column, value and reason in Chinese and English. Nothing is written unless the whole file is processed (one
transaction); rows outside the importer's region are rejected, never imported.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from jingzhun.audit.chain import record
from jingzhun.importer.cleaning import CleanError, clean_date, clean_text
from jingzhun.importer.reading import ReadError, find_header, is_blank, read_table
from jingzhun.importer.report import write_table
from jingzhun.ledger.models import Event, ListImport, Problem, Status
from jingzhun.ledger.transitions import default_deadline, week_of
from jingzhun.registry import regions
from jingzhun.registry.access import scope_code
from jingzhun.registry.models import Household, Region

#: Column → the headers offices write for it (one data table; first is the canonical one).
COLUMNS: dict[str, tuple[str, ...]] = {
    "region": ("区划代码", "行政区划代码", "村代码", "地区代码", "region code"),
    "household": ("户编号", "户码", "household number"),
    "item": ("问题类别", "问题类型", "指标", "项目", "item"),
    "description": ("问题描述", "具体问题", "存在问题", "问题", "description"),
    "deadline": ("整改时限", "完成时限", "截止日期", "整改期限", "deadline"),
    "severity": ("严重程度", "问题等级", "等级", "severity"),
    "person": ("责任人", "整改责任人", "responsible person"),
}
REQUIRED = ("item", "description")
ALIASES = {alias.lower(): column for column, aliases in COLUMNS.items() for alias in aliases}

#: Item spellings → item of the standard.
ITEM_WORDS: dict[str, str] = {
    **{word: "education" for word in ("教育", "义务教育", "义务教育有保障", "控辍保学", "education")},
    **{word: "medical" for word in ("医疗", "基本医疗", "基本医疗有保障", "医保", "medical", "medical care")},
    **{word: "housing" for word in ("住房", "住房安全", "住房安全有保障", "危房", "housing")},
    **{word: "water" for word in ("饮水", "饮水安全", "安全饮水", "饮水安全有保障", "water", "drinking water")},
    **{word: "food" for word in ("吃", "不愁吃", "food")},
    **{word: "clothing" for word in ("穿", "不愁穿", "clothing")},
    **{word: "income" for word in ("收入", "收入达标", "income")},
    **{word: "monitoring" for word in ("监测", "防返贫监测", "监测帮扶", "monitoring")},
    **{word: "data" for word in ("数据", "数据质量", "信息采集", "data", "data quality")},
}
SEVERITY_WORDS = {"高": "high", "严重": "high", "high": "high", "中": "medium", "一般": "medium",
                  "medium": "medium", "低": "low", "轻微": "low", "low": "low"}  # fmt: skip

#: Rejection reasons: code → (Chinese, English).
REASONS: dict[str, tuple[str, str]] = {
    "missing_value": ("必填项为空", "a required value is empty"),
    "bad_region": ("区划代码不是12位数字", "the region code is not twelve digits"),
    "unknown_region": ("区划代码不在区划表中", "the region code is not in the region table"),
    "outside_scope": ("不在您的管辖区域内", "outside your region"),
    "unknown_household": ("户编号不存在", "no household has this number"),
    "household_elsewhere": ("户编号与区划代码不一致", "the household is not in the given region"),
    "no_place": ("区划代码和户编号至少填一项", "give a region code or a household number"),
    "unknown_item": ("问题类别无法识别", "the item of the standard is not recognised"),
    "unknown_severity": ("严重程度应为高/中/低", "severity must be high, medium or low"),
    "bad_date": ("日期无法识别", "the date cannot be read"),
    "too_long": ("内容过长", "the text is too long"),
    "duplicate": ("与前面的行重复", "repeats an earlier row"),
}


class ListError(Exception):
    """The file as a whole cannot be imported (unreadable, no header row, required columns missing)."""


@dataclass
class Outcome:
    rows: int = 0
    created: list[int] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    record: ListImport | None = None


def _reject(outcome: Outcome, row: int, column: str, value, reason: str) -> None:
    zh, en = REASONS[reason]
    outcome.rejections.append({"row": row, "column": column, "value": "" if value is None else str(value)[:200],
                               "reason": reason, "reason_zh": zh, "reason_en": en})  # fmt: skip


def _header_score(headers: list[str]) -> int:
    return sum(1 for header in headers if header.lower() in ALIASES)


def import_list(path: Path, user, *, source: str, name: str | None = None, dry_run: bool = False) -> Outcome:
    """Read, validate and (unless ``dry_run``) store the list; raise ListError for a file that cannot be used."""
    from jingzhun.ledger.access import can_manage

    if not can_manage(user):
        raise PermissionError("the manage_problems right is needed to import problem lists")
    try:
        table = read_table(Path(path))
    except ReadError as exc:
        raise ListError(str(exc)) from None
    rows = table.rows()
    try:
        header = find_header(rows, _header_score, minimum=2)
    except ReadError as exc:
        raise ListError(str(exc)) from None
    if header is None:
        raise ListError("no header row found (expected columns such as 区划代码, 户编号, 问题类别, 问题描述)")
    _header_row, headers = header
    positions: dict[str, int] = {}
    for index, text in enumerate(headers):
        column = ALIASES.get(text.lower())
        if column and column not in positions:
            positions[column] = index
    missing = [COLUMNS[column][0] for column in REQUIRED if column not in positions]
    if "region" not in positions and "household" not in positions:
        missing.append(f"{COLUMNS['region'][0]} / {COLUMNS['household'][0]}")
    if missing:
        raise ListError("required columns missing: " + ", ".join(missing))
    scope = scope_code(user)
    outcome = Outcome()
    candidates: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    try:
        for number, cells in rows:
            if is_blank(cells):
                continue
            outcome.rows += 1
            value = {column: cells[index] if index < len(cells) else None for column, index in positions.items()}
            problem = _validate(outcome, number, value, scope)
            if problem is None:
                continue
            key = (problem["region_code"], problem.get("household_id"), problem["item"], problem["description"])
            if key in seen:
                _reject(outcome, number, COLUMNS["description"][0], problem["description"], "duplicate")
                continue
            seen[key] = number
            candidates.append((number, problem))
    except ReadError as exc:
        raise ListError(str(exc)) from None
    _resolve_places(outcome, candidates, scope)
    if dry_run:
        return outcome
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    file_name = name or Path(path).name
    now = timezone.now()
    with transaction.atomic():
        valid = [(number, problem) for number, problem in candidates if not problem.get("rejected")]
        created = Problem.objects.bulk_create([
            Problem(source=source, source_ref=f"{file_name}:{number}", opened_at=now, created_by=user,
                    status=Status.OPEN, **{k: v for k, v in problem.items() if k != "rejected"})
            for number, problem in valid
        ])  # fmt: skip
        if created and created[0].pk is None:  # backends without RETURNING on bulk inserts
            refs = [problem.source_ref for problem in created]
            created = list(Problem.objects.filter(source=source, source_ref__in=refs, opened_at=now))
        Event.objects.bulk_create([
            Event(problem_id=problem.pk, action=Event.Action.CREATED, at=now, week=week_of(now),
                  region_code=problem.region_code, actor=user, to_status=Status.OPEN,
                  details={"source": source, "file": file_name})
            for problem in created
        ])  # fmt: skip
        outcome.rejections.sort(key=lambda rejection: rejection["row"])
        outcome.created = [problem.pk for problem in created]
        outcome.record = ListImport.objects.create(
            source=source, file_name=file_name[:200], sha256=digest, rows=outcome.rows, created=len(created),
            rejected=len({rejection["row"] for rejection in outcome.rejections}), rejections=outcome.rejections,
            imported_by=user, imported_at=now, region_code=scope or "",
        )  # fmt: skip
        record("problem_list_imported", actor=user, obj=outcome.record, region_code=scope or "",
               changes={"file": file_name, "sha256": digest, "source": source, "rows": outcome.rows,
                        "created": len(created), "rejected": outcome.record.rejected})  # fmt: skip
    return outcome


def _validate(outcome: Outcome, number: int, value: dict, scope: str | None) -> dict | None:
    """Clean one row; return the problem's fields, or None after rejecting it (first problem found wins)."""
    try:
        region = clean_text(value.get("region"))
        household = clean_text(value.get("household"))
        item_text = clean_text(value.get("item"))
        description = clean_text(value.get("description"))
        severity_text = clean_text(value.get("severity")).lower()
        person = clean_text(value.get("person"))
    except CleanError:
        _reject(outcome, number, "", "", "too_long")
        return None
    if not item_text:
        _reject(outcome, number, COLUMNS["item"][0], item_text, "missing_value")
        return None
    item = ITEM_WORDS.get(item_text.lower())
    if item is None:
        _reject(outcome, number, COLUMNS["item"][0], item_text, "unknown_item")
        return None
    if not description:
        _reject(outcome, number, COLUMNS["description"][0], description, "missing_value")
        return None
    if len(description) > 4000 or len(person) > 60:
        _reject(outcome, number, COLUMNS["description"][0], description[:50], "too_long")
        return None
    severity = SEVERITY_WORDS.get(severity_text, "medium" if not severity_text else None)
    if severity is None:
        _reject(outcome, number, COLUMNS["severity"][0], severity_text, "unknown_severity")
        return None
    try:
        deadline = clean_date(value.get("deadline"))
    except CleanError:
        _reject(outcome, number, COLUMNS["deadline"][0], value.get("deadline"), "bad_date")
        return None
    if not region and not household:
        _reject(outcome, number, COLUMNS["region"][0], "", "no_place")
        return None
    if region and not regions.is_code(region):
        _reject(outcome, number, COLUMNS["region"][0], region, "bad_region")
        return None
    if region and scope and not regions.contains(scope, region):
        _reject(outcome, number, COLUMNS["region"][0], region, "outside_scope")
        return None
    return {"region_code": region, "household_number": household, "item": item, "description": description,
            "severity": severity, "deadline": deadline or default_deadline(severity), "responsible_person": person,
            "_row": number}  # fmt: skip


def _resolve_places(outcome: Outcome, candidates: list[tuple[int, dict]], scope: str | None) -> None:
    """Look regions and households up in two queries; reject rows whose place is unknown or not the user's."""
    codes = {problem["region_code"] for _number, problem in candidates if problem["region_code"]}
    numbers = {problem["household_number"] for _number, problem in candidates if problem["household_number"]}
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    households = dict(
        Household.objects.filter(number__in=numbers).values_list("number", "pk") if numbers else []
    )  # fmt: skip
    villages = dict(Household.objects.filter(number__in=numbers).values_list("number", "village_id")) if numbers else {}
    for number, problem in candidates:
        problem.pop("_row", None)
        household = problem.pop("household_number")
        if household:
            if household not in households:
                _reject(outcome, number, COLUMNS["household"][0], household, "unknown_household")
                problem["rejected"] = True
                continue
            village = villages[household]
            if problem["region_code"] and not regions.contains(problem["region_code"], village):
                _reject(outcome, number, COLUMNS["household"][0], household, "household_elsewhere")
                problem["rejected"] = True
                continue
            if scope and not regions.contains(scope, village):
                _reject(outcome, number, COLUMNS["household"][0], household, "outside_scope")
                problem["rejected"] = True
                continue
            problem["household_id"] = households[household]
            problem["region_code"] = village
        elif problem["region_code"] not in known:
            _reject(outcome, number, COLUMNS["region"][0], problem["region_code"], "unknown_region")
            problem["rejected"] = True


REPORT_HEADER = ("行号 row", "列 column", "值 value", "原因", "reason", "代码 code")


def report_rows(rejections: list[dict]) -> list[tuple]:
    return [(r["row"], r["column"], r["value"], r["reason_zh"], r["reason_en"], r["reason"]) for r in rejections]


def report_csv(rejections: list[dict]) -> bytes:
    buffer = io.BytesIO()
    write_table(REPORT_HEADER, report_rows(rejections), buffer, ".csv")
    return buffer.getvalue()


def report_xlsx(rejections: list[dict]) -> bytes:
    buffer = io.BytesIO()
    write_table(REPORT_HEADER, report_rows(rejections), buffer, ".xlsx")
    return buffer.getvalue()
