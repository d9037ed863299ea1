"""Entering a campaign's inconsistencies in the ledger as a background task: queued from the campaign page, followed
there ("n of N", then "N problems created"), one run at a time, all or nothing; the same from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from conftest import TOWN_A
from jingzhun.audit.models import AuditEntry
from jingzhun.campaigns import service, tasks
from jingzhun.campaigns.models import Observation, Reconciliation
from jingzhun.core import progress
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
        Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer, status=status)
        client = english(login(personas.county_officer))
        response = client.post(reconcile_url(inconsistent), follow=True)
        assert "already being entered in the ledger" in response.content.decode()
        assert Reconciliation.objects.count() == 1 and not Problem.objects.exists()


def test_a_run_whose_task_failed_unnoticed_no_longer_blocks_a_new_one(login, personas, inconsistent, monkeypatch):
    from django_tasks.base import TaskResultStatus

    stuck = Reconciliation.objects.create(campaign=inconsistent, user=personas.county_officer,
                                          status=Reconciliation.Status.RUNNING, task_id="killed")  # fmt: skip

    class Failed:
        status, finished_at = TaskResultStatus.FAILED, None

    class Backend:  # the worker was killed: the task backend knows it failed, the row still says running
        enqueue = staticmethod(tasks.reconcile_task.enqueue)

        @staticmethod
        def get_result(task_id):
            return Failed

    from jingzhun.campaigns import views

    monkeypatch.setattr(views, "reconcile_task", Backend)
    login(personas.county_officer).post(reconcile_url(inconsistent))
    stuck.refresh_from_db()
    assert stuck.status == Reconciliation.Status.FAILED and stuck.error
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
