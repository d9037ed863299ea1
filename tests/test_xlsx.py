"""Excel's limits: a long table goes on in further sheets, a file for re-import is refused, never cut short.

The row limit is lowered in these tests (``xlsx.MAX_ROWS``); xlsxwriter's own limit is checked to be ours.
"""

from __future__ import annotations

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from jingzhun.core import xlsx
from jingzhun.importer import report
from jingzhun.importer.registry_file import Rejection
from jingzhun.standards.models import Finding
from test_findings_export import read_csv
from test_findings_export import run as findings_run  # noqa: F401 - a fixture
from test_registry_export import imported  # noqa: F401 - a fixture


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def sheets_of(path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_our_limit_is_excels_and_xlsxwriters(tmp_path):
    sheet = xlsxwriter.Workbook(str(tmp_path / "a.xlsx")).add_worksheet()
    assert sheet.xls_rowmax == xlsx.MAX_ROWS == 2**20
    assert sheet.write_string(xlsx.MAX_ROWS, 0, "lost") == -1  # what Sheets is for: xlsxwriter drops it silently


def test_a_long_table_goes_on_in_further_sheets_each_with_the_header(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # a header and three rows a sheet
    book = xlsx.workbook(str(tmp_path / "t.xlsx"), {"constant_memory": True})
    sheets = xlsx.Sheets(book, "a table name of thirty-one char", lambda sheet: sheet.write_row(0, 0, ["n", "x"]))
    for number in range(1, 8):
        sheet, row = sheets.next()
        sheet.write_row(row, 0, [number, f"row {number}"])
    assert sheets.rows == 7
    book.close()
    written = sheets_of(tmp_path / "t.xlsx")
    assert list(written) == ["a table name of thirty-one char", "a table name of thirty-one (2)",
                             "a table name of thirty-one (3)"]  # fmt: skip
    assert all(rows[0] == ["n", "x"] for rows in written.values())
    assert [row[1] for rows in written.values() for row in rows[1:]] == [f"row {n}" for n in range(1, 8)]


def test_an_empty_table_still_has_its_header(tmp_path):
    book = xlsx.workbook(str(tmp_path / "t.xlsx"))
    sheets = xlsx.Sheets(book, "t", lambda sheet: sheet.write_row(0, 0, ["a", "b"]))
    book.close()
    assert sheets.rows == 0
    assert sheets_of(tmp_path / "t.xlsx") == {"t": [["a", "b"]]}


def test_a_one_sheet_table_refuses_the_row_that_does_not_fit(tmp_path, monkeypatch, english):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    book = xlsx.workbook(str(tmp_path / "t.xlsx"))
    sheets = xlsx.Sheets(book, "t", lambda sheet: None, spill=False)
    sheets.next(), sheets.next()
    with pytest.raises(xlsx.TooManyRows, match=r"at most 2 rows below its header.*\.csv or \.parquet"):
        sheets.next()


def test_workbooks_may_grow_past_four_gigabytes(tmp_path):
    # A 1M-person registry sheet is over 4 GB of XML: without ZIP64 the workbook fails when it is closed.
    assert xlsx.workbook(str(tmp_path / "t.xlsx")).allow_zip64


@pytest.mark.django_db
def test_the_registry_export_refuses_more_persons_than_a_sheet_holds(imported, tmp_path, monkeypatch, english):  # noqa: F811
    monkeypatch.setattr(xlsx, "MAX_ROWS", imported)  # one person too many
    with pytest.raises(CommandError, match=r"Export it as \.csv or \.parquet"):
        call_command("export", "registry", "--out", str(tmp_path / "out.xlsx"))
    assert not (tmp_path / "out.xlsx").exists()
    monkeypatch.setattr(xlsx, "MAX_ROWS", imported + 1)  # exactly full
    call_command("export", "registry", "--out", str(tmp_path / "out.xlsx"))
    assert len(sheets_of(tmp_path / "out.xlsx")["registry"]) == imported + 1


@pytest.mark.django_db
def test_findings_beyond_a_sheet_go_on_in_the_next(findings_run, tmp_path, monkeypatch):  # noqa: F811
    call_command("export", "findings", "--out", str(tmp_path / "f.csv"))
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # two findings a sheet
    call_command("export", "findings", "--out", str(tmp_path / "f.xlsx"))
    written = sheets_of(tmp_path / "f.xlsx")
    assert list(written) == ["findings", "findings (2)"]
    rules = [row[1] for rows in written.values() for row in rows[1:]]  # rule_id
    assert rules == [row["rule_id"] for row in read_csv(tmp_path / "f.csv")]
    assert len(rules) == Finding.objects.count() == 3


def test_the_rejection_report_keeps_every_rejection(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    rejections = [Rejection(row, "证件号码", "x", "bad_number", household=f"H{row}") for row in range(2, 7)]
    report.write(rejections, tmp_path / "r.xlsx")
    written = sheets_of(tmp_path / "r.xlsx")
    assert list(written) == ["rejected", "rejected (2)", "rejected (3)"]
    assert [row[1] for rows in written.values() for row in rows[1:]] == [f"H{n}" for n in range(2, 7)]


@pytest.mark.django_db
def test_synth_refuses_an_xlsx_larger_than_a_sheet(tmp_path, monkeypatch, english):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 10)
    with pytest.raises(CommandError, match="at most 9 rows"):
        call_command("synth", "--households", "20", "--seed", "1", "--out", str(tmp_path / "c.xlsx"))
    assert not (tmp_path / "c.xlsx").exists()
