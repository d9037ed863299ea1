"""A SQLite run split over two cores finds exactly what one core finds, and a failed half leaves no findings.

The split needs committed data and the run's own outermost transaction, so these tests are transactional.
"""

from __future__ import annotations

import io
import os
import tempfile
import time

import pytest
from django.core.management import call_command
from django.db import connection

from jingzhun.engine import executors
from jingzhun.registry.models import Region
from jingzhun.standards.models import CheckRun, Finding
from jingzhun.standards.runs import run_checks

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the two-core split is SQLite's"),
]
YEAR = 2025


@pytest.fixture
def county() -> Region:
    call_command("synth", households=400, seed=11, stdout=io.StringIO(), stderr=io.StringIO())
    return Region.objects.get(level="county")


def findings(run: CheckRun) -> list[tuple]:
    return sorted(
        Finding.objects.filter(run=run).values_list(
            "rule_id", "household_id", "person_id", "region_code", "values_json", "item"
        )
    )


def test_two_cores_find_what_one_core_finds(county, monkeypatch):
    halves = []
    original = executors.SQLiteExecutor.split

    def spy(self, values):
        halves.append(original(self, values))
        return halves[-1]

    monkeypatch.setattr(executors.SQLiteExecutor, "split", spy)
    one = run_checks(county, YEAR, ledger=False, workers=1)
    assert halves == []
    two = run_checks(county, YEAR, ledger=False, workers=2)
    assert len(halves) == 1
    mine, theirs = halves[0]
    assert county.bounds[0] == mine["region_low"] <= mine["region_high"] < theirs["region_low"]
    assert one.total > 100
    assert two.counts == one.counts
    assert findings(two) == findings(one)
    # The staging database is gone from the connection and from disk.
    names = [row[1] for row in connection.connection.execute("PRAGMA database_list")]
    assert names == ["main", "temp"] or names == ["main"]


def test_a_failed_half_leaves_no_findings(county, monkeypatch):
    def broken(self, path, stage, plan, values, out, **kwargs):
        raise RuntimeError("the second core failed")

    monkeypatch.setattr(executors.SQLiteExecutor, "_run_staged", broken)
    with pytest.raises(RuntimeError, match="second core"):
        run_checks(county, YEAR, ledger=False, workers=2)
    run = CheckRun.objects.get()
    assert run.status == CheckRun.Status.FAILED
    assert not Finding.objects.exists()


def test_the_second_half_gets_the_duplicate_id_numbers_counted_by_the_first(county, monkeypatch):
    handed = []
    original = executors.Half.send_ids

    def spy(self, rows):
        handed.append(rows)
        return original(self, rows)

    monkeypatch.setattr(executors.Half, "send_ids", spy)
    two = run_checks(county, YEAR, ledger=False, workers=2)
    assert len(handed) == 1 and handed[0], "counted once, by the first half, and handed over"
    assert two.counts["DQ-003"] == run_checks(county, YEAR, ledger=False, workers=1).counts["DQ-003"] > 0


def test_a_run_that_fails_before_handing_over_the_id_numbers_ends_both_halves(county, monkeypatch):
    def broken(self, rows):
        raise RuntimeError("counting the ID numbers failed")

    monkeypatch.setattr(executors.Half, "send_ids", broken)
    with pytest.raises(RuntimeError, match="counting the ID numbers failed"):
        run_checks(county, YEAR, ledger=False, workers=2)  # the waiting half ends instead of waiting forever
    assert CheckRun.objects.get().status == CheckRun.Status.FAILED
    assert not Finding.objects.exists()


def test_a_half_that_failed_before_the_hand_over_is_what_the_run_reports(county, monkeypatch):
    def broken(self, path, stage, plan, values, out, **kwargs):
        raise RuntimeError("the second core failed")

    original = executors.Half.send_ids

    def late(self, rows):
        time.sleep(0.5)  # the failed half has ended: nobody reads the pipe any more
        return original(self, rows)

    monkeypatch.setattr(executors.SQLiteExecutor, "_run_staged", broken)
    monkeypatch.setattr(executors.Half, "send_ids", late)
    with pytest.raises(RuntimeError, match="second core"):
        run_checks(county, YEAR, ledger=False, workers=2)
    assert not Finding.objects.exists()


def test_inside_an_outer_transaction_the_run_stays_on_one_core(county, monkeypatch):
    from django.db import transaction

    def never(*args, **kwargs):
        raise AssertionError("split inside an outer transaction")

    monkeypatch.setattr(executors.SQLiteExecutor, "split", never)
    with transaction.atomic():
        run = run_checks(county, YEAR, ledger=False, workers=2)
    assert run.total == Finding.objects.filter(run=run).count() > 100


