"""Turn the rows of a registry file into households with their members, and the rows that cannot be stored.

Free of Django: what the database allows (enumeration values, text lengths, decimal places) comes in a
:class:`Schema` the caller builds from the models. The file has one row per person with the household's fields
repeated (DOMAIN.md §4); headers are mapped through jingzhun.registry.template (aliases included).

What is rejected here (each with the file row, the column as the file names it, the value and a reason code): a
cell that cannot be cleaned, a missing required field, a member row whose household fields disagree with the
household's first row, and a person repeated within one household. A household with any rejected row is held
back whole; its other rows are rejected with ``held_back``.

The file is streamed: ``open_file`` finds the header, ``ParsedFile.batches`` cleans the rows a chunk at a time and
hands out households as soon as all their rows are read, so memory holds the households being read, not the file.
A household is complete once a row of another household follows it (files list a household's members together);
a file that breaks this is found out when a row of a household already handed out comes, and is read again
knowing each household's last row (``last_rows``). ``parse`` reads a whole file at once (small files, tests).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum.cn import ric

from jingzhun.importer import cleaning
from jingzhun.importer.cleaning import CleanError
from jingzhun.importer.reading import Table, columns_of_rows, find_header
from jingzhun.registry import template
from jingzhun.registry.template import Column

MISSING_REQUIRED = "missing_required"
HOUSEHOLD_CONFLICT = "household_conflict"
DUPLICATE_PERSON = "duplicate_person"
NOT_A_VILLAGE = "not_a_village"
OUTSIDE_SCOPE = "outside_scope"
HELD_BACK = "held_back"
#: Every reason a row can be rejected for, in the order the docs explain them.
REASONS = (
    cleaning.UNKNOWN_VALUE,
    cleaning.BAD_NUMBER,
    cleaning.BAD_DATE,
    cleaning.BAD_BOOL,
    cleaning.ID_AS_NUMBER,
    cleaning.TOO_MANY_DECIMALS,
    cleaning.OUT_OF_RANGE,
    cleaning.TOO_LONG,
    MISSING_REQUIRED,
    HOUSEHOLD_CONFLICT,
    DUPLICATE_PERSON,
    NOT_A_VILLAGE,
    OUTSIDE_SCOPE,
    HELD_BACK,
)

_REGION = "行政区划代码"
_NUMBER = "户编号"
_TOWN_NAME = "乡镇名称"
_VILLAGE_NAME = "村名称"
CHUNK_ROWS = 4096  # rows cleaned together, column by column


class RefusedFile(Exception):
    """The whole file is refused (no header row, required columns missing); ``missing`` lists those columns."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()):
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Schema:
    """What the database can hold: allowed enumeration values per choices class, text lengths, number formats."""

    allowed: dict[str, tuple[str, ...]]
    max_length: dict[str, int] = field(default_factory=dict)
    decimal_places: dict[str, tuple[int, int]] = field(default_factory=dict)  # field → (places, digits)
    int_maximum: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    row: int
    column: str
    value: str
    reason: str
    household: str = ""
    detail: str = ""  # e.g. the row a held-back row waits on


@dataclass
class FilePerson:
    row: int
    values: dict[str, object]

    @property
    def key(self) -> tuple[str, str]:
        """How a member is matched with the database: the ID number, else the name."""
        number = str(self.values.get("id_number") or "")
        return ("id", number) if number else ("name", str(self.values.get("name") or ""))


@dataclass
class FileHousehold:
    number: str
    region_code: str
    town_name: str
    village_name: str
    household: dict[str, object]
    income: dict[str, object]
    persons: list[FilePerson]

    @property
    def rows(self) -> list[int]:
        return [person.row for person in self.persons]


