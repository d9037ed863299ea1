"""Run a compiled plan on a database, through a plain DB-API connection (no Django).

One executor per backend on a common base (STYLE.md habit 3). Each runs the plan's statements for every level:
materialize the rows where any rule fires into a temporary table (one pass over the data), count the findings
per rule, then either insert them into the findings table of the same database (``INSERT … SELECT``) or fetch
them for the caller (DuckDB over Parquet, whose findings go back into the registry database). PostgreSQL inserts
each level's findings in one statement instead, without the temporary table (``PostgresExecutor``); DuckDB runs
the plan's one statement, ``Plan.statement``, with no temporary table at all.

A backend error is re-raised as EngineError with the backend's name, the level and the exact SQL, so that a
failing check can be reproduced by hand.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import multiprocessing
import os
import pickle
import queue
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jingzhun.engine.compiler import IDS_TABLE, TABLES, LevelPlan, Plan

FINDING_COLUMNS = ("run_id", "rule_id", "household_id", "person_id", "region_code", "values_json", "item")
#: A split SQLite run's staging folder in the system's temporary folder: the prefix, the run's process id, a dash.
STAGE_PREFIX = "jingzhun-check-"
ORPHAN_DAYS = 1  # a staging folder without a process id in its name (made before it had one) goes after a day


def remove_orphaned_stages(root: Path | None = None) -> int:
    """Remove the staging folders that split SQLite runs left when their process was killed (a run that ends in
    any other way removes its own); return how many. Each split run calls it before it makes its own folder, and so
    does the task worker's sweep (``jingzhun.core.liveness.sweep``). A folder whose process still lives stays."""
    removed = 0
    for folder in Path(root or tempfile.gettempdir()).glob(f"{STAGE_PREFIX}*"):
        owner, _, _ = folder.name.removeprefix(STAGE_PREFIX).partition("-")
        if owner.isdigit():
            if _alive(int(owner)):
                continue
        else:
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime < ORPHAN_DAYS * 86400:
                    continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class EngineError(RuntimeError):
    """A statement failed on a backend; carries the backend, the level and the SQL."""

    def __init__(self, backend: str, level: str, sql: str, cause: Exception):
        self.backend, self.level, self.sql, self.cause = backend, level, sql, cause
        super().__init__(f"{backend}: the {level} checks failed: {cause}\n--- SQL ---\n{sql}")


@dataclass
class RunResult:
    counts: dict[str, int] = field(default_factory=dict)  # rule id → findings
    fetched: list = field(default_factory=list)  # fetched findings (when not inserted in place): row lists or Arrow
    seconds: dict[str, float] = field(default_factory=dict)  # level → seconds

    @property
    def rows(self) -> list[tuple]:
        """The fetched findings as tuples in FINDING_COLUMNS order (Arrow tables are converted here, once)."""
        rows: list[tuple] = []
        for part in self.fetched:
            if isinstance(part, list):
                rows.extend(part)
            else:  # an Arrow table: column by column into tuples, no per-value Python calls beyond to_pylist
                rows.extend(zip(*(column.to_pylist() for column in part.columns), strict=True))
        self.fetched = [rows]
        return rows

    @property
    def arrow(self):
        """The fetched findings as one Arrow table (DuckDB fetches them so; no Python object per value)."""
        import pyarrow as pa

        tables = [part for part in self.fetched if not isinstance(part, list)]
        if len(tables) != len(self.fetched):
            raise ValueError("these findings were fetched as rows, not Arrow")
        return pa.concat_tables(tables) if tables else None


def bindings(parameters: dict[str, Any], *, run_id: int, region_low: str, region_high: str) -> dict[str, Any]:
    """Turn parameter values into bind values: numbers as floats, dates as ISO text plus YYYYMMDD integers."""
    values: dict[str, Any] = {"run_id": run_id, "region_low": region_low, "region_high": region_high}
    values.update(household_low=0, household_high=2**63 - 1)  # every household id (PostgreSQL: see _id_bounds)
    for name, value in parameters.items():
        if isinstance(value, dt.date):
            values[name] = value.isoformat()
            values[f"{name}__int"] = value.year * 10000 + value.month * 100 + value.day
        elif isinstance(value, Decimal):
            values[name] = float(value)
        else:
            values[name] = value
    return values


