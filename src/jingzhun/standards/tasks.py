"""Background tasks of the standard: a check run started from the web runs in the task worker.

``jingzhun serve`` starts one worker (``jingzhun db_worker``) beside the web server; the tests run tasks at once.
A check run touches its heartbeat file while it runs (``jingzhun.core.liveness``); ``release_stopped`` marks a run
whose process ended failed. The progress page follows the task itself (``views.run_progress``).
"""

from __future__ import annotations

import contextlib
import logging

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from jingzhun.core import liveness
from jingzhun.registry.models import Region
from jingzhun.standards.models import CheckRun
from jingzhun.standards.runs import drop_run_findings_table, run_checks

logger = logging.getLogger(__name__)


@task()
def run_checks_task(region_code: str, year: int, user_id: int | None) -> int:
    """Run the built-in rules over ``region_code`` for ``year`` on behalf of the user; return the run's id.

    Arguments are plain values (the task is stored as JSON until a worker takes it). A failure marks the CheckRun
    failed (run_checks does that) and fails the task, so the progress page can say so.
    """
    region = Region.objects.get(code=region_code)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return run_checks(region, year, user=user).pk


def release_stopped() -> int:
    """Mark failed every running check run whose heartbeat has stopped (its process ended: a worker or a
    ``jingzhun check`` killed, a machine restarted); return how many. Its findings were never committed."""
    released = 0
    for run in CheckRun.objects.filter(status=CheckRun.Status.RUNNING):
        if not liveness.stale(run.heartbeat_path, run.started_at):
            continue
        error = f"stopped: no heartbeat for {liveness.stale_seconds()} s (its process ended)"
        if CheckRun.objects.filter(pk=run.pk, status=CheckRun.Status.RUNNING).update(
            status=CheckRun.Status.FAILED, error=error, finished_at=timezone.now()
        ):
            logger.warning("check run %s marked failed: %s", run.pk, error)
            released += 1
            # On PostgreSQL a killed two-session run leaves its findings table unattached (committed before the
            # run's transaction, so that the second session could write into it): never read, dropped here.
            with contextlib.suppress(Exception):
                drop_run_findings_table(run.pk)
        with contextlib.suppress(OSError):
            run.heartbeat_path.unlink()
    return released
