"""Benchmark `jingzhun import`: persons per second, against reading the same file alone, in the same run.

For each size, a synthetic county is written to .csv and .xlsx (not timed), then each file is imported into a
fresh SQLite database in a fresh process (what a user runs), and — the baseline — the same file is only read with
the fastest reader: for .csv both the csv module and pyarrow's CSV reader are timed (every cell as text) and the
faster one counts; python-calamine for .xlsx. The issue's targets: ≥ 50,000 persons/s, and no worse
than 3× the time of reading alone; peak memory under 2 GB at 1M persons.

    .venv/bin/python bench/import.py                  # 10k and 100k persons
    .venv/bin/python bench/import.py --persons 1000000
    .venv/bin/python bench/import.py --small          # about 5k persons, for CI
    .venv/bin/python scripts/pgcluster.py -- .venv/bin/python bench/import.py --postgres   # on PostgreSQL
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

import common  # bench/common.py: sys.path[0] is this folder

PERSONS_PER_HOUSEHOLD = 2.95


def _env(workdir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    return {**clean, "JINGZHUN_ENV": "development", "JINGZHUN_DATA_DIR": str(workdir)}


def _jingzhun(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a jingzhun command; return its wall time and its own peak memory (MiB).

    The peak is the process's own (wait4), not RUSAGE_CHILDREN's, which is the largest of all children so far: at
    1M persons that was the generator's, not the import's.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([sys.executable, "-m", "jingzhun", *args], env=env, stdout=subprocess.DEVNULL,
                                   stderr=errors)  # fmt: skip
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"jingzhun {' '.join(args)} failed:\n{errors.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss // 1024


def _persons(path: Path) -> int:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1


def _read_only(path: Path, reader: str) -> float:
    """Seconds to read ``path`` whole with ``reader`` ("csv", "pyarrow" or "calamine"), doing nothing with it."""
    started = time.perf_counter()
    if reader == "csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                pass
    elif reader == "pyarrow":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        with open(path, encoding="utf-8-sig", newline="") as handle:
            width = len(next(csv.reader(handle)))
        pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            convert_options=pacsv.ConvertOptions(column_types={f"f{index}": pa.string() for index in range(width)}),
        )
    else:
        from python_calamine import CalamineWorkbook

        for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python():
            pass
    return time.perf_counter() - started


def _readers(path: Path) -> tuple[str, ...]:
    return ("csv", "pyarrow") if path.suffix == ".csv" else ("calamine",)


def _fresh_postgres(name: str) -> str:
    """Create (or recreate) database ``name`` on the server of $JINGZHUN_DATABASE_URL; return its URL."""
    url = os.environ.get("JINGZHUN_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "--postgres needs JINGZHUN_DATABASE_URL of a PostgreSQL server (run under scripts/pgcluster.py)"
        )
    fresh = f"{url.rpartition('/')[0]}/{name}"
    common.recreate_database(fresh)
    return fresh


def measure(persons: int, suffixes: list[str], postgres: bool = False) -> list[dict]:
    results = []
    households = max(1, round(persons / PERSONS_PER_HOUSEHOLD))
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        workdir = Path(tmp)
        for suffix in suffixes:
            source = workdir / f"county{suffix}"
            env = _env(workdir / "gen")
            _jingzhun(["synth", "--households", str(households), "--seed", "7", "--out", str(source)], env)
            db_env = _env(workdir / f"db{suffix}")
            db_env["JINGZHUN_DATABASE_URL"] = (
                _fresh_postgres(f"bench_{suffix[1:]}_{persons}")
                if postgres
                else f"sqlite:///{workdir / f'db{suffix}' / 'bench.sqlite3'}"
            )
            (workdir / f"db{suffix}").mkdir()
            _jingzhun(["migrate", "-v0"], db_env)
            seconds, peak = _jingzhun(["import", str(source), "--create-regions"], db_env)
            reads = {reader: min(_read_only(source, reader) for _ in range(2)) for reader in _readers(source)}
            fastest = min(reads, key=reads.__getitem__)
            results.append(
                {
                    "file": suffix,
                    "persons": _persons(source),
                    "seconds": seconds,
                    "read": reads[fastest],
                    "reader": fastest,
                    "reads": reads,
                    "peak": peak,
                    "database": "postgresql" if postgres else "sqlite",
                }
            )
            print(_row(results[-1]), file=sys.stderr, flush=True)
    return results


def _row(r: dict) -> str:
    reads = ", ".join(f"{reader} {seconds:.2f} s" for reader, seconds in r["reads"].items())
    return (f"{r['file']:<6} {r['database']:<10} {r['persons']:>9,} {r['seconds']:>8.1f} s "
            f"{r['persons'] / r['seconds']:>10,.0f}/s {r['read']:>7.2f} s {r['seconds'] / r['read']:>8.1f}× "
            f"{r['peak']:>7,} MiB   read: {reads}; load {os.getloadavg()[0]:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--small", action="store_true", help="about 5,000 persons (CI)")
    parser.add_argument("--postgres", action="store_true", help="import into PostgreSQL ($JINGZHUN_DATABASE_URL)")
    parser.add_argument("--formats", nargs="+", default=[".csv", ".xlsx"], help="file formats to measure")
    args = parser.parse_args()
    sizes = [5_000] if args.small else args.persons
    results = []
    for persons in sizes:
        print(f"{persons:,} persons …", file=sys.stderr, flush=True)
        results += measure(persons, args.formats, args.postgres)
    print(f"\n{'file':<6} {'database':<10} {'persons':>9} {'import':>10} {'persons/s':>12} {'read':>9} {'× read':>9} "
          f"{'peak':>11}")  # fmt: skip
    for result in results:
        print(_row(result))
    print("targets: ≥ 50,000 persons/s; ≤ 3× the read-only time (the fastest reader's); < 2 GB at 1M persons (wall "
          "time of a fresh process)")  # fmt: skip


if __name__ == "__main__":
    main()
