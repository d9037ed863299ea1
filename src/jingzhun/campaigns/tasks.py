"""Entering a campaign's inconsistencies in the ledger as a background task (a county self-check has tens of
thousands: minutes, too long for a web request).

``jingzhun serve`` runs the worker beside the web server; the tests run tasks at once. The Reconciliation row is the
state the campaign page shows: the task moves it from queued to running to done (or failed) and keeps the count of
problems created; "n of N" while it runs comes from a file beside (the run's one transaction is open meanwhile).
``jingzhun campaign reconcile`` runs the same ``run_reconciliation`` on a row of its own, in its own process.

While it runs, the run touches its heartbeat file (``jingzhun.core.liveness``); ``refresh`` marks a run whose
process has ended failed ("stopped"), which releases the campaign's one active run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from jingzhun.campaigns import service
from jingzhun.campaigns.models import Reconciliation
from jingzhun.core import deferred, liveness, progress

logger = logging.getLogger(__name__)
PROGRESS_SECONDS = 1.0  # how often the page's "n of N" is written while the problems are created


@task()
def reconcile_task(reconciliation_id: int) -> int:
    """Run the reconciliation ``reconciliation_id`` (a plain value: the task is stored as JSON until a worker takes
    it); return the number of problems created."""
    return run_reconciliation(Reconciliation.objects.select_related("campaign", "user").get(pk=reconciliation_id))


def run_reconciliation(run: Reconciliation, progress: Callable[[int, int], None] | None = None) -> int:
    """Enter the campaign's inconsistencies in the ledger on behalf of the user who queued ``run``; keep the outcome.

    The rights are checked again (they may have changed since the click). Any failure rolls the one transaction of
    ``service.reconcile`` back (no problem is created), marks the run failed with what the page will say, and is
    raised again so the task (or the command) fails too; so is an interruption (Ctrl+C, a worker told twice to
    stop). ``progress(done, total)``, if given, is called as well as the progress file is written (the command's
    bar).
    """
    from jingzhun.ledger.transitions import TransitionError

    Status = Reconciliation.Status
    started = timezone.now()
    # Conditional: a run already taken (a task delivered twice) is not run again.
    if not Reconciliation.objects.filter(pk=run.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=started
    ):
        return run.problems
    run.status, run.started_at = Status.RUNNING, started
    callback = ProgressFile(run, also=progress)
    # The heartbeat lasts until the outcome is saved: a page that looks meanwhile never finds a running run without.
    with liveness.Heartbeat(run.heartbeat_path):
        try:
            if run.user is None:  # the user was deleted after queueing the run
                message = deferred.Message(gettext_noop("You may not reconcile this campaign."))
                raise service.CampaignError(message)
            created = service.reconcile(run.campaign, run.user, progress=callback)
        except BaseException as exc:
            logger.exception("reconciliation %s of campaign %s failed", run.pk, run.campaign_id)
            if isinstance(exc, service.CampaignError | TransitionError):
                _fail(run, Reconciliation.Failure.REFUSED, str(exc), refusal=deferred.of_exception(exc))
            elif isinstance(exc, Exception):
                _fail(run, Reconciliation.Failure.ERROR, repr(exc))
            else:  # KeyboardInterrupt, SystemExit: stopped, and the transaction rolled back
                _fail(run, Reconciliation.Failure.STOPPED, f"interrupted: {exc!r}")
            raise
        finally:
            with contextlib.suppress(OSError):
                run.progress_path.unlink()
        run.problems, run.done, run.total = created, callback.total, callback.total
        run.status, run.finished_at = Status.DONE, timezone.now()
        run.save(update_fields=["problems", "done", "total", "status", "finished_at"])
    return created


def _fail(run: Reconciliation, failure: str, error: str, *, refusal: dict | None = None) -> None:
    run.status, run.finished_at = Reconciliation.Status.FAILED, timezone.now()
    run.failure, run.refusal, run.error = failure, refusal or {}, error[:2000]
    run.save(update_fields=["status", "finished_at", "failure", "refusal", "error"])


def refresh(run: Reconciliation) -> bool:
    """Mark ``run`` failed when it is queued or running but nothing runs it any more; return whether it did.

    Running: its heartbeat has stopped (its process ended: a worker or a command killed, a machine restarted).
    Queued: its task failed without saying so, or was taken by a worker that has since ended. The transaction of
    a run that ended so was never committed: nothing of it is in the ledger.
    """
    if run.finished:
        return False
    running = run.status == Reconciliation.Status.RUNNING
    why = liveness.ended(running, run.heartbeat_path, run.started_at, run.task_id)
    if why is None:
        return False
    stopped, error = why
    failure = Reconciliation.Failure.STOPPED if stopped else Reconciliation.Failure.ERROR
    now = timezone.now()
    if not Reconciliation.objects.filter(pk=run.pk, status__in=Reconciliation.ACTIVE).update(
        status=Reconciliation.Status.FAILED, finished_at=now, failure=failure, error=error[:2000]
    ):
        run.refresh_from_db()  # it ended meanwhile, after all
        return False
    logger.warning("reconciliation %s of campaign %s marked failed: %s", run.pk, run.campaign_id, error)
    run.status, run.finished_at, run.failure, run.error = Reconciliation.Status.FAILED, now, failure, error[:2000]
    for path in (run.heartbeat_path, run.progress_path):
        with contextlib.suppress(OSError):
            path.unlink()
    return True


def release_stopped() -> int:
    """``refresh`` every queued or running run; return how many were marked failed."""
    return sum(refresh(run) for run in Reconciliation.objects.filter(status__in=Reconciliation.ACTIVE))


class ProgressFile(progress.Throttled):
    """A ``progress(done, total)`` callback: "done total" in the run's progress file at the start (so the page soon
    shows N), then at most once a second; it keeps the total for the run's row, and calls ``also`` every time."""

    def __init__(self, run: Reconciliation, also: Callable[[int, int], None] | None = None):
        super().__init__(run.progress_path, PROGRESS_SECONDS)
        self.total, self.also = 0, also

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        super().__call__(done, total, force=done == 0)
        if self.also is not None:
            self.also(done, total)
