"""Run the standard's checks over a region and keep the findings; compare two runs.

The database that holds the registry evaluates the rules itself (one pass per level, no Python loop over rows):
the compiled plan inserts the findings straight into the findings table. With ``engine="duckdb"`` the same rules
run over a Parquet snapshot of the registry and the findings are written back here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from jingzhun.audit.chain import record
from jingzhun.core import liveness
from jingzhun.engine.compiler import Plan, compile_ruleset
from jingzhun.engine.executors import FINDING_COLUMNS, PostgresExecutor, bindings, executor_for
from jingzhun.engine.spec import RuleSet
from jingzhun.registry.models import Region, StandardParameters
from jingzhun.standards.models import CheckRun, Finding
from jingzhun.standards.rules import load_ruleset, schema

ENGINES = ("database", "duckdb")


def database_dialect() -> str:
    return {"sqlite": "sqlite", "postgresql": "postgres"}[connection.vendor]


@lru_cache(maxsize=16)
def _plan(ruleset: RuleSet, dialect: str) -> Plan:
    return compile_ruleset(ruleset, schema(), dialect)


def check_workers(dialect: str = "sqlite") -> int:
    """Two connections on two cores when a core is idle, else one.

    SQLite and PostgreSQL run a statement on one core; splitting a run in two costs a little more work (on SQLite
    both halves count the duplicate ID numbers and the second half's findings are copied in), which only pays when the
    second half really runs beside the first, not on a machine whose cores are already busy (the load average over
    the last minute, this process's own run included). See docs/performance.md.

    PostgreSQL runs the halves in its server processes, maybe on another machine, whose load this one cannot see:
    two sessions unless configured otherwise. (Measured on the shared 2-core machine at load 1.25–1.6, a 1M run
    took 3.9–4.1 s in two sessions against 5.5–5.7 s in one.)
    """
    configured = getattr(settings, "CHECK_SQLITE_WORKERS", 0)
    if configured:  # JINGZHUN_CHECK_WORKERS=1 keeps every run in one process (one session)
        return configured
    if dialect == "postgres":
        return 2
    cores = os.cpu_count() or 1
    return 2 if cores >= 2 and cores - os.getloadavg()[0] >= 1 else 1


sqlite_workers = check_workers  # its first name, when only SQLite split


def parameter_values(region: Region, year: int) -> dict:
    """The named parameters rules may use, for the region's province and the year."""
    params = StandardParameters.resolve(region.code, year)
    return {
        "poverty_line": params.poverty_line,
        "monitoring_line": params.monitoring_line,
        "water_min_litres": params.water_min_litres,
        "water_max_fetch_minutes": params.water_max_fetch_minutes,
        "water_max_outage_days": params.water_max_outage_days,
        "education_age_min": params.education_age_min,
        "education_age_max": params.education_age_max,
        "ref_date": params.reference_date,
        "year": year,
    }


def describe_rules(ruleset: RuleSet) -> dict[str, dict]:
    """The rules as a run records them, so its findings stay explainable after the rule file changes."""
    keep = ("item", "level", "severity", "title_zh", "title_en", "message_zh", "message_en", "when", "reference")
    return {rule.id: {name: getattr(rule, name) for name in keep} for rule in ruleset.rules}


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if not isinstance(v, int) else v)
            for k, v in values.items()}  # fmt: skip


