"""The ledger (台账) as an .xlsx in the layout offices keep: one row per problem, with where it is, whose it is,
its deadline, the rectification measures and the verification result with their dates.

Streams: problems are read in chunks and written in xlsxwriter's constant-memory mode. Region names and heads of
household are fetched per chunk (two queries), never per row. ID numbers are masked unless the user may see them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.core import xlsx
from jingzhun.ledger.dashboard import item_label, unit_label
from jingzhun.ledger.models import ACTIVE, Severity, Source, Status
from jingzhun.registry import masking, regions
from jingzhun.registry.access import heads_of
from jingzhun.registry.models import Region

CHUNK = 2000


def headers() -> list[str]:
    return [
        _("No."), _("Problem no."), _("Source"), _("Source reference"), _("County"), _("Town"), _("Village"),
        _("Household number"), _("Head of household"), _("ID number"), _("Item of the standard"), _("Description"),
        _("Severity"), _("Responsible unit"), _("Responsible person"), _("Found on"), _("Deadline"), _("Overdue"),
        _("Status"), _("Fixed in data"), _("Rectification measures"), _("Rectified on"), _("Verification result"),
        _("Verified by"), _("Closed on"), _("Reason for rejection"),
    ]  # fmt: skip


def _names_of(codes: set[str]) -> dict[str, str]:
    wanted = set()
    for code in codes:
        if regions.is_code(code):
            wanted.update([code, *regions.ancestor_codes(code)])
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def _at(code: str, level: str) -> str:
    """The code of ``code``'s ancestor (or itself) at ``level``, if it lies at or below that level."""
    if not regions.is_code(code):
        return ""
    chain = [*regions.ancestor_codes(code), code]
    return next((c for c in chain if regions.level_of(c) == level), "")


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()


def rows(problems, user):
    """Yield one list of cells per problem (in ``problems``' order)."""
    today = timezone.localdate()
    problems = problems.select_related("household", "assignee_region", "closed_by")
    number = 0
    chunk = []
    for problem in problems.iterator(chunk_size=CHUNK):
        chunk.append(problem)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(chunk, user, today, number)
            number += len(chunk)
            chunk = []
    if chunk:
        yield from _chunk_rows(chunk, user, today, number)


def _chunk_rows(chunk, user, today, number):
    names = _names_of({problem.region_code for problem in chunk})
    household_ids = [problem.household_id for problem in chunk if problem.household_id]
    heads = heads_of(user, household_ids)
    for offset, problem in enumerate(chunk, start=1):
        head = heads.get(problem.household_id)
        overdue = problem.status in ACTIVE and problem.deadline is not None and problem.deadline < today
        yield [
            number + offset,
            problem.pk,
            str(Source(problem.source).label),
            problem.source_ref,
            names.get(_at(problem.region_code, "county"), ""),
            names.get(_at(problem.region_code, "town"), ""),
            names.get(_at(problem.region_code, "village"), ""),
            problem.household.number if problem.household else "",
            head.name if head else "",
            masking.id_number_for(user, head.id_number, revealed=True) if head and head.id_number else "",
            item_label(problem.item),
            problem.description,
            str(Severity(problem.severity).label) if problem.severity in Severity.values else problem.severity,
            unit_label(problem.assignee_region.name if problem.assignee_region else "", problem.assignee_sector),
            problem.responsible_person,
            _date(problem.opened_at),
            _date(problem.deadline),
            _("yes") if overdue else "",
            str(Status(problem.status).label),
            _date(problem.fixed_in_data_at),
            problem.measures,
            _date(problem.rectified_at),
            problem.verification_result if problem.status == Status.CLOSED else "",
            (problem.closed_by.get_full_name() or problem.closed_by.username) if problem.closed_by else "",
            _date(problem.closed_at) if problem.status == Status.CLOSED else "",
            problem.rejection_reason if problem.status == Status.REJECTED else "",
        ]


def write_xlsx(problems, user, target, *, title: str = "") -> int:
    """Write the ledger to ``target`` (a path or binary file); return the number of problems."""
    now = timezone.now()
    workbook = xlsx.workbook(target, {"constant_memory": True})
    workbook.set_properties({"title": title, "author": user.get_username(),
                             "comments": f"jingzhun ledger export by {user.get_username()} at {now.isoformat()}",
                             "created": now.replace(tzinfo=None)})  # fmt: skip
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    red = workbook.add_format({"font_color": "#b91c1c", "bold": True})
    widths = [6, 9, 12, 18, 10, 10, 10, 20, 10, 20, 12, 40, 8, 14, 10, 11, 11, 6, 12, 11, 40, 11, 30, 10, 11, 30]

    def start(sheet) -> None:
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.write_row(0, 0, headers(), bold)
        sheet.freeze_panes(1, 0)

    try:
        sheets = xlsx.Sheets(workbook, _("Ledger"), start)  # a province's ledger may need more than one sheet
        for row in rows(problems, user):
            sheet, index = sheets.next()
            for column, cell in enumerate(row):
                if isinstance(cell, int):
                    sheet.write_number(index, column, cell)
                elif column == 17 and cell:
                    sheet.write_string(index, column, cell, red)
                else:
                    sheet.write_string(index, column, cell or "")
        count = sheets.rows
        for number, sheet in enumerate(sheets.sheets, start=1):
            last = sheets.row if number == len(sheets.sheets) else sheets.limit - 1
            if last:
                sheet.autofilter(0, 0, last, len(widths) - 1)
    finally:
        workbook.close()
    return count
