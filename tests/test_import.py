"""``jingzhun import``: registry files in, households, persons and income records out, nothing lost.

Small files are built here (csv, xlsxwriter); the end-to-end tests import a synthetic county written by the
generator and compare the database with the generator's own records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import COUNTY, TOWN_A, VILLAGE_A, VILLAGE_B
from jingzhun.importer import load
from jingzhun.importer import registry_file as rf
from jingzhun.registry import idnumber, template
from jingzhun.registry.models import Household, IncomeRecord, Person, Region
from jingzhun.synth import Options, generate, writers

pytestmark = pytest.mark.django_db

HEADER = ["行政区划代码", "户编号", "户类型", "收入年度", "工资性收入", "姓名", "证件号码", "与户主关系", "人员状态",
          "健康状况", "是否享受低保"]  # fmt: skip
HEAD_ID = idnumber.make("511823", dt.date(1970, 3, 1), 11)
SPOUSE_ID = idnumber.make("511823", dt.date(1972, 5, 2), 22)
CHILD_ID = idnumber.make("511823", dt.date(2001, 7, 3), 33)


def member(number="H001", name="王建国", id_number=HEAD_ID, relation="户主", village=VILLAGE_A, **extra) -> dict:
    row = {"行政区划代码": village, "户编号": number, "户类型": "脱贫户", "收入年度": "2024", "工资性收入": "12000",
           "姓名": name, "证件号码": id_number, "与户主关系": relation, "人员状态": "正常", "健康状况": "健康",
           "是否享受低保": "否"}  # fmt: skip
    row.update(extra)
    return row


def family(number="H001", village=VILLAGE_A, **household) -> list[dict]:
    return [
        member(number, "王建国", HEAD_ID, "户主", village, **household),
        member(number, "李秀英", SPOUSE_ID, "配偶", village, **household),
        member(number, "王小明", CHILD_ID, "之子", village, **household),
    ]


def write_csv(path: Path, rows: list[dict], *, header=HEADER, encoding="utf-8-sig", before=()) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        for line in before:
            writer.writerow(line)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(name, "") for name in header])
    return path


def run(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("import", str(path), *args, stdout=out)
    return out.getvalue()


def counts(output: str) -> dict[str, int]:
    """Read the summary table's counts (the English words: tests run with the English locale active)."""
    found = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[1].isdigit():
            found[cells[0]] = int(cells[1])
    return found


def report_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


# Happy path ---------------------------------------------------------------------------------------------------


def test_a_household_file_is_imported_with_its_members_and_income(regions, tmp_path):
    output = run(write_csv(tmp_path / "f.csv", family()))
    assert counts(output)["inserted"] == 3
    household = Household.objects.get(number="H001")
    assert household.village_id == VILLAGE_A
    assert sorted(household.members.values_list("name", flat=True)) == ["李秀英", "王小明", "王建国"]
    income = IncomeRecord.objects.get(household=household, year=2024)
    assert income.wage == Decimal("12000.00")
    assert income.household_size == 3


def test_the_derived_id_fields_are_filled_for_imported_persons(regions, tmp_path):
    run(write_csv(tmp_path / "f.csv", family()))
    head = Person.objects.get(id_number=HEAD_ID)
    assert head.id_valid and head.id_birth_date == dt.date(1970, 3, 1)
    assert head.birth_date == dt.date(1970, 3, 1) and head.sex == "男"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(regions, tmp_path):
    path = write_csv(tmp_path / "f.csv", family() + family("H002", VILLAGE_B))
    run(path)
    stamps = list(Person.objects.order_by("id").values_list("updated_at", flat=True))
    assert counts(run(path)).items() >= {"inserted": 0, "updated": 0, "unchanged": 6, "rejected": 0}.items()
    assert list(Person.objects.order_by("id").values_list("updated_at", flat=True)) == stamps


