"""Read a table file (.csv, .xlsx, .xls, .parquet) into numbered rows of cells, and find its header row.

Free of Django. Workbooks are read with python-calamine (the first sheet; formulas arrive as their cached values);
CSV text is decoded as UTF-8 (with or without a byte-order mark) or, failing that, GB18030 (a superset of GBK and
GB2312, what Excel on a Chinese Windows writes), and the reader says which it used. CSV and Parquet are streamed;
calamine loads a sheet whole, so a zip-based workbook is inspected first (declared sizes, compression ratio, the
cells' extent and size) and refused before calamine sees it when it would explode in memory.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jingzhun.importer.cleaning import clean_header

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".ods")
SUFFIXES = (".csv", ".parquet", *WORKBOOK_SUFFIXES)
#: How far down the header row may sit below title rows.
HEADER_SEARCH_ROWS = 30
#: Excel's own limits: 16,384 columns (XFD), 1,048,576 rows, 32,767 characters in a cell. A file beyond them was
#: not written by a spreadsheet and is refused before it is read.
MAX_COLUMNS = 16_384
MAX_ROWS = 1_048_576
#: A zip member inflating more than this many times over its compressed size is a zip bomb (a workbook's XML
#: compresses about 10×); sizes are the ones the zip declares, checked before anything is inflated.
MAX_RATIO = 100
RATIO_FLOOR = 16 * 1024 * 1024  # small members (styles, themes) may compress better
MAX_UNCOMPRESSED = 8 * 1024**3  # a 1M-person workbook's sheet is about 2.3 GB of XML
#: A dense sheet of more cells than this would not fit in memory once calamine loads it (about 32 bytes a cell).
MAX_CELLS = 120_000_000
#: Bytes between two cells of a sheet, or two shared strings: 32,767 characters written as XML, with room to spare.
MAX_CELL_BYTES = 1024 * 1024
#: The csv module's own limit on one cell (131,072 characters), said in the error.
CSV_FIELD_LIMIT = csv.field_size_limit()

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
    text_cells: bool = False  # every cell is text or None (CSV): cleaning need not tell 1 from "1"


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


_BLOCK = 1 << 20


def sniff_encoding(path: Path) -> tuple[str, int]:
    """Return the encoding of a CSV file (as ``decode`` names it) and its number of lines, in bounded memory.

    One pass in 1 MiB blocks validates UTF-8 incrementally (a second one GB18030 if that fails) and refuses NUL
    bytes: a text file has none, and a binary file renamed .csv does.
    """
    with open(path, "rb") as handle:
        bom = handle.read(3) == b"\xef\xbb\xbf"
        if not bom:
            handle.seek(0)
        utf8, lines = codecs.getincrementaldecoder("utf-8")(), 0
        valid = True
        for block in iter(lambda: handle.read(_BLOCK), b""):
            if b"\x00" in block:
                raise ReadError("the file contains NUL bytes: it is not a CSV text file")
            lines += block.count(b"\n")
            if valid:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError as exc:
                    if bom:
                        raise ReadError(
                            f"the file starts with a UTF-8 byte-order mark but is not UTF-8 ({exc})"
                        ) from None
                    valid = False
        if valid:
            try:
                utf8.decode(b"", final=True)
                return (UTF8_BOM if bom else UTF8), lines + 1
            except UnicodeDecodeError:
                pass
        handle.seek(0)
        gb = codecs.getincrementaldecoder("gb18030")()
        try:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                gb.decode(block)
            gb.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise ReadError(f"the file is neither UTF-8 nor GB18030/GBK text ({exc})") from None
    return GB18030, lines + 1


_PYTHON_CODEC = {UTF8_BOM: "utf-8-sig", UTF8: "utf-8", GB18030: "gb18030"}


def read_table(path: Path) -> Table:
    """Open ``path`` as a table; raise ReadError if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        encoding, lines = sniff_encoding(path)

        def csv_rows() -> Iterator[tuple[int, list]]:
            with open(path, encoding=_PYTHON_CODEC[encoding], newline="") as handle:
                try:
                    for number, cells in enumerate(csv.reader(handle), start=1):
                        if len(cells) > MAX_COLUMNS:
                            raise ReadError(f"row {number} has {len(cells):,} cells: more than the {MAX_COLUMNS:,} "
                                            "columns a sheet holds")  # fmt: skip
                        yield number, cells
                except csv.Error as exc:
                    if "field larger than field limit" in str(exc):
                        raise ReadError(f"a cell is longer than {CSV_FIELD_LIMIT:,} characters") from None
                    raise ReadError(f"the CSV cannot be parsed: {exc}") from None

        return Table(path, encoding, lines, csv_rows, text_cells=True)
    if suffix == ".parquet":
        return _parquet_table(path)
    if suffix in WORKBOOK_SUFFIXES:
        from python_calamine import CalamineWorkbook

        if suffix in ZIP_SUFFIXES:
            inspect_zip(path)
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        except Exception as exc:  # calamine raises its own error types for every kind of broken workbook
            raise ReadError(f"the file cannot be read as a workbook: {exc}") from None
        if sheet.width > MAX_COLUMNS:
            raise ReadError(f"the sheet has {sheet.width:,} columns: more than the {MAX_COLUMNS:,} a sheet holds")

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


