"""Read a table file (.csv, .xlsx, .xls) into numbered rows of cells, and find its header row.

Free of Django. Workbooks are read with python-calamine (the first sheet; formulas arrive as their cached values);
CSV text is decoded as UTF-8 (with or without a byte-order mark) or, failing that, GB18030 (a superset of GBK and
GB2312, what Excel on a Chinese Windows writes), and the reader says which it used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jingzhun.importer.cleaning import clean_header

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)
#: How far down the header row may sit below title rows.
HEADER_SEARCH_ROWS = 30

UTF8_BOM = "UTF-8 with BOM"
UTF8 = "UTF-8"
GB18030 = "GB18030"


class ReadError(Exception):
    """The file cannot be read as a table at all (unknown type, undecodable, not a workbook)."""


@dataclass
class Table:
    """The rows of a file: ``rows`` yields (1-based row number in the file, cells); ``encoding`` for CSV only."""

    path: Path
    encoding: str | None
    total: int  # number of rows, for the progress bar
    rows: Callable[[], Iterator[tuple[int, list]]]


def decode(data: bytes) -> tuple[str, str]:
    """Return the text and the encoding used: UTF-8 with BOM, UTF-8, or GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), UTF8_BOM
        except UnicodeDecodeError as exc:
            raise ReadError(f"the file starts with a UTF-8 byte-order mark but is not UTF-8 ({exc})") from None
    try:
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), GB18030
    except UnicodeDecodeError as exc:
        raise ReadError(f"the file is neither UTF-8 nor GB18030/GBK text ({exc})") from None


def read_table(path: Path) -> Table:
    """Open ``path`` as a table; raise ReadError if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, encoding = decode(path.read_bytes())
        if "\x00" in text:
            raise ReadError("the file contains NUL bytes: it is not a CSV text file")
        lines = text.splitlines()

        def csv_rows() -> Iterator[tuple[int, list]]:
            try:
                yield from enumerate(csv.reader(io.StringIO(text)), start=1)
            except csv.Error as exc:
                raise ReadError(f"the CSV cannot be parsed: {exc}") from None

        return Table(path, encoding, len(lines), csv_rows)
    if suffix in WORKBOOK_SUFFIXES:
        from python_calamine import CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        except Exception as exc:  # calamine raises its own error types for every kind of broken workbook
            raise ReadError(f"the file cannot be read as a workbook: {exc}") from None

        merged = _merged_cells(sheet)

        def sheet_rows() -> Iterator[tuple[int, list]]:
            # iter_rows starts at the sheet's first row (A1), so the index is the row number Excel shows.
            if not merged:
                yield from enumerate(sheet.iter_rows(), start=1)
                return
            anchors: dict[tuple[int, int], object] = {}
            for index, cells in enumerate(sheet.iter_rows()):
                for column, cell in enumerate(cells):
                    anchor = merged.get((index, column))
                    if anchor == (index, column):
                        anchors[anchor] = cell
                    elif anchor is not None:
                        cells[column] = anchors.get(anchor, cell)
                yield index + 1, cells

        return Table(path, None, sheet.height + (sheet.start[0] if sheet.start else 0), sheet_rows)
    raise ReadError(f"unknown file type {suffix or '(none)'}: use one of {', '.join(SUFFIXES)}")


def _merged_cells(sheet) -> dict[tuple[int, int], tuple[int, int]]:
    """Map every cell of a merged range to the range's top-left cell (exports merge a household's repeated cells).

    A workbook keeps a merged range's value in its top-left cell only; the others read as empty, which would make a
    household's second member disagree with its first. Ranges are bounded by the sheet, so this map is too.
    """
    cells: dict[tuple[int, int], tuple[int, int]] = {}
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                cells[(row, column)] = (top, left)
    return cells


def is_blank(cells: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def find_header(
    rows: Iterator[tuple[int, list]], score: Callable[[list[str]], int], minimum: int = 2
) -> tuple[int, list[str]] | None:
    """Return the (row number, cleaned headers) of the best-scoring row among the first rows, or None.

    ``score`` counts the known headers in a row; title rows above the header (a merged title, a date line) score
    low. The rows iterator is left just after the header row.
    """
    best: tuple[int, int, list[str]] | None = None
    seen = []
    for number, cells in rows:
        headers = [clean_header(cell) for cell in cells]
        seen.append((number, headers))
        points = score(headers)
        if points >= minimum and (best is None or points > best[0]):
            best = (points, number, headers)
            # A row that names (nearly) every cell is the header; stop before reading into the data.
            if points >= max(minimum, sum(1 for header in headers if header) - 1):
                break
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return None
    return best[1], best[2]
