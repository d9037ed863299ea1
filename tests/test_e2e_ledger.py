"""The ledger in a real browser: a county officer sees the 清零 dashboard (ECharts trend, matrix), drills into a
town's problems, assigns them to the town in bulk; the town officer finds them among their deadlines on the home
page, and a village cadre's rectification is closed by the town.

With JINGZHUN_SCREENSHOTS=1 the dashboard is saved to docs/screenshots/ledger-dashboard.png.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import COUNTY, TOWN_A, VILLAGE_B
from jingzhun.ledger import transitions
from jingzhun.ledger.access import problems_for
from jingzhun.ledger.models import Event, Problem, Status
from jingzhun.registry.models import Region
from jingzhun.standards.runs import run_checks
from test_e2e import browser, page, sign_in  # noqa: F401 - the browser fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "ledger-dashboard.png"


def a_lived_ledger(personas, media):
    """Problems from a check run, some rectified and closed, history spread over the past weeks."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    run_checks(Region.objects.get(code="510000000000"), 2023)
    with override_settings(MEDIA_ROOT=media):
        for problem in list(Problem.objects.filter(region_code=VILLAGE_B))[:3]:
            problem = transitions.start(problem, personas.village_cadre)
            transitions.add_evidence(problem, personas.village_cadre,
                                     SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))  # fmt: skip
            problem = transitions.submit(problem, personas.village_cadre, measures="已整改")
            transitions.close(problem, personas.town_officer, result="核实通过")
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    for event in Event.objects.filter(action="created"):  # as if found over the past two months
        Event.objects.filter(pk=event.pk).update(week=monday - dt.timedelta(weeks=event.problem_id % 8))
    overdue = Problem.objects.filter(region_code__startswith="5118231")[:4]
    Problem.objects.filter(pk__in=[p.pk for p in overdue]).update(deadline=timezone.localdate() - dt.timedelta(days=3))


def test_the_county_clears_its_ledger(page, live_server, personas, registry, tmp_path):  # noqa: F811
    a_lived_ledger(personas, tmp_path)
    sign_in(page, live_server, "county_officer")
    page.goto(f"{live_server.url}/ledger/region/{COUNTY}/")
    page.wait_for_function("() => document.querySelector('#ledger-trend canvas') !== null")  # ECharts drew
    active = Problem.objects.filter(region_code__startswith=COUNTY[:6]).exclude(status__in=["closed", "rejected"])
    assert page.locator("[data-testid=active]").inner_text() == str(active.count())
    assert page.locator("[data-testid=status-closed]").inner_text() == "3"
    if os.environ.get("JINGZHUN_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.goto(f"{live_server.url}/checks/region/{COUNTY}/")  # the findings overview's chart draws too
    page.wait_for_function("() => document.querySelector('#findings-chart canvas') !== null")
    page.goto(f"{live_server.url}/ledger/region/{COUNTY}/")
    # Drill down: the town's row → its dashboard → its problems.
    page.locator("table.matrix a", has_text="富林镇").click()
    page.wait_for_url(f"**/ledger/region/{TOWN_A}/")
    page.locator("a.button.primary").first.click()
    page.wait_for_url(f"**/ledger/region/{TOWN_A}/problems/")
    town_active = problems_for(personas.county_officer).in_region(TOWN_A).filter(
        status__in=["open", "rectifying", "rectified"])  # fmt: skip
    assert page.locator("[data-testid=count]").inner_text().startswith(str(town_active.count()))
    # Assign them all to the town with a deadline in two days.
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    page.select_option("select[name=to]", TOWN_A)
    page.fill("input[name=deadline]", due)
    page.select_option("select[name=scope]", "all")
    page.click(".bulk-bar button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".message-success").count() == 1
    assert Problem.objects.filter(assignee_region_id__isnull=False).count() == town_active.count()


def test_the_town_sees_its_deadlines_and_closes_a_rectification(page, live_server, personas, registry, tmp_path):  # noqa: F811
    run_checks(Region.objects.get(code=COUNTY), 2023)
    county = personas.county_officer
    transitions.assign(problems_for(county).in_region(TOWN_A), county, region_code=TOWN_A,
                       deadline=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    problem = Problem.objects.filter(region_code=VILLAGE_B).first()
    with override_settings(MEDIA_ROOT=tmp_path):
        problem = transitions.start(problem, personas.village_cadre)
        transitions.add_evidence(problem, personas.village_cadre,
                                 SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))  # fmt: skip
        transitions.submit(problem, personas.village_cadre, measures="已补缴")
    sign_in(page, live_server, "town_officer")
    page.wait_for_selector(".notices")  # htmx loaded the deadlines into the home page
    assert "1" in page.locator(".notices").inner_text()
    page.goto(f"{live_server.url}/ledger/problem/{problem.pk}/")
    page.fill("form[action$='/close/'] textarea[name=text]", "入户核实，已参保")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=status]").inner_text() == "已销号"
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.closed_by == personas.town_officer
