"""Entering a campaign's inconsistencies in the ledger as a background task: queued from the campaign page, followed
there ("n of N", then "N problems created"), one run at a time, all or nothing; the same from the command line."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from conftest import TOWN_A
from jingzhun.audit.models import AuditEntry
from jingzhun.campaigns import service, tasks
from jingzhun.campaigns.models import Observation, Reconciliation
from jingzhun.core import liveness, progress
from jingzhun.ledger.models import Problem
from test_campaigns import _answers, _drawn, _submit, county  # noqa: F401  (county: a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def inconsistent(personas, county):  # noqa: F811
    """A drawn campaign with three inconsistencies submitted (two households) and one consistent household."""
    officer = personas.county_officer
    campaign = _drawn(officer)
    units = list(campaign.units.order_by("id"))
    _submit(units[0], officer, _answers(housing=service.Answer("inconsistent", observed="grade C"),
                                        water=service.Answer("inconsistent", observed="no tap")))  # fmt: skip
    _submit(units[1], officer, _answers(income=service.Answer("inconsistent", observed="3,000")))
    _submit(units[2], officer)
    return campaign


def english(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages are Chinese until a user picks English
    return client


def reconcile_url(campaign) -> str:
    return reverse("campaigns:reconcile", args=[campaign.pk])


def detail_url(campaign) -> str:
    return reverse("campaigns:detail", args=[campaign.pk])


# --- the service ---------------------------------------------------------------------------------------------------


def test_reconcile_reports_its_progress_before_the_first_and_after_each_observation(personas, inconsistent):
    calls = []
    created = service.reconcile(inconsistent, personas.county_officer, progress=lambda *call: calls.append(call))
    assert created == 3
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    calls.clear()
    assert service.reconcile(inconsistent, personas.county_officer, progress=lambda *c: calls.append(c)) == 0
    assert calls == [(0, 0)]  # idempotent: nothing left
    assert AuditEntry.objects.filter(action="campaign_reconciled").count() == 2


# --- the task, end to end (the test backend runs it at once) ------------------------------------------------------


def test_the_button_queues_the_task_and_the_campaign_page_shows_the_problems_created(
    login, personas, inconsistent, monkeypatch
):
    written = []
    monkeypatch.setattr(progress, "write", lambda path, done, total: written.append((done, total)))
    client = login(personas.county_officer)
    response = client.post(reconcile_url(inconsistent))
    assert response.status_code == 302 and response["Location"] == detail_url(inconsistent)
    assert Problem.objects.count() == 3
    assert Observation.objects.filter(unit__campaign=inconsistent, problem__isnull=False).count() == 3
    run = Reconciliation.objects.get()
    assert run.status == Reconciliation.Status.DONE and run.task_id
    assert (run.problems, run.done, run.total) == (3, 3, 3) and run.user == personas.county_officer
    assert written and written[0] == (0, 3)  # the page learns N at once, then "n of N" at most once a second
    assert not run.progress_path.exists()  # the progress file goes with the run's end
    entry = AuditEntry.objects.get(action="campaign_reconciled")
    assert entry.changes == {"problems_created": 3} and entry.actor_id == personas.county_officer.pk

    page = english(client).get(detail_url(inconsistent)).content.decode()
    assert "3 problems created in the ledger." in page
    assert "hx-get" not in page.split("reconciliation status-done")[1].split("</div>")[0]  # nothing to poll

    # Clicking again creates nothing more (idempotent) and says so.
    client.post(reconcile_url(inconsistent))
    assert Problem.objects.count() == 3
    assert Reconciliation.objects.first().problems == 0


def test_a_running_reconciliation_shows_n_of_n_and_a_bar_and_is_polled(login, personas, inconsistent):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer,
                                        status=Reconciliation.Status.RUNNING)  # fmt: skip
    liveness.touch(run.heartbeat_path)  # its process is alive
    progress.write(run.progress_path, 250, 1000)
    client = login(personas.county_officer)
    status_url = reverse("campaigns:reconcile-status", args=[inconsistent.pk, run.pk])
    page = english(client).get(detail_url(inconsistent)).content.decode()
    fragment = client.get(status_url)
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "Entering inconsistencies in the ledger: 250 of 1000" in page
    assert '<progress max="100" value="25">' in page
    assert "HX-Refresh" not in fragment
    assert "250 of 1000" in fragment.content.decode()
    # The button is disabled meanwhile.
    button = page.split(f'action="{reconcile_url(inconsistent)}"')[1].split("</button>")[0]
    assert "disabled" in button

    Reconciliation.objects.filter(pk=run.pk).update(status=Reconciliation.Status.DONE, problems=1000)
    fragment = client.get(status_url)
    assert fragment["HX-Refresh"] == "true"  # done: the page reloads to its new counts


def test_a_second_click_while_a_run_is_queued_or_running_is_refused(login, personas, inconsistent):
    for status in Reconciliation.ACTIVE:
        Reconciliation.objects.all().delete()
        run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer, status=status)
        liveness.touch(run.heartbeat_path)
        client = english(login(personas.county_officer))
        response = client.post(reconcile_url(inconsistent), follow=True)
        assert "already being entered in the ledger" in response.content.decode()
        assert Reconciliation.objects.count() == 1 and not Problem.objects.exists()


def test_a_run_whose_task_failed_unnoticed_no_longer_blocks_a_new_one(login, personas, inconsistent, settings):
    from django_tasks_db.models import DBTaskResult

    # The worker was told twice to stop under an older version: the task failed, the row still says running.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = tasks.reconcile_task.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(status="FAILED", traceback="SystemExit: 1\n")
    stuck = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer,
                                          status=Reconciliation.Status.RUNNING, task_id=str(result.id))  # fmt: skip
    liveness.touch(stuck.heartbeat_path)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    login(personas.county_officer).post(reconcile_url(inconsistent))
    stuck.refresh_from_db()
    assert stuck.status == Reconciliation.Status.FAILED and stuck.failure == Reconciliation.Failure.ERROR
    assert stuck.error == "SystemExit: 1"
    assert Problem.objects.count() == 3


def test_only_managers_may_start_or_follow_it_and_another_region_answers_404(login, personas, inconsistent):
    from django.test import Client

    # The town checker works in the campaign but may not manage it; the outsider does not see it at all.
    service.assign(inconsistent, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    assert login(personas.town_officer).post(reconcile_url(inconsistent)).status_code == 403
    assert login(personas.outsider).post(reconcile_url(inconsistent)).status_code == 404
    assert not Reconciliation.objects.exists() and not Problem.objects.exists()
    officer = login(personas.county_officer)
    assert officer.get(reconcile_url(inconsistent)).status_code == 405
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(personas.county_officer)
    assert csrf_client.post(reconcile_url(inconsistent)).status_code == 403  # no CSRF token
    officer.post(reconcile_url(inconsistent))
    run = Reconciliation.objects.get()
    status_url = reverse("campaigns:reconcile-status", args=[inconsistent.pk, run.pk])
    assert officer.get(status_url).status_code == 200
    assert login(personas.outsider).get(status_url).status_code == 404
    assert login(personas.town_officer).get(status_url).status_code == 403
    other = _drawn(personas.county_officer)  # a run is followed under its own campaign only
    assert officer.get(reverse("campaigns:reconcile-status", args=[other.pk, run.pk])).status_code == 404


def test_a_failure_half_way_enters_nothing_and_the_page_says_so(login, personas, inconsistent, monkeypatch):
    from jingzhun.ledger import transitions

    real_create, calls = transitions.create, []

    def create_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_create(*args, **kwargs)

    monkeypatch.setattr(transitions, "create", create_then_fail)
    client = english(login(personas.county_officer))
    assert client.post(reconcile_url(inconsistent)).status_code == 302
    assert len(calls) == 2
    assert not Problem.objects.exists()  # the first problem was rolled back with the rest
    assert not Observation.objects.filter(problem__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="campaign_reconciled").exists()
    run = Reconciliation.objects.get()
    assert run.status == Reconciliation.Status.FAILED and run.finished_at and run.problems == 0
    assert not run.progress_path.exists()
    page = client.get(detail_url(inconsistent)).content.decode()
    assert "failed; nothing was entered" in page and "ask the administrator" in page
    assert "disk full" not in page  # the error is in the log, not on the page

    monkeypatch.setattr(transitions, "create", real_create)  # fixed: a new run goes through
    client.post(reconcile_url(inconsistent))
    assert Problem.objects.count() == 3 and Reconciliation.objects.first().status == Reconciliation.Status.DONE


def test_rights_lost_after_queueing_fail_the_run_with_the_reason(personas, inconsistent):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.town_officer)
    with pytest.raises(service.CampaignError), translation.override("en"):
        tasks.reconcile_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == Reconciliation.Status.FAILED and "may not reconcile" in run.error
    assert not Problem.objects.exists()


def test_a_run_taken_twice_runs_once(personas, inconsistent):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    assert tasks.reconcile_task.call(run.pk) == 3
    assert tasks.reconcile_task.call(run.pk) == 3  # already done: not run again
    assert AuditEntry.objects.filter(action="campaign_reconciled").count() == 1


# --- the command line ----------------------------------------------------------------------------------------------


def test_the_command_reconciles_with_a_progress_bar(personas, inconsistent):
    out = io.StringIO()
    call_command("campaign", "reconcile", str(inconsistent.pk), "--user", "county_officer", stdout=out)
    output = out.getvalue()
    assert "3/3" in output and "3 problems created in the ledger" in output
    assert Problem.objects.count() == 3
    with pytest.raises(CommandError, match="nothing was entered"):
        call_command("campaign", "reconcile", str(inconsistent.pk), "--user", "town_officer", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection between tasks
def test_with_the_database_backend_a_run_is_queued_then_followed_to_done(login, personas, inconsistent, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = login(personas.county_officer)
    assert client.post(reconcile_url(inconsistent))["Location"] == detail_url(inconsistent)
    run = Reconciliation.objects.get()
    assert run.status == Reconciliation.Status.QUEUED and run.task_id and not Problem.objects.exists()
    status_url = reverse("campaigns:reconcile-status", args=[inconsistent.pk, run.pk])
    page = english(client).get(detail_url(inconsistent)).content.decode()
    assert f'hx-get="{status_url}"' in page and "Queued, waiting for the worker" in page

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    fragment = client.get(status_url)
    assert fragment["HX-Refresh"] == "true" and fragment.context["run"].status == Reconciliation.Status.DONE
    assert Problem.objects.count() == 3 and Reconciliation.objects.get().problems == 3


# --- liveness: a run whose process ended, a queue without a worker (jingzhun.core.liveness) ---------------------


def _age(path, seconds: float) -> None:
    """Make the heartbeat at ``path`` ``seconds`` old, as if its process had stopped touching it then."""
    import os
    import time

    liveness.touch(path)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_running_run_whose_heartbeat_stopped_is_reported_stopped_and_released(login, personas, inconsistent):
    from django.utils import timezone

    # The worker was killed mid-run: the row says running, its heartbeat file stopped changing three minutes ago.
    stuck = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer, task_id="",
                                          status=Reconciliation.Status.RUNNING, started_at=timezone.now())  # fmt: skip
    _age(stuck.heartbeat_path, 180)
    progress.write(stuck.progress_path, 1, 3)
    client = english(login(personas.county_officer))
    fragment = client.get(reverse("campaigns:reconcile-status", args=[inconsistent.pk, stuck.pk]))
    assert fragment["HX-Refresh"] == "true"  # no more polling: the page reloads to say so
    html = fragment.content.decode()
    assert "stopped unexpectedly" in html and "nothing was entered" in html and "Start it again" in html
    stuck.refresh_from_db()
    assert stuck.status == Reconciliation.Status.FAILED and stuck.failure == Reconciliation.Failure.STOPPED
    assert stuck.finished_at and "no heartbeat" in stuck.error
    assert not stuck.heartbeat_path.exists() and not stuck.progress_path.exists()
    assert not Problem.objects.exists()  # its transaction was never committed
    # The campaign is free again: a new run goes through.
    client.post(reconcile_url(inconsistent))
    assert Problem.objects.count() == 3 and Reconciliation.objects.first().status == Reconciliation.Status.DONE


def test_a_running_run_with_a_fresh_heartbeat_is_left_alone_and_still_blocks(login, personas, inconsistent):
    from django.utils import timezone

    long_ago = timezone.now() - __import__("datetime").timedelta(hours=1)  # a long run, but alive
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer,
                                        status=Reconciliation.Status.RUNNING, started_at=long_ago)  # fmt: skip
    _age(run.heartbeat_path, 5)
    assert not tasks.refresh(run) and tasks.release_stopped() == 0
    response = english(login(personas.county_officer)).post(reconcile_url(inconsistent), follow=True)
    assert "already being entered in the ledger" in response.content.decode()
    run.refresh_from_db()
    assert run.status == Reconciliation.Status.RUNNING and Reconciliation.objects.count() == 1


def test_a_running_run_without_a_heartbeat_is_stale_only_once_the_limit_has_passed(personas, inconsistent):
    from datetime import timedelta

    from django.utils import timezone

    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer,
                                        status=Reconciliation.Status.RUNNING, started_at=timezone.now())  # fmt: skip
    assert not tasks.refresh(run)  # just started: its first beat may still come
    Reconciliation.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=10))
    run.refresh_from_db()
    assert tasks.refresh(run) and run.failure == Reconciliation.Failure.STOPPED


def test_a_queued_run_says_when_no_worker_is_running(login, personas, inconsistent, settings):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer, task_id="")
    status_url = reverse("campaigns:reconcile-status", args=[inconsistent.pk, run.pk])
    client = english(login(personas.county_officer))
    html = client.get(status_url).content.decode()
    assert "Queued, waiting for the worker" in html and "No background worker is running" in html
    assert 'hx-trigger="every 2s"' in html  # it still waits: a worker started later takes it
    liveness.touch(liveness.worker_path("w1"))  # a worker is running (its heartbeat is fresh)
    html = client.get(status_url).content.decode()
    assert "Queued, waiting for the worker" in html and "No background worker" not in html
    _age(liveness.worker_path("w1"), 600)  # it ended long ago
    assert "No background worker is running" in client.get(status_url).content.decode()
    run.refresh_from_db()
    assert run.status == Reconciliation.Status.QUEUED  # waiting is not failing


def test_a_queued_run_whose_task_was_taken_by_a_worker_that_ended_is_released(login, personas, inconsistent,
                                                                               settings):  # fmt: skip
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    result = tasks.reconcile_task.enqueue(run.pk)
    Reconciliation.objects.filter(pk=run.pk).update(task_id=str(result.id))
    # Claimed by worker "gone", which was killed before the task could start the run; its heartbeat is old.
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=["gone"],
                                                     started_at=timezone.now() - timedelta(minutes=5))  # fmt: skip
    _age(liveness.worker_path("gone"), 300)
    html = english(login(personas.county_officer)).get(detail_url(inconsistent)).content.decode()
    assert "stopped unexpectedly" in html
    run.refresh_from_db()
    assert run.status == Reconciliation.Status.FAILED and run.failure == Reconciliation.Failure.STOPPED
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == "FAILED" and stored.exception_class_path == "jingzhun.core.liveness.WorkerLost"


def test_a_claimed_task_whose_worker_is_alive_is_left_alone(personas, inconsistent, settings):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    result = tasks.reconcile_task.enqueue(run.pk)
    Reconciliation.objects.filter(pk=run.pk).update(task_id=str(result.id))
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=["alive"],
                                                     started_at=timezone.now())  # fmt: skip
    liveness.touch(liveness.worker_path("alive"))
    run.refresh_from_db()
    assert not tasks.refresh(run) and liveness.sweep()["tasks"] == 0
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"


def test_an_interrupted_run_is_marked_stopped_enters_nothing_and_frees_the_campaign(personas, inconsistent,
                                                                                    monkeypatch):  # fmt: skip
    from jingzhun.ledger import transitions

    real_create, calls = transitions.create, []

    def create_then_interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl+C in the command, or the worker told twice to stop (SystemExit)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(transitions, "create", create_then_interrupt)
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    with pytest.raises(KeyboardInterrupt):
        tasks.run_reconciliation(run)
    run.refresh_from_db()
    assert run.status == Reconciliation.Status.FAILED and run.failure == Reconciliation.Failure.STOPPED
    assert not Problem.objects.exists() and not run.heartbeat_path.exists()


def test_the_heartbeat_is_touched_while_the_run_runs_and_removed_when_it_is_done(personas, inconsistent):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer)
    seen = []
    tasks.run_reconciliation(run, progress=lambda done, total: seen.append(liveness.age(run.heartbeat_path)))
    assert seen and all(age is not None and age < 5 for age in seen)
    assert not run.heartbeat_path.exists()
    assert Reconciliation.objects.get().status == Reconciliation.Status.DONE


# --- the command line goes through the same run row ---------------------------------------------------------------


def test_a_command_line_run_is_a_run_the_page_follows_and_blocks_a_web_run(login, personas, inconsistent,
                                                                           monkeypatch):  # fmt: skip
    client = english(login(personas.county_officer))
    seen = {}
    real_reconcile = service.reconcile

    def reconcile_and_look(campaign, user, progress=None):
        def look(done, total):
            if done == 1 and not seen:  # half-way: the web sees the command's run, and may not start another
                seen["page"] = client.get(detail_url(inconsistent)).content.decode()
                seen["click"] = client.post(reconcile_url(inconsistent), follow=True).content.decode()
            progress(done, total)

        return real_reconcile(campaign, user, progress=look)

    monkeypatch.setattr(service, "reconcile", reconcile_and_look)
    call_command("campaign", "reconcile", str(inconsistent.pk), "--user", "county_officer", stdout=io.StringIO())
    # "n of 3" from the progress file the command writes (at the start, then at most once a second).
    assert re.search(r"Entering inconsistencies in the ledger: [0-3] of 3", seen["page"])
    assert "already being entered in the ledger" in seen["click"]
    run = Reconciliation.objects.get()  # the command's run, and no web run beside it
    assert run.status == Reconciliation.Status.DONE and run.task_id == "" and run.user == personas.county_officer
    assert (run.problems, run.done, run.total) == (3, 3, 3) and Problem.objects.count() == 3


def test_a_web_run_in_progress_blocks_a_command_line_run(personas, inconsistent):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer, task_id="x")
    with pytest.raises(CommandError, match="already being entered"):
        call_command("campaign", "reconcile", str(inconsistent.pk), "--user", "county_officer", stdout=io.StringIO())
    assert Reconciliation.objects.count() == 1 and not Problem.objects.exists()
    # Once that run is found stopped (its worker ended), the command may run.
    Reconciliation.objects.filter(pk=run.pk).update(status=Reconciliation.Status.RUNNING, started_at=None)
    call_command("campaign", "reconcile", str(inconsistent.pk), "--user", "county_officer", stdout=io.StringIO())
    assert Problem.objects.count() == 3
    assert Reconciliation.objects.get(pk=run.pk).failure == Reconciliation.Failure.STOPPED


def test_a_refused_command_line_run_is_kept_failed_with_the_refusal(personas, inconsistent):
    with pytest.raises(CommandError, match="nothing was entered"):
        call_command("campaign", "reconcile", str(inconsistent.pk), "--user", "town_officer", stdout=io.StringIO())
    run = Reconciliation.objects.get()
    assert run.status == Reconciliation.Status.FAILED and run.failure == Reconciliation.Failure.REFUSED
    assert run.refusal == {"id": "You may not reconcile this campaign.", "params": {}}


# --- what a failed run says, in the reader's language ---------------------------------------------------------------


def _page(client, campaign, language: str) -> str:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(detail_url(campaign)).content.decode()


def test_a_refusal_stored_by_a_chinese_worker_reads_in_english_and_in_chinese(login, personas, inconsistent):
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.town_officer)  # rights lost meanwhile
    with pytest.raises(service.CampaignError), translation.override("zh-hans"):  # the worker's language
        tasks.reconcile_task.call(run.pk)
    run.refresh_from_db()
    assert run.refusal == {"id": "You may not reconcile this campaign.", "params": {}}
    assert run.error == "您无权对该任务进行问题移交。"  # the detail for administrators, as the worker said it
    client = login(personas.county_officer)
    english_page = _page(client, inconsistent, "en")
    assert "Entering the inconsistencies in the ledger failed; nothing was entered. You may not reconcile this " \
           "campaign." in english_page  # fmt: skip
    assert "您无权" not in english_page
    chinese_page = _page(client, inconsistent, "zh-hans")
    assert "将不一致问题移交台账失败，未移交任何问题。您无权对该任务进行问题移交。" in chinese_page
    assert "You may not reconcile" not in chinese_page


def test_an_error_and_a_stop_read_in_either_language_from_the_same_row(login, personas, inconsistent):
    client = login(personas.county_officer)
    run = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer,
                                        status=Reconciliation.Status.FAILED, failure=Reconciliation.Failure.ERROR,
                                        error="RuntimeError('disk full')")  # fmt: skip
    assert "The error is recorded; ask the administrator." in _page(client, inconsistent, "en")
    chinese = _page(client, inconsistent, "zh-hans")
    assert "错误已记录，请联系系统管理员。" in chinese and "disk full" not in chinese
    Reconciliation.objects.filter(pk=run.pk).update(failure=Reconciliation.Failure.STOPPED)
    assert "stopped unexpectedly" in _page(client, inconsistent, "en")
    with translation.override("zh-hans"):
        stopped = Reconciliation.objects.get(pk=run.pk).failure_message
    assert stopped in _page(client, inconsistent, "zh-hans") and "stopped" not in stopped
    # A run failed before runs kept their failure shows its stored message as it is.
    Reconciliation.objects.filter(pk=run.pk).update(failure="", error="旧的消息")
    assert "旧的消息" in _page(client, inconsistent, "en")
