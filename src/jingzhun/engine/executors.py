"""Run a compiled plan on a database, through a plain DB-API connection (no Django).

One executor per backend on a common base (STYLE.md habit 3). Each runs the plan's statements for every level:
materialize the rows where any rule fires into a temporary table (one pass over the data), count the findings
per rule, then either insert them into the findings table of the same database (``INSERT … SELECT``) or fetch
them for the caller (DuckDB over Parquet, whose findings go back into the registry database).

A backend error is re-raised as EngineError with the backend's name, the level and the exact SQL, so that a
failing check can be reproduced by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jingzhun.engine.compiler import TABLES, LevelPlan, Plan

FINDING_COLUMNS = ("run_id", "rule_id", "household_id", "person_id", "region_code", "values_json", "item")


class EngineError(RuntimeError):
    """A statement failed on a backend; carries the backend, the level and the SQL."""

    def __init__(self, backend: str, level: str, sql: str, cause: Exception):
        self.backend, self.level, self.sql, self.cause = backend, level, sql, cause
        super().__init__(f"{backend}: the {level} checks failed: {cause}\n--- SQL ---\n{sql}")


@dataclass
class RunResult:
    counts: dict[str, int] = field(default_factory=dict)  # rule id → findings
    rows: list[tuple] = field(default_factory=list)  # fetched findings (when not inserted in place)
    seconds: dict[str, float] = field(default_factory=dict)  # level → seconds


def bindings(parameters: dict[str, Any], *, run_id: int, region_low: str, region_high: str) -> dict[str, Any]:
    """Turn parameter values into bind values: numbers as floats, dates as ISO text plus YYYYMMDD integers."""
    values: dict[str, Any] = {"run_id": run_id, "region_low": region_low, "region_high": region_high}
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
        self.run_statements("prepare", plan.prepare_sql, values)
        result.seconds["prepare"] = time.perf_counter() - started
        for level in plan.levels:
            started = time.perf_counter()
            self.run_level(level, values, finding_table, result)
            result.seconds[level.level] = time.perf_counter() - started
        self.run_statements("cleanup", plan.cleanup_sql, values)
        return result

    def cursor(self):
        return self.connection.cursor()

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
            counts = self.execute(cursor, sql, values).fetchone()
            for compiled, count in zip(level.rules, counts, strict=True):
                result.counts[compiled.rule.id] = int(count)
            sql = level.findings_sql
            if finding_table:
                sql = f"INSERT INTO {finding_table} ({', '.join(FINDING_COLUMNS)})\n{level.findings_sql}"
                self.execute(cursor, sql, values)
            else:
                result.rows.extend(self.execute(cursor, sql, values).fetchall())
            sql = level.drop_sql
            self.execute(cursor, sql, values)
        except Exception as exc:
            raise EngineError(self.backend, level.level, sql, exc) from exc
        finally:
            cursor.close()


class SQLiteExecutor(Executor):
    backend = "sqlite"


class PostgresExecutor(Executor):
    backend = "postgres"
    placeholder = re.compile(r"%\(([a-z_0-9]+)\)s")


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


def executor_for(dialect: str, connection, **options) -> Executor:
    """Return the executor of a dialect; a dialect without one is an error naming it."""
    executors = {"sqlite": SQLiteExecutor, "postgres": PostgresExecutor, "duckdb": DuckDBExecutor}
    if dialect not in executors:
        raise ValueError(f"no executor for backend {dialect!r} (have: {', '.join(executors)})")
    return executors[dialect](connection, **options)
