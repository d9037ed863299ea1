"""Heartbeats of background runs and of the task worker (jingzhun.core.liveness), the worker's sweep of runs whose
process ended, ``jingzhun tasks``, and messages kept untranslated for the reader's language (jingzhun.core.deferred).
The behaviour of each kind of run is tested with it (test_campaign_reconcile, test_import_web, test_findings_pages).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from jingzhun.core import deferred, liveness
from test_campaigns import _drawn, county  # noqa: F401  (county: a fixture)


def _aged(path, seconds: float) -> None:
    liveness.touch(path)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_means_an_old_heartbeat_or_none_long_after_the_start(tmp_path, settings):
    settings.TASK_STALE_SECONDS = 60
    path = tmp_path / "run.alive"
    assert not liveness.stale(path, timezone.now())  # just started: its first beat may still come
    assert liveness.stale(path, timezone.now() - dt.timedelta(seconds=61))
    assert liveness.stale(path, None)
    _aged(path, 30)
    assert not liveness.stale(path, timezone.now() - dt.timedelta(days=1))  # a long run, alive
    _aged(path, 61)
    assert liveness.stale(path, timezone.now())


def test_a_heartbeat_is_touched_from_its_thread_and_removed_at_the_end(tmp_path):
    path = tmp_path / "sub" / "run.alive"
    with liveness.Heartbeat(path, seconds=0.05):
        assert path.exists()
        os.utime(path, (0, 0))  # 1970
        time.sleep(0.3)
        assert liveness.age(path) < 5  # touched again meanwhile
    assert not path.exists()
    with pytest.raises(RuntimeError), liveness.Heartbeat(path, seconds=0.05):
        raise RuntimeError
    assert not path.exists()


@pytest.mark.django_db
def test_the_heartbeat_goes_on_while_the_run_waits_for_one_long_statement(tmp_path):
    """The run's thread is inside one statement (an import's or a check's big INSERT … SELECT): the heartbeat's
    thread still beats, since the database drivers release the interpreter while the database works."""
    path = tmp_path / "run.alive"
    if connection.vendor == "postgresql":
        statement = "SELECT pg_sleep(1.5)"
    else:  # a recursive count that keeps SQLite busy for a second or more
        statement = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) "
                     "SELECT count(*) FROM c")  # fmt: skip
    ages, busy = [], threading.Event()

    def look():
        busy.wait()
        time.sleep(0.6)
        os.utime(path, (0, 0)) if not ages else None
        time.sleep(0.5)
        ages.append(liveness.age(path))

    observer = threading.Thread(target=look)
    observer.start()
    started = time.monotonic()
    with liveness.Heartbeat(path, seconds=0.1), connection.cursor() as cursor:
        busy.set()
        cursor.execute(statement)
        seconds = time.monotonic() - started
    observer.join()
    assert seconds > 1.1, f"the statement took only {seconds:.2f} s: the test proves nothing"
    assert ages and ages[0] is not None and ages[0] < 0.5


def test_a_worker_is_running_while_its_heartbeat_is_fresh():
    assert not liveness.worker_running()
    _aged(liveness.worker_path("a"), 10 * 60)
    assert not liveness.worker_running()  # it ended long ago
    liveness.touch(liveness.worker_path("b"))
    assert liveness.worker_running()
    assert liveness.worker_path("../../etc/passwd").parent == liveness.workers_dir()


@pytest.mark.django_db
def test_the_sweep_removes_the_files_of_workers_that_ended_long_ago():
    _aged(liveness.worker_path("old"), 2 * 86400)
    _aged(liveness.worker_path("recent"), 3600)
    liveness.sweep()
    assert not liveness.worker_path("old").exists() and liveness.worker_path("recent").exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection between tasks
def test_the_worker_sweeps_stopped_runs_at_start_and_beats(personas, county, monkeypatch, settings):  # noqa: F811
    from django_tasks_db.management.commands import db_worker

    from jingzhun.campaigns.models import Reconciliation

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    campaign = _drawn(personas.county_officer)
    stuck = Reconciliation.objects.create(campaign=campaign, user=personas.county_officer,
                                          status=Reconciliation.Status.RUNNING,
                                          started_at=timezone.now() - dt.timedelta(hours=1))  # fmt: skip
    _aged(stuck.heartbeat_path, 3600)  # the machine was restarted an hour ago
    alive_during = []
    real_run = db_worker.Worker.run

    def run(worker):
        alive_during.append(liveness.worker_running())
        return real_run(worker)

    monkeypatch.setattr(db_worker.Worker, "run", run)
    err = io.StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "w1", verbosity=0,
                 stderr=err)  # fmt: skip
    stuck.refresh_from_db()
    assert stuck.status == Reconciliation.Status.FAILED and stuck.failure == Reconciliation.Failure.STOPPED
    assert "'reconciliations': 1" in err.getvalue()
    assert alive_during == [True] and not liveness.worker_path("w1").exists()  # gone with the worker


@pytest.mark.django_db
def test_the_tasks_command_sweeps_and_reports(personas, county):  # noqa: F811
    from jingzhun.campaigns.models import Reconciliation

    campaign = _drawn(personas.county_officer)
    stuck = Reconciliation.objects.create(campaign=campaign, user=personas.county_officer,
                                          status=Reconciliation.Status.RUNNING, started_at=None)  # fmt: skip
    out = io.StringIO()
    call_command("tasks", "status", stdout=out)
    assert "task worker running: no" in out.getvalue() and f"reconciliation {stuck.pk}" in out.getvalue()
    out = io.StringIO()
    call_command("tasks", "sweep", stdout=out)
    assert "reconciliations: 1" in out.getvalue()
    out = io.StringIO()
    call_command("tasks", "status", stdout=out)
    assert "no run is queued or running" in out.getvalue()


def test_a_deferred_message_is_translated_when_shown_not_when_kept():
    message = deferred.Message("You may not reconcile this campaign.")
    with translation.override("zh-hans"):
        error = Exception(message)
        assert str(error) == "您无权对该任务进行问题移交。"  # reads as before where it is raised
        stored = deferred.of_exception(error)
    assert stored == {"id": "You may not reconcile this campaign.", "params": {}}
    with translation.override("en"):
        assert deferred.render(stored) == "You may not reconcile this campaign."
    with translation.override("zh-hans"):
        assert deferred.render(stored) == "您无权对该任务进行问题移交。"
    # A message translated where it was raised can only be kept as it reads.
    assert deferred.of_exception(ValueError("已翻译")) == {"text": "已翻译"}
    assert deferred.render({"text": "已翻译"}) == "已翻译"
    with translation.override("en"):
        assert deferred.render({"id": "%(n)s problems", "params": {"n": 3}}) == "3 problems"


@pytest.mark.django_db(transaction=True)  # the sweep runs on the heartbeat's thread, with a connection of its own
def test_the_worker_heartbeat_sweeps_every_so_often_from_its_thread(personas, county, monkeypatch):  # noqa: F811
    from jingzhun.campaigns.models import Reconciliation

    campaign = _drawn(personas.county_officer)
    stuck = Reconciliation.objects.create(campaign=campaign, user=personas.county_officer,
                                          status=Reconciliation.Status.RUNNING, started_at=None)  # fmt: skip
    monkeypatch.setattr(liveness.WorkerHeartbeat, "SWEEP_SECONDS", 0.0)
    monkeypatch.setattr(liveness, "heartbeat_seconds", lambda: 0.05)
    with liveness.WorkerHeartbeat("sweeper"):
        for _ in range(100):
            time.sleep(0.05)
            stuck.refresh_from_db()
            if stuck.status == Reconciliation.Status.FAILED:
                break
    assert stuck.status == Reconciliation.Status.FAILED and stuck.failure == Reconciliation.Failure.STOPPED
