"""A run whose process is killed (SIGKILL: no handler runs) half-way leaves nothing half-done, and is reported
stopped once its heartbeat is older than the limit, which frees the campaign for a new run.

The run goes on in a child process (tests/killed_run.py) against this test's database, stops inside its one
transaction with part of its work written, and is killed there; on SQLite and on PostgreSQL alike the database
drops that uncommitted work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

import jingzhun
from jingzhun.campaigns import tasks as campaign_tasks
from jingzhun.campaigns.models import Reconciliation
from jingzhun.core import liveness
from jingzhun.importer import tasks as import_tasks
from jingzhun.importer.models import RegistryImport
from jingzhun.ledger.models import Problem
from jingzhun.registry.models import Household, Person
from test_campaign_reconcile import inconsistent  # noqa: F401  (a fixture)
from test_campaigns import county  # noqa: F401  (a fixture)
from test_import_web import csv_bytes, family, upload

pytestmark = pytest.mark.django_db(transaction=True)  # the child must see the rows: committed


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    from urllib.parse import quote

    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _kill_half_way(kind: str, pk: int, data_dir) -> None:
    env = {**os.environ, "JINGZHUN_ENV": "test", "JINGZHUN_DATABASE_URL": _database_url(),
           "JINGZHUN_DATA_DIR": str(data_dir), "PYTHONPATH": str(Path(jingzhun.__file__).parents[1])}  # fmt: skip
    script = Path(__file__).with_name("killed_run.py")
    child = subprocess.Popen([sys.executable, str(script), kind, str(pk)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "half", "the child did not reach the middle of its run"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_reconciliation_killed_half_way_entered_nothing_and_is_released(personas, inconsistent, settings):  # noqa: F811
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    _kill_half_way("reconciliation", run.pk, settings.DATA_DIR)
    run.refresh_from_db()
    assert run.status == Reconciliation.Status.RUNNING  # nothing said it ended
    assert run.heartbeat_path.exists()  # its last beat
    assert not Problem.objects.exists()  # the two problems it created were in its transaction: gone with it
    assert not campaign_tasks.refresh(run)  # alive as far as anyone can tell, until the limit has passed
    _age(run.heartbeat_path, liveness.stale_seconds() + 1)
    assert campaign_tasks.refresh(run) and run.failure == Reconciliation.Failure.STOPPED
    # A new run goes through: all three problems, once each.
    fresh = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    assert campaign_tasks.run_reconciliation(fresh) == 3 and Problem.objects.count() == 3


def test_an_import_killed_half_way_wrote_nothing_and_is_reported_stopped(personas, login, settings, regions):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued: the child runs it
    upload(login(personas.county_officer), csv_bytes(family()))
    entry = RegistryImport.objects.get()
    _kill_half_way("import", entry.pk, settings.DATA_DIR)
    entry.refresh_from_db()
    assert entry.status == RegistryImport.Status.RUNNING
    # Its households and persons were written in its transaction, then rolled back with it.
    assert not Household.objects.filter(number="H001").exists() and not Person.objects.filter(name="王建国").exists()
    _age(entry.heartbeat_path, liveness.stale_seconds() + 1)
    page = login(personas.county_officer).get(reverse("importer:detail", args=[entry.pk])).content.decode()
    entry.refresh_from_db()
    assert entry.refusal == RegistryImport.Refusal.STOPPED and "导入意外中断" in page
    assert not import_tasks.refresh(entry)  # once is enough
