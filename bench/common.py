"""What the benchmarks share: a fresh database per measurement, and one measurement per fresh process.

Each benchmark script re-runs itself with ``--worker BACKEND … --workdir DIR`` in a new process (PostgreSQL inside
a throwaway cluster from scripts/pgcluster.py) and reads the last JSON line it prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def use_database(backend: str, workdir: Path) -> None:
    """Point jingzhun at a fresh database for this worker: a SQLite file in ``workdir``, or a recreated
    PostgreSQL database on the server of $JINGZHUN_DATABASE_URL (set by scripts/pgcluster.py)."""
    os.environ.update({"JINGZHUN_ENV": "development", "JINGZHUN_DATA_DIR": str(workdir)})
    if backend == "postgres":
        recreate_database(os.environ["JINGZHUN_DATABASE_URL"])
    else:
        os.environ["JINGZHUN_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")


def recreate_database(url: str) -> None:
    """Drop and create the database ``url`` names, from the server's maintenance database."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_worker(script: str, backend: str, arguments: list[str], label: str) -> dict:
    """Run ``script --worker BACKEND ARGUMENTS --workdir TMP`` in a fresh process; return its last JSON line."""
    with tempfile.TemporaryDirectory(prefix=f"{Path(script).stem}-bench-") as tmp:
        command = [sys.executable, script, "--worker", backend, *arguments, "--workdir", tmp]
        if backend == "postgres":
            command = [sys.executable, str(ROOT / "scripts" / "pgcluster.py"), "--", *command]
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_") or k == "JINGZHUN_TEST_POSTGRES_URL"
        }
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            print(f"{label} failed:\n{done.stderr[-4000:]}", file=sys.stderr)
            return {}
        return json.loads(lines[-1])


def best(function, repeats: int = 3, *, warm_up: bool = False) -> float:
    """The shortest of ``repeats`` timed calls, in seconds (after one untimed call with ``warm_up``)."""
    if warm_up:
        function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)
