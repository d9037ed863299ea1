"""``jingzhun check``: runs the standard's checks and prints counts per rule; --system keeps Django's checks."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.standards.models import CheckRun, Finding
from rules_fixtures import YEAR, clean_members, create_household, regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_registry():
    tree = regions()
    village = tree["village"]
    create_household(village, "511823101201001")
    members = clean_members()
    members[2]["school_status"] = "非在校生"
    create_household(village, "511823101201002", members=members)
    create_household(village, "511823101201003", {"food_secure": False, "water_quality_ok": False})
    return tree


def run_check(*args) -> str:
    out = io.StringIO()
    call_command("check", *args, stdout=out)
    return out.getvalue()


def test_check_prints_the_counts_per_rule_and_records_the_run(small_registry):
    output = run_check("--region", small_registry["county"].code, "--year", str(YEAR))
    run = CheckRun.objects.get()
    assert run.status == CheckRun.Status.DONE
    assert {rule: n for rule, n in run.counts.items() if n} == {"EDU-001": 1, "FOO-001": 1, "WAT-003": 1}
    assert Finding.objects.filter(run=run).count() == 3
    assert f"Check run #{run.pk}" in output
    for rule_id in ("EDU-001", "FOO-001", "WAT-003"):
        line = next(line for line in output.splitlines() if rule_id in line)
        assert line.split("│")[2].strip() == "1", line
    assert "total" in output and run.ruleset_sha256[:12] in output


def test_check_over_every_province_by_default(small_registry):
    run_check("--year", str(YEAR))
    assert CheckRun.objects.get().region_id == "510000000000"


def test_an_unknown_region_is_an_error(small_registry):
    with pytest.raises(CommandError, match="no region with code 519999000000"):
        run_check("--region", "519999000000")


def test_a_bad_rule_file_fails_with_the_file_line_and_message(small_registry, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "ruleset: local\n"
        "version: 1\n"
        "rules:\n"
        "  - id: LOC-001\n"
        "    item: food\n"
        "    level: household\n"
        "    severity: high\n"
        "    title: {zh: 测试, en: test}\n"
        "    message: {zh: 测试, en: test}\n"
        "    when: food_secure = false AND no_such_field > 3\n",
        encoding="utf-8",
    )
    # The rules compile before any run starts: nothing is run, and the error names the file, line and column.
    with pytest.raises(CommandError) as caught:
        run_check("--rules", str(bad), "--region", small_registry["county"].code)
    message = str(caught.value)
    assert str(bad) in message
    assert f"{bad}:10:35:" in message  # the line and column of the unknown name
    assert "LOC-001" in message and "no_such_field" in message
    assert not CheckRun.objects.exists()


def test_malformed_yaml_fails_with_the_file_and_line(small_registry, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("ruleset: local\nversion: 1\nrules:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.yaml:\d+"):
        run_check("--rules", str(bad))


def test_system_still_runs_djangos_system_checks(small_registry):
    output = run_check("--system")
    assert "System check identified no issues" in output
    assert not CheckRun.objects.exists()


def test_a_snapshot_export_feeds_the_duckdb_engine(small_registry, tmp_path):
    pytest.importorskip("duckdb")
    out = io.StringIO()
    call_command("export", "snapshot", "--out", str(tmp_path / "snap"), stdout=out)
    assert (tmp_path / "snap" / "registry_person.parquet").exists()
    county = small_registry["county"].code
    run_check("--engine", "duckdb", "--snapshot", str(tmp_path / "snap"), "--region", county)
    run_check("--region", county)
    duckdb_run, database_run = CheckRun.objects.order_by("id")
    assert duckdb_run.engine == "duckdb" and database_run.engine != "duckdb"
    assert duckdb_run.counts == database_run.counts and duckdb_run.total > 0


def test_the_duckdb_executor_runs_on_a_connection_with_an_unread_result(small_registry, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    from jingzhun.engine.executors import bindings, executor_for
    from jingzhun.standards.rules import load_ruleset
    from jingzhun.standards.runs import _plan, parameter_values

    call_command("export", "snapshot", "--out", str(tmp_path / "snap"), stdout=io.StringIO())
    county = small_registry["county"]
    low, high = county.bounds
    values = bindings(parameter_values(county, 2025), run_id=1, region_low=low, region_high=high)
    connection = duckdb.connect()
    executor = executor_for("duckdb", connection, snapshot=tmp_path / "snap")
    connection.execute("SELECT COUNT(*) FROM registry_person").fetchone()  # read, not to its end (bench/check.py)
    result = executor.run(_plan(load_ruleset(), "duckdb"), values)
    assert sum(result.counts.values()) == len(result.rows) > 0


def test_a_snapshot_of_an_unknown_region_is_refused(small_registry, tmp_path):
    pytest.importorskip("duckdb")
    with pytest.raises(CommandError, match="no region with code 519999000000"):
        call_command("export", "snapshot", "--out", str(tmp_path / "snap"), "--region", "519999000000")
