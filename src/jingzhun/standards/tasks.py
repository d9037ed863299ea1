"""Background tasks of the standard: a check run started from the web runs in the task worker.

``jingzhun serve`` starts one worker (``jingzhun db_worker``) beside the web server; the tests run tasks at once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from jingzhun.registry.models import Region
from jingzhun.standards.runs import run_checks


@task()
def run_checks_task(region_code: str, year: int, user_id: int | None) -> int:
    """Run the built-in rules over ``region_code`` for ``year`` on behalf of the user; return the run's id.

    Arguments are plain values (the task is stored as JSON until a worker takes it). A failure marks the CheckRun
    failed (run_checks does that) and fails the task, so the progress page can say so.
    """
    region = Region.objects.get(code=region_code)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return run_checks(region, year, user=user).pk