@dataclass
class ParsedFile:
    """A registry file whose header is found; its households are read in batches by ``batches``.

    ``rejections``, ``rows_read`` and ``blank_rows`` are complete once ``batches`` is exhausted (they restart with
    every pass). ``households`` is filled by ``parse`` only: the importer holds one batch at a time.
    """

    encoding: str | None
    header_row: int
    columns: dict[int, Column]
    headers: list[str]
    unknown_columns: list[str]
    households: list[FileHousehold] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    blank_rows: int = 0
    whole: bool = False  # read whole by ``parse``: ``households`` holds them all
    table: Table | None = field(default=None, repr=False)
    schema: Schema | None = field(default=None, repr=False)
    progress: Callable[[int], None] | None = field(default=None, repr=False)

    @property
    def rejected_rows(self) -> set[int]:
        return {rejection.row for rejection in self.rejections}

    def _cleaning_plan(self, headers: Iterable[str] | None = None) -> list[tuple]:
        wanted = None if headers is None else set(headers)
        return [(index, self.headers[index], column.header, column.required, column_cleaner(column, self.schema))
                for index, column in self.columns.items()
                if wanted is None or column.header in wanted]  # fmt: skip

    def _data_chunks(self) -> Iterator[tuple[int, list[int], list[Sequence]]]:
        """Yield (blank rows in the chunk, the other rows' numbers, their cells column by column, padded to the
        columns' width), CHUNK_ROWS rows at a time."""
        width = max(self.columns) + 1 if self.columns else 0
        for numbers, blank, columns in columns_of_rows(_data_rows(self.table.rows(), self.header_row), width,
                                                       CHUNK_ROWS):  # fmt: skip
            if self.progress is not None:
                self.progress(numbers[-1])
            if any(blank):
                kept = [position for position, flag in enumerate(blank) if not flag]
                numbers = [numbers[position] for position in kept]
                columns = [[column[position] for position in kept] for column in columns]
            yield len(blank) - len(numbers), numbers, columns

    def last_rows(self) -> dict[str, int]:
        """Return {household number: its last row in the file}: one pass that cleans the 户编号 column only."""
        plan = self._cleaning_plan([_NUMBER])
        last: dict[str, int] = {}
        for _blank, numbers, columns in self._data_chunks():
            chunk = _clean_columns(numbers, columns, plan, self.table.text_cells)
            for number, household_number in zip(chunk.numbers, chunk.columns.get(_NUMBER, ()), strict=False):
                household_number = _text_value(household_number)
                if household_number:
                    last[household_number] = number
        return last

    def batches(self, size: int | None, last_rows: dict[str, int] | None = None) -> Iterator[list[FileHousehold]]:
        """Clean every cell, group rows into households and validate them; yield the valid households in batches.

        A household is handed out once all its rows are read, ``size`` households at a time (``None``: all at the
        end). Without ``last_rows`` a household counts as complete when a row of another household follows it, and
        households go out in the order of their first rows; a row of a household handed out already raises
        Scattered, and the caller undoes what it did with the batches and passes again with ``last_rows()``. With
        them, households go out in the order their last rows are read: a household whose rows are scattered is held
        until its last row, the others are not held back by it.
        """
        self.rejections, self.rows_read, self.blank_rows = [], 0, 0
        plan = self._cleaning_plan()
        header_of = {column.header: self.headers[index] for index, column in self.columns.items()}
        index_of = {column.header: index for index, column in self.columns.items()}
        compared = [header for header in _HOUSEHOLD_HEADERS if header in header_of]
        person_headers = [header for header in _PERSON_FIELD_OF if header in header_of]
        person_fields = [_PERSON_FIELD_OF[header] for header in person_headers]
        rejections = self.rejections
        groups: dict[str, list[tuple[int, dict[str, object], list[Rejection]]]] = {}  # household → its rows
        # household → its first row, that row's household fields (in ``compared`` order) and its failed headers
        firsts: dict[str, tuple[int, tuple, set[str] | None]] = {}
        handed_out: set[str] = set()  # households already yielded (or rejected): a small set of keys
        current = ""  # the household of the last row read
        complete: list[str] = []  # with last_rows: households whose last row is read, in that order
        for blank, numbers, columns in self._data_chunks():
            self.blank_rows += blank
            self.rows_read += len(numbers)
            chunk = _clean_columns(numbers, columns, plan, self.table.text_cells)
            count = len(chunk.numbers)
            # A row's household fields as one tuple: a member's row is compared with its household's first row
            # in one comparison, field by field only when they differ.
            house_rows = list(zip(*(chunk.columns[header] for header in compared), strict=True)) if compared \
                else [()] * count  # fmt: skip
            person_rows = list(zip(*(chunk.columns[header] for header in person_headers), strict=True)) \
                if person_headers else [()] * count  # fmt: skip
            household_numbers = chunk.columns.get(_NUMBER) or [None] * count
            for position, number in enumerate(chunk.numbers):
                household_number = _text_value(household_numbers[position])
                problems = chunk.problems.get(position)
                problems = [_with_household(problem, household_number) for problem in problems] if problems else []
                if not household_number:
                    rejections.extend(problems or [Rejection(number, _NUMBER, "", MISSING_REQUIRED)])
                    continue
                house = house_rows[position]
                failed = chunk.failed.get(position)
                first = firsts.get(household_number)
                if first is None:
                    if household_number in handed_out:
                        raise Scattered(household_number, number)
                    firsts[household_number] = (number, house, failed)
                elif house != first[1]:  # a member's row repeats the household's fields: they must agree
                    first_row, first_house, first_failed = first
                    for column, header in enumerate(compared):
                        if (failed and header in failed) or (first_failed and header in first_failed):
                            continue  # a cell that failed is rejected for that already
                        if house[column] != first_house[column]:
                            problems.append(
                                Rejection(number, header_of[header], _shown(columns[index_of[header]][position]),
                                          HOUSEHOLD_CONFLICT, household_number, str(first_row))
                            )  # fmt: skip
                # Only the member's own fields are kept (the row's cells and household fields are dropped here).
                person = dict(zip(person_fields, person_rows[position], strict=True))
                if failed:
                    for header in failed:
                        if header in _PERSON_FIELD_OF:
                            del person[_PERSON_FIELD_OF[header]]
                groups.setdefault(household_number, []).append((number, person, problems))
                current = household_number
                if last_rows is not None and last_rows.get(household_number) == number:
                    complete.append(household_number)
            if size is None:
                continue
            if last_rows is not None:
                while len(complete) >= size:
                    yield self._households(complete[:size], groups, firsts, handed_out, header_of, compared)
                    del complete[:size]
            elif len(groups) > size:
                # A household is assumed to end where another begins: all but the last row's are complete.
                ready = list(itertools.islice(itertools.takewhile(current.__ne__, groups), size))
                if len(ready) == size:
                    yield self._households(ready, groups, firsts, handed_out, header_of, compared)
        rest = list(groups)
        for start in range(0, len(rest), size or len(rest) or 1):
            yield self._households(rest[start : start + (size or len(rest))], groups, firsts, handed_out, header_of,
                                   compared)  # fmt: skip
        rejections.sort(key=lambda rejection: (rejection.row, REASONS.index(rejection.reason)))

    def _households(
        self, numbers: list[str], groups, firsts, handed_out: set[str], header_of, compared: list[str]
    ) -> list[FileHousehold]:
        """Build the households ``numbers`` (removing them from ``groups``), rejecting the ones with a bad row."""
        households = []
        for household_number in numbers:
            rows = groups.pop(household_number)
            _first_row, first_house, first_failed = firsts.pop(household_number)
            first = dict(zip(compared, first_house, strict=True))
            for header in first_failed or ():
                first.pop(header, None)
            household, problems = _household(household_number, rows, first, header_of)
            handed_out.add(household_number)
            if problems:
                self.rejections.extend(problems)
                bad = {problem.row for problem in problems}
                first_bad = min(bad)
                self.rejections.extend(
                    Rejection(row, "", "", HELD_BACK, household_number, str(first_bad))
                    for row, *_rest in rows
                    if row not in bad
                )
            else:
                households.append(household)
        return households


