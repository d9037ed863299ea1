"""Whether a background run still has a process behind it: heartbeats, and what to do about a run that has none.

A long run (an import, a reconciliation, a check run) keeps one database transaction open, so it cannot keep a
timestamp on its own row up to date (the update would stay invisible until the commit, and on SQLite no second
connection may write meanwhile). It touches a file instead: ``Heartbeat`` refreshes the file's modification time
from a thread every ``TASK_HEARTBEAT_SECONDS``, which goes on while the run's thread waits for one long statement
(the database drivers release the interpreter meanwhile). A queued or running run whose heartbeat is older than
``TASK_STALE_SECONDS`` has lost its process (the worker was killed, the machine rebooted): ``stale`` says so, and
each kind of run marks such a run failed ("stopped unexpectedly") when a page looks at it, when a worker starts
and every minute while one runs (``sweep``), and with ``jingzhun tasks sweep``. Its work was rolled back with its
transaction: the database drops a transaction whose connection ends without a commit.

The task worker (``jingzhun db_worker``, core's own: see management/commands/db_worker.py) touches a file of its own
as well (``WorkerHeartbeat``): a page then tells a job that waits for a busy worker from one that waits for a worker
nobody started, and a task claimed by a worker that has since ended from one that is running.

Heartbeats are files under ``DATA_DIR``, like the progress files: the web server and the worker must share it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)
WORKER_FILE_DAYS = 1  # how long the heartbeat file of a worker that ended stays (see ``sweep``)


class WorkerLost(Exception):
    """Recorded as a task's failure when the worker that ran it ended without saying how the task went."""


def heartbeat_seconds() -> float:
    return settings.TASK_HEARTBEAT_SECONDS


def stale_seconds() -> float:
    return settings.TASK_STALE_SECONDS


def touch(path: Path) -> None:
    """Set the file's modification time to now (creating the file and its folder when needed)."""
    try:
        path.touch()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def age(path: Path) -> float | None:
    """Seconds since the file was last touched, or None when there is no such file."""
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except OSError:
        return None


def stale(path: Path, since: dt.datetime | None) -> bool:
    """Whether the heartbeat at ``path`` has stopped: older than the limit, or never written although the run
    started (``since``) longer ago than the limit (a process killed before its first beat, or a run left by a
    version without heartbeats)."""
    seconds = age(path)
    if seconds is not None:
        return seconds > stale_seconds()
    return since is None or (timezone.now() - since).total_seconds() > stale_seconds()


class Heartbeat:
    """``with Heartbeat(path):`` touches ``path`` now and then every ``seconds`` from a daemon thread until the block
    ends; the file is removed at the end (a finished run needs none)."""

    def __init__(self, path: Path, seconds: float | None = None):
        self.path, self.seconds = path, seconds or heartbeat_seconds()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        try:
            touch(self.path)
        except OSError:  # a full disk must not end the run; the page will call it stopped, and the log says why
            logger.exception("heartbeat %s could not be written", self.path)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {self.path.name}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with contextlib.suppress(OSError):
            self.path.unlink()


# --- the task worker -------------------------------------------------------------------------------------------


def workers_dir() -> Path:
    return Path(settings.DATA_DIR) / "tasks" / "workers"


def worker_path(worker_id: str) -> Path:
    return workers_dir() / f"{Path(worker_id).name}.alive"  # a worker id is no path


def worker_running() -> bool:
    """Whether some task worker has touched its file within the limit."""
    with contextlib.suppress(OSError):
        for path in workers_dir().glob("*.alive"):
            seconds = age(path)
            if seconds is not None and seconds <= stale_seconds():
                return True
    return False


def worker_lost(result) -> bool:
    """Whether the worker that claimed the running task ``result`` (a DBTaskResult) has ended."""
    if not result.worker_ids:
        return False
    return stale(worker_path(result.worker_ids[-1]), result.started_at)


