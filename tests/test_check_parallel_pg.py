"""PostgreSQL: a run's findings in a partition of their own, and a run split over two sessions.

Two sessions find exactly what one finds; a failure in either leaves no findings and no table of the run behind;
inside a caller's transaction the run stays in one session. The split needs the run's own outermost transaction
and a findings table committed before it, so these tests are transactional.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from jingzhun.engine import executors
from jingzhun.registry.models import Region
from jingzhun.standards.models import CheckRun, Finding
from jingzhun.standards.runs import run_checks
from jingzhun.standards.tasks import release_stopped

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's partitions and sessions"),
]
YEAR = 2025
TABLE = Finding._meta.db_table


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


def run_tables() -> dict[str, bool]:
    """The findings table of each run there is, and whether it is attached as a partition (the flush between
    transactional tests leaves earlier tests' partitions behind, empty)."""
    names = [f"{TABLE}_run_{pk}" for pk in CheckRun.objects.values_list("pk", flat=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.inhparent IS NOT NULL FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid "
            "WHERE c.relkind = 'r' AND c.relname = ANY(%s)",
            [names],
        )
        return dict(cursor.fetchall())


def assert_failed_leaving_nothing() -> None:
    """The one run there is failed, and left no findings and no table of its own."""
    assert CheckRun.objects.get().status == CheckRun.Status.FAILED
    assert not Finding.objects.exists()
    assert run_tables() == {}


def test_two_sessions_find_what_one_finds(county, monkeypatch):
    halves = []
    original = executors.PostgresExecutor.split

    def spy(self, values):
        halves.append(original(self, values))
        return halves[-1]

    monkeypatch.setattr(executors.PostgresExecutor, "split", spy)
    one = run_checks(county, YEAR, ledger=False, workers=1)
    assert halves == []
    two = run_checks(county, YEAR, ledger=False, workers=2)
    assert len(halves) == 1
    mine, theirs = halves[0]  # the region's households split by id: the lower ids, then the others
    assert mine["region_low"] == theirs["region_low"] == county.bounds[0]
    assert mine["household_low"] <= mine["household_high"] == theirs["household_low"] - 1 < theirs["household_high"]
    assert one.total > 100
    assert two.counts == one.counts
    assert findings(two) == findings(one)
    assert {values for _, values in Finding.objects.filter(run=two).values_list("run_id", "values_json")}
    # Each run's findings are its own partition, attached; nothing else is left.
    assert run_tables() == {f"{TABLE}_run_{one.pk}": True, f"{TABLE}_run_{two.pk}": True}
    # The two sessions built the partition's indexes: attaching it took them instead of building more. Within a
    # partition the run is one value: no index leads with it (migration standards 0009); the key is the key.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT regexp_replace(pg_get_indexdef(indexrelid), '^.* USING ', ''), indisprimary FROM pg_index "
            "WHERE indrelid = %s::regclass ORDER BY 1",
            [f"{TABLE}_run_{two.pk}"],
        )
        assert cursor.fetchall() == [
            ("btree (household_id)", False),
            ("btree (id, run_id)", True),
            ("btree (region_code) INCLUDE (rule_id)", False),
        ]
    # Ids stay unique across runs and sessions (one sequence).
    ids = list(Finding.objects.values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == one.total + two.total


def test_a_town_split_in_two_finds_what_one_session_finds(county):
    # The town's households are a part of the county's ids: each half checks the town's households in its ids.
    town = Region.objects.filter(level="town").order_by("code")[1]
    one = run_checks(town, YEAR, ledger=False, workers=1)
    two = run_checks(town, YEAR, ledger=False, workers=2)
    assert 0 < one.total < run_checks(county, YEAR, ledger=False, workers=1).total
    assert two.counts == one.counts
    assert findings(two) == findings(one)
    assert {code[:9] for code in Finding.objects.filter(run=two).values_list("region_code", flat=True)} == {
        town.code[:9]
    }


def test_one_session_counts_the_duplicate_ids_and_hands_them_to_the_other(county, monkeypatch):
    sent = []
    original = executors.Executor.execute

    def spy(self, cursor, sql, values):
        sent.append((getattr(self, "part", ""), sql))
        return original(self, cursor, sql, values)

    monkeypatch.setattr(executors.Executor, "execute", spy)
    one = run_checks(county, YEAR, ledger=False, workers=1)
    sent.clear()
    two = run_checks(county, YEAR, ledger=False, workers=2)
    built = [(part, sql.endswith("NO DATA")) for part, sql in sent if sql.startswith("CREATE TEMPORARY TABLE jz_ids")]
    assert sorted(built) == [("lower", False), ("upper", True)]  # counted by one, copied by the other
    assert one.counts["DQ-003"] > 0  # the synthetic county has duplicate ID numbers in both halves' households
    assert two.counts == one.counts
    assert findings(two) == findings(one)


def test_a_first_session_failing_before_the_handover_does_not_leave_the_second_waiting(county, monkeypatch):
    original = executors.PostgresExecutor.run_statements

    def broken(self, step, statements, values):
        if self.part == "lower" and any("jz_ids" in sql for sql in statements):
            raise RuntimeError("the first session failed counting")
        return original(self, step, statements, values)

    monkeypatch.setattr(executors.PostgresExecutor, "run_statements", broken)
    with pytest.raises(RuntimeError, match="failed counting"):
        run_checks(county, YEAR, ledger=False, workers=2)
    assert_failed_leaving_nothing()


def test_both_sessions_read_the_run_snapshot(county, monkeypatch):
    """A change committed after the run began is seen by neither session: both read the run's snapshot."""
    before = run_checks(county, YEAR, ledger=False, workers=1)
    original = executors.PostgresExecutor.split

    def change(self, values):
        halves = original(self, values)  # the run's transaction has read already: its snapshot is taken
        # Every household of the second half made food insecure (FOO-001 would fire on each), committed.
        with connection.Database.connect(**connection.get_connection_params()) as other:
            other.execute(
                "UPDATE registry_household SET food_secure = false WHERE region_code BETWEEN %s AND %s",
                [halves[1]["region_low"], halves[1]["region_high"]],
            )
        return halves

    monkeypatch.setattr(executors.PostgresExecutor, "split", change)
    two = run_checks(county, YEAR, ledger=False, workers=2)
    assert two.counts == before.counts
    assert findings(two) == findings(before)
    monkeypatch.undo()
    assert run_checks(county, YEAR, ledger=False, workers=2).counts["FOO-001"] > before.counts["FOO-001"]


def test_a_failed_second_session_leaves_no_findings(county, monkeypatch):
    original = executors.PostgresExecutor.run

    def broken(self, plan, values, *, finding_table=None):
        if self.part == "upper":  # the second session: it writes its findings into the run's table, then fails
            original(self, plan, values, finding_table=finding_table)
            raise RuntimeError("the second session failed")
        return original(self, plan, values, finding_table=finding_table)

    monkeypatch.setattr(executors.PostgresExecutor, "run", broken)
    with pytest.raises(RuntimeError, match="second session failed"):
        run_checks(county, YEAR, ledger=False, workers=2)
    assert_failed_leaving_nothing()


def test_a_failed_first_session_leaves_no_findings(county, monkeypatch):
    original = executors.PostgresExecutor.run_level

    def broken(self, level, values, finding_table, result):
        original(self, level, values, finding_table, result)
        if self.part == "lower" and level.level == "person":  # the first session, its findings written
            raise RuntimeError("the first session failed")

    monkeypatch.setattr(executors.PostgresExecutor, "run_level", broken)
    with pytest.raises(RuntimeError, match="first session failed"):
        run_checks(county, YEAR, ledger=False, workers=2)
    assert_failed_leaving_nothing()


def test_a_run_killed_before_attaching_leaves_no_visible_findings(county, monkeypatch):
    """Both sessions wrote, then the run died before attaching: the findings were never in the findings table."""

    def killed(self, finding_table, run_id):
        raise KeyboardInterrupt  # as good as a kill for the run's transaction: it never commits

    monkeypatch.setattr(executors.PostgresExecutor, "attach_run_table", killed)
    # A killed process does not get to drop its table (an interrupted one does: a test above).
    monkeypatch.setattr(executors.PostgresExecutor, "drop_run_table", lambda *args: None)
    with pytest.raises(KeyboardInterrupt):
        run_checks(county, YEAR, ledger=False, workers=2)
    run = CheckRun.objects.get()
    assert not Finding.objects.exists()
    # A killed process drops nothing: the second session's rows are in a table nobody reads, until the run is
    # found stopped (its heartbeat gone: standards.tasks.release_stopped), which drops it.
    leftover = run_tables()
    assert leftover == {f"{TABLE}_run_{run.pk}": False}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}_run_{run.pk}")  # noqa: S608
        assert cursor.fetchone()[0] > 0
    monkeypatch.undo()
    # As a killed process leaves it: still "running", started long ago, no heartbeat file.
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.RUNNING, finished_at=None, started_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert release_stopped() == 1
    assert CheckRun.objects.get().status == CheckRun.Status.FAILED
    assert run_tables() == {}


def test_inside_an_outer_transaction_the_run_stays_in_one_session(county, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("split inside an outer transaction")

    monkeypatch.setattr(executors.PostgresExecutor, "split", never)
    with transaction.atomic():
        run = run_checks(county, YEAR, ledger=False, workers=2)
    assert run.total == Finding.objects.filter(run=run).count() > 100
    assert run_tables() == {f"{TABLE}_run_{run.pk}": True}


def test_a_failed_run_inside_an_outer_transaction_leaves_no_findings(county, monkeypatch):
    def broken(self, level, values, finding_table, result):
        raise RuntimeError("a level failed")

    monkeypatch.setattr(executors.PostgresExecutor, "run_level", broken)
    with transaction.atomic():
        with pytest.raises(RuntimeError, match="a level failed"):
            run_checks(county, YEAR, ledger=False, workers=2)
        assert not Finding.objects.exists()
    assert run_tables() == {}


def test_deleting_a_run_deletes_its_findings(county):
    run = run_checks(county, YEAR, ledger=False, workers=2)
    assert Finding.objects.filter(run=run).exists()
    table = f"{TABLE}_run_{run.pk}"
    assert run_tables() == {table: True}
    run.delete()
    assert not Finding.objects.exists()
    with connection.cursor() as cursor:  # its partition went with it
        cursor.execute("SELECT to_regclass(%s)", [table])
        assert cursor.fetchone()[0] is None