def _score(headers: list[str]) -> int:
    return sum(1 for header in headers if header in _KNOWN)


_KNOWN = {cleaning.clean_header(name) for column in template.COLUMNS for name in (column.header, *column.aliases)}


def map_headers(headers: list[str]) -> tuple[dict[int, Column], list[str], list[str]]:
    """Return {cell index: column}, the unknown headers, and the required columns that are missing."""
    columns: dict[int, Column] = {}
    unknown: list[str] = []
    taken: set[str] = set()
    for index, header in enumerate(headers):
        if not header:
            continue
        try:
            column = template.by_header(header)
        except KeyError:
            unknown.append(header)
            continue
        if column.header in taken:  # the same column twice (a header and its alias): the first one counts
            unknown.append(header)
            continue
        taken.add(column.header)
        columns[index] = column
    missing = [column.header for column in template.COLUMNS if column.required and column.header not in taken]
    return columns, unknown, missing


def column_cleaner(column: Column, schema: Schema) -> Callable[[object], object]:
    """Return the function that cleans one cell of ``column`` into its field's value (or raises CleanError).

    The cells unique to a row (ID number, name, birth date, income amounts) are most of the cleaning left once each
    distinct cell is cleaned once: for them, the plain ASCII spelling a file nearly always has takes a fast path,
    and anything else goes to the reference function of jingzhun.importer.cleaning. The fast paths return exactly
    what the reference returns (tests/test_import_cleaning.py compares them on random cells).
    """
    name = column.field or column.header
    if column.field == "id_number":
        limit = schema.max_length.get("id_number", 32)
        return _fast_id(limit)
    kind = column.kind
    if kind == template.TEXT:
        if column.field == "village":
            return lambda raw: "".join(cleaning.clean_text(raw).split())
        limit = schema.max_length.get(name, 100)
        return _fast_text(limit)
    if kind == template.ENUM:
        allowed = schema.allowed[column.choices or ""]
        return lambda raw: cleaning.clean_choice(raw, allowed)
    if kind == template.MULTI:
        allowed = schema.allowed[column.choices or ""]
        return lambda raw: cleaning.clean_multi(raw, allowed, template.MULTI_SEPARATOR)
    if kind == template.BOOL:
        return cleaning.clean_bool
    if kind == template.INT:
        maximum = schema.int_maximum.get(name, 32767)
        return lambda raw: cleaning.clean_int(raw, maximum)
    if kind == template.DECIMAL:
        places, digits = schema.decimal_places.get(name, (2, 14))
        return _fast_decimal(places, digits)
    if kind == template.DATE:
        return _fast_date
    raise AssertionError(f"unknown kind {kind}")