def run_checks(
    region: Region,
    year: int,
    *,
    ruleset: RuleSet | None = None,
    engine: str = "database",
    snapshot: str | Path | None = None,
    user=None,
    ledger: bool = True,
    workers: int | None = None,
) -> CheckRun:
    """Check every household and person under ``region`` for ``year``; return the finished CheckRun.

    ``workers`` is how many cores a SQLite or PostgreSQL run may use (SQLite splits by region code, PostgreSQL by
    household id; DuckDB ignores it); by
    default two when the machine has a core to spare (``check_workers``).
    With ``ledger`` (the default) the findings are then taken into the problem ledger (``jingzhun.ledger.sync``).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    ruleset = ruleset or load_ruleset()
    dialect = "duckdb" if engine == "duckdb" else database_dialect()
    plan = _plan(ruleset, dialect)
    parameters = parameter_values(region, year)
    run = CheckRun.objects.create(
        region=region, year=year, engine=dialect, ruleset_name=ruleset.name, ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256, parameters=_jsonable(parameters), rules=describe_rules(ruleset),
        started_by=user,
    )  # fmt: skip
    # The heartbeat lasts until the outcome is saved (a run whose process ends is marked failed: standards.tasks).
    with liveness.Heartbeat(run.heartbeat_path):
        _run(run, region, year, ruleset, plan, parameters, engine, dialect, snapshot, workers, user)
    if ledger:
        from jingzhun.ledger.sync import sync_run

        sync_run(run)
    return run


def _run(run, region, year, ruleset, plan, parameters, engine, dialect, snapshot, workers, user) -> None:
    low, high = region.bounds
    values = bindings(parameters, run_id=run.pk, region_low=low, region_high=high)
    started = time.perf_counter()
    executor = partitions = None
    table = Finding._meta.db_table
    try:
        connection.ensure_connection()
        # A run can split over two cores only when its transaction is the outermost one: the second connection
        # must see the same registry, committed (SQLite), or import the run's snapshot and write into a findings
        # table committed before the run's transaction began (PostgreSQL; see the executors).
        split = dialect in ("sqlite", "postgres") and not connection.in_atomic_block
        options = {"workers": check_workers(dialect) if workers is None else workers} if split else {}
        if dialect == "postgres" and split:
            options["connect"] = _new_connection
        if engine != "duckdb":
            executor = executor_for(dialect, connection.connection, **options)
        if connection.vendor == "postgresql":
            partitions = executor if isinstance(executor, PostgresExecutor) else PostgresExecutor(connection.connection)
            if not partitions.partitioned(table):
                partitions = None
            elif not connection.in_atomic_block:  # committed now, so that a second session can write into it
                partitions.create_run_table(table, run.pk)
        with transaction.atomic():
            if executor is None:
                result = _run_duckdb(plan, values, snapshot)
                _insert_rows(result.rows, partitions, run.pk)
            else:
                result = executor.run(plan, values, finding_table=table)
    except BaseException as exc:  # also an interruption (Ctrl+C, a worker told twice to stop): rolled back
        error = str(exc) if isinstance(exc, Exception) else f"stopped: interrupted ({exc!r})"
        if partitions is not None:  # the run's own findings table, never attached: not a finding in it is seen
            with contextlib.suppress(Exception):  # the run's own error is the one to report
                partitions.drop_run_table(table, run.pk)
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.FAILED, error=error[:20000], finished_at=timezone.now()
        )
        raise
    finally:
        if executor is not None:
            executor.close()
    run.counts = result.counts
    run.total = sum(result.counts.values())
    run.seconds = time.perf_counter() - started
    run.status = CheckRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "total", "seconds", "status", "finished_at"])
    record("check_run", actor=user, obj=run, region_code=region.code,
           changes={"year": year, "ruleset": f"{ruleset.name} v{ruleset.version}", "sha256": ruleset.sha256,
                    "engine": dialect, "findings": run.total})  # fmt: skip


def _run_duckdb(plan: Plan, values: dict, snapshot):
    import duckdb

    if snapshot is None:
        raise ValueError("the duckdb engine needs a Parquet snapshot (jingzhun export snapshot)")
    con = duckdb.connect()
    try:
        return executor_for("duckdb", con, snapshot=snapshot).run(plan, values)
    finally:
        con.close()


def drop_run_findings_table(run_id: int, *, attached: bool = False) -> None:
    """PostgreSQL, findings partitioned by run: drop the run's own findings table — only if never attached (a run
    whose process was killed before its transaction attached it), or also when attached (``attached``: the run was
    deleted, and its findings with it, so its partition is empty). Elsewhere nothing to do."""
    if connection.vendor != "postgresql":
        return
    table = Finding._meta.db_table
    connection.ensure_connection()
    partitions = PostgresExecutor(connection.connection)
    if not partitions.partitioned(table):
        return
    if attached:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {partitions.run_table(table, run_id)}")
    else:
        partitions.drop_run_table(table, run_id)


def _new_connection():
    """A second connection to the database, as Django opens its own (for the second session of a run)."""
    return connection.Database.connect(**connection.get_connection_params())


def _insert_rows(rows: list[tuple], partitions=None, run_id: int = 0) -> None:
    """Write fetched findings; into the run's own table, then attached as its partition, when partitioned."""
    table = Finding._meta.db_table
    if partitions is not None and partitions.created != partitions.run_table(table, run_id):
        partitions.create_run_table(table, run_id)
    target = partitions.run_table(table, run_id) if partitions is not None else table
    marks = ", ".join(["%s"] * len(FINDING_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {target} ({', '.join(FINDING_COLUMNS)}) VALUES ({marks})", rows)  # noqa: S608
    if partitions is not None:
        partitions.attach_run_table(table, run_id)


@dataclass(frozen=True)
class Comparison:
    """Findings of a later run against an earlier one, per rule."""

    new: dict[str, int]
    persisting: dict[str, int]
    resolved: dict[str, int]


def _same_finding(run_id: int):
    # Household-level findings have no person: compare persons null-safely (NULL = NULL is not true in SQL).
    return (
        Finding.objects.filter(run_id=run_id, rule_id=OuterRef("rule_id"), household_id=OuterRef("household_id"))
        .annotate(person_key=Coalesce("person_id", 0))
        .filter(person_key=Coalesce(OuterRef("person_id"), 0))
    )  # fmt: skip


def _counts(queryset) -> dict[str, int]:
    return dict(queryset.values_list("rule_id").annotate(n=Count("id")).order_by("rule_id").values_list("rule_id", "n"))


def compare(earlier: CheckRun, later: CheckRun) -> Comparison:
    """New, persisting and resolved findings between two runs (keyed by rule, household and person)."""
    later_findings = Finding.objects.filter(run=later)
    earlier_findings = Finding.objects.filter(run=earlier)
    return Comparison(
        new=_counts(later_findings.filter(~Exists(_same_finding(earlier.pk)))),
        persisting=_counts(later_findings.filter(Exists(_same_finding(earlier.pk)))),
        resolved=_counts(earlier_findings.filter(~Exists(_same_finding(later.pk)))),
    )