def task_state(task_id: str):
    """The stored result of the task ``task_id`` (None when there is none, e.g. no id, or a backend that keeps no
    results), after marking it failed if the worker that claimed it has ended."""
    from django.core.exceptions import ValidationError
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if not task_id:
        return None
    try:
        result = DBTaskResult.objects.filter(pk=task_id).first()
    except (ValidationError, ValueError):  # a malformed id
        return None
    if result is not None and result.status == TaskResultStatus.RUNNING and worker_lost(result):
        fail_task(result)
    return result


def ended(running: bool, heartbeat: Path, started_at: dt.datetime | None, task_id: str) -> tuple[bool, str] | None:
    """Why a queued or running run has nothing running it any more, or None while something still may.

    Returns (stopped, error): stopped when its process ended — running and its heartbeat stale, or its task failed
    because the worker that took it ended — else its task failed on an error (the traceback's last line). A run
    that ended so never committed its transaction. The caller marks the run failed (its own fields).
    """
    from django_tasks.base import TaskResultStatus

    result = task_state(task_id)  # first: it marks a task whose worker ended as failed
    if running and stale(heartbeat, started_at):
        return True, f"stopped: no heartbeat for {stale_seconds()} s"
    if result is not None and result.status == TaskResultStatus.FAILED:
        if lost(result):
            return True, "stopped: the task worker ended"
        return False, (result.traceback.strip().splitlines() or [""])[-1]
    return None


def lost(result) -> bool:
    """Whether a stored task result failed because its worker ended (see ``fail_task``)."""
    return result is not None and result.exception_class_path == f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def fail_task(result) -> None:
    """Mark a running task whose worker has ended failed, as the worker would have (django-tasks-db's fields)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    detail = f"the task worker {result.worker_ids[-1] if result.worker_ids else '?'} ended while running this task"
    fields = {
        "status": TaskResultStatus.FAILED,
        "finished_at": now,
        "exception_class_path": f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        "traceback": f"{WorkerLost.__module__}.WorkerLost: {detail}\n",
        "return_value": None,
    }
    if DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(**fields):
        logger.warning("task %s (%s): %s; marked failed", result.pk, result.task_path, detail)
    for name, value in fields.items():
        setattr(result, name, value)


class WorkerHeartbeat(Heartbeat):
    """The worker's own heartbeat, which also sweeps stopped runs every ``SWEEP_SECONDS`` (in its thread, with a
    database connection of its own)."""

    SWEEP_SECONDS = 60.0

    def __init__(self, worker_id: str):
        super().__init__(worker_path(worker_id))
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def beat(self) -> None:
        super().beat()
        if self._thread is not None and threading.current_thread() is self._thread:
            now = time.monotonic()
            if now >= self._next_sweep:
                self._next_sweep = now + self.SWEEP_SECONDS
                from django.db import connections

                try:
                    sweep()
                except Exception:  # a locked database, say: the next sweep tries again
                    logger.exception("the sweep of stopped runs failed")
                finally:
                    connections.close_all()  # this thread's connections only


def sweep() -> dict[str, int]:
    """Mark failed every run, of every kind, whose process has ended; return how many of each kind."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from jingzhun.campaigns.tasks import release_stopped as reconciliations
    from jingzhun.importer.tasks import release_stopped as imports
    from jingzhun.standards.tasks import release_stopped as check_runs

    counts = {"imports": imports(), "reconciliations": reconciliations(), "check runs": check_runs()}
    tasks = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if worker_lost(result):
            fail_task(result)
            tasks += 1
    counts["tasks"] = tasks
    from jingzhun.engine.executors import remove_orphaned_stages

    counts["check staging folders"] = remove_orphaned_stages()
    # A killed worker leaves its file behind (a worker id is new at every start): gone after a day. A task it had
    # taken reads as lost without it all the same (see ``stale``).
    with contextlib.suppress(OSError):
        for path in workers_dir().glob("*.alive"):
            seconds = age(path)
            if seconds is not None and seconds > max(WORKER_FILE_DAYS * 86400, stale_seconds()):
                path.unlink(missing_ok=True)
    return counts
