"""Run a command against a throwaway PostgreSQL cluster: ``python scripts/pgcluster.py -- pytest …``.

Starts a private cluster from the Debian server binaries (initdb, pg_ctl) in a temporary directory on a free
loopback port, exports ``JINGZHUN_DATABASE_URL`` pointing at it, runs the command and removes the cluster.
initdb and postgres refuse to run as root, so as root they run as the ``postgres`` user.

With ``JINGZHUN_TEST_POSTGRES_URL`` set, that existing server is used instead. Without server binaries the
command is skipped with a reason, except under CI (``CI=true``), where that is an error: CI must test PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SERVER_FLAGS = (
    "-c fsync=off -c full_page_writes=off "  # throwaway data: durability not needed (fsync off makes commits cheap;
    # synchronous_commit stays on as in production: after an asynchronous commit VACUUM cannot mark rows all-visible)
    "-c listen_addresses=127.0.0.1 -c max_connections=50 -c shared_buffers=256MB"
)


def find_bin(name: str) -> str | None:
    """Find a PostgreSQL server binary on PATH or in Debian's versioned directories (newest first)."""
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def _version(directory: str) -> float:
    try:
        return float(Path(directory).parent.name)
    except ValueError:
        return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: pgcluster.py -- COMMAND [ARGS…]", file=sys.stderr)
        return 2
    existing = os.environ.get("JINGZHUN_TEST_POSTGRES_URL")
    if existing:
        return subprocess.call(argv, env={**os.environ, "JINGZHUN_DATABASE_URL": existing})

    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not (initdb and pg_ctl):
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package."
        if os.environ.get("CI"):
            print(f"ERROR: {message} CI must run the PostgreSQL tests.", file=sys.stderr)
            return 1
        print(f"SKIPPED the PostgreSQL run: {message}", file=sys.stderr)
        return 0
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            print("ERROR: running as root needs a 'postgres' user to run the server as.", file=sys.stderr)
            return 1

    workdir = Path(tempfile.mkdtemp(prefix="jingzhun-pg-"))
    data, log = workdir / "data", workdir / "server.log"
    if os.geteuid() == 0:
        os.chown(workdir, server_user.pw_uid, server_user.pw_gid)
    port = free_port()
    try:
        subprocess.run(
            as_server_user(
                [
                    initdb,
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            as_server_user(
                [
                    pg_ctl,
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {port} -k {workdir} {SERVER_FLAGS}",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        url = f"postgresql://postgres@127.0.0.1:{port}/jingzhun"
        print(f"PostgreSQL cluster on 127.0.0.1:{port} ({workdir})", file=sys.stderr)
        return subprocess.call(argv, env={**os.environ, "JINGZHUN_DATABASE_URL": url})
    except subprocess.CalledProcessError as exc:
        print(f"ERROR: could not start PostgreSQL ({exc}); server log follows:", file=sys.stderr)
        if log.exists():
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        return 1
    finally:
        if data.exists():
            subprocess.run(
                as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
