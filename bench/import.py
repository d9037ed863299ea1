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


FLOOR_TABLES = ("registry_household", "registry_person", "registry_incomerecord")


def _write_floor(url: str, indexes: bool = True) -> float:
    """Seconds the database itself needs to store what the import stored: the imported households, persons and
    income records, already in memory as rows, written into empty tables with the same columns and indexes in one
    transaction (SQLite: executemany in batches of 5,000, as the importer; PostgreSQL: COPY of text already
    formatted). No cleaning, no validation, no foreign keys, no audit: a floor, not an import. Without ``indexes``,
    the bare tables (not even primary keys): what storing the rows costs at the very least. Best of two."""
    if url.startswith("sqlite:///"):
        return min(_sqlite_floor(Path(url.removeprefix("sqlite:///")), indexes) for _ in range(2))
    return min(_postgres_floor(url, indexes) for _ in range(2))


def _sqlite_floor(path: Path, indexes: bool) -> float:
    import sqlite3

    source = sqlite3.connect(path)
    ddl = {}
    rows = {}
    for table in FLOOR_TABLES:
        schema = "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC"
        ddl[table] = [sql for (sql,) in source.execute(schema, (table,))]  # the table first, then its indexes
        # Generated columns (hidden 2 or 3) are computed by the database, not written.
        names = [row[1] for row in source.execute(f'PRAGMA table_xinfo("{table}")') if row[6] == 0]
        listed = ", ".join(f'"{name}"' for name in names)
        if not indexes:  # a plain rowid table of the same columns, without its indexes
            ddl[table] = [f'CREATE TABLE "{table}" ({listed})']
        rows[table] = (listed, source.execute(f'SELECT {listed} FROM "{table}"').fetchall())  # noqa: S608
    source.close()
    target_path = path.with_name("floor.sqlite3")
    target_path.unlink(missing_ok=True)
    target = sqlite3.connect(target_path, isolation_level=None)
    # The application's own settings (jingzhun.settings), but for foreign keys: the floor has no parent tables.
    target.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; "
                         "PRAGMA temp_store=MEMORY;")  # fmt: skip
    for statements in ddl.values():
        for sql in statements:
            target.execute(sql)
    started = time.perf_counter()
    target.execute("BEGIN IMMEDIATE")
    for table, (listed, values) in rows.items():
        if values:
            insert = f'INSERT INTO "{table}" ({listed}) VALUES ({", ".join("?" * len(values[0]))})'  # noqa: S608
            for start in range(0, len(values), 5000):
                target.executemany(insert, values[start : start + 5000])
    target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    for suffix in ("", "-wal", "-shm"):
        target_path.with_name(f"floor.sqlite3{suffix}").unlink(missing_ok=True)
    return seconds


def _postgres_floor(url: str, indexes: bool) -> float:
    import io

    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS floor CASCADE")
        conn.execute("CREATE SCHEMA floor")
        data = {}
        for table in FLOOR_TABLES:
            including = "INCLUDING ALL" if indexes else "INCLUDING DEFAULTS INCLUDING GENERATED"
            conn.execute(f'CREATE TABLE floor."{table}" (LIKE public."{table}" {including})')
            buffer = io.BytesIO()
            with conn.cursor().copy(f'COPY public."{table}" TO STDOUT') as copy:
                for chunk in copy:
                    buffer.write(chunk)
            data[table] = buffer.getvalue()
        started = time.perf_counter()
        with conn.transaction():
            for table, payload in data.items():
                with conn.cursor().copy(f'COPY floor."{table}" FROM STDIN') as copy:
                    for start in range(0, len(payload), 1 << 20):
                        copy.write(payload[start : start + (1 << 20)])
        seconds = time.perf_counter() - started
        conn.execute("DROP SCHEMA floor CASCADE")
    return seconds


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
            floor = _write_floor(db_env["JINGZHUN_DATABASE_URL"])
            bare = _write_floor(db_env["JINGZHUN_DATABASE_URL"], indexes=False)
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
                    "floor": floor,
                    "bare": bare,
                    "database": "postgresql" if postgres else "sqlite",
                }
            )
            print(_row(results[-1]), file=sys.stderr, flush=True)
    return results


def _row(r: dict) -> str:
    reads = ", ".join(f"{reader} {seconds:.2f} s" for reader, seconds in r["reads"].items())
    return (f"{r['file']:<6} {r['database']:<10} {r['persons']:>9,} {r['seconds']:>8.1f} s "
            f"{r['persons'] / r['seconds']:>10,.0f}/s {r['read']:>7.2f} s {r['seconds'] / r['read']:>8.1f}× "
            f"{r['peak']:>7,} MiB {r['floor']:>8.2f} s {r['floor'] / r['read']:>7.1f}× "
            f"{r['bare']:>8.2f} s {r['bare'] / r['read']:>7.1f}×   read: {reads}; "
            f"load {os.getloadavg()[0]:.2f}")  # fmt: skip


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
          f"{'peak':>11} {'write floor':>11} {'× read':>8} {'no index':>10} {'× read':>8}")  # fmt: skip
    for result in results:
        print(_row(result))
    print("targets: ≥ 50,000 persons/s; ≤ 3× the read-only time (the fastest reader's); < 2 GB at 1M persons (wall "
          "time of a fresh process)")  # fmt: skip
    print("write floor: the database's own time to store the imported households, persons and income records "
          "from rows in memory (same indexes, one transaction; no cleaning, checks or audit), ÷ the read; no index: "
          "the same into bare tables")  # fmt: skip


if __name__ == "__main__":
    main()
