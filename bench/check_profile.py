"""Time the checks statement by statement, on a registry kept between runs (a development tool).

    .venv/bin/python bench/check_profile.py --db /tmp/prof/100k --persons 100000               # SQLite
    JINGZHUN_DATABASE_URL=postgresql://… .venv/bin/python bench/check_profile.py --db /tmp/prof/100k-pg \\
        --persons 100000 --backend postgres
    .venv/bin/python bench/check_profile.py --db /tmp/prof/100k --backend duckdb               # over Parquet

The first run builds the registry with ``jingzhun synth`` (same seed as bench/check.py) and keeps it in ``--db``
(SQLite file, Parquet snapshot, truth CSV; for PostgreSQL the database of ``JINGZHUN_DATABASE_URL``, built when its
person table is empty). Then the floor and the checks are run ``--repeat`` times and every statement the executor
sends is timed; the best run is printed statement by statement, with the findings checked against the truth.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check
import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="folder that keeps the registry between runs")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres", "duckdb"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(args.db)
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.update({"JINGZHUN_ENV": "development", "JINGZHUN_DATA_DIR": str(workdir)})
    if args.backend != "postgres":
        os.environ["JINGZHUN_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from jingzhun.engine import executors
    from jingzhun.registry.models import Person, Region

    truth = workdir / "truth.csv"
    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        households = max(1, round(args.persons / check.PERSONS_PER_HOUSEHOLD))
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("synth", households=households, seed=check.SEED, truth=str(truth), stdout=quiet, stderr=quiet)
        print(f"synth: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    county = Region.objects.get(level="county")
    timings: list[tuple[str, float]] = []
    original = executors.Executor.execute

    def timed(self, cursor, sql, values):
        started = time.perf_counter()
        out = original(self, cursor, sql, values)
        timings.append((" ".join(sql.split())[:110], time.perf_counter() - started))
        return out

    executors.Executor.execute = timed
    runs = []
    for _ in range(args.repeat):
        timings.clear()
        if args.backend == "duckdb":
            if not (workdir / "snapshot" / "registry_person.parquet").exists():
                from jingzhun.standards.snapshot import write_snapshot

                write_snapshot(workdir / "snapshot")
            total, found = _duckdb(county, workdir, timings)
        else:
            from jingzhun.standards.models import Finding
            from jingzhun.standards.runs import run_checks

            started = time.perf_counter()
            run = run_checks(county, check.YEAR, ledger=False)
            total = time.perf_counter() - started
            found = run
        runs.append((total, list(timings), found))
    total, best, found = min(runs, key=lambda r: r[0])
    floor = _floor(args.backend, workdir)
    print(f"persons {Person.objects.count():,}  floor {floor:.3f} s  checks {total:.3f} s  ratio {total / floor:.1f}")
    for sql, seconds in best:
        print(f"  {seconds:7.3f}  {sql}")
    print(f"  {total - sum(s for _, s in best):7.3f}  (outside the statements)")
    if args.backend == "duckdb":
        rows = found
    else:
        rows = list(Finding.objects.filter(run=found).values_list("rule_id", "household__number", "person__id_number"))
    if truth.exists():
        wrong = {r: v for r, v in check._accuracy(truth, rows).items() if v[0] != 1.0 or v[1] != 1.0}
        print("accuracy:", "precision = recall = 1.0 for all rules" if not wrong else f"MISMATCH {wrong}")


def _floor(backend: str, workdir: Path) -> float:
    sql = check._floor_sql(backend)
    if backend == "duckdb":
        import duckdb

        from jingzhun.engine.executors import DuckDBExecutor

        con = duckdb.connect()
        DuckDBExecutor(con, snapshot=workdir / "snapshot")
        return common.best(lambda: con.execute(sql).fetchone())
    from django.db import connection

    with connection.cursor() as cursor:
        return common.best(lambda: cursor.execute(sql) or cursor.fetchone())


def _duckdb(county, workdir: Path, timings: list) -> tuple[float, list]:
    """Like bench/check.py: the connection and the views over Parquet exist before the run is timed."""
    import duckdb

    from jingzhun.engine.executors import bindings, executor_for
    from jingzhun.registry.models import Household, Person
    from jingzhun.standards.rules import load_ruleset
    from jingzhun.standards.runs import _plan, parameter_values

    plan = _plan(load_ruleset(), "duckdb")
    low, high = county.bounds
    values = bindings(parameter_values(county, check.YEAR), run_id=0, region_low=low, region_high=high)
    con = duckdb.connect()
    executor = executor_for("duckdb", con, snapshot=workdir / "snapshot")
    timings.clear()
    started = time.perf_counter()
    result = executor.run(plan, values)
    total = time.perf_counter() - started
    con.close()
    numbers = dict(Household.objects.values_list("id", "number"))
    ids = dict(Person.objects.values_list("id", "id_number"))
    return total, [(row[1], numbers[row[2]], ids.get(row[3])) for row in result.rows]


if __name__ == "__main__":
    main()