def _fast_id(limit: int) -> Callable[[object], object]:
    """clean_id, then the field's length: ASCII letters and digits only (no space, no sign, no dot) are upper-cased
    and checked like the reference does; anything else is the reference's."""

    def clean(raw: object) -> object:
        if type(raw) is str and raw.isascii() and raw.isalnum():
            text = raw.upper()
            if "E" in text and cleaning._SCIENTIFIC.match(text):
                raise CleanError(cleaning.ID_AS_NUMBER)
            if len(text) == 18 and text.endswith("000") and text.isdigit() and ric.calc_check_digit(text) != "0":
                raise CleanError(cleaning.ID_AS_NUMBER)
            if len(text) > limit:
                raise CleanError(cleaning.TOO_LONG)
            return text
        return cleaning.clean_limited_text(cleaning.clean_id(raw), limit)

    return clean


def _fast_text(limit: int) -> Callable[[object], object]:
    """clean_limited_text: text is folded (NFKC unless ASCII, its own form) and trimmed without the type checks."""

    def clean(raw: object) -> object:
        if type(raw) is str:
            text = raw.strip() if raw.isascii() else unicodedata.normalize("NFKC", raw).strip()
            if len(text) > limit:
                raise CleanError(cleaning.TOO_LONG)
            return text
        return cleaning.clean_limited_text(raw, limit)

    return clean


