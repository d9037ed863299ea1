"""Hostile files: each gets a clear error in bounded time and memory, and nothing is written.

The files are made here, cheaply: a zip bomb is a small zip whose member inflates a thousand times; a workbook whose
two cells sit at A1 and XFD1048576 would make calamine ask for 17 billion cells (it aborts the process) unless the
reader refuses it first; a 200 MB cell is written once to a temporary file.
"""

from __future__ import annotations

import os
import resource
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VILLAGE_A
from jingzhun.audit.models import AuditEntry
from jingzhun.importer import load, reading
from jingzhun.importer.reading import ReadError, read_table
from jingzhun.importer.registry_file import RefusedFile, parse
from jingzhun.registry.models import Household, Person
from test_import import HEADER, family, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


SECONDS = 20  # generous for a busy two-core machine; each case takes well under a second or two
MEBIBYTE = 1024 * 1024

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(path: Path, rows: str, *, filler: int = 0) -> Path:
    """A minimal .xlsx whose sheet holds ``rows`` (sheetData XML), then ``filler`` bytes of spaces after them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        head = '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        head += f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}'
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head.encode())
            block = b" " * MEBIBYTE
            for _ in range(filler // MEBIBYTE):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


def header_row() -> str:
    return '<row r="1">' + "".join(inline(f"{chr(65 + i)}1", name) for i, name in enumerate(HEADER)) + "</row>"


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def assert_refused(path: Path, *words: str) -> str:
    """Import ``path``: it must fail with a message holding ``words``, quickly, writing nothing."""
    households, persons = Household.objects.count(), Person.objects.count()
    started = time.monotonic()
    with pytest.raises(CommandError) as raised:
        run(path)
    assert time.monotonic() - started < SECONDS
    message = str(raised.value)
    for word in words:
        assert word in message, message
    assert (Household.objects.count(), Person.objects.count()) == (households, persons)
    assert not AuditEntry.objects.filter(action="import").exists()
    # The test process never came near the memory a bomb would take (the whole pytest worker, all tests so far).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1_500 * 1024
    return message


def test_random_bytes_named_xlsx_are_not_a_workbook(regions, tmp_path):
    path = tmp_path / "random.xlsx"
    path.write_bytes(os.urandom(64 * 1024))
    assert_refused(path, "cannot be read as a workbook")


def test_random_bytes_after_a_zip_signature_are_not_a_workbook(regions, tmp_path):
    path = tmp_path / "random.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(64 * 1024))
    assert_refused(path, "cannot be read as a workbook")


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_it_is_inflated(regions, tmp_path):
    path = workbook(tmp_path / "bomb.xlsx", header_row(), filler=300 * MEBIBYTE)
    assert path.stat().st_size < 2 * MEBIBYTE
    assert_refused(path, "zip bomb", "xl/worksheets/sheet1.xml")


def test_a_workbook_declaring_more_than_the_uncompressed_limit_is_refused(regions, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED", 1000)
    path = workbook(tmp_path / "large.xlsx", header_row())
    assert_refused(path, "uncompressed")


def test_two_cells_far_apart_are_refused_before_calamine_allocates_the_grid_between_them(regions, tmp_path):
    rows = header_row() + f'<row r="1048576">{inline("XFD1048576", "x")}</row>'
    assert_refused(workbook(tmp_path / "far.xlsx", rows), "row 1,048,576", "column 16,384")


def test_a_million_columns_in_a_workbook_are_refused(regions, tmp_path):
    far = column_letters(1_000_000)
    rows = f'<row r="1">{inline("A1", "行政区划代码")}{inline(far + "1", "x")}</row>'
    assert_refused(workbook(tmp_path / "wide.xlsx", rows), "column 1,000,000")


def test_a_million_columns_in_a_csv_are_refused(regions, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(HEADER) + "," * 1_000_000 + "\n", encoding="utf-8")
    assert_refused(path, "1,000,011 cells", "16,384 columns")


def test_a_200_mb_cell_in_a_csv_is_refused_without_reading_it_whole(regions, tmp_path):
    path = tmp_path / "cell.csv"
    with open(path, "wb") as handle:
        handle.write((",".join(HEADER) + "\n" + VILLAGE_A + ",H001,").encode())
        block = b"x" * MEBIBYTE
        for _ in range(200):
            handle.write(block)
        handle.write(b"\n")
    assert_refused(path, "a cell is longer than 131,072 characters")


def test_a_200_mb_cell_in_a_workbook_is_refused_before_it_is_inflated(regions, tmp_path):
    rows = header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
    assert_refused(workbook(tmp_path / "cell.xlsx", rows, filler=200 * MEBIBYTE), "zip bomb")


def test_a_cell_longer_than_a_spreadsheet_allows_is_refused_even_when_it_does_not_compress(regions, tmp_path):
    text = os.urandom(3 * MEBIBYTE).hex()[: 2 * MEBIBYTE]  # hex digits: compresses about 2×, no zip bomb
    rows = header_row() + f'<row r="2">{inline("A2", text)}</row>'
    assert_refused(workbook(tmp_path / "cell.xlsx", rows), "holds a cell of more than 1,048,576 bytes")


def test_a_csv_with_nul_bytes_is_refused(regions, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes((",".join(HEADER) + "\n").encode() + b"511823100201,H001,\x00\x00\x00\n")
    assert_refused(path, "NUL bytes")


def test_formulas_are_read_as_their_cached_values_and_never_evaluated(regions, tmp_path):
    path = tmp_path / "formulas.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(family(), start=1):
        sheet.write_row(index, 0, [row.get(name, "") for name in HEADER])
    relation = HEADER.index("与户主关系")
    # A link to another workbook and a call out: only the value Excel stored is read.
    sheet.write_formula(1, relation, "='[evil.xlsx]Sheet1'!A1", None, "户主")
    sheet.write_formula(2, HEADER.index("工资性收入"), '=WEBSERVICE("http://127.0.0.1:9/x")', None, 12000)
    book.close()
    output = run(path)
    assert "inserted" in output and Person.objects.get(name="王建国").relation == "户主"
    assert Household.objects.get(number="H001").incomes.get().wage == 12000


def test_a_hostile_upload_through_the_web_is_refused_by_the_task_and_writes_nothing(
    personas, client, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from jingzhun.importer.models import RegistryImport

    settings.DATA_DIR = tmp_path / "data"
    bomb = workbook(tmp_path / "bomb.xlsx", header_row(), filler=300 * MEBIBYTE).read_bytes()
    client.force_login(personas.county_officer)
    client.post(reverse("importer:new"), {"file": SimpleUploadedFile("bomb.xlsx", bomb)})
    entry = RegistryImport.objects.get()
    assert (entry.status, entry.refusal) == ("refused", "unreadable") and "zip bomb" in entry.error
    assert not Household.objects.exists()


# Fuzzing the reader and parser: any bytes named .csv are read or refused with ReadError/RefusedFile, never anything
# else, and whatever is read ends every row in exactly one outcome.

_CSV_PIECES = st.sampled_from(
    [
        ",",
        "\n",
        "\r\n",
        '"',
        " ",
        "户编号",
        "行政区划代码",
        "证件号码",
        "姓名",
        "与户主关系",
        "户主",
        "H1",
        VILLAGE_A,
        "511823197003010011",
        "１２",
        "x",
        "是",
        "\ufeff",
        "\x85",
        "\u2028",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(_CSV_PIECES, st.text(max_size=5)), max_size=60), st.sampled_from(["utf-8", "gb18030"]))
def test_any_csv_is_read_or_refused_and_every_row_it_reads_ends_in_one_outcome(regions, tmp_path, pieces, encoding):
    path = tmp_path / "fuzz.csv"
    path.write_bytes("".join(pieces).encode(encoding, errors="replace"))
    try:
        parsed = parse(read_table(path), load.schema())
    except (ReadError, RefusedFile):
        return
    result = load.plan(parsed)
    assert sum(result.counts().values()) == parsed.rows_read


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_named_xlsx_are_read_or_refused_with_a_read_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.xlsx"
    for content in (data, b"PK\x03\x04" + data):
        path.write_bytes(content)
        try:
            table = read_table(path)
        except ReadError as exc:
            assert str(exc)
        else:
            assert sum(1 for _ in table.rows()) >= 0


def test_the_zip_inspection_takes_the_column_letters_as_excel_numbers():
    assert [reading._column_number(column_letters(n).encode()) for n in (1, 26, 27, 702, 703, 16_384)] == [
        1, 26, 27, 702, 703, 16_384]  # fmt: skip
