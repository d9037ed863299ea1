"""``jingzhun export findings``: one row per finding, the columns the data office needs, CSV and XLSX alike."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from jingzhun.registry.models import Person, Region
from jingzhun.standards.exports import COLUMNS, values_in_words
from jingzhun.standards.models import Finding
from jingzhun.standards.runs import run_checks
from rules_fixtures import YEAR, clean_members, create_household, regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    """A clean household, a dropout (person rules EDU-001, MED-001) and a dangerous house (household rule HOU-001)."""
    tree = regions()
    village = tree["village"]
    create_household(village, "511823101201001")
    members = clean_members()
    members[2].update(school_status="非在校生", insured_resident_medical=False, insured_serious_illness=False)
    create_household(village, "511823101201002", members=members)
    create_household(village, "511823101201003", {"housing_grade": "D", "safe_housing_measure": "无"})
    return run_checks(tree["county"], YEAR)


def read_csv(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM, for Excel
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def read_xlsx(path) -> list[dict]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(cell) for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_csv_has_one_row_per_finding_with_the_columns(run, tmp_path):
    out = tmp_path / "findings.csv"
    call_command("export", "findings", "--format", "csv", "--out", str(out))
    rows = read_csv(out)
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == Finding.objects.filter(run=run).count() == run.total == 3
    by_rule = {row["rule_id"]: row for row in rows}
    assert set(by_rule) == {"EDU-001", "MED-001", "HOU-001"}
    child = Person.objects.get(household__number="511823101201002", name="之子")

    dropout = by_rule["EDU-001"]
    assert dropout["rule_title_zh"] == "义务教育阶段适龄儿童失学辍学"
    assert dropout["item"] == "education"
    assert dropout["household_no"] == "511823101201002"
    assert dropout["id_number"] == child.id_number  # the office's copy is unmasked
    assert dropout["name"] == "之子"
    assert dropout["head_name"] == "户主"
    assert dropout["region_code"] == "511823101201"
    assert (dropout["town"], dropout["village"]) == ("富林镇", "长征村")
    assert "年龄 13" in dropout["values"] and "在校生状况 非在校生" in dropout["values"]
    assert json.loads(dropout["values_json"])["school_status"] == "非在校生"

    house = by_rule["HOU-001"]
    assert house["id_number"] == "" and house["name"] == ""  # a household rule has no person
    assert house["household_no"] == "511823101201003"
    assert "住房安全鉴定等级 D" in house["values"]


def test_xlsx_holds_the_same_rows_as_csv(run, tmp_path):
    call_command("export", "findings", "--format", "csv", "--out", str(tmp_path / "f.csv"))
    call_command("export", "findings", "--format", "xlsx", "--out", str(tmp_path / "f.xlsx"))
    csv_rows = read_csv(tmp_path / "f.csv")
    xlsx_rows = read_xlsx(tmp_path / "f.xlsx")
    assert len(xlsx_rows) == len(csv_rows) == 3

    def normal(row):
        return {key: str(int(value)) if isinstance(value, float) else str(value) for key, value in row.items()}

    assert [normal(row) for row in xlsx_rows] == csv_rows
    # ID numbers stay text (Excel would lose the last digits of an 18-digit number).
    assert all(isinstance(row["id_number"], str) for row in xlsx_rows)


def test_the_format_follows_the_file_name_and_the_output_is_byte_stable(run, tmp_path):
    call_command("export", "findings", "--out", str(tmp_path / "a.csv"))
    call_command("export", "findings", "--out", str(tmp_path / "b.csv"))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    with pytest.raises(CommandError, match="--format"):
        call_command("export", "findings", "--out", str(tmp_path / "c.txt"))


def test_the_latest_finished_run_is_the_default_and_run_picks_another(run, tmp_path):
    village = Region.objects.get(code="511823101201")
    create_household(village, "511823101201004", {"water_quality_ok": False})
    later = run_checks(run.region, YEAR)
    call_command("export", "findings", "--out", str(tmp_path / "latest.csv"))
    call_command("export", "findings", "--out", str(tmp_path / "first.csv"), "--run", str(run.pk))
    latest = read_csv(tmp_path / "latest.csv")
    assert {row["run_id"] for row in latest} == {str(later.pk)}
    assert len(latest) == 4 and "WAT-003" in {row["rule_id"] for row in latest}
    assert len(read_csv(tmp_path / "first.csv")) == 3
    with pytest.raises(CommandError, match="no finished check run #999"):
        call_command("export", "findings", "--out", str(tmp_path / "x.csv"), "--run", "999")


def test_without_a_run_the_export_says_what_to_do(tmp_path, db):
    with pytest.raises(CommandError, match="jingzhun check"):
        call_command("export", "findings", "--out", str(tmp_path / "x.csv"))


def test_the_export_command_needs_a_subcommand(db):
    with pytest.raises(CommandError):
        call_command("export")


def test_values_in_words_name_fields_and_parameters():
    from django.utils import translation

    with translation.override("zh-hans"):
        text = values_in_words({"age": 13.0, "school_status": "非在校生", "home_schooled": None, "poverty_line": 4000})
    assert text == "年龄 13 · 在校生状况 非在校生 · 是否送教上门 未填写 (所用参数: 扶贫标准 4000)"
    with translation.override("en"):
        text = values_in_words({"water_piped": 0, "water_fetch_minutes": 30, "risk_types": "因病,因残"})
    assert text == "piped water no · water fetch round trip (minutes) 30 · risk types illness, disability"