class Executor:
    """Base of the per-backend executors."""

    backend = ""
    placeholder = re.compile(r":([a-z_0-9]+)")
    share = 0.5  # of a split run's households, the first part's (see ``split``)

    def __init__(self, connection):
        self.connection = connection

    def used(self, sql: str, values: dict[str, Any]) -> dict[str, Any]:
        names = set(self.placeholder.findall(sql))
        missing = names - values.keys()
        if missing:
            raise KeyError(f"no value for parameter(s) {', '.join(sorted(missing))}")
        return {name: values[name] for name in names}

    def execute(self, cursor, sql: str, values: dict[str, Any]):
        # sqlite3, psycopg and DuckDB all return something to fetch from.
        return cursor.execute(sql, self.used(sql, values))

    def run(self, plan: Plan, values: dict[str, Any], *, finding_table: str | None = None) -> RunResult:
        """Run every level of ``plan``; insert findings into ``finding_table`` if given, else fetch them."""
        if plan.dialect != self.backend:
            raise ValueError(f"the plan was compiled for {plan.dialect}, this executor runs {self.backend}")
        result = RunResult()
        started = time.perf_counter()
        self.prepare(plan, values)
        result.seconds["prepare"] = time.perf_counter() - started
        for level in plan.levels:
            started = time.perf_counter()
            self.run_level(level, values, finding_table, result)
            result.seconds[level.level] = time.perf_counter() - started
        self.run_statements("cleanup", plan.cleanup_sql, values)
        return result

    def prepare(self, plan: Plan, values: dict[str, Any]) -> None:
        """Build the shared temporary tables the levels join."""
        self.run_statements("prepare", plan.prepare_sql, values)

    def cursor(self):
        return self.connection.cursor()

    def param(self, name: str) -> str:
        """A named bind parameter as this backend's driver writes it."""
        return f":{name}"

    def split(self, values: dict[str, Any]) -> tuple[dict, dict] | None:
        """Two region-code ranges covering the run's households, about ``share`` of them in the first (None when
        they cannot be split: fewer than two households, or all in one region)."""
        bounds = {"low": values["region_low"], "high": values["region_high"]}
        low, high, middle = self.param("low"), self.param("high"), self.param("middle")
        table = TABLES["household"]
        cursor = self.cursor()
        try:
            count = f"SELECT COUNT(*) FROM {table} WHERE region_code BETWEEN {low} AND {high}"  # noqa: S608
            households = cursor.execute(count, bounds).fetchone()[0]
            if households < 2:
                return None
            at = self.param("offset")
            bounds["middle"] = cursor.execute(
                f"SELECT region_code FROM {table} WHERE region_code BETWEEN {low} AND {high} "  # noqa: S608
                f"ORDER BY region_code LIMIT 1 OFFSET {at}",
                {**bounds, "offset": int(households * self.share)},
            ).fetchone()[0]
            below = cursor.execute(
                f"SELECT MAX(region_code) FROM {table} WHERE region_code >= {low} AND region_code < {middle}",  # noqa: S608
                bounds,
            ).fetchone()[0]
        finally:
            cursor.close()
        if below is None:  # every household in one region: nothing to split on
            return None
        return ({"region_low": bounds["low"], "region_high": below},
                {"region_low": bounds["middle"], "region_high": bounds["high"]})  # fmt: skip

    def fetch(self, cursor, sql: str, values: dict[str, Any]):
        return self.execute(cursor, sql, values).fetchall()

    def insert_sql(self, finding_table: str, findings_sql: str) -> str:
        return f"INSERT INTO {finding_table} ({', '.join(FINDING_COLUMNS)})\n{findings_sql}"

    def close(self) -> None:
        """Release what a run left behind (after its transaction has ended)."""

    def run_statements(self, step: str, statements: tuple[str, ...], values) -> None:
        cursor = self.cursor()
        try:
            for sql in statements:
                try:
                    self.execute(cursor, sql, values)
                except Exception as exc:
                    raise EngineError(self.backend, step, sql, exc) from exc
        finally:
            cursor.close()

    def run_level(self, level: LevelPlan, values, finding_table, result: RunResult) -> None:
        cursor = self.cursor()
        sql = level.flags_sql
        try:
            self.execute(cursor, sql, values)
            sums = ", ".join(f"COALESCE(SUM(f{index}), 0)" for index in range(len(level.rules)))
            sql = f"SELECT {sums} FROM jz_flags_{level.level}"  # noqa: S608 - our own column names
            counts = self.execute(cursor, sql, values).fetchall()[0]
            for compiled, count in zip(level.rules, counts, strict=True):
                result.counts[compiled.rule.id] = int(count)
            sql = level.findings_sql
            if finding_table:
                sql = self.insert_sql(finding_table, level.findings_sql)
                self.execute(cursor, sql, values)
            else:
                result.fetched.append(self.fetch(cursor, sql, values))
            sql = level.drop_sql
            self.execute(cursor, sql, values)
        except Exception as exc:
            raise EngineError(self.backend, level.level, sql, exc) from exc
        finally:
            cursor.close()