def test_an_edited_household_is_updated_and_its_missing_member_moved_out(regions, tmp_path):
    run(write_csv(tmp_path / "f.csv", family() + family("H002", VILLAGE_B)))
    edited = family(工资性收入="15000")[:2] + family("H002", VILLAGE_B)
    output = run(write_csv(tmp_path / "g.csv", edited))
    assert counts(output).items() >= {"inserted": 0, "updated": 2, "unchanged": 3, "rejected": 0}.items()
    child = Person.objects.get(household__number="H001", id_number=CHILD_ID)
    assert child.status == "迁出"
    assert "王小明" in output
    income = IncomeRecord.objects.get(household__number="H001", year=2024)
    assert (income.wage, income.household_size) == (Decimal("15000.00"), 2)
    assert Person.objects.count() == 6  # moved out, never deleted


def test_an_id_number_column_under_an_alias_header_is_read(regions, tmp_path):
    header = [("身份证号" if name == "证件号码" else name) for name in HEADER]
    rows = [{("身份证号" if key == "证件号码" else key): value for key, value in row.items()} for row in family()]
    run(write_csv(tmp_path / "f.csv", rows, header=header))
    assert Person.objects.filter(id_number=HEAD_ID).exists()


def test_unknown_columns_are_listed_and_ignored(regions, tmp_path):
    rows = [dict(row, 备注="x") for row in family()]
    output = run(write_csv(tmp_path / "f.csv", rows, header=[*HEADER, "备注"]))
    assert "备注" in output
    assert counts(output)["inserted"] == 3


def test_a_file_missing_required_columns_is_refused_with_the_list(regions, tmp_path):
    header = [name for name in HEADER if name not in ("户类型", "与户主关系")]
    with pytest.raises(CommandError, match="户类型、与户主关系"):
        run(write_csv(tmp_path / "f.csv", family(), header=header))
    assert not Household.objects.exists()


def test_title_rows_above_the_header_and_blank_rows_are_skipped_and_counted(regions, tmp_path):
    rows = family()
    rows.insert(1, {})
    path = write_csv(tmp_path / "f.csv", rows, before=[["建档立卡户信息表"], ["导出日期：2024-12-31"]])
    output = run(path)
    assert "Header row: 3" in output
    assert counts(output)["blank rows skipped"] == 1
    assert counts(output)["inserted"] == counts(output)["rows read"] == 3


def test_a_gb18030_file_is_read_and_the_encoding_named(regions, tmp_path):
    output = run(write_csv(tmp_path / "f.csv", family(), encoding="gb18030"))
    assert "Encoding: GB18030" in output
    assert Person.objects.filter(name="李秀英").exists()


def test_a_utf8_file_with_a_byte_order_mark_is_read_and_the_encoding_named(regions, tmp_path):
    output = run(write_csv(tmp_path / "f.csv", family(), encoding="utf-8-sig"))
    assert "Encoding: UTF-8 with BOM" in output
    assert Household.objects.filter(number="H001").exists()


def test_messy_values_are_cleaned_before_they_are_stored(regions, tmp_path):
    rows = family(工资性收入="１２,０００.５")
    rows[0]["证件号码"] = HEAD_ID[:17].lower() + HEAD_ID[17].lower() + " "
    rows[1]["健康状况"] = "长期慢性病、残疾"
    rows[2]["是否享受低保"] = "√"
    rows[2]["姓名"] = " 王小明\u3000"
    run(write_csv(tmp_path / "f.csv", rows))
    assert IncomeRecord.objects.get().wage == Decimal("12000.50")
    assert Person.objects.get(name="李秀英").health == "长期慢性病,残疾"
    assert Person.objects.get(name="王小明").dibao is True


