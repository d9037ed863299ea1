"""Reading a list of outside (non-registered) households for the omission rate: .xlsx, .xls or .csv, with the
registry importer's reader (encoding detected, header row found below titles, merged cells, Excel numbers)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from jingzhun.importer.cleaning import CleanError, clean_text
from jingzhun.importer.reading import ReadError, find_header, is_blank, read_table

#: Column → the headers offices write for it (first is the canonical one).
COLUMNS: dict[str, tuple[str, ...]] = {
    "village": ("村代码", "区划代码", "行政区划代码", "village code"),
    "head_name": ("户主姓名", "户主", "姓名", "head of household"),
    "persons": ("家庭人口数", "人口数", "人数", "persons"),
    "reference": ("编号", "序号", "户号", "reference"),
}
REQUIRED = ("village", "head_name", "persons")
ALIASES = {alias.lower(): column for column, aliases in COLUMNS.items() for alias in aliases}


class OutsideListError(Exception):
    """The file as a whole cannot be used (unreadable, no header row, required columns missing)."""


def read_outside(path: Path) -> list[dict]:
    """The rows of the list as {village, head_name, persons, reference, row}; blank rows skipped."""
    try:
        rows = read_table(Path(path)).rows()
        header = find_header(rows, lambda headers: sum(1 for h in headers if h.lower() in ALIASES), minimum=2)
        if header is None:
            raise OutsideListError(_("No header row found (expected 村代码, 户主姓名, 人数)."))
        positions: dict[str, int] = {}
        for index, text in enumerate(header[1]):
            column = ALIASES.get(text.lower())
            if column and column not in positions:
                positions[column] = index
        missing = [COLUMNS[column][0] for column in REQUIRED if column not in positions]
        if missing:
            raise OutsideListError(_("Required columns missing: %(columns)s") % {"columns": ", ".join(missing)})
        found = []
        for number, cells in rows:
            if is_blank(cells):
                continue
            row = {"row": number}
            for column, index in positions.items():
                try:
                    row[column] = clean_text(cells[index] if index < len(cells) else None)
                except CleanError:
                    row[column] = ""
            found.append(row)
        return found
    except ReadError as exc:
        raise OutsideListError(str(exc)) from None