class SQLiteExecutor(Executor):
    """SQLite runs one statement on one core: with ``workers=2`` a run is split in two by region code.

    The split is only for a registry in a file, committed (WAL), and a run in its own outermost transaction that
    holds the write lock (``BEGIN IMMEDIATE``): then a second connection, in a forked process, sees exactly the
    registry this one sees. (A second thread would not do: two SQLite connections in one process contend for its
    mutexes, and two threads took as long as one thread doing both halves.) It checks the upper half of the
    households and writes each level's findings into a staging database file of its own (no indexes, not the
    registry), committed and handed over as soon as the level is done; this connection checks the lower half into
    the findings table, then copies the staged findings in as they come (the other half checks its persons first,
    ``staging_order``, and they are copied while it checks its households), all in the run's transaction: a
    failed half or copy leaves no findings. The staging databases are detached and removed by :meth:`close` (after
    the transaction ends).

    The duplicate ID numbers are counted over the whole registry, whatever the half: this connection counts them
    first and hands them to the forked half (``send_ids`` / ``receive_ids``), which checks its households
    meanwhile and needs them only at its person level.
    """

    backend = "sqlite"

    # share: this connection's part of the households. 0.45 since the other half checks its persons first (0.42
    # before): 1M persons, alternating runs, median 2.687 s against 2.791 s with 0.42 and 2.760 s with 0.47.
    def __init__(self, connection, workers: int = 1, share: float = 0.45):
        super().__init__(connection)
        self.workers, self.share = workers, share
        self.staged: list[str] = []  # the staging databases attached to this connection (schema names)
        self.folders: list[Path] = []  # and the folders they are in
        self.send_ids: Any = None  # called with the counted duplicate ID numbers (the half that counts them)
        self.receive_ids: Any = None  # returns them (the half that does not count them itself)
        self.handover: Any = None  # the staging half: called with each level once its findings are committed

    def run_statements(self, step: str, statements: tuple[str, ...], values) -> None:
        counting = tuple(sql for sql in statements if sql.startswith(f"INSERT INTO {IDS_TABLE}\n"))
        if step != "prepare" or not counting or not (self.send_ids or self.receive_ids):
            return super().run_statements(step, statements, values)
        creating = tuple(sql for sql in statements if sql.startswith(f"CREATE TEMPORARY TABLE {IDS_TABLE} "))
        rest = tuple(sql for sql in statements if sql not in counting and sql not in creating)
        if self.send_ids:  # count first: the other half is waiting for them
            super().run_statements(step, creating + counting, values)
            self.send_ids(self.connection.execute(f"SELECT * FROM {IDS_TABLE}").fetchall())  # noqa: S608
            return super().run_statements(step, rest, values)
        super().run_statements(step, creating + rest, values)
        rows = self.receive_ids()
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            self.connection.executemany(f"INSERT INTO {IDS_TABLE} VALUES ({marks})", rows)  # noqa: S608

    def registry_file(self) -> str:
        for _, name, path in self.connection.execute("PRAGMA database_list"):
            if name == "main":
                return path or ""
        return ""

    def run(self, plan: Plan, values: dict[str, Any], *, finding_table: str | None = None) -> RunResult:
        path = self.registry_file()
        if self.workers < 2 or not finding_table or not path or plan.dialect != self.backend:
            return super().run(plan, values, finding_table=finding_table)
        split = self.split(values)
        if split is None:
            return super().run(plan, values, finding_table=finding_table)
        mine, theirs = split
        remove_orphaned_stages()
        stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-"))
        self.folders.append(stage)
        other: dict[str, Any] = {}
        copied: dict[str, float] = {}
        half = Half(self, path, stage, plan, {**values, **theirs})
        self.send_ids = half.send_ids if half.ids_sender is not None else None
        try:
            result = super().run(plan, {**values, **mine}, finding_table=finding_table)
            self.send_ids = None
            half.close_ids()
            # The half commits each level's findings as soon as it has them: the ones it committed while this
            # connection was busy are copied now, while it still checks its later levels.
            for level in half.staged_levels():
                started = time.perf_counter()
                self.copy_staged(stage, level, finding_table, values)
                copied[level] = time.perf_counter() - started
        finally:
            self.send_ids = None
            half.close_ids()  # a run that failed before sending them: the other half stops waiting
            other = half.join()
        if "error" in other:
            raise other["error"]
        staged: RunResult = other["result"]
        for rule, count in staged.counts.items():
            result.counts[rule] = result.counts.get(rule, 0) + count
        result.seconds.update({f"staged copy ({level})": seconds for level, seconds in copied.items()})
        result.seconds["staged copy"] = sum(copied.values())
        result.seconds.update({f"{level} (second core)": seconds for level, seconds in staged.seconds.items()})
        return result

    def copy_staged(self, stage: Path, level: str, finding_table: str, values: dict[str, Any]) -> None:
        """Copy one level's findings, committed by the other half into its own file, into the findings table."""
        schema = f"jz_stage_{len(self.staged)}_{values.get('run_id', 0)}"
        self.staged.append(schema)
        columns = ", ".join(FINDING_COLUMNS)
        sql = f"INSERT INTO {finding_table} ({columns}) SELECT {columns} FROM {schema}.findings"  # noqa: S608
        try:
            self.connection.execute(f"ATTACH DATABASE ? AS {schema}", (str(stage / f"{level}.sqlite3"),))
            self.connection.execute(sql)
        except Exception as exc:
            raise EngineError(self.backend, "staged findings", sql, exc) from exc

    def run_level(self, level: LevelPlan, values, finding_table, result: RunResult) -> None:
        if self.handover is None:
            return super().run_level(level, values, finding_table, result)
        super().run_level(level, values, f"jz_stage_{level.level}.findings", result)
        self.handover(level.level)
        return None

    def _run_staged(
        self, path: str, stage: Path, plan: Plan, values: dict[str, Any], out: dict, receive_ids=None, handover=None
    ) -> None:
        """The second core's half: its own connection, each level's findings into a staging file of its own.

        Each level's findings are committed as soon as they are in, and ``handover`` tells the other half, which
        copies them while this half goes on. Committing ends this connection's read snapshot, and the next level
        reads in a new one: the same registry, since the run holds the write lock throughout (nothing commits
        before it ends) and this connection's temporary tables outlive the commit.
        """
        try:
            connection = sqlite3.connect(path, isolation_level=None)
            try:
                connection.execute("PRAGMA cache_size=-131072")
                connection.execute("PRAGMA temp_store=MEMORY")
                columns = ", ".join(FINDING_COLUMNS)
                for level in plan.levels:
                    schema = f"jz_stage_{level.level}"
                    connection.execute(f"ATTACH DATABASE ? AS {schema}", (str(stage / f"{level.level}.sqlite3"),))
                    connection.execute(f"PRAGMA {schema}.journal_mode=OFF")
                    connection.execute(f"PRAGMA {schema}.synchronous=OFF")
                    connection.execute(f"CREATE TABLE {schema}.findings ({columns})")

                def commit(level: str) -> None:
                    connection.execute("COMMIT")
                    if handover is not None:
                        handover(level)
                    connection.execute("BEGIN")

                connection.execute("BEGIN")  # one read snapshot per level (see above)
                half = SQLiteExecutor(connection)
                half.receive_ids = receive_ids
                half.handover = commit
                out["result"] = half.run(staging_order(plan), values, finding_table="jz_stage.findings")
                connection.execute("COMMIT")
            finally:
                connection.close()
        except Exception as exc:  # re-raised on the calling thread
            out["error"] = exc

    def close(self) -> None:
        """Detach and remove the staging databases (call after the run's transaction has ended)."""
        for schema in self.staged:
            with contextlib.suppress(sqlite3.Error):  # still in a transaction: the files go anyway
                self.connection.execute(f"DETACH DATABASE {schema}")
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        self.staged.clear()
        self.folders.clear()


