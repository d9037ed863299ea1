"""Serve jingzhun with gunicorn, the production WSGI server, and one background task worker beside it.

The check runs, imports and reconciliations started from the web are queued in the database; ``jingzhun db_worker``
runs them (and marks failed the runs whose process ended: ``jingzhun.core.liveness``).
This command starts both as child processes and stays as their supervisor: a signal to it (Ctrl+C, SIGTERM from
systemd or a container runtime) stops both, the server's exit stops the worker, and a worker that dies is
restarted. With ``--no-task-worker`` it serves only, for setups that run workers as a service of their own.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from jingzhun.env import env_bool, env_int, env_str

# A worker finishes the check run in hand before it stops (db_worker's graceful shutdown); past this it is killed.
WORKER_STOP_SECONDS = 60
SERVER_STOP_SECONDS = 35  # gunicorn's own graceful timeout is 30 s
RESTART_DELAY_SECONDS = 5  # between a worker's death and its restart, so a crash loop does not spin


# gunicorn's default line logs the request line and the referrer, query strings included: a full ID number typed
# into the search box would land in the log before the page redirects to its masked form. Paths only, no referrer.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


class Command(BaseCommand):
    help = (
        "Serve the web app with gunicorn and one background task worker (run `jingzhun collectstatic` first in "
        "production)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=env_str("JINGZHUN_BIND", "127.0.0.1:8000"), help="host:port")
        parser.add_argument("--workers", type=int, default=env_int("JINGZHUN_WORKERS", 2))
        parser.add_argument("--timeout", type=int, default=120, help="seconds before a stuck worker restarts")
        parser.add_argument(
            "--no-task-worker",
            dest="task_worker",
            action="store_false",
            default=env_bool("JINGZHUN_TASK_WORKER", default=True),
            help="do not start a background task worker (run `jingzhun db_worker` separately)",
        )

    def handle(self, *args, bind: str, workers: int, timeout: int, task_worker: bool, **options):
        server_argv = [
            sys.executable, "-m", "gunicorn", "jingzhun.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--timeout", str(timeout),
            "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT,
            "--forwarded-allow-ips", env_str("JINGZHUN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]  # fmt: skip
        worker_argv = [sys.executable, "-m", "jingzhun.cli", "db_worker", "--no-reload", "--interval", "1"]
        self.stdout.write(
            f"Serving on http://{bind}/ with gunicorn ({workers} workers, {settings.ENV} settings)"
            + (" and one background task worker" if task_worker else "")
        )
        sys.stdout.flush()

        stopping: list[int] = []

        def request_stop(signum, frame):
            stopping.append(signum)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, request_stop)

        server = subprocess.Popen(server_argv)
        worker = _start_worker(worker_argv) if task_worker else None
        worker_died_at: float | None = None
        try:
            while not stopping and server.poll() is None:
                if worker is not None and worker.poll() is not None:
                    # Restart a dead worker after a pause; the queued runs wait in the database meanwhile.
                    now = time.monotonic()
                    if worker_died_at is None:
                        self.stderr.write(f"Task worker exited with status {worker.returncode}; restarting it.")
                        worker_died_at = now
                    elif now - worker_died_at >= RESTART_DELAY_SECONDS:
                        worker, worker_died_at = _start_worker(worker_argv), None
                time.sleep(0.5)
        finally:
            _stop(server, SERVER_STOP_SECONDS)
            if worker is not None:
                _stop(worker, WORKER_STOP_SECONDS)
        if not stopping and server.returncode:
            sys.exit(server.returncode)


def _start_worker(argv: list[str]) -> subprocess.Popen:
    # A session of its own: Ctrl+C in the terminal reaches this supervisor only, which then sends the worker one
    # SIGTERM (a graceful stop that finishes the run in hand; a second signal would abort it).
    return subprocess.Popen(argv, start_new_session=True)


def _stop(process: subprocess.Popen, seconds: float) -> None:
    """Ask a child to stop (SIGTERM), and kill it if it has not stopped after ``seconds``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
