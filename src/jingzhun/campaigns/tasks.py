"""Entering a campaign's inconsistencies in the ledger as a background task (a county self-check has tens of
thousands: minutes, too long for a web request).

``jingzhun serve`` runs the worker beside the web server; the tests run tasks at once. The Reconciliation row is the
state the campaign page shows: the task moves it from queued to running to done (or failed) and keeps the count of
problems created; "n of N" while it runs comes from a file beside (the run's one transaction is open meanwhile).
"""

from __future__ import annotations

import contextlib
import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from jingzhun.campaigns import service
from jingzhun.campaigns.models import Reconciliation
from jingzhun.core import progress

logger = logging.getLogger(__name__)
PROGRESS_SECONDS = 1.0  # how often the page's "n of N" is written while the problems are created


@task()
def reconcile_task(reconciliation_id: int) -> int:
    """Run the reconciliation ``reconciliation_id`` (a plain value: the task is stored as JSON until a worker takes
    it); return the number of problems created."""
    return run_reconciliation(Reconciliation.objects.select_related("campaign", "user").get(pk=reconciliation_id))


def run_reconciliation(run: Reconciliation) -> int:
    """Enter the campaign's inconsistencies in the ledger on behalf of the user who queued ``run``; keep the outcome.

    The rights are checked again (they may have changed since the click). Any failure rolls the one transaction of
    ``service.reconcile`` back (no problem is created), marks the run failed with a message for the page, and is
    raised again so the task fails too.
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
    callback = ProgressFile(run)
    try:
        if run.user is None:  # the user was deleted after queueing the run
            raise service.CampaignError(_("You may not reconcile this campaign."))
        created = service.reconcile(run.campaign, run.user, progress=callback)
    except Exception as exc:
        logger.exception("reconciliation %s of campaign %s failed", run.pk, run.campaign_id)
        run.error = failure(str(exc) if isinstance(exc, service.CampaignError | TransitionError) else "")
        run.status, run.finished_at = Status.FAILED, timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    finally:
        with contextlib.suppress(OSError):
            run.progress_path.unlink()
    run.problems, run.done, run.total = created, callback.total, callback.total
    run.status, run.finished_at = Status.DONE, timezone.now()
    run.save(update_fields=["problems", "done", "total", "status", "finished_at"])
    return created


def failure(reason: str = "") -> str:
    """What the campaign page says about a failed run: nothing was entered, and why (a refusal's own words; for
    anything else, the log has the error)."""
    reason = reason or _("The error is recorded; ask the administrator.")
    return _("Entering the inconsistencies in the ledger failed; nothing was entered. %(reason)s") % {"reason": reason}


class ProgressFile(progress.Throttled):
    """A ``progress(done, total)`` callback: "done total" in the run's progress file at the start (so the page soon
    shows N), then at most once a second; it keeps the total for the run's row."""

    def __init__(self, run: Reconciliation):
        super().__init__(run.progress_path, PROGRESS_SECONDS)
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        super().__call__(done, total, force=done == 0)