def staging_order(plan: Plan) -> Plan:
    """The plan with its person level first, for the staging half: the level it checks last is the one whose copy
    runs after both halves, and a level's person findings are more (at a million persons 170,000 against 106,000
    household findings: copying the second half's share took 0.15 s against 0.08 s)."""
    levels = sorted(plan.levels, key=lambda level: level.level != "person")
    return dataclasses.replace(plan, levels=tuple(levels))


class PostgresExecutor(Executor):
    """Each level is one statement: its rows expanded into findings and inserted, the counts returned.

    Without JIT (``SET LOCAL jit = off``, until the end of the transaction the run is in): the expanded
    statement's row estimate (every flagged row times every rule) puts it above the JIT thresholds, and compiling
    it took 0.7 s at a million persons, more than the JIT'd expressions ever saved.

    **Findings of a run in a partition of their own.** When the findings table is partitioned by run (migration
    ``standards 0007``), the findings go into a plain table of the run's own with no index (``run_table``), which
    is indexed once they are all in and attached as the run's partition in the run's transaction: until it
    commits, no reader sees any of them. A sorted index build over the run's findings is much cheaper than
    inserting each of them into three indexes that hold every earlier run (1M persons: the two levels and the
    indexes 3.7–3.9 s against 4.2–4.4 s inserted into the indexed table).

    **Two sessions on two cores** (``workers=2`` and a ``connect`` for more connections): the run is split by
    household id (``split``), each half the region's households in its range of ids. The run's
    transaction is made REPEATABLE READ and exports its snapshot (``pg_export_snapshot()``); two sessions of their
    own import it (``SET TRANSACTION SNAPSHOT``), so both read the very same registry, check their halves into the
    run's table at the same time and commit; then each builds part of the table's indexes (the other's rows are
    committed by then), and the run's transaction attaches the table, indexes found ready. That table is no
    finding until it is attached, so a failed half, a failed run or a killed one leaves no visible findings
    (run_checks drops the table of a failed run). Other sessions can only write into a table that is committed:
    the run's table is created before the run's transaction (``create_run_table``); inside a caller's transaction
    it is created there and the run stays in that one session.

    Tried and measured at a million persons (docs/performance.md): parallel plans (max_parallel_workers_per_gather,
    cheaper parallel setup, with temporary and with unlogged tables), a larger work_mem and findings inserted in
    index order were each no faster on the shared 2-core machine.
    """

    backend = "postgres"
    placeholder = re.compile(r"%\(([a-z_0-9]+)\)s")
    snapshot_id = re.compile(r"^[0-9A-F]+-[0-9A-F]+-[0-9]+$")
    built_table = re.compile(r"^CREATE TEMPORARY TABLE ([a-z_0-9]+) AS\b")

    # share: the lower half's part of the households. Under half, since it also counts the duplicate ID numbers
    # for both (``prepare``): 1M persons, 0.23 s of its 2.7 s.
    def __init__(self, connection, workers: int = 1, connect=None, share: float = 0.48):
        super().__init__(connection)
        self.workers, self.connect, self.share = workers, connect, share
        self.created = ""  # the run table create_run_table committed before the run's transaction
        self.part = ""  # "lower" or "upper": the half of a split run this executor checks
        self.handover: Handover | None = None  # a split run's tables that one half builds for both

    @staticmethod
    def run_table(finding_table: str, run_id: int) -> str:
        return f"{finding_table}_run_{int(run_id)}"

    def partitioned(self, finding_table: str) -> bool:
        """Whether ``finding_table`` is partitioned (by run: migration standards 0007)."""
        cursor = self.cursor()
        try:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [finding_table])
            row = cursor.fetchone()
        finally:
            cursor.close()
        return row is not None and row[0] == "p"

    def create_run_table(self, finding_table: str, run_id: int) -> str:
        """Create the run's own findings table, unindexed, with a constraint that makes attaching it need no scan.

        Called before the run's transaction (committed, so that a second session can write into it) or in it. A
        table of that name is a leftover: of a run that was killed, or an empty partition of a deleted run whose id
        came again after the sequence was reset; it goes.
        """
        table = self.run_table(finding_table, run_id)
        statements = (
            f"DROP TABLE IF EXISTS {table}",
            f"CREATE TABLE {table} (LIKE {finding_table} INCLUDING DEFAULTS, "
            f"CONSTRAINT {table}_run CHECK (run_id >= {int(run_id)} AND run_id < {int(run_id) + 1}))",
        )
        self.run_statements("findings table", statements, {})
        self.created = table
        return table

    def drop_run_table(self, finding_table: str, run_id: int) -> None:
        """Drop the table of a run that failed (it was never attached, or its attaching was rolled back)."""
        table = self.run_table(finding_table, run_id)
        attached = (
            "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%(table)s) AND inhparent = to_regclass(%(parent)s)"
        )
        cursor = self.cursor()
        try:
            if not cursor.execute(attached, {"table": table, "parent": finding_table}).fetchone():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            cursor.close()
        self.created = ""

    def can_split(self) -> bool:
        """Two sessions: asked for, a way to open the second, and this transaction not yet begun (so that it can
        be made REPEATABLE READ: the snapshot it exports must be the one it reads with to the end)."""
        if self.workers < 2 or self.connect is None:
            return False
        from psycopg import pq

        return self.connection.info.transaction_status == pq.TransactionStatus.IDLE and not self.connection.autocommit

    def run(self, plan: Plan, values: dict[str, Any], *, finding_table: str | None = None) -> RunResult:
        split = bool(finding_table) and plan.dialect == self.backend and self.can_split() and bool(self.created)
        if split:
            self.run_statements("settings", ("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",), values)
        self.run_statements("settings", ("SET LOCAL jit = off",), values)
        if not finding_table or plan.dialect != self.backend or not self.partitioned(finding_table):
            return super().run(plan, values, finding_table=finding_table)
        run_id = int(values["run_id"])
        table = self.run_table(finding_table, run_id)
        if self.created != table:
            self.create_run_table(finding_table, run_id)
            split = False  # created in this transaction: no other session can write into it
        halves = self.split(values) if split else None
        if halves is None:
            result = super().run(plan, values, finding_table=table)
        else:
            result = self.run_two(plan, values, finding_table, table, *halves)
        started = time.perf_counter()
        self.attach_run_table(finding_table, run_id)
        result.seconds["index and attach"] = time.perf_counter() - started
        return result

    def attach_run_table(self, finding_table: str, run_id: int) -> None:
        """Attach the run's table as its partition: this builds the parent's indexes on the run's findings (sorted,
        one pass each); the CHECK constraint on run_id spares the scan that would prove they belong there."""
        table, run_id = self.run_table(finding_table, run_id), int(run_id)
        sql = f"ALTER TABLE {finding_table} ATTACH PARTITION {table} FOR VALUES FROM ({run_id}) TO ({run_id + 1})"
        self.run_statements("findings", (sql,), {})
        self.created = ""

    def index_statements(self, finding_table: str, table: str) -> tuple[list[str], list[str]]:
        """The parent's indexes (and primary key) made on the run's table, so that attaching it finds them built;
        in two lists for two sessions, about even by their cost (an index on text columns sorts slower: 1M persons,
        the (region) INCLUDE (rule) index 0.17–0.2 s, the primary key and the (household) index 0.09 s each)."""
        cursor = self.cursor()
        try:
            rows = cursor.execute(
                "SELECT pg_get_indexdef(i.indexrelid), pg_get_constraintdef(c.oid), "
                "(SELECT COUNT(*) FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)) "
                "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'p' "
                "WHERE i.indrelid = to_regclass(%s) ORDER BY i.indexrelid",
                [finding_table],
            ).fetchall()
        finally:
            cursor.close()
        costed, constraints = [], []
        for number, (definition, primary, texts) in enumerate(rows):
            name = f"{table}_pkey" if primary else f"{table}_{number}"
            sql = re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ", rf"CREATE \1INDEX {name} ON {table} ",
                         definition)  # fmt: skip
            costed.append((1 + 2 * texts, sql))
            if primary:
                # The key's index built like the others, then made the key: ADD PRIMARY KEY itself would lock the
                # table against the other session's index build and wait for it (0.1 s alone, 0.24-0.3 s beside).
                constraints.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}")
        parts: tuple[list[str], list[str]] = ([], [])
        loads = [0, 0]
        for cost, sql in sorted(costed, key=lambda item: -item[0]):
            least = loads.index(min(loads))
            parts[least].append(sql)
            loads[least] += cost
        parts[loads.index(min(loads))].extend(constraints)  # waits for the other session's index builds, if any
        return parts

    def run_two(
        self, plan: Plan, values: dict[str, Any], finding_table: str, table: str, mine: dict, theirs: dict
    ) -> RunResult:
        """Two sessions check ``mine`` and ``theirs`` in this transaction's snapshot, both into ``table``; then each
        builds part of its indexes, so that attaching it (in this transaction) finds them ready.

        Both halves run on connections of their own, not this one: only rows committed can be indexed by another
        session, and this transaction commits last (the attaching is what makes the findings visible).
        """
        cursor = self.cursor()
        try:
            snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
        finally:
            cursor.close()
        if not self.snapshot_id.match(snapshot):
            raise EngineError(self.backend, "snapshot", "SELECT pg_export_snapshot()", ValueError(snapshot))
        indexes = self.index_statements(finding_table, table)
        failed = threading.Event()
        handover = Handover(failed)
        outs: list[dict[str, Any]] = [{}, {}]
        workers = [
            threading.Thread(
                target=self._session,
                args=(part, snapshot, plan, {**values, **half}, table, index, out, failed, handover),
            )
            for part, half, index, out in zip(("lower", "upper"), (mine, theirs), indexes, outs, strict=True)
        ]
        for worker in workers:
            worker.start()
        try:
            while any(worker.is_alive() for worker in workers) and not failed.wait(0.02):
                pass
        finally:
            if failed.is_set() or any(worker.is_alive() for worker in workers):  # a failure, or this one interrupted
                for out in outs:
                    out["cancelled"] = True
                    with contextlib.suppress(Exception):
                        out["connection"].cancel()
            for worker in workers:
                worker.join()
        errors = sorted((out["error"] for out in outs if "error" in out), key=lambda exc: getattr(exc, "order", 0))
        if errors:
            raise errors[0]
        result = RunResult()
        for part, out in zip(("lower", "upper"), outs, strict=True):
            for rule, count in out["result"].counts.items():
                result.counts[rule] = result.counts.get(rule, 0) + count
            result.seconds.update({f"{step} ({part} half)": seconds for step, seconds in out["result"].seconds.items()})
        return result

    def _session(
        self,
        part: str,
        snapshot: str,
        plan: Plan,
        values: dict,
        table: str,
        indexes,
        out: dict,
        failed: threading.Event,
        handover: Handover,
    ) -> None:
        """One half: its own connection, the run's snapshot, its findings into the run's table, committed; then
        its share of the indexes, once the other half's findings are committed too (CREATE INDEX waits for them)."""
        try:
            connection = out["connection"] = self.connect()
            try:
                if out.get("cancelled"):
                    raise RuntimeError("the other half failed")
                connection.autocommit = False
                half = PostgresExecutor(connection)
                half.part, half.handover = part, handover
                half.run_statements(
                    "snapshot",
                    ("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", f"SET TRANSACTION SNAPSHOT '{snapshot}'"),
                    values,
                )
                out["result"] = half.run(plan, values, finding_table=table)
                connection.commit()
                started = time.perf_counter()
                connection.autocommit = True
                half.run_statements("findings indexes", tuple(indexes), {})
                out["result"].seconds["indexes"] = time.perf_counter() - started
            finally:
                connection.close()
        except Exception as exc:  # re-raised by the run's session
            # The failure itself first, not the other half's cancelling or its giving up waiting.
            exc.order = 1 if out.get("cancelled") or isinstance(exc, OtherHalfFailed) else 0
            out["error"] = exc
            failed.set()

    def param(self, name: str) -> str:
        return f"%({name})s"

    def prepare(self, plan: Plan, values: dict[str, Any]) -> None:
        """In a split run, the tables the run's region does not change (``Plan.unscoped_sql``: the duplicate ID
        numbers, a count over every person) are built by the lower half alone, first, and handed to the upper half,
        which copies them in after its own aggregates instead of counting again (1M persons: 0.22 s of each half)."""
        if self.handover is None or not plan.unscoped_sql:
            return super().prepare(plan, values)
        scoped = tuple(sql for sql in plan.prepare_sql if sql not in plan.unscoped_sql)
        built = [match.group(1) for sql in plan.unscoped_sql if (match := self.built_table.match(sql))]
        if self.part == "lower":
            self.run_statements("prepare", plan.unscoped_sql, values)
            cursor = self.cursor()
            try:
                rows = {table: cursor.execute(f"SELECT * FROM {table}").fetchall() for table in built}  # noqa: S608
                self.handover.give(rows)
            finally:
                cursor.close()
            self.run_statements("prepare", scoped, values)
            return
        self.run_statements("prepare", scoped, values)
        tables = self.handover.take()
        cursor = self.cursor()
        try:
            for sql in plan.unscoped_sql:
                match = self.built_table.match(sql)
                if not match:  # its index, its statistics
                    self.run_statements("prepare", (sql,), values)
                    continue
                # Its columns as the query types them, without running it; then the other half's rows.
                self.run_statements("prepare", (sql + "\nWITH NO DATA",), values)
                with cursor.copy(f"COPY {match.group(1)} FROM STDIN") as copy:
                    for row in tables[match.group(1)]:
                        copy.write_row(row)
        finally:
            cursor.close()

    def split(self, values: dict[str, Any]) -> tuple[dict, dict] | None:
        """Two ranges of household ids, about ``share`` of the run's households in the first, each half the whole
        region range: every scan of a level goes in household order (merge joins on the household id), so a
        half's scans start and stop at its ids. Three index lookups: how many households the region holds, the
        id ``share`` of them in, and the least and greatest ids (1M persons: 0.07 s; split by region code as
        SQLite's, the least and greatest id of each half took 0.1–0.13 s, two of them scanning the other half)."""
        table, low, high = TABLES["household"], self.param("region_low"), self.param("region_high")
        scope = f"FROM {table} WHERE region_code BETWEEN {low} AND {high}"
        bounds = {"region_low": values["region_low"], "region_high": values["region_high"]}
        cursor = self.cursor()
        try:
            households = cursor.execute(f"SELECT COUNT(*) {scope}", bounds).fetchone()[0]
            if households < 2:
                return None
            least, greatest = cursor.execute(f"SELECT MIN(id), MAX(id) {scope}", bounds).fetchone()
            offset = max(1, min(households - 1, int(households * self.share)))
            middle = cursor.execute(
                f"SELECT id {scope} ORDER BY id LIMIT 1 OFFSET {offset}",
                bounds,
            ).fetchone()[0]
        finally:
            cursor.close()
        return ({**bounds, "household_low": least, "household_high": middle - 1},
                {**bounds, "household_low": middle, "household_high": greatest})  # fmt: skip

    def run_level(self, level: LevelPlan, values, finding_table, result: RunResult) -> None:
        if not (finding_table and level.expand_sql):
            return super().run_level(level, values, finding_table, result)
        # The counts come back from the insert itself (RETURNING), so no flags table is needed to count them.
        sql = (
            f"WITH inserted AS (\n{self.insert_sql(finding_table, level.expand_sql)}\nRETURNING rule_id\n)\n"
            "SELECT rule_id, COUNT(*) FROM inserted GROUP BY rule_id"
        )
        cursor = self.cursor()
        try:
            counts = dict(self.execute(cursor, sql, values).fetchall())
        except Exception as exc:
            raise EngineError(self.backend, level.level, sql, exc) from exc
        finally:
            cursor.close()
        for compiled in level.rules:
            result.counts[compiled.rule.id] = int(counts.get(compiled.rule.id, 0))