_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


def _fast_decimal(places: int, digits: int) -> Callable[[object], object]:
    """clean_decimal: a plain ASCII amount (digits, at most ``places`` decimals, few enough digits to fit) is
    quantized directly; anything else (grouping, signs, spaces, full-width digits, numbers) is the reference's."""
    step = Decimal(1).scaleb(-places)
    whole_digits = digits - places

    def clean(raw: object) -> object:
        if type(raw) is str and _PLAIN_AMOUNT.fullmatch(raw):
            whole, _dot, fraction = raw.partition(".")
            if len(fraction) <= places and len(whole) <= whole_digits:
                return Decimal(raw).quantize(step)
        return cleaning.clean_decimal(raw, places, digits)

    return clean


def _fast_date(raw: object) -> object:
    """clean_date: 2020-01-05 (ASCII, the spelling exports use) is read directly; anything else by the reference."""
    if type(raw) is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-" and raw.isascii():
        year, month, day = raw[:4], raw[5:7], raw[8:]
        if year.isdigit() and month.isdigit() and day.isdigit():
            try:
                return dt.date(int(year), int(month), int(day))
            except ValueError:
                raise CleanError(cleaning.BAD_DATE) from None
    return cleaning.clean_date(raw)


def _attempt(clean: Callable[[object], object], raw: object, failures: list | None = None) -> object:
    try:
        return clean(raw)
    except CleanError as exc:
        if failures is not None:
            failures.append(True)  # not the error: this frame would hold it, and its traceback this frame
        return exc.with_traceback(None)  # kept until the chunk is done: not with the frames it was raised in


def _shown(raw: object) -> str:
    """The value as the report shows it (what the office typed, not what cleaning made of it)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and math.isfinite(raw) and raw == int(raw):
        # The 15 significant digits a workbook keeps, written out: an ID Excel made a number shows its lost zeros.
        return format(Decimal(format(raw, ".15g")), "f")
    return str(raw)


def parse(table: Table, schema: Schema, progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Read the whole table into households (for small files and tests; the importer streams with ``open_file``)."""
    parsed = open_file(table, schema, progress)
    parsed.households = [household for batch in parsed.batches(size=None) for household in batch]
    parsed.whole = True
    return parsed


