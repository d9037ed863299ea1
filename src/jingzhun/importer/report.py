"""Write the rejection report: one line per rejected row and reason, in Chinese and English, as .csv or .xlsx."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from jingzhun.core import xlsx
from jingzhun.importer.messages import reason_text
from jingzhun.importer.registry_file import Rejection

FORMATS = (".csv", ".xlsx")
HEADER = ("行号 row", "户编号 household", "列 column", "值 value", "原因", "reason", "代码 code")


def default_path(source: Path) -> Path:
    """``<stem>.rejected.csv`` beside the input file."""
    return source.with_name(source.stem + ".rejected.csv")


def rows(rejections: list[Rejection]) -> list[tuple]:
    return [
        (
            rejection.row,
            rejection.household,
            rejection.column,
            rejection.value,
            reason_text(rejection.reason, rejection.detail, "zh-hans"),
            reason_text(rejection.reason, rejection.detail, "en"),
            rejection.reason,
        )
        for rejection in rejections
    ]


def write(rejections: list[Rejection], path: Path) -> None:
    """Write the report; the format is the suffix (.csv as UTF-8 with BOM so Excel shows the Chinese)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"a report ends in .csv or .xlsx, not {suffix or '(none)'}")
    write_table(HEADER, rows(rejections), path, suffix)


def write_table(header, lines, target, suffix: str) -> None:
    """Write a rejection report's lines (the row number first) as .csv or .xlsx to a path or a binary file.

    Shared by the registry import and the ledger's list import. CSV is UTF-8 with a byte-order mark (Excel then
    shows the Chinese); cells are written as text, never reinterpreted as numbers or dates.
    """
    if suffix == ".csv":
        handle = open(target, "wb") if isinstance(target, str | Path) else target  # noqa: SIM115 - closed below
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(lines)
        text.flush()
        text.detach()
        if handle is not target:
            handle.close()
        return
    on_disk = isinstance(target, str | Path)
    workbook = xlsx.workbook(str(target) if on_disk else target,
                             {"constant_memory": True} if on_disk else {"in_memory": True})  # fmt: skip
    bold = workbook.add_format({"bold": True})
    # A file of more than a million rows may have more rejections than a sheet holds: they go on in "rejected (2)".
    sheets = xlsx.Sheets(workbook, "rejected", lambda sheet: sheet.write_row(0, 0, header, bold))
    for line in lines:
        sheet, number = sheets.next()
        sheet.write_number(number, 0, line[0])
        for column, cell in enumerate(line[1:], start=1):
            sheet.write_string(number, column, str(cell))
    workbook.close()
