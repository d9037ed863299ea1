"""Benchmark ``jingzhun synth``: persons per second into SQLite, to .csv and to .xlsx.

Each run is a fresh ``python -m jingzhun synth`` process (what a user runs), timed from start to exit; the
SQLite database is migrated beforehand and not counted. The .xlsx output is measured at the smallest size only
(xlsxwriter writes about 20× slower than csv; nobody opens a million-row sheet).

    .venv/bin/python bench/synth.py                 # 100k and 1M persons
    .venv/bin/python bench/synth.py 100000 300000   # other sizes (persons)
    .venv/bin/python bench/synth.py --small         # about 10k persons, for CI
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERSONS_PER_HOUSEHOLD = 2.95  # the generator's mean household size, near enough to size the runs


def _env(workdir: Path) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("JINGZHUN_")}
    return {
        **clean,
        "JINGZHUN_ENV": "development",
        "JINGZHUN_DATA_DIR": str(workdir),
        "JINGZHUN_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
    }


def _jingzhun(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "jingzhun", *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"jingzhun {' '.join(args)} failed:\n{result.stderr}")
    return seconds


def _persons(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def run(persons: int, outputs: list[str], seed: int) -> list[tuple[str, int, float]]:
    """Run each output once for about ``persons`` persons; return (output, persons, seconds)."""
    households = max(1, round(persons / PERSONS_PER_HOUSEHOLD))
    results = []
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        workdir = Path(tmp)
        env = _env(workdir)
        common = ["synth", "--households", str(households), "--seed", str(seed)]
        counted = None
        for output in outputs:
            if output == "database":
                (workdir / "bench.sqlite3").unlink(missing_ok=True)
                _jingzhun(["migrate", "-v0"], env)
                seconds = _jingzhun(common, env)
                import sqlite3

                with sqlite3.connect(workdir / "bench.sqlite3") as db:
                    count = db.execute("SELECT count(*) FROM registry_person").fetchone()[0]
            else:
                out = workdir / f"registry.{output}"
                seconds = _jingzhun([*common, "--out", str(out)], env)
                if output == "csv":
                    counted = _persons(out)
                count = counted if counted is not None else households * PERSONS_PER_HOUSEHOLD
            results.append((output, int(count), seconds))
            print(
                f"{output:>8}  {int(count):>9,} persons  {seconds:7.1f} s  {count / seconds:>9,.0f} persons/s",
                flush=True,
            )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="persons per run (default 100000 1000000)")
    parser.add_argument("--small", action="store_true", help="one quick run of about 10,000 persons (CI)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [10_000] if args.small else (args.sizes or [100_000, 1_000_000])
    started = time.perf_counter()
    smallest = min(sizes)
    for size in sizes:
        print(f"-- about {size:,} persons")
        outputs = ["database", "csv"] + (["xlsx"] if size == smallest else [])
        run(size, outputs, args.seed)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