def test_wrong_but_well_formed_values_are_stored_for_the_checks(regions, tmp_path):
    bad_check = HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")
    rows = family()
    rows[0]["证件号码"] = bad_check
    other = family("H002", VILLAGE_B)
    header = [*HEADER, "出生日期"]
    other[0]["出生日期"] = "1969-01-01"  # the ID says 1970-03-01
    # family() gives household H002 the same ID numbers as H001: a DQ-003 finding, stored.
    output = run(write_csv(tmp_path / "f.csv", rows + other, header=header))
    assert counts(output)["rejected"] == 0
    assert Person.objects.get(id_number=bad_check).id_error == "checksum"
    assert Person.objects.get(household__number="H002", relation="户主").birth_date == dt.date(1969, 1, 1)
    assert Person.objects.filter(id_number=CHILD_ID).count() == 2


# xlsx -------------------------------------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[dict], header=HEADER, *, title=True, numeric_id_row=None) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    top = 0
    if title:
        sheet.merge_range(0, 0, 0, 4, "建档立卡户信息")
        top = 2
    sheet.write_row(top, 0, header)
    for number, row in enumerate(rows, start=top + 1):
        for column, name in enumerate(header):
            value = row.get(name, "")
            if name == "证件号码" and number - top - 1 == numeric_id_row:
                sheet.write_number(number, column, float(value))  # what Excel does to an ID typed as a number
            elif name == "工资性收入" and value:
                sheet.write_formula(number, column, "=6000*2", None, float(value))  # a formula with its cached value
            elif name == "收入年度":
                sheet.write_number(number, column, int(value))
            elif value:
                sheet.write_string(number, column, value)
    workbook.close()
    return path


def test_an_xlsx_file_with_a_title_row_and_formulas_is_imported(regions, tmp_path):
    output = run(write_xlsx(tmp_path / "f.xlsx", family()))
    assert "Header row: 3" in output
    assert counts(output)["inserted"] == 3
    assert IncomeRecord.objects.get().wage == Decimal("12000.00")


def test_an_id_number_stored_as_a_number_by_excel_rejects_its_household(regions, tmp_path):
    output = run(write_xlsx(tmp_path / "f.xlsx", family(), numeric_id_row=1))
    assert counts(output)["rejected"] == 3
    rejected = {line["代码 code"]: line for line in report_rows(tmp_path / "f.rejected.csv")}
    assert rejected["id_as_number"]["行号 row"] == "5"
    assert rejected["id_as_number"]["值 value"].startswith("511823")
    assert not Household.objects.exists()


# Rejections ----------------------------------------------------------------------------------------------------


def _rejected(tmp_path, rows, *args, header=HEADER) -> list[dict]:
    output = run(write_csv(tmp_path / "f.csv", rows, header=header), *args)
    got = counts(output)
    assert got["inserted"] + got["updated"] + got["unchanged"] + got["rejected"] == got["rows read"]
    return report_rows(tmp_path / "f.rejected.csv")


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("户类型", "贫困户", "unknown_value"),
        ("健康状况", "健康、感冒", "unknown_value"),
        ("工资性收入", "一万二", "bad_number"),
        ("工资性收入", "12.345", "too_many_decimals"),
        ("工资性收入", "1" * 15, "out_of_range"),
        ("收入年度", "2024.5", "bad_number"),
        ("是否享受低保", "也许", "bad_bool"),
        ("证件号码", "5.11823E+17", "id_as_number"),
        ("姓名", "", "missing_required"),
        ("姓名", "王" * 51, "too_long"),
        ("出生日期", "1970-02-30", "bad_date"),
    ],
)
def test_a_value_that_cannot_be_stored_rejects_the_row_and_holds_back_the_household(
    regions, tmp_path, column, value, code
):
    rows = family() + family("H002", VILLAGE_B)
    rows[1][column] = value
    rejected = _rejected(tmp_path, rows, header=[*HEADER, "出生日期"])
    assert [(line["行号 row"], line["代码 code"]) for line in rejected] == [("2", "held_back"), ("3", code),
                                                                            ("4", "held_back")]  # fmt: skip
    assert rejected[1]["列 column"] == column and rejected[1]["值 value"] == value
    assert rejected[1]["原因"] and rejected[1]["reason"] and rejected[1]["原因"] != rejected[1]["reason"]
    assert list(Household.objects.values_list("number", flat=True)) == ["H002"]