def test_the_configured_number_of_workers_wins_over_the_load(settings):
    from jingzhun.standards.runs import sqlite_workers

    settings.CHECK_SQLITE_WORKERS = 1
    assert sqlite_workers() == 1
    settings.CHECK_SQLITE_WORKERS = 2
    assert sqlite_workers() == 2
    settings.CHECK_SQLITE_WORKERS = 0
    assert sqlite_workers() in (1, 2)


def test_the_person_findings_are_copied_while_the_second_half_checks_its_households(county, monkeypatch):
    copies = []
    original = executors.SQLiteExecutor.copy_staged

    def spy(self, stage, level, finding_table, values):
        copies.append(level)
        return original(self, stage, level, finding_table, values)

    monkeypatch.setattr(executors.SQLiteExecutor, "copy_staged", spy)
    two = run_checks(county, YEAR, ledger=False, workers=2)
    assert copies == ["person", "household"]
    assert findings(two) == findings(run_checks(county, YEAR, ledger=False, workers=1))


def test_a_half_that_fails_after_handing_over_its_person_findings_leaves_no_findings(county, monkeypatch):
    copies = []
    original_copy = executors.SQLiteExecutor.copy_staged
    original_run = executors.SQLiteExecutor._run_staged

    def spy(self, stage, level, finding_table, values):
        copies.append(level)
        return original_copy(self, stage, level, finding_table, values)

    def failing_later(self, path, stage, plan, values, out, handover=None, **kwargs):
        def hand(level):
            if level == "household":
                raise RuntimeError("the second core failed at its household level")
            handover(level)

        return original_run(self, path, stage, plan, values, out, handover=hand, **kwargs)

    folders = []
    mkdtemp = executors.tempfile.mkdtemp

    def made(*args, **kwargs):
        folders.append(mkdtemp(*args, **kwargs))
        return folders[-1]

    monkeypatch.setattr(executors.SQLiteExecutor, "copy_staged", spy)
    monkeypatch.setattr(executors.SQLiteExecutor, "_run_staged", failing_later)
    monkeypatch.setattr(executors.tempfile, "mkdtemp", made)
    with pytest.raises(RuntimeError, match="household level"):
        run_checks(county, YEAR, ledger=False, workers=2)
    assert copies == ["person"], "the person findings were copied before the half failed"
    assert len(folders) == 1 and not os.path.exists(folders[0]), "the staging folder is removed"
    assert CheckRun.objects.get().status == CheckRun.Status.FAILED
    assert not Finding.objects.exists()


def test_a_failed_copy_leaves_no_findings(county, monkeypatch):
    def broken(self, stage, level, finding_table, values):
        if level == "person":
            raise executors.EngineError("sqlite", "staged findings", "INSERT …", RuntimeError("the copy failed"))
        return original(self, stage, level, finding_table, values)

    original = executors.SQLiteExecutor.copy_staged
    monkeypatch.setattr(executors.SQLiteExecutor, "copy_staged", broken)
    with pytest.raises(executors.EngineError, match="staged findings"):
        run_checks(county, YEAR, ledger=False, workers=2)
    assert CheckRun.objects.get().status == CheckRun.Status.FAILED
    assert not Finding.objects.exists()


def test_staging_folders_of_killed_runs_are_removed_and_a_living_runs_stay(tmp_path):
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(ended.stdout)  # a process that has ended (its id not yet reused, as a rule)
    killed = tmp_path / f"{executors.STAGE_PREFIX}{dead_pid}-abc"
    living = tmp_path / f"{executors.STAGE_PREFIX}{os.getpid()}-def"
    old_style, new_old_style = tmp_path / f"{executors.STAGE_PREFIX}xyz", tmp_path / f"{executors.STAGE_PREFIX}uvw"
    for folder in (killed, living, old_style, new_old_style):
        folder.mkdir()
        (folder / "stage.sqlite3").write_bytes(b"x" * 100)
    a_day_ago = time.time() - 2 * 86400
    os.utime(old_style, (a_day_ago, a_day_ago))
    unrelated = tmp_path / "something-else"
    unrelated.mkdir()
    assert executors.remove_orphaned_stages(tmp_path) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([living.name, new_old_style.name, unrelated.name])


def test_a_split_run_names_its_staging_folder_after_its_process_and_removes_it(county, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = []
    original = tempfile.mkdtemp

    def spy(*args, **kwargs):
        made.append(kwargs.get("prefix", ""))
        return original(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    run_checks(county, YEAR, ledger=False, workers=2)
    assert made == [f"{executors.STAGE_PREFIX}{os.getpid()}-"]
    assert not list(tmp_path.glob(f"{executors.STAGE_PREFIX}*"))
