"""The import in batches of households: the same outcome as one batch, one transaction, scattered households.

The importer plans and writes a few thousand households at a time (``load.BATCH_HOUSEHOLDS``); here batches of one
or two households make every file of a few families cross batch boundaries.
"""

from __future__ import annotations

import pytest

from conftest import VILLAGE_B
from jingzhun.audit.chain import verify
from jingzhun.importer import load
from jingzhun.importer import registry_file as rf
from jingzhun.importer.models import RegistryImport
from jingzhun.importer.tasks import _progress
from jingzhun.registry.models import Household, Person, Region
from test_import import (
    counts,
    english,  # noqa: F401 - autouse: the summary in English, as counts() reads it
    family,
    member,
    report_rows,
    run,
    write_csv,
)

pytestmark = pytest.mark.django_db

NEW_VILLAGE = "511823100299"  # not in the regions fixture: created with --create-regions


@pytest.fixture
def batches_of(monkeypatch):
    def set_size(size: int) -> None:
        monkeypatch.setattr(load, "BATCH_HOUSEHOLDS", size)
        monkeypatch.setattr(rf, "CHUNK_ROWS", 1)  # households are handed out after each chunk of rows

    return set_size


def county_file(tmp_path, name="f.csv"):
    rows = [*family("H001"), *family("H002", VILLAGE_B), *family("H003", 户类型="富裕户"), *family("H004"),
            *family("H005", VILLAGE_B)]  # fmt: skip
    return write_csv(tmp_path / name, rows)


def test_a_file_imported_in_batches_ends_as_in_one_batch(regions, tmp_path, batches_of):
    batches_of(2)
    output = run(county_file(tmp_path), "--report", str(tmp_path / "r.csv"))
    assert counts(output).items() >= {"inserted": 12, "updated": 0, "unchanged": 0, "rejected": 3}.items()
    assert [(line["行号 row"], line["代码 code"]) for line in report_rows(tmp_path / "r.csv")] == [
        ("8", "unknown_value"), ("9", "unknown_value"), ("10", "unknown_value")]  # fmt: skip
    assert sorted(Household.objects.values_list("number", flat=True)) == ["H001", "H002", "H004", "H005"]
    assert Person.objects.count() == 12 and verify().ok
    # Idempotent across batches too.
    assert counts(run(county_file(tmp_path))).items() >= {"unchanged": 12, "rejected": 3}.items()


def test_a_failure_in_a_later_batch_leaves_the_earlier_batches_unwritten(regions, tmp_path, batches_of, monkeypatch):
    batches_of(1)
    written = load.write_incomes

    def fail_on_the_third(batch):
        fail_on_the_third.calls += 1
        if fail_on_the_third.calls == 3:
            assert Household.objects.filter(number="H002").exists()  # earlier batches were written
            raise RuntimeError("disk full")
        written(batch)

    fail_on_the_third.calls = 0
    monkeypatch.setattr(load, "write_incomes", fail_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        run(county_file(tmp_path))
    assert not Household.objects.exists() and not Person.objects.exists() and verify().ok


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_household_whose_rows_are_scattered_is_imported_whole(regions, tmp_path, batches_of, monkeypatch, dry_run):
    batches_of(1)
    head, spouse, child = family("H001")
    rows = [head, *family("H002", VILLAGE_B), *family("H003"), spouse, member("H004", "赵六", ""), child]
    planned = []
    plan_batch = load.plan_batch
    monkeypatch.setattr(load, "plan_batch", lambda result, households, **options: planned.append(
        [household.number for household in households]) or plan_batch(result, households, **options))  # fmt: skip
    output = run(write_csv(tmp_path / "f.csv", rows), *(["--dry-run"] if dry_run else []))
    assert counts(output).items() >= {"inserted": 10, "rejected": 0, "rows read": 10}.items()
    # The first pass took H001 to be complete when H002 began; the second knows each household's last row.
    assert planned[:2] == [["H001"], ["H002"]] and planned[-3:] == [["H003"], ["H004"], ["H001"]]
    if dry_run:
        assert not Household.objects.exists()
    else:
        assert Person.objects.filter(household__number="H001").count() == 3 and Person.objects.count() == 10
        assert Household.objects.count() == 4 and verify().ok


def test_a_dry_run_places_later_batches_on_the_villages_earlier_ones_would_create(regions, tmp_path, batches_of):
    batches_of(1)
    rows = [*family("H001", NEW_VILLAGE), *family("H002", NEW_VILLAGE)]
    output = run(write_csv(tmp_path / "f.csv", rows), "--create-regions", "--dry-run")
    assert counts(output).items() >= {"inserted": 6, "rejected": 0}.items()
    assert output.count(f"Region created: {NEW_VILLAGE}") == 1 and not Region.objects.filter(code=NEW_VILLAGE).exists()


def test_the_moved_out_members_are_listed_in_the_files_order_whatever_the_batches(regions, tmp_path, batches_of):
    run(write_csv(tmp_path / "f.csv", [*family("H001"), *family("H002", VILLAGE_B)]))
    batches_of(1)
    rows = [*family("H002", VILLAGE_B)[:2], *family("H001")[:2], family("H002", VILLAGE_B)[2]]  # H002 scattered
    output = run(write_csv(tmp_path / "g.csv", rows))
    moved = [line for line in output.splitlines() if line.startswith("Moved out")]
    assert [line.rsplit(" ", 1)[1] for line in moved] == ["H001"]
    assert counts(output).items() >= {"updated": 2, "unchanged": 3}.items()


def test_the_row_reached_is_written_beside_the_source_for_the_progress_page(personas, tmp_path, settings, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr("jingzhun.importer.tasks.PROGRESS_SECONDS", 0)
    entry = RegistryImport.objects.create(user=personas.county_officer, user_name="county_officer", file_name="f.csv",
                                          folder="x", suffix=".csv", size=1, sha256="0" * 64, status="running",
                                          rows_total=200)  # fmt: skip
    entry.directory.mkdir(parents=True)
    _progress(entry)(120)  # inside the import's transaction: the record itself is not updated
    entry.refresh_from_db()
    assert entry.rows_done == 0
    entry.read_progress()
    assert entry.rows_done == 120 and entry.percent == 60
