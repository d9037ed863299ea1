"""The findings pages: overview, households with findings, a household's findings, rule catalogue, run button.

Personas (conftest): a county officer, a town officer of town A (checker), a village cadre of village B, a county
viewer, an outsider from another county. Findings come from real check runs over the conftest registry plus
defects planted with rules_fixtures.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from python_calamine import CalamineWorkbook

from conftest import COUNTY, OTHER_VILLAGE, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, VILLAGE_C, VILLAGES
from jingzhun.registry.defaults import ensure_national_defaults
from jingzhun.registry.idnumber import mask
from jingzhun.registry.models import Person, Region, StandardParameters
from jingzhun.standards.exports import COLUMNS, ITEMS, item_of
from jingzhun.standards.models import CheckRun, Finding
from jingzhun.standards.rules import load_ruleset
from jingzhun.standards.runs import run_checks
from rules_fixtures import clean_members, create_household

pytestmark = pytest.mark.django_db

YEAR = 2025


def overview_url(code: str) -> str:
    return reverse("standards:region", args=[code])


def households_url(code: str) -> str:
    return reverse("standards:households", args=[code])


def fragment_url(household) -> str:
    return reverse("standards:household-findings", args=[household.pk])


def run_url(code: str) -> str:
    return reverse("standards:run-checks", args=[code])


def plant_dropout(village: str, number: str):
    """A household whose 13-year-old is not in school (EDU-001) and uninsured (MED-001)."""
    members = clean_members()
    members[2].update(school_status="非在校生", insured_resident_medical=False, insured_serious_illness=False)
    return create_household(Region.objects.get(code=village), number, members=members)


def plant_unsafe_house(village: str, number: str):
    return create_household(
        Region.objects.get(code=village), number, {"housing_grade": "D", "safe_housing_measure": "无"}
    )


@pytest.fixture
def checked(registry):
    """The conftest registry, two planted defects in village A, and a finished check run over the county."""
    dropout = plant_dropout(VILLAGE_A, "DROPOUT-1")
    house = plant_unsafe_house(VILLAGE_B, "HOUSE-1")
    run = run_checks(Region.objects.get(code=COUNTY), YEAR)
    assert run.status == CheckRun.Status.DONE and run.total > 0
    return {"run": run, "dropout": dropout, "house": house, "registry": registry}


# --- anonymous users -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("standards:home"),
        reverse("standards:rules"),
        overview_url(COUNTY),
        households_url(COUNTY),
        reverse("standards:export", args=[COUNTY]),
        reverse("standards:household-findings", args=[1]),
    ],
)
def test_anonymous_users_are_redirected_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- overview ------------------------------------------------------------------------------------------------------


def test_the_overview_counts_equal_a_direct_count_of_findings(login, personas, checked):
    run = checked["run"]
    response = login(personas.county_officer).get(overview_url(COUNTY))
    assert response.status_code == 200
    rows = {row.region.code: row for row in response.context["rows"]}
    assert set(rows) == {TOWN_A, TOWN_B}
    rules_by_item = {item: [r.id for r in load_ruleset().rules if r.item == item] for item in ITEMS}
    for code, row in rows.items():
        for item in ITEMS:
            direct = Finding.objects.filter(
                run=run, region_code__startswith=code[:9], rule_id__in=rules_by_item[item]
            ).count()
            assert row.by_item[item] == direct, (code, item)
    assert (
        response.context["total"].total
        == Finding.objects.filter(run=run).count()
        - Finding.objects.filter(run=run, region_code__startswith="511824").count()
    )
    per_rule = {entry["rule"].id: entry["count"] for entry in response.context["rules"] if entry["rule"]}
    assert per_rule["EDU-001"] == Finding.objects.filter(run=run, rule_id="EDU-001").count() == 1
    assert per_rule["HOU-001"] == 1


def test_the_overview_shows_the_run_the_rule_set_the_chart_and_the_links(login, personas, checked):
    run = checked["run"]
    page = login(personas.county_officer).get(overview_url(COUNTY)).content.decode()
    assert f"#{run.pk}" in page
    assert run.ruleset_sha256[:12] in page
    assert f"builtin v{load_ruleset().version}" in page
    assert 'id="findings-chart-data"' in page
    assert "vendor/echarts/echarts.min.js" in page
    # The chart data carries the same numbers as the table; no inline script besides the JSON data.
    chart = json.loads(re.search(r'id="findings-chart-data" type="application/json">(.*?)</script>', page).group(1))
    assert chart["categories"] == ["富林镇", "九襄镇"]
    assert {series["item"] for series in chart["series"]} <= set(ITEMS)
    assert all("src=" in tag or 'type="application/json"' in tag for tag in re.findall(r"<script[^>]*>", page))
    assert overview_url(TOWN_A) in page
    assert f"{households_url(TOWN_A)}?item=education" in page
    assert f"{households_url(COUNTY)}?rule=EDU-001" in page
    assert reverse("standards:export", args=[COUNTY]) + "?format=csv" in page


def test_a_run_over_the_province_covers_the_county_and_the_newest_run_wins(login, personas, checked):
    older = checked["run"]
    newer = run_checks(Region.objects.get(code="510000000000"), YEAR)
    response = login(personas.county_officer).get(overview_url(COUNTY))
    assert response.context["run"] == newer != older
    # A run of a subregion does not cover the county.
    run_checks(Region.objects.get(code=TOWN_A), YEAR)
    assert login(personas.county_officer).get(overview_url(COUNTY)).context["run"] == newer


def test_a_town_officer_sees_only_their_town(login, personas, checked):
    client = login(personas.town_officer)
    response = client.get(overview_url(TOWN_A))
    assert response.status_code == 200
    assert [row.region.code for row in response.context["rows"]] == [VILLAGE_A, VILLAGE_B]
    page = response.content.decode()
    assert "九襄镇" not in page and "清溪村" not in page
    assert client.get(overview_url(COUNTY)).status_code == 404
    assert client.get(overview_url(TOWN_B)).status_code == 404
    assert client.get(reverse("standards:home"))["Location"] == overview_url(TOWN_A)


def test_the_outsider_sees_nothing_of_the_county(login, personas, checked):
    client = login(personas.outsider)
    for url in (
        overview_url(COUNTY),
        overview_url(TOWN_A),
        households_url(COUNTY),
        reverse("standards:export", args=[COUNTY]),
        fragment_url(checked["dropout"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(run_url(COUNTY)).status_code == 404
    # Their own county has no run yet (the run covered the other county only).
    response = client.get(overview_url("511824000000"))
    assert response.status_code == 200 and response.context["run"] is None


def test_a_village_overview_has_no_subregions_but_counts_its_findings(login, personas, checked):
    response = login(personas.village_cadre).get(overview_url(VILLAGE_B))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert (
        response.context["total"].by_item["housing"]
        == Finding.objects.filter(run=checked["run"], region_code=VILLAGE_B, rule_id__in=["HOU-001", "HOU-002"]).count()
    )


def test_a_region_without_a_run_says_so(login, personas, regions):
    response = login(personas.county_officer).get(overview_url(COUNTY))
    assert response.status_code == 200
    assert response.context["run"] is None


def test_a_run_id_that_does_not_cover_the_region_answers_404(login, personas, checked):
    town_run = run_checks(Region.objects.get(code=TOWN_B), YEAR)
    client = login(personas.county_officer)
    assert client.get(overview_url(TOWN_A), {"run": town_run.pk}).status_code == 404
    assert client.get(overview_url(TOWN_B), {"run": town_run.pk}).status_code == 200


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [overview_url(COUNTY), households_url(COUNTY), households_url(COUNTY) + "?item=education", "fragment"],
)
def test_page_queries_do_not_grow_with_findings(login, personas, checked, url, settings):
    settings.REGISTRY_PAGE_SIZE = 100
    client = login(personas.county_officer)
    target = fragment_url(checked["dropout"]) if url == "fragment" else url
    client.get(target)  # warm caches (rule set, session)
    before = _count_queries(client, target)
    for index in range(6):
        plant_dropout(VILLAGE_A if index % 2 else VILLAGE_C, f"MORE-{index}")
    run = run_checks(Region.objects.get(code=COUNTY), YEAR)
    assert run.total > checked["run"].total
    after = _count_queries(client, target)
    assert after == before
    assert after <= 15  # session, user, region, run, breadcrumbs, counts … and the session save


# --- households with findings --------------------------------------------------------------------------------------


def test_the_household_list_filters_by_item_and_rule(login, personas, checked):
    client = login(personas.county_officer)
    response = client.get(households_url(COUNTY), {"rule": "EDU-001"})
    assert [row.household.number for row in response.context["rows"]] == ["DROPOUT-1"]
    response = client.get(households_url(COUNTY), {"item": "housing"})
    numbers = [row.household.number for row in response.context["rows"]]
    assert "HOUSE-1" in numbers and "DROPOUT-1" not in numbers
    response = client.get(households_url(COUNTY))
    all_numbers = {row.household.number for row in response.context["rows"]}
    expected = set(Finding.objects.filter(run=checked["run"]).values_list("household__number", flat=True))
    assert all_numbers == {n for n in expected if not n.startswith(OTHER_VILLAGE)}
    # An unknown filter value is ignored, not an error.
    assert client.get(households_url(COUNTY), {"item": "nonsense", "rule": "X"}).status_code == 200


def test_the_household_list_pages_and_masks_ids(login, personas, checked, settings):
    settings.REGISTRY_PAGE_SIZE = 2
    client = login(personas.viewer)
    response = client.get(households_url(COUNTY))
    page = response.context["page"]
    assert page.paginator.num_pages > 1 and len(response.context["rows"]) == 2
    second = client.get(households_url(COUNTY), {"page": 2})
    assert second.context["page"].number == 2
    for row in response.context["rows"]:
        assert "*" in row.head_id_number
    officer = login(personas.county_officer).get(households_url(COUNTY))
    assert all("*" in row.head_id_number for row in officer.context["rows"])  # pages mask for everyone


# --- a household's findings --------------------------------------------------------------------------------------


def test_the_household_page_loads_its_findings_with_htmx(login, personas, checked):
    household = checked["dropout"]
    page = login(personas.county_officer).get(reverse("registry:household", args=[household.pk])).content.decode()
    assert f'hx-get="{fragment_url(household)}"' in page
    assert 'hx-trigger="load"' in page


def test_the_fragment_lists_rule_title_message_person_and_values_in_words(login, personas, checked):
    household = checked["dropout"]
    child = Person.objects.get(household=household, name="之子")
    page = login(personas.county_officer).get(fragment_url(household)).content.decode()
    assert "EDU-001" in page and "MED-001" in page
    assert "义务教育阶段适龄儿童失学辍学" in page
    assert "义务教育年龄段儿童为非在校生" in page
    assert child.id_number not in page and mask(child.id_number) in page  # masked on pages for everyone
    assert "年龄</span> 13" in page  # born 2012-03-03, counted on 2025-12-31
    assert "在校生状况</span> 非在校生" in page
    assert "是否送教上门</span> 未填写" in page


def test_the_fragment_masks_ids_for_a_viewer(login, personas, checked):
    household = checked["dropout"]
    child = Person.objects.get(household=household, name="之子")
    page = login(personas.viewer).get(fragment_url(household)).content.decode()
    assert child.id_number not in page
    assert child.id_number[:4] + "**********" + child.id_number[-4:] in page


def test_the_fragment_speaks_english_when_chosen(login, personas, checked):
    client = login(personas.county_officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(fragment_url(checked["dropout"])).content.decode()
    assert "School-age child not in school" in page
    assert "A child of compulsory-education age is not in school" in page
    assert "Age</span> 13" in page
    assert "School status</span> not in school" in page
    assert "Parameters: compulsory education from age 6" in page


def test_a_village_cadre_of_another_village_gets_404_for_the_fragment(login, personas, checked):
    client = login(personas.village_cadre)  # village B
    assert client.get(fragment_url(checked["dropout"])).status_code == 404  # village A
    assert client.get(fragment_url(checked["house"])).status_code == 200  # village B
    assert "HOU-001" in client.get(fragment_url(checked["house"])).content.decode()


def test_a_household_without_findings_says_so(login, personas, registry):
    clean = create_household(Region.objects.get(code=VILLAGE_A), "CLEAN-1")
    client = login(personas.county_officer)
    assert client.get(fragment_url(clean)).context["run"] is None
    run_checks(Region.objects.get(code=COUNTY), YEAR)
    response = client.get(fragment_url(clean))
    assert response.status_code == 200 and response.context["items"] == []


# --- rule catalogue ----------------------------------------------------------------------------------------------


def test_the_rule_catalogue_lists_every_rule_with_parameters_and_references(login, personas, regions):
    response = login(personas.county_officer).get(reverse("standards:rules"))
    assert response.status_code == 200
    page = response.content.decode()
    for rule in load_ruleset().rules:
        assert f'id="rule-{rule.id}"' in page
        assert rule.title_zh in page
        if rule.reference:
            assert escape(rule.reference) in page
    edu = next(entry for entry in response.context["rules"] if entry["rule"].id == "EDU-001")
    assert {p["name"]: p["value"] for p in edu["parameters"]} == {"education_age_min": "6", "education_age_max": "15"}
    inc = next(entry for entry in response.context["rules"] if entry["rule"].id == "INC-001")
    assert {p["name"]: p["value"] for p in inc["parameters"]}["poverty_line"] == "4000"
    assert "school_status IN" in page  # the expression


def test_every_persona_with_a_login_can_read_the_rule_catalogue(login, personas):
    for persona in personas.all():
        assert login(persona).get(reverse("standards:rules")).status_code == 200


# --- run checks --------------------------------------------------------------------------------------------------


def test_the_run_button_is_shown_only_to_users_who_may_run_checks(login, personas, checked):
    button = f'action="{run_url(COUNTY)}"'
    assert button in login(personas.county_officer).get(overview_url(COUNTY)).content.decode()
    assert button in login(personas.superuser).get(overview_url(COUNTY)).content.decode()
    assert button not in login(personas.viewer).get(overview_url(COUNTY)).content.decode()
    assert 'action="' + run_url(TOWN_A) not in login(personas.town_officer).get(overview_url(TOWN_A)).content.decode()
    village_page = login(personas.village_cadre).get(overview_url(VILLAGE_B)).content.decode()
    assert run_url(VILLAGE_B) not in village_page


def test_the_run_button_runs_the_checks_in_a_task(login, personas, registry):
    client = login(personas.county_officer)
    response = client.post(run_url(COUNTY))
    assert response.status_code == 302 and response["Location"] == overview_url(COUNTY)
    run = CheckRun.objects.get()
    assert run.status == CheckRun.Status.DONE and run.region_id == COUNTY
    assert run.year == 2023  # the latest income year recorded in the county (conftest), not the parameters
    assert run.started_by == personas.county_officer
    assert client.get(overview_url(COUNTY)).context["run"] == run


@pytest.mark.parametrize(
    ("persona", "code", "status"),
    [
        ("viewer", COUNTY, 403),
        ("town_officer", TOWN_A, 403),
        ("village_cadre", VILLAGE_B, 403),
        ("outsider", COUNTY, 404),
        ("no_region", COUNTY, 404),
    ],
)
def test_users_without_the_right_cannot_run_checks(login, personas, registry, persona, code, status):
    assert login(getattr(personas, persona)).post(run_url(code)).status_code == status
    assert not CheckRun.objects.exists()


def test_the_run_button_needs_a_post_with_csrf(personas, registry, client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(personas.county_officer)
    assert csrf_client.post(run_url(COUNTY)).status_code == 403
    client.force_login(personas.county_officer)
    assert client.get(run_url(COUNTY)).status_code == 405
    assert not CheckRun.objects.exists()


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection between tasks
def test_with_the_database_backend_a_run_is_queued_then_followed_to_done(login, personas, registry, settings):
    # Transactional tests empty every table after themselves, the migration-seeded parameters included.
    ensure_national_defaults(StandardParameters)
    settings.TASKS = DATABASE_TASKS
    client = login(personas.county_officer)
    response = client.post(run_url(COUNTY))
    assert response.status_code == 302
    progress = response["Location"]
    task_id = progress.rstrip("/").rsplit("/", 1)[-1]
    assert progress == reverse("standards:run", args=[COUNTY, task_id])
    assert not CheckRun.objects.exists()  # queued, not run

    page = client.get(progress).content.decode()
    status_url = reverse("standards:run-status", args=[COUNTY, task_id])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    fragment = client.get(status_url)
    assert fragment.context["state"].status == "queued"

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    fragment = client.get(status_url)
    state = fragment.context["state"]
    assert state.status == "done" and state.seconds >= 0
    html = fragment.content.decode()
    assert "hx-get" not in html  # polling stops
    assert overview_url(COUNTY) in html
    run = CheckRun.objects.get()
    assert state.run_id == run.pk and run.status == CheckRun.Status.DONE

    # Another region's user cannot follow it; a made-up id is 404 too.
    assert login(personas.outsider).get(status_url).status_code == 404
    officer = login(personas.county_officer)
    assert officer.get(reverse("standards:run-status", args=[COUNTY, "not-a-uuid"])).status_code == 404
    assert officer.get(reverse("standards:run-status", args=[TOWN_A, task_id])).status_code == 404


def _aged(path, seconds: float) -> None:
    import os
    import time

    from jingzhun.core import liveness

    liveness.touch(path)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_check_run_whose_worker_ended_is_reported_stopped_and_its_run_marked_failed(login, personas, registry,
                                                                                      settings):  # fmt: skip
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from jingzhun.core import liveness
    from jingzhun.standards.tasks import run_checks_task

    settings.TASKS = DATABASE_TASKS
    result = run_checks_task.enqueue(COUNTY, 2023, personas.county_officer.pk)
    # Worker "gone" took the task and started the run, then was killed: the task and the run say running.
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=["gone"], started_at=long_ago)
    run = CheckRun.objects.create(region_id=COUNTY, year=2023, engine="sqlite", ruleset_name="x", ruleset_version=1,
                                  ruleset_sha256="0" * 64, started_by=personas.county_officer)  # fmt: skip
    _aged(liveness.worker_path("gone"), 600)
    _aged(run.heartbeat_path, 600)
    client = login(personas.county_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    fragment = client.get(reverse("standards:run-status", args=[COUNTY, result.id]))
    state = fragment.context["state"]
    assert state.status == "stopped" and state.finished
    html = fragment.content.decode()
    assert "The check run stopped unexpectedly" in html and "hx-get" not in html  # polling stops
    assert DBTaskResult.objects.get(pk=result.id).exception_class_path == "jingzhun.core.liveness.WorkerLost"
    run.refresh_from_db()
    assert run.status == CheckRun.Status.FAILED and run.error.startswith("stopped") and run.finished_at
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "意外中断" in client.get(reverse("standards:run-status", args=[COUNTY, result.id])).content.decode()


def test_a_queued_check_run_says_when_no_worker_is_running(login, personas, registry, settings):
    from jingzhun.core import liveness
    from jingzhun.standards.tasks import run_checks_task

    settings.TASKS = DATABASE_TASKS
    result = run_checks_task.enqueue(COUNTY, 2023, personas.county_officer.pk)
    client = login(personas.county_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    status_url = reverse("standards:run-status", args=[COUNTY, result.id])
    fragment = client.get(status_url)
    assert fragment.context["state"].status == "queued" and fragment.context["state"].no_worker
    assert "No background worker is running" in fragment.content.decode()
    liveness.touch(liveness.worker_path("w"))
    fragment = client.get(status_url)
    assert fragment.context["state"].status == "queued" and "No background worker" not in fragment.content.decode()


def test_a_check_run_whose_heartbeat_stopped_is_released_and_a_fresh_one_is_not(registry):
    from jingzhun.standards.tasks import release_stopped

    fields = {"region_id": COUNTY, "year": 2023, "engine": "sqlite", "ruleset_name": "x", "ruleset_version": 1,
              "ruleset_sha256": "0" * 64}  # fmt: skip
    dead, alive = CheckRun.objects.create(**fields), CheckRun.objects.create(**fields)
    _aged(dead.heartbeat_path, 600)
    _aged(alive.heartbeat_path, 2)
    assert release_stopped() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == CheckRun.Status.FAILED and alive.status == CheckRun.Status.RUNNING


def test_a_check_run_keeps_a_heartbeat_while_it_runs_and_an_interrupted_one_is_failed(registry, monkeypatch):
    from jingzhun.core import liveness
    from jingzhun.standards import runs

    county = Region.objects.get(code=COUNTY)
    run = run_checks(county, 2023, ledger=False, workers=1)
    assert run.status == CheckRun.Status.DONE and not run.heartbeat_path.exists()

    seen = []

    class Interrupted:  # Ctrl+C in `jingzhun check`, or a worker told twice to stop, in the middle of the run
        def run(self, *args, **kwargs):
            seen.append(liveness.age(CheckRun.objects.latest("id").heartbeat_path))
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(runs, "executor_for", lambda *args, **kwargs: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        run_checks(county, 2023, ledger=False, workers=1)
    interrupted = CheckRun.objects.latest("id")
    assert seen[0] is not None and seen[0] < 5
    assert interrupted.status == CheckRun.Status.FAILED and "interrupted" in interrupted.error


# --- navigation --------------------------------------------------------------------------------------------------


def test_the_navigation_and_the_region_page_link_to_the_findings(login, personas, regions):
    client = login(personas.county_officer)
    page = client.get(reverse("registry:region", args=[COUNTY])).content.decode()
    assert f'href="{reverse("standards:home")}"' in page
    assert f'href="{reverse("standards:rules")}"' in page
    assert f'href="{overview_url(COUNTY)}"' in page
    assert client.get(reverse("standards:home"))["Location"] == overview_url(COUNTY)
    assert login(personas.no_region).get(reverse("standards:home"))["Location"] == reverse("registry:no-region")


# --- web export ----------------------------------------------------------------------------------------------------


def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_web_export_is_scoped_to_the_region_and_masked_for_a_viewer(login, personas, checked):
    run = checked["run"]
    url = reverse("standards:export", args=[COUNTY])
    rows = _csv_rows(login(personas.viewer).get(url, {"format": "csv"}))
    assert len(rows) == Finding.objects.filter(run=run, region_code__startswith="511823").count()
    ids = [row["id_number"] for row in rows if row["id_number"]]
    assert ids and all("*" in number for number in ids)

    officer_rows = _csv_rows(login(personas.county_officer).get(url, {"format": "csv"}))
    assert all("*" not in row["id_number"] for row in officer_rows)

    town_rows = _csv_rows(login(personas.town_officer).get(reverse("standards:export", args=[TOWN_A])))
    assert town_rows and all(row["region_code"].startswith(TOWN_A[:9]) for row in town_rows)
    assert {row["region_code"] for row in town_rows} <= {VILLAGE_A, VILLAGE_B}


def test_the_web_export_filters_by_rule_and_writes_xlsx(login, personas, checked):
    client = login(personas.viewer)
    response = client.get(reverse("standards:export", args=[COUNTY]), {"format": "xlsx", "rule": "EDU-001"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert tuple(sheet[0]) == COLUMNS
    assert len(sheet) == 2 and sheet[1][1] == "EDU-001"
    assert "*" in sheet[1][COLUMNS.index("id_number")]
    assert client.get(reverse("standards:export", args=[COUNTY]), {"format": "pdf"}).status_code == 404
    # The file says who exported it and when: in its name and in the workbook's properties.
    assert "-viewer-" in response["Content-Disposition"]
    import zipfile

    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    assert "<dc:creator>viewer</dc:creator>" in core and "jingzhun export by viewer" in core


def test_items_cover_every_builtin_rule():
    assert {item_of(rule.id) for rule in load_ruleset().rules} <= set(ITEMS)
    assert len(VILLAGES) == 5


def test_a_run_of_a_custom_rule_file_is_shown_with_its_own_rules(login, personas, registry, tmp_path):
    from jingzhun.engine.spec import load_text

    local = load_text(
        "ruleset: local\nversion: 3\nrules:\n"
        "  - id: LOC-001\n    item: housing\n    level: household\n    severity: low\n"
        "    title: {zh: 本地住房核查, en: Local housing check}\n    message: {zh: 本地, en: local}\n"
        "    when: housing_grade = 'D'\n",
        "local.yaml",
    )
    plant_unsafe_house(VILLAGE_B, "HOUSE-LOCAL")
    run = run_checks(Region.objects.get(code=COUNTY), YEAR, ruleset=local)
    assert run.counts == {"LOC-001": 1}
    client = login(personas.county_officer)
    page = client.get(overview_url(COUNTY), {"run": run.pk}).content.decode()
    assert "本地住房核查" in page
    listed = client.get(households_url(COUNTY), {"run": run.pk, "item": "housing"})
    assert "HOUSE-LOCAL" in listed.content.decode()


# --- department users ----------------------------------------------------------------------------------------------


@pytest.fixture
def education_bureau(personas):
    from conftest import make_user

    return make_user("education_bureau", COUNTY, "data_officer", sector="education")


def test_a_department_user_sees_only_their_sectors_findings(login, education_bureau, checked):
    run = checked["run"]
    assert set(Finding.objects.filter(run=run).values_list("item", flat=True)) >= {"education", "housing"}
    client = login(education_bureau)
    assert education_bureau.level == "department"
    page = client.get(overview_url(COUNTY))
    counts = {item: n for row in page.context["rows"] for item, n in row.by_item.items() if n}
    assert set(counts) == {"education"}
    listed = client.get(households_url(COUNTY)).content.decode()
    assert "DROPOUT-1" in listed and "HOUSE-1" not in listed
    rows = _csv_rows(client.get(reverse("standards:export", args=[COUNTY]), {"format": "csv"}))
    assert rows and {row["item"] for row in rows} == {"education"}
    house = checked["house"]
    fragment = client.get(reverse("standards:household-findings", args=[house.pk])).content.decode()
    assert "HOU-001" not in fragment


def test_findings_carry_the_item_of_their_rule(checked):
    rules = checked["run"].rules
    for rule_id, item in Finding.objects.filter(run=checked["run"]).values_list("rule_id", "item"):
        assert item == rules[rule_id]["item"]