def test_members_disagreeing_on_a_household_field_reject_the_household(regions, tmp_path):
    rows = family()
    rows[2]["户类型"] = "一般农户"
    rejected = _rejected(tmp_path, rows)
    assert [line["代码 code"] for line in rejected] == ["held_back", "held_back", "household_conflict"]
    assert rejected[2]["列 column"] == "户类型"
    assert "row 2" in rejected[2]["reason"]


def test_a_person_repeated_within_a_household_rejects_the_household(regions, tmp_path):
    rows = [*family(), member(name="王建国", id_number=HEAD_ID, relation="其他")]
    rejected = _rejected(tmp_path, rows)
    assert rejected[-1]["代码 code"] == "duplicate_person"
    assert rejected[-1]["行号 row"] == "5"
    assert not Household.objects.exists()


def test_a_region_code_that_is_not_a_village_rejects_the_household(regions, tmp_path):
    rows = family(village=TOWN_A) + family("H002", village="511823100299")
    rejected = _rejected(tmp_path, rows)
    assert [line["代码 code"] for line in rejected] == ["not_a_village", "held_back", "held_back"] * 2
    assert not Household.objects.exists()


def test_create_regions_creates_the_missing_village_and_ancestors_named_from_the_file(db, tmp_path):
    header = [*HEADER, "乡镇名称", "村名称"]
    rows = family(village="511823100299", 乡镇名称="富林镇", 村名称="新村")
    output = run(write_csv(tmp_path / "f.csv", rows, header=header), "--create-regions")
    assert Region.objects.get(code="511823100299").name == "新村"
    assert Region.objects.get(code=TOWN_A).name == "富林镇"
    assert Region.objects.get(code=COUNTY).name == COUNTY  # no name in the file: named by its code
    assert Region.objects.get(code="511823100299").parent_id == TOWN_A
    assert "511823100299" in output and counts(output)["inserted"] == 3


def test_a_row_without_a_household_number_is_rejected_alone(regions, tmp_path):
    rows = [*family(), member(number="", name="赵六", id_number=SPOUSE_ID)]
    rejected = _rejected(tmp_path, rows)
    assert [(line["行号 row"], line["代码 code"]) for line in rejected] == [("5", "missing_required")]
    assert Household.objects.count() == 1


def test_every_rejection_reason_has_its_words_in_chinese_and_english():
    from jingzhun.importer.messages import reason_text

    for code in rf.REASONS:
        assert reason_text(code, "7", "en") != reason_text(code, "7", "zh-hans")


def test_the_report_can_be_written_as_xlsx(regions, tmp_path):
    rows = family()
    rows[0]["户类型"] = "贫困户"
    run(write_csv(tmp_path / "f.csv", rows), "--report", str(tmp_path / "r.xlsx"))
    from python_calamine import CalamineWorkbook

    table = CalamineWorkbook.from_path(str(tmp_path / "r.xlsx")).get_sheet_by_index(0).to_python()
    assert table[1][0] == 2 and table[1][6] == "unknown_value"
    assert len(table) == 4


# Dry run and atomicity -----------------------------------------------------------------------------------------


def test_a_dry_run_reports_the_counts_and_writes_nothing(regions, tmp_path):
    output = run(write_csv(tmp_path / "f.csv", family()), "--dry-run")
    assert counts(output)["inserted"] == 3
    assert "Dry run" in output
    assert not Household.objects.exists() and not Person.objects.exists()