class OtherHalfFailed(RuntimeError):
    """The other half of a split run failed before handing over what this one waits for."""


class Handover:
    """Tables one half of a split PostgreSQL run builds and hands to the other: {table: rows}."""

    def __init__(self, failed: threading.Event):
        self.failed, self.ready, self.tables = failed, threading.Event(), {}

    def give(self, tables: dict[str, list[tuple]]) -> None:
        self.tables = tables
        self.ready.set()

    def take(self) -> dict[str, list[tuple]]:
        while not self.ready.wait(0.02):
            if self.failed.is_set():
                raise OtherHalfFailed("the other half of the run failed")
        return self.tables


class DuckDBExecutor(Executor):
    """Run over a Parquet snapshot of the registry: one file per table, named like the table."""

    backend = "duckdb"
    placeholder = re.compile(r"\$([a-z_0-9]+)")

    def __init__(self, connection, snapshot: str | Path | None = None):
        super().__init__(connection)
        if snapshot is not None:
            self.attach(Path(snapshot))

    def attach(self, snapshot: Path) -> None:
        """Create a view per registry table over its Parquet file in ``snapshot``."""
        for table in TABLES.values():
            path = snapshot / f"{table}.parquet"
            if not path.exists():
                raise FileNotFoundError(f"the Parquet snapshot lacks {path.name} (in {snapshot})")
            quoted = str(path).replace("'", "''")
            self.connection.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{quoted}')")  # noqa: S608

    def run(self, plan: Plan, values: dict[str, Any], *, finding_table: str | None = None) -> RunResult:
        """Run the plan's one statement (``Plan.statement``) and fetch its findings; count them per rule here."""
        if not plan.statement or finding_table or plan.dialect != self.backend:
            return super().run(plan, values, finding_table=finding_table)
        import pyarrow.compute as pc

        result = RunResult()
        started = time.perf_counter()
        try:
            # execute(), not sql(): like any DB-API execute it ends a result the caller left unread on this
            # connection, as the level plan's first statement always did (sql() refuses to run then). Its Arrow
            # output was no slower here (100k persons: 0.16 s against 0.18 s), whatever its warning says.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
                done = self.connection.execute(plan.statement, self.used(plan.statement, values))
                findings = (getattr(done, "to_arrow_table", None) or done.fetch_arrow_table)()  # DuckDB ≥ 2.0, before
        except Exception as exc:
            raise EngineError(self.backend, "household and person", plan.statement, exc) from exc
        counted = {row["values"]: row["counts"] for row in pc.value_counts(findings.column("rule_id")).to_pylist()}
        for level in plan.levels:
            for compiled in level.rules:
                result.counts[compiled.rule.id] = int(counted.get(compiled.rule.id, 0))
        result.fetched.append(findings)
        result.seconds["checks"] = time.perf_counter() - started
        return result

    def fetch(self, cursor, sql: str, values: dict[str, Any]):
        # As Arrow: columnar, without a Python object per value (276,000 findings at a million persons).
        relation = self.connection.sql(sql, params=self.used(sql, values))
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow  # DuckDB ≥ 2.0, and before
        return fetch()

    def cursor(self):
        # A DuckDB cursor is a new connection, and temporary tables live per connection: use the one we have.
        return _Unclosed(self.connection)


