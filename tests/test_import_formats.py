"""Registry files in the other formats: Parquet (bulk machine transfers) and the old Excel .xls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlwt

from conftest import VILLAGE_A
from jingzhun.importer.reading import ReadError, read_table
from jingzhun.registry.models import Household, IncomeRecord, Person
from test_import import CHILD_ID, HEAD_ID, HEADER, counts, family, report_rows, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_parquet_file_of_text_columns_is_imported(regions, tmp_path):
    rows = family()
    table = pa.table({name: [row.get(name, "") for row in rows] for name in HEADER})
    pq.write_table(table, tmp_path / "f.parquet")
    output = run(tmp_path / "f.parquet")
    assert counts(output)["inserted"] == 3
    assert Household.objects.get(number="H001").members.count() == 3


def test_a_parquet_file_with_typed_columns_is_cleaned_like_a_workbook(regions, tmp_path):
    rows = family()
    columns = {name: [row.get(name, "") for row in rows] for name in HEADER}
    columns["收入年度"] = [2024, 2024, 2024]  # integers
    columns["工资性收入"] = [Decimal("12000.50")] * 3  # a decimal column
    columns["出生日期"] = [dt.date(1970, 3, 1), dt.date(1972, 5, 2), None]  # a date column with a null
    pq.write_table(pa.table(columns), tmp_path / "typed.parquet")
    assert counts(run(tmp_path / "typed.parquet"))["inserted"] == 3
    assert IncomeRecord.objects.get(household__number="H001", year=2024).wage == Decimal("12000.50")
    assert Person.objects.get(id_number=HEAD_ID).birth_date == dt.date(1970, 3, 1)
    assert Person.objects.get(id_number=CHILD_ID).birth_date == dt.date(2001, 7, 3)  # derived from the ID


def test_a_file_named_parquet_that_is_not_is_refused(tmp_path):
    path = tmp_path / "f.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ReadError, match="cannot be read as Parquet"):
        read_table(path)


def test_an_xls_workbook_with_a_title_row_and_an_excel_date_is_imported(regions, tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    sheet.write(0, 0, "2024年 汉源县 脱贫人口花名册")  # a title row above the header
    header = [*HEADER, "出生日期"]
    for column, name in enumerate(header):
        sheet.write(1, column, name)
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for index, row in enumerate(family(), start=2):
        for column, name in enumerate(HEADER):
            sheet.write(index, column, row.get(name, ""))
        sheet.write(index, len(HEADER), dt.datetime(1970, 3, 1) if index == 2 else "", dates)
    # An ID number typed into a number cell: its last digits are lost, so the household is rejected whole.
    sheet.write(5, 0, VILLAGE_A)
    for column, value in enumerate(["H002", "一般农户", "2024", "9000", "赵六", 5.11823197003e17, "户主"], start=1):
        sheet.write(5, column, value)
    book.save(str(tmp_path / "f.xls"))
    output = run(tmp_path / "f.xls", "--report", str(tmp_path / "r.csv"))
    assert counts(output).items() >= {"inserted": 3, "rejected": 1}.items()
    assert Person.objects.get(id_number=HEAD_ID).birth_date == dt.date(1970, 3, 1)
    assert [row["代码 code"] for row in report_rows(tmp_path / "r.csv")] == ["id_as_number"]