def columns_of_rows(
    rows: Iterable[tuple[int, list]], width: int, size: int
) -> Iterator[tuple[list[int], list[bool], list[Sequence]]]:
    """Yield numbered rows ``size`` at a time as (row numbers, blank flags, cells column by column): ``width``
    columns, a short row padded with None.

    Rows of one length (a CSV's, nearly always) are transposed as they are: cutting each row to ``width`` first
    cost more than the transposition itself.
    """
    rows = iter(rows)
    for chunk in iter(lambda: list(itertools.islice(rows, size)), []):
        numbers = [number for number, _cells in chunk]
        cells = [row_cells for _number, row_cells in chunk]
        blank = [False] * len(cells)
        for position, row_cells in enumerate(cells):
            # A row whose first cell holds something is not blank; the others are looked at in full.
            first = row_cells[0] if row_cells else None
            if first is None or (type(first) is str and not first.strip()) or not first:
                blank[position] = is_blank(row_cells)
        if any(len(row_cells) < width for row_cells in cells):
            cells = [row if len(row) >= width else [*row, *([None] * (width - len(row)))] for row in cells]
        columns = list(zip(*cells, strict=False))[:width] if width else []  # rows at least ``width`` long
        yield numbers, blank, columns


def _parquet_table(path: Path) -> Table:
    """A Parquet file (bulk machine transfers): column names are the header row, record batches are streamed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ReadError(f"the file cannot be read as Parquet: {exc}") from None
    names = source.schema_arrow.names
    if len(names) > MAX_COLUMNS:
        raise ReadError(f"the file has {len(names):,} columns: more than the {MAX_COLUMNS:,} a sheet holds")

    def parquet_rows() -> Iterator[tuple[int, list]]:
        yield 1, list(names)
        number = 1
        try:
            for batch in source.iter_batches(batch_size=10_000):
                for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                    number += 1
                    yield number, list(row)
        except pa.ArrowException as exc:
            raise ReadError(f"the Parquet file cannot be read: {exc}") from None

    return Table(path, None, source.metadata.num_rows + 1, parquet_rows)


# Cell references (r="BF1024"): the column letters, and the row number. Row elements carry digits only.
_COLUMN_REF = re.compile(rb' r="([A-Z]{1,9})[0-9]')
_ROW_REF = re.compile(rb' r="[A-Z]{1,9}([0-9]{1,12})"')
# A text run of more than MAX_CELL_BYTES between two tags (one cell's value; XML writes "<" in text as &lt;).
_LONG_TEXT = re.compile(rb">[^<]{%d}" % MAX_CELL_BYTES)


def inspect_zip(path: Path) -> None:
    """Refuse a zip-based workbook that would exhaust memory when read, before calamine inflates it.

    Checks the sizes the zip declares (total, and each large member's compression ratio), then streams the sheets
    (and the shared strings) once to find how far their cells reach and how large one cell is. calamine holds a
    sheet as a dense grid, so two cells at A1 and XFD1048576 of a 1 kB file would ask for 17 billion cells.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(f"the file cannot be read as a workbook: {exc}") from None
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED:
            raise ReadError(f"the workbook declares {total:,} bytes uncompressed: more than {MAX_UNCOMPRESSED:,}")
        for member in members:
            if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise ReadError(
                    f"{member.filename} inflates {member.file_size // max(member.compress_size, 1):,} times "
                    f"(to {member.file_size:,} bytes): a zip bomb, not a workbook"
                )
        for member in members:
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                rows, columns = _scan(archive, member, extent=True)
                if columns > MAX_COLUMNS or rows > MAX_ROWS or rows * columns > MAX_CELLS:
                    raise ReadError(
                        f"the sheet reaches row {rows:,} and column {columns:,}: more cells than can be read "
                        f"(at most {MAX_COLUMNS:,} columns, {MAX_ROWS:,} rows, {MAX_CELLS:,} cells)"
                    )
            elif name == "xl/sharedStrings.xml":
                _scan(archive, member, extent=False)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, extent: bool) -> tuple[int, int]:
    """Stream ``member``; return the furthest row and column its cells reference, and refuse it when one cell's
    text is longer than MAX_CELL_BYTES. Every step is a regex or bytes search (C speed); memory stays at a block.

    A 100k-person sheet (225 MB of XML) takes about 1.5 s, a third of what calamine then takes to read it.
    """
    rows = columns = 0
    letters: set[bytes] = set()
    tail = b""
    with archive.open(member) as handle:
        for block in iter(lambda: handle.read(4 * _BLOCK), b""):
            data = tail + block
            cut = data.rfind(b"<")  # a tag may be split between blocks: keep it for the next one
            if cut <= 0:
                cut = len(data)
            if len(data) - cut > MAX_CELL_BYTES or _LONG_TEXT.search(data, 0, cut):
                raise ReadError(f"{member.filename} holds a cell of more than {MAX_CELL_BYTES:,} bytes")
            if extent:
                letters.update(_COLUMN_REF.findall(data, 0, cut))
                found = _ROW_REF.findall(data, 0, cut)
                if found:
                    rows = max(rows, max(map(int, set(found))))
            tail = data[cut:]
    if letters:
        columns = max(_column_number(found) for found in letters)
    return rows, columns


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