def open_file(table: Table, schema: Schema, progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Find the header row and map the columns (raise RefusedFile); ``ParsedFile.batches`` then reads the rows."""
    found = find_header(table.rows(), _score)
    if found is None:
        raise RefusedFile("no header row: none of the first rows names the template's columns")
    header_row, headers = found
    columns, unknown, missing = map_headers(headers)
    if missing:
        raise RefusedFile("required columns are missing", tuple(missing))
    return ParsedFile(
        encoding=table.encoding,
        header_row=header_row,
        columns=columns,
        headers=headers,
        unknown_columns=unknown,
        table=table,
        schema=schema,
        progress=progress,
    )


class Scattered(Exception):
    """A household's rows are not together in the file: a row of a household already handed out came later."""

    def __init__(self, number: str, row: int):
        super().__init__(f"household {number} has a row ({row}) after others of the file's households")
        self.number, self.row = number, row


_TEXT_OR_EMPTY = {str, type(None)}


@dataclass
class _Chunk:
    """A chunk of rows cleaned column by column."""

    numbers: list[int]  # the rows' numbers in the file
    columns: dict[str, list]  # header → the rows' values (a CleanError where the cell failed)
    problems: dict[int, list[Rejection]]  # position in the chunk → the row's problems, in column order
    failed: dict[int, set[str]]  # position → the headers whose cells failed


def _clean_columns(numbers: list[int], columns: list[Sequence], plan, text_cells: bool = False) -> _Chunk:
    """Clean a chunk of rows column by column: each distinct cell of a column is cleaned once (a household's fields
    repeat on every member's row, enumerations have a few values), then mapped back onto the rows by C-level
    iteration. ``text_cells``: every cell is text or None (a CSV's), so a cell is its own key."""
    chunk = _Chunk(numbers, {}, {}, {})
    if not numbers or not plan:  # no template column at all: the file is refused before this for lacking required ones
        return chunk
    problems, failed = chunk.problems, chunk.failed
    for index, file_header, header, required, clean in plan:
        raw_cells = columns[index]
        failures: list[bool] = []
        if text_cells or set(map(type, raw_cells)) <= _TEXT_OR_EMPTY:
            results = {raw: _attempt(clean, raw, failures) for raw in set(raw_cells)}
            values = list(map(results.__getitem__, raw_cells))
            outcomes = results.values()
        else:  # a workbook's: True, 1 and 1.0 are equal but clean differently, so the type is part of the key
            keys = list(zip(map(type, raw_cells), raw_cells, strict=True))
            typed = {key: _attempt(clean, key[1], failures) for key in set(keys)}
            values = list(map(typed.__getitem__, keys))
            outcomes = typed.values()
        # (``in`` compares in C: no cleaned value but None equals None, and only text equals "")
        empty = required and (None in outcomes or "" in outcomes)
        if failures or empty:
            for position, value in enumerate(values):
                if type(value) is CleanError:
                    problems.setdefault(position, []).append(
                        Rejection(numbers[position], file_header, _shown(raw_cells[position]), value.code)
                    )
                    failed.setdefault(position, set()).add(header)
                elif required and (value is None or value == ""):
                    problems.setdefault(position, []).append(
                        Rejection(numbers[position], file_header, "", MISSING_REQUIRED)
                    )
        chunk.columns[header] = values
    return chunk


def _text_value(value: object) -> str:
    """A cleaned text cell as text ("" for an empty cell or one that failed)."""
    return "" if value is None or type(value) is CleanError else str(value)


def _data_rows(rows: Iterator[tuple[int, list]], header_row: int) -> Iterable[tuple[int, list]]:
    return itertools.dropwhile(lambda row: row[0] <= header_row, rows)


def _with_household(problem: Rejection, number: str) -> Rejection:
    return Rejection(problem.row, problem.column, problem.value, problem.reason, number, problem.detail)


_HOUSEHOLD_HEADERS = tuple(column.header for column in template.COLUMNS if column.level != template.PERSON)
_PERSON_FIELD_OF = {c.header: c.field for c in template.COLUMNS if c.field and c.level == template.PERSON}
_HOUSEHOLD_FIELD_OF = {c.header: c.field for c in template.COLUMNS if c.field and c.level == template.HOUSEHOLD}
_INCOME_FIELD_OF = {c.header: c.field for c in template.COLUMNS if c.level == template.INCOME}


def _household(
    number: str, rows, first: dict[str, object], header_of: dict[str, str]
) -> tuple[FileHousehold, list[Rejection]]:
    """Build the household from its rows (its fields from the first row, which the others were checked against)."""
    problems = [problem for _row, _person, row_problems in rows for problem in row_problems]
    seen: dict[tuple[str, str], int] = {}
    persons = []
    for row, values, _row_problems in rows:
        person = FilePerson(row, values)
        key = person.key
        if key[1]:
            if key in seen:
                column = "证件号码" if key[0] == "id" else "姓名"
                problems.append(
                    Rejection(row, header_of.get(column, column), key[1], DUPLICATE_PERSON, number, str(seen[key]))
                )
            else:
                seen[key] = row
        persons.append(person)
    household = {field: first[header] for header, field in _HOUSEHOLD_FIELD_OF.items() if header in first}
    income = {field: first[header] for header, field in _INCOME_FIELD_OF.items() if header in first}
    return (
        FileHousehold(
            number=number,
            region_code=str(first.get(_REGION) or ""),
            town_name=str(first.get(_TOWN_NAME) or ""),
            village_name=str(first.get(_VILLAGE_NAME) or ""),
            household=household,
            income=income,
            persons=persons,
        ),
        problems,
    )