class _Unclosed:
    """The DuckDB connection standing in for a cursor; closing it is the caller's business, not ours."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, parameters=None):
        return self.connection.execute(sql, parameters)

    def close(self) -> None:
        pass


class Half:
    """The second half of a split SQLite run, in a forked process (a thread where fork is not available)."""

    def __init__(self, executor: SQLiteExecutor, path: str, stage: Path, plan: Plan, values: dict[str, Any]):
        self.out: dict[str, Any] = {}
        self.stage = stage  # the staging folder: a database file per level, the duplicate ID numbers
        self.ids_sender = None  # the duplicate ID numbers go to a forked half through this pipe
        self.ended = False
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self.receiver, sender = context.Pipe(duplex=False)
            ids_receiver, self.ids_sender = context.Pipe(duplex=False)
            arguments = (executor, sender, ids_receiver, self.ids_sender, path, stage, plan, values)
            self.worker = context.Process(target=self._child, args=arguments)
            self.worker.start()
            sender.close()
            ids_receiver.close()
        else:  # a thread counts its own
            self.receiver = None
            self.messages: queue.SimpleQueue = queue.SimpleQueue()

            def work() -> None:
                out: dict[str, Any] = {}
                try:
                    executor._run_staged(path, stage, plan, values, out, handover=self.messages.put)
                finally:
                    self.messages.put(out)

            self.worker = threading.Thread(target=work)
            self.worker.start()

    def staged_levels(self):
        """Yield each level whose findings the half has committed, as it commits them, until the half ends."""
        while not self.ended:
            if self.receiver is None:
                message = self.messages.get()
            else:
                try:
                    message = self.receiver.recv()
                except EOFError:
                    message = {"error": RuntimeError("the second half of the run died without a word")}
            if isinstance(message, dict):
                self.out, self.ended = message, True
            else:
                yield message

    def send_ids(self, rows: list[tuple]) -> None:
        """Hand the counted duplicate ID numbers over: in a file beside the staging databases, whose name goes
        through the pipe (the rows themselves would fill the pipe and block until the half reads them)."""
        if self.ids_sender is None:
            return
        path = self.stage / "ids.pickle"
        with open(path, "wb") as handle:
            pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(BrokenPipeError):  # the half already ended: join() reports why
            self.ids_sender.send(str(path))

    @staticmethod
    def receive_ids(receiver) -> list[tuple]:
        with open(receiver.recv(), "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own file, in our own temporary directory

    def close_ids(self) -> None:
        if self.ids_sender is not None:
            self.ids_sender.close()
            self.ids_sender = None

    @staticmethod
    def _child(
        executor: SQLiteExecutor, sender, ids_receiver, ids_sender, path: str, stage: Path, plan: Plan, values: dict
    ) -> None:
        ids_sender.close()  # the parent's end, inherited by the fork: else a parent that fails never ends the wait
        out: dict[str, Any] = {}
        try:
            receive = functools.partial(Half.receive_ids, ids_receiver)
            executor._run_staged(path, stage, plan, values, out, receive_ids=receive, handover=sender.send)
        except BaseException as exc:
            out["error"] = exc
        if "error" in out:  # an exception may not survive pickling as it was: send its words
            out["error"] = RuntimeError(f"the second half of the run failed: {out['error']}")
        with contextlib.suppress(BrokenPipeError):
            sender.send(out)
        sender.close()

    def join(self) -> dict[str, Any]:
        for _ in self.staged_levels():  # levels nobody copies: the run failed
            pass
        if self.receiver is not None:
            self.receiver.close()
        self.worker.join()
        return self.out


def executor_for(dialect: str, connection, **options) -> Executor:
    """Return the executor of a dialect; a dialect without one is an error naming it."""
    executors = {"sqlite": SQLiteExecutor, "postgres": PostgresExecutor, "duckdb": DuckDBExecutor}
    if dialect not in executors:
        raise ValueError(f"no executor for backend {dialect!r} (have: {', '.join(executors)})")
    return executors[dialect](connection, **options)
