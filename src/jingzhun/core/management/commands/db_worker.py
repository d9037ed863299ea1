"""``jingzhun db_worker``: django-tasks-db's worker, with a heartbeat of its own and a sweep of stopped runs.

At start it marks failed every run whose process has ended (a worker killed, a machine restarted: see
``jingzhun.core.liveness``), so a campaign whose reconciliation was cut short can be reconciled again; then, while
it runs, a thread touches ``DATA_DIR/tasks/workers/<worker id>.alive`` every few seconds (the pages tell a queued job
that waits for a busy worker from one that waits for no worker at all, and a task whose worker ended from a running
one) and sweeps again every minute. Everything else is the backend's worker (``jingzhun db_worker --help``).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django_tasks_db.management.commands import db_worker

from jingzhun.core import liveness

logger = logging.getLogger(__name__)


class Command(db_worker.Command):
    help = "Run the background task worker (with a heartbeat, and a sweep of runs whose process ended)."

    def handle(self, *args, worker_id: str, **options) -> None:
        try:
            swept = liveness.sweep()
        except DatabaseError:  # a locked database, say: the worker's thread sweeps again in a minute
            logger.exception("the sweep of stopped runs at the worker's start failed")
        else:
            if any(swept.values()):
                self.stderr.write(f"Runs whose process had ended, marked failed: {swept}")
        with liveness.WorkerHeartbeat(worker_id):
            super().handle(*args, worker_id=worker_id, **options)