def test_a_failure_while_writing_persons_leaves_the_database_as_it_was(regions, tmp_path, monkeypatch):
    run(write_csv(tmp_path / "f.csv", family()))
    before = (Household.objects.count(), Person.objects.count(), IncomeRecord.objects.count())

    def fail(result):
        assert Household.objects.filter(number="H002").exists()  # the households were written
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "write_persons", fail)
    edited = family(工资性收入="1") + family("H002", VILLAGE_B)
    with pytest.raises(RuntimeError, match="disk full"):
        run(write_csv(tmp_path / "g.csv", edited))
    assert (Household.objects.count(), Person.objects.count(), IncomeRecord.objects.count()) == before
    assert IncomeRecord.objects.get().wage == Decimal("12000.00")


# The synthetic county, end to end -----------------------------------------------------------------------------

_CENTS = {"wage", "operating", "property_income", "transfer", "production_costs", "stated_per_capita"}


def _expected(record, column) -> object:
    source = {"village": "file_region_code", "year": "income_year", "water_litres_per_day": "water_litres_tenths"}
    value = getattr(record, source.get(column.field, column.field))
    if value is None:
        return None
    if column.field in _CENTS:
        return Decimal(value).scaleb(-2)
    if column.field == "water_litres_per_day":
        return Decimal(value).scaleb(-1)
    return value


@pytest.fixture(scope="module")
def county():
    return generate(Options(households=300, seed=5))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_synthetic_county_imports_whole_and_the_database_equals_the_file(db, tmp_path, county, suffix):
    path = tmp_path / f"county{suffix}"
    (writers.write_csv if suffix == ".csv" else writers.write_xlsx)(county.households, path)
    output = run(path, "--create-regions")
    persons = sum(len(household.members) for household in county.households)
    assert counts(output).items() >= {"inserted": persons, "updated": 0, "unchanged": 0, "rejected": 0}.items()
    households = {household.number: household for household in Household.objects.all()}
    members = {(person.household_id, person.id_number): person for person in Person.objects.all()}
    incomes = {income.household_id: income for income in IncomeRecord.objects.all()}
    assert len(households) == len(county.households) and len(members) == persons
    for record in county.households:
        household = households[record.number]
        for column in template.columns_of(template.HOUSEHOLD):
            if column.field in (None, "number"):
                continue
            stored = household.village_id if column.field == "village" else getattr(household, column.field)
            want = _expected(record, column)
            assert stored == want or (want is None and stored in (None, "")), column
        for column in template.columns_of(template.INCOME):
            assert getattr(incomes[household.pk], column.field) == _expected(record, column), column
        assert incomes[household.pk].household_size == len(record.normal_members)
        for person_record in record.members:
            person = members[(household.pk, idnumber.normalize(person_record.id_number))]
            for column in template.columns_of(template.PERSON):
                want = _expected(person_record, column)
                if column.field == "id_number" or (want in (None, "") and column.field in ("sex", "birth_date")):
                    continue  # the ID number is the lookup key; a blank sex or birth date is filled from the ID
                stored = getattr(person, column.field)
                assert stored == want or (want is None and stored in (None, "")), column
    assert counts(run(path))["unchanged"] == persons


