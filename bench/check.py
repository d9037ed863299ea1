"""Benchmark the standard's checks: all built-in rules over a synthetic county, per backend and size.

For each backend and size, a fresh process builds a registry with ``jingzhun synth`` (not timed), then measures:

- the **floor**: one plain scan of the person table with a never-true predicate touching the columns the rules
  read (what any set-based check must at least pay);
- the **checks**: every built-in rule, best of three runs (the engine's own statements: temporary aggregates,
  one pass per level, findings written); SQLite split over two cores, and apart on one core ("one core");
- **precision and recall per rule** against the ground truth the generator planted (must be 1.0 everywhere).

SQLite runs on a file in a temporary directory; PostgreSQL on a throwaway cluster (scripts/pgcluster.py); DuckDB
over a Parquet snapshot of the SQLite registry (snapshot time reported apart, findings not written back).

    .venv/bin/python bench/check.py                       # 100k and 1M persons on sqlite, postgres, duckdb
    .venv/bin/python bench/check.py --persons 300000      # other sizes
    .venv/bin/python bench/check.py --backends sqlite duckdb
    .venv/bin/python bench/check.py --small               # about 10k persons, for CI
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import common  # bench/common.py: sys.path[0] is this folder

PERSONS_PER_HOUSEHOLD = 2.95
SEED = 2026
YEAR = 2025


def worker(backend: str, persons: int, workdir: Path) -> dict:
    """Build the registry and measure one backend at one size (runs in its own process)."""
    common.use_database(backend, workdir)
    import django

    django.setup()
    from django.core.management import call_command

    from jingzhun.registry.models import Person, Region

    call_command("migrate", verbosity=0)
    truth = workdir / "truth.csv"
    households = max(1, round(persons / PERSONS_PER_HOUSEHOLD))
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("synth", households=households, seed=SEED, truth=str(truth), stdout=quiet, stderr=quiet)
    result = {"backend": backend, "synth_seconds": time.perf_counter() - started}
    result["persons"] = Person.objects.count()
    county = Region.objects.get(level="county")
    if backend == "duckdb":
        result.update(_measure_duckdb(county, workdir))
    else:
        result.update(_measure_database(county))
    result["accuracy"] = _accuracy(truth, result.pop("found"))
    result["load"] = os.getloadavg()[0]  # the machine is shared: a load above its 2 cores slows every figure
    return result


def _floor_sql(dialect: str) -> str:
    """A never-true predicate over the person columns the built-in rules read: one full scan, no output."""
    from jingzhun.engine.compiler import check_rule
    from jingzhun.engine.schema import PERSON_FIELDS, Type
    from jingzhun.standards.rules import load_ruleset, schema

    used = {name for rule in load_ruleset().rules for name in check_rule(rule, schema())[1]}
    terms = []
    for name, type_, sql, _ in PERSON_FIELDS:
        if name not in used or not sql.startswith("p.") or not sql[2:].isidentifier():
            continue
        column = sql[2:]
        if type_ in (Type.TEXT, Type.SET):
            terms.append(f"{column} = '#never#'")
        elif type_ == Type.DATE:
            terms.append(f"{column} = '0001-01-01'")
        elif type_ == Type.BOOL:
            terms.append(f"CAST({column} AS INTEGER) = 7")
        else:
            terms.append(f"{column} = -7")
    table = "registry_person"
    return f"SELECT COUNT(*) FROM {table} WHERE " + " OR ".join(terms)  # noqa: S608 - our own column names


def _measure_database(county) -> dict:
    from django.db import connection

    from jingzhun.standards.runs import database_dialect, run_checks

    sql = _floor_sql(database_dialect())
    with connection.cursor() as cursor:

        def floor():
            cursor.execute(sql)
            assert cursor.fetchone()[0] == 0

        floor_seconds = common.best(floor)
    runs = []
    result = {"floor_seconds": floor_seconds}
    if connection.vendor == "sqlite":  # the run split over two cores, and on one (both checked against the truth)
        result["one_core_seconds"] = common.best(lambda: runs.append(run_checks(county, YEAR, ledger=False, workers=1)))
        found = _found(runs[-1])
        result["check_seconds"] = common.best(lambda: runs.append(run_checks(county, YEAR, ledger=False, workers=2)))
        assert sorted(_found(runs[-1])) == sorted(found), "the two-core run found other findings than one core"
    else:
        result["check_seconds"] = common.best(lambda: runs.append(run_checks(county, YEAR, ledger=False)))
    result.update(findings=runs[-1].total, found=_found(runs[-1]))
    return result


def _found(run) -> list:
    from jingzhun.standards.models import Finding

    return list(Finding.objects.filter(run=run).values_list("rule_id", "household__number", "person__id_number"))


def _measure_duckdb(county, workdir: Path) -> dict:
    import duckdb

    from jingzhun.engine.executors import bindings, executor_for
    from jingzhun.registry.models import Household, Person
    from jingzhun.standards.runs import _plan, parameter_values
    from jingzhun.standards.snapshot import write_snapshot

    snapshot = workdir / "snapshot"
    started = time.perf_counter()
    write_snapshot(snapshot)
    snapshot_seconds = time.perf_counter() - started
    plan = _plan(__import__("jingzhun.standards.rules", fromlist=["x"]).load_ruleset(), "duckdb")
    low, high = county.bounds
    values = bindings(parameter_values(county, YEAR), run_id=0, region_low=low, region_high=high)
    con = duckdb.connect()
    executor = executor_for("duckdb", con, snapshot=snapshot)
    floor_sql = _floor_sql("duckdb")
    floor_seconds = common.best(lambda: con.execute(floor_sql).fetchone())
    results = []
    check_seconds = common.best(lambda: results.append(executor.run(plan, values)))
    con.close()
    numbers = dict(Household.objects.values_list("id", "number"))
    ids = dict(Person.objects.values_list("id", "id_number"))
    found = [(row[1], numbers[row[2]], ids.get(row[3])) for row in results[-1].rows]
    return {
        "floor_seconds": floor_seconds, "check_seconds": check_seconds, "snapshot_seconds": snapshot_seconds,
        "findings": len(found), "found": found,
    }  # fmt: skip


def _accuracy(truth: Path, found: list) -> dict:
    """Precision and recall per rule of the findings against the planted ground truth."""
    import csv

    with open(truth, encoding="utf-8-sig", newline="") as handle:
        expected = {(row["rule_id"], row["household_no"], row["id_number"]) for row in csv.DictReader(handle)}
    got = {(rule, household, number or "") for rule, household, number in found}
    rules = sorted({rule for rule, _, _ in expected | got})
    per_rule = {}
    for rule in rules:
        e = {x for x in expected if x[0] == rule}
        g = {x for x in got if x[0] == rule}
        hit = len(e & g)
        per_rule[rule] = (hit / len(g) if g else 1.0, hit / len(e) if e else 1.0, len(e))
    return per_rule


def run_worker(backend: str, persons: int) -> dict:
    """Run one measurement in a fresh process (PostgreSQL inside a throwaway cluster)."""
    return common.run_worker(__file__, backend, ["--persons", str(persons)], f"{backend} at {persons:,} persons")


HEADER = (f"{'backend':<9} {'persons':>9} {'floor s':>8} {'checks s':>9} {'× floor':>8} {'persons/s':>11} "
          f"{'findings':>9}  accuracy")  # fmt: skip


def row(r: dict) -> str:
    wrong = {rule: v for rule, v in r["accuracy"].items() if v[0] != 1.0 or v[1] != 1.0}
    accuracy = "precision = recall = 1.0 for all rules" if not wrong else f"MISMATCH {wrong}"
    extra = f"  (snapshot {r['snapshot_seconds']:.1f} s)" if "snapshot_seconds" in r else ""
    extra += f"  (one core {r['one_core_seconds']:.3f} s)" if "one_core_seconds" in r else ""
    extra += f"  [load {r['load']:.1f}]" if "load" in r else ""
    return (f"{r['backend']:<9} {r['persons']:>9,} {r['floor_seconds']:>8.3f} {r['check_seconds']:>9.3f} "
            f"{r['check_seconds'] / max(r['floor_seconds'], 1e-9):>8.1f} {r['persons'] / r['check_seconds']:>11,.0f} "
            f"{r['findings']:>9,}  {accuracy}{extra}")  # fmt: skip


def report(results: list[dict]) -> None:
    print(f"\n{HEADER}")
    for r in results:
        print(row(r))
    by_backend: dict[str, list[dict]] = {}
    for r in results:
        by_backend.setdefault(r["backend"], []).append(r)
    for backend, rows in by_backend.items():
        if len(rows) >= 2:
            small, large = rows[0], rows[-1]
            growth = (large["check_seconds"] / small["check_seconds"]) / (large["persons"] / small["persons"])
            print(f"{backend}: time per person at {large['persons']:,} is {growth:.2f}× that at {small['persons']:,}"
                  " (1.0 = linear)")  # fmt: skip
    rules = sorted({rule for r in results for rule in r["accuracy"]})
    if rules:
        last = results[-1]["accuracy"]
        print("\nplanted defects per rule (largest run):", ", ".join(f"{rule} {last[rule][2]}" for rule in rules))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres", "duckdb"])
    parser.add_argument("--small", action="store_true", help="about 10,000 persons (CI)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.persons[0], Path(args.workdir))))
        return
    sizes = [10_000] if args.small else args.persons
    results = []
    for backend in args.backends:
        for persons in sizes:
            print(f"{backend}: {persons:,} persons …", file=sys.stderr, flush=True)
            result = run_worker(backend, persons)
            if result:
                results.append(result)
                print(row(result), file=sys.stderr, flush=True)
    report(results)
    if len(results) < len(args.backends) * len(sizes):
        sys.exit(1)


if __name__ == "__main__":
    main()
