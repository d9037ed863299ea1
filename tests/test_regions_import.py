"""``jingzhun regions import``: a division-code table in, the region hierarchy out (parents from code prefixes)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.registry.models import Region

pytestmark = pytest.mark.django_db

YAAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "regions-yaan-2023.csv"
TREE = [
    ("510000000000", "四川省"),
    ("511800000000", "雅安市"),
    ("511823000000", "汉源县"),
    ("511823100000", "富林镇"),
    ("511823100201", "新民村"),
]


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def write_csv(path: Path, rows, header=("code", "name"), before=()) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(before)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("regions", "import", str(path), *args, stdout=out)
    return out.getvalue()


def counts(output: str) -> dict[str, int]:
    found = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[1].isdigit():
            found[cells[0]] = int(cells[1])
    return found


def test_a_table_of_codes_and_names_builds_the_hierarchy_from_code_prefixes(tmp_path):
    output = run(write_csv(tmp_path / "r.csv", TREE))
    assert counts(output)["created"] == 5
    village = Region.objects.get(code="511823100201")
    assert (village.level, village.parent_id, village.name) == ("village", "511823100000", "新民村")
    assert Region.objects.get(code="511800000000").parent_id == "510000000000"


def test_importing_the_table_again_leaves_every_region_unchanged(tmp_path):
    path = write_csv(tmp_path / "r.csv", TREE)
    run(path)
    assert counts(run(path))["unchanged"] == 5


def test_a_renamed_region_is_updated_by_its_code(tmp_path):
    run(write_csv(tmp_path / "r.csv", TREE))
    output = run(write_csv(tmp_path / "s.csv", [*TREE[:4], ("511823100201", "新民社区")]))
    assert counts(output)["updated"] == 1 and counts(output)["unchanged"] == 4
    assert Region.objects.get(code="511823100201").name == "新民社区"


def test_bad_rows_are_rejected_with_their_reasons(tmp_path):
    rows = [
        *[(code, name, "") for code, name in TREE],
        ("51182310020", "短码", ""),  # 11 digits
        ("511823100202", "", ""),  # no name
        ("511823100203", "某村", "hamlet"),  # unknown level
        ("511823100204", "某村", "town"),  # the code says village
        ("511899100201", "孤村", ""),  # county 511899 is nowhere
        ("511823100201", "重复村", ""),  # twice
    ]
    output = run(write_csv(tmp_path / "r.csv", rows, header=("代码", "名称", "级别")))
    assert counts(output)["created"] == 5 and counts(output)["rejected"] == 6
    for reason in ("not 12 digits", "name is empty", "Unknown level", "disagrees", "neither in the file", "twice"):
        assert reason in output
    assert Region.objects.count() == 5


def test_the_header_row_is_found_below_title_rows_in_an_xlsx_file(tmp_path):
    path = tmp_path / "r.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write(0, 0, "2023年统计用区划代码")
    sheet.write_row(2, 0, ["统计用区划代码", "名称"])
    for number, (code, name) in enumerate(TREE, start=3):
        sheet.write_number(number, 0, int(code))  # codes typed as numbers: 12 digits survive
        sheet.write_string(number, 1, name)
    workbook.close()
    assert counts(run(path))["created"] == 5


def test_a_dry_run_writes_nothing(tmp_path):
    output = run(write_csv(tmp_path / "r.csv", TREE), "--dry-run")
    assert counts(output)["created"] == 5
    assert not Region.objects.exists()


def test_a_file_without_code_and_name_columns_is_refused(tmp_path):
    with pytest.raises(CommandError, match="code and a name"):
        run(write_csv(tmp_path / "r.csv", [("1", "2")], header=("a", "b")))


@pytest.mark.skipif(not YAAN.is_file(), reason="../shared/data/regions-yaan-2023.csv is not present")
def test_the_yaan_division_table_loads_whole():
    with open(YAAN, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    output = run(YAAN)
    assert counts(output)["created"] == len(rows) and counts(output)["rejected"] == 0
    for row in rows:
        assert Region.objects.get(code=row["code"]).level == row["level"]