def test_the_user_documentation_of_the_template_is_generated_from_the_code():
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "import_template_doc.py"
    spec = importlib.util.spec_from_file_location("import_template_doc", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.OUT.read_text(encoding="utf-8") == module.render(), "run scripts/import_template_doc.py"


def test_household_cells_merged_over_the_members_rows_are_read_on_every_row(regions, tmp_path):
    path = tmp_path / "merged.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    rows = family()
    for number, row in enumerate(rows, start=1):
        for column, name in enumerate(HEADER):
            if template.by_header(name).level != template.PERSON and number > 1:
                continue
            sheet.write_string(number, column, row[name])
    for column, name in enumerate(HEADER):  # the household's cells merged down its three rows, as exports do
        if template.by_header(name).level != template.PERSON:
            sheet.merge_range(1, column, 3, column, rows[0][name])
    workbook.close()
    output = run(path)
    assert counts(output)["inserted"] == 3
    assert IncomeRecord.objects.get().household_size == 3


def test_an_edited_synthetic_export_updates_exactly_the_edited_household(db, tmp_path, county):
    path = tmp_path / "county.csv"
    writers.write_csv(county.households, path)
    run(path, "--create-regions")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    number_at, phone_at, name_at = header.index("户编号"), header.index("联系电话"), header.index("姓名")
    status_at = header.index("人员状态")
    target = next(h for h in county.households if sum(p.status == "正常" for p in h.members) >= 3)
    mine = [row for row in body if row[number_at] == target.number]
    removed = next(row for row in reversed(mine) if row[status_at] == "正常")
    for row in mine:
        row[phone_at] = "13900000000"
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *(row for row in body if row is not removed)])
    output = run(edited)
    persons = sum(len(household.members) for household in county.households)
    assert counts(output).items() >= {"inserted": 0, "updated": len(mine) - 1, "rejected": 0}.items()
    assert counts(output)["unchanged"] == persons - len(mine)
    gone = Person.objects.get(household__number=target.number, name=removed[name_at])
    assert gone.status == "迁出"
    assert Household.objects.get(number=target.number).phone == "13900000000"
    assert Household.objects.filter(phone="13900000000").count() == 1


def test_planning_an_import_reads_the_database_in_a_bounded_number_of_queries(
    db, tmp_path, county, django_assert_max_num_queries
):
    from jingzhun.importer.reading import read_table

    path = tmp_path / "county.csv"
    writers.write_csv(county.households, path)
    run(path, "--create-regions")
    parsed = rf.parse(read_table(path), load.schema())
    # Regions, households, members and incomes: one query per chunk of 500 each, not one per household.
    with django_assert_max_num_queries(8):
        plan = load.plan(parsed)
    assert plan.counts() == {load.INSERTED: 0, load.UPDATED: 0, load.UNCHANGED: parsed.rows_read, load.REJECTED: 0}


def test_a_file_without_a_column_leaves_that_field_of_existing_records_alone(regions, tmp_path):
    rows = family()
    rows[0]["出生日期"] = "1969-01-01"  # recorded, and not what the ID says
    run(write_csv(tmp_path / "f.csv", rows, header=[*HEADER, "出生日期"]))
    output = run(write_csv(tmp_path / "g.csv", family()))  # no 出生日期 column
    assert counts(output)["unchanged"] == 3
    assert Person.objects.get(id_number=HEAD_ID).birth_date == dt.date(1969, 1, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("random.xlsx", bytes(range(256)) * 4, "cannot be read as a workbook"),
        ("nul.csv", "户编号,姓名\n\x00\x00\n".encode(), "NUL bytes"),
        ("notes.txt", b"hello", "unknown file type"),
    ],
)
def test_a_file_that_is_not_a_table_gets_a_clear_error_and_nothing_is_written(
    regions, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(path)
    assert not Household.objects.exists()


def test_the_same_bad_value_on_many_rows_is_rejected_on_every_row(regions, tmp_path):
    rows = family(户类型="贫困户")
    rejected = _rejected(tmp_path, rows)
    assert [line["代码 code"] for line in rejected] == ["unknown_value"] * 3


def test_rows_longer_or_shorter_than_the_header_are_read(regions, tmp_path):
    path = tmp_path / "ragged.csv"
    rows = family()
    lines = [",".join(HEADER)]
    lines.append(",".join(rows[0].get(name, "") for name in HEADER) + ",extra,cells")  # longer than the header
    lines.append(",".join(rows[1].get(name, "") for name in HEADER))
    lines.append(",".join(rows[2].get(name, "") for name in HEADER[:7]))  # stops after 证件号码: 与户主关系 missing
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = run(path, "--report", str(tmp_path / "r.csv"))
    assert counts(output).items() >= {"inserted": 0, "rejected": 3}.items()
    assert [row["代码 code"] for row in report_rows(tmp_path / "r.csv")] == ["held_back", "held_back",
                                                                            "missing_required"]  # fmt: skip
