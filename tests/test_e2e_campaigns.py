"""A verification campaign walked through in a real browser: the county officer sets up a re-check, watches the
sample size change as the margin of error changes (htmx), draws, assigns the town's households to its checker;
the checker verifies a household on a phone-sized page (one item inconsistent), saving once and submitting; the
county officer reads the results (ECharts) and enters the inconsistency in the ledger.

The screenshots in docs/ come from the same walk on the demo county: scripts/walkthrough.py.
"""

from __future__ import annotations

import pytest

from conftest import COUNTY, TOWN_A, VILLAGES, add_households
from jingzhun.campaigns import sampling
from jingzhun.campaigns.models import Campaign, Observation, SampleUnit
from jingzhun.ledger.models import Problem, Source
from test_e2e import browser, page, sign_in  # noqa: F401 - the browser fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_campaign_from_design_to_ledger(browser, page, live_server, personas, regions):  # noqa: F811
    for village in VILLAGES:
        add_households(village, 25)
    sign_in(page, live_server, "county_officer")
    page.goto(f"{live_server.url}/campaigns/new/")
    page.fill("input[name=name]", "市级复查")
    page.select_option("select[name=region]", COUNTY)
    page.select_option("select[name=level]", "re_check")
    page.fill("input[name=reference_date]", "2026-10-31")
    page.click("button.primary")
    page.wait_for_url("**/campaigns/*/")
    campaign = Campaign.objects.get(name="市级复查")
    # The sample size follows the margin of error before anything is drawn.
    expected = sampling.sample_size(margin=0.03, population=100).n
    assert f"{expected}" in page.locator("#size-preview").inner_text()
    page.fill("input[name=margin]", "10")
    wanted = sampling.sample_size(margin=0.10, population=100).n
    page.wait_for_function(
        f"() => document.querySelector('#size-preview strong')?.textContent === '{wanted}'"
    )  # htmx swapped in the new size
    page.fill("input[name=seed]", "7")
    page.click(".design-form button.primary")
    page.wait_for_load_state("networkidle")
    campaign.refresh_from_db()
    assert campaign.status == "drawn" and campaign.units.count() == wanted and campaign.seed == 7
    page.select_option("select[name=region]", TOWN_A)
    page.select_option("select[name=checker]", str(personas.town_officer.pk))
    page.click("form[action$='/assign/'] button.primary")
    page.wait_for_load_state("networkidle")
    mine = SampleUnit.objects.filter(campaign=campaign, checker=personas.town_officer)
    assert mine.exists() and page.locator(".message-success").count() == 1

    # The checker, on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                has_touch=True)  # fmt: skip
    field = phone.new_page()
    sign_in(field, live_server, "town_officer")
    field.goto(f"{live_server.url}/campaigns/field/")
    assert field.locator(".unit-link").count() == mine.count()
    field.locator(".unit-link").first.click()
    field.wait_for_url("**/campaigns/field/*/")
    unit = SampleUnit.objects.get(pk=int(field.url.rstrip("/").rsplit("/", 1)[1]))
    for item in campaign.items:
        value = "inconsistent" if item == "housing" else "consistent"
        field.check(f"input[name=result-{item}][value={value}]")
    field.fill("input[name=observed-housing]", "房屋墙体开裂，应鉴定为C级")
    field.click("button[name=save]")  # save, come back later
    field.wait_for_load_state("networkidle")
    assert field.locator("input[name=observed-housing]").input_value() == "房屋墙体开裂，应鉴定为C级"
    if unit.exited:
        field.check("input[name=standard_met][value=yes]")
    field.check("input[name=satisfied][value=yes]")
    field.click("button[name=submit]")
    field.wait_for_url("**/campaigns/field/")
    unit.refresh_from_db()
    assert unit.status == "done" and unit.version == 2
    assert Observation.objects.get(unit=unit, item="housing").result == "inconsistent"
    assert field.locator(".unit-link").count() == mine.count()  # the done one moved under "done"
    phone.close()

    # The county officer: progress, results, reconciliation into the ledger.
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page.wait_for_function("() => document.querySelector('#campaign-progress canvas') !== null")
    page.click("form[action$='/reconcile/'] button")
    page.wait_for_url(f"**/campaigns/{campaign.pk}/")  # back on the campaign page, which follows the task
    page.wait_for_selector(".reconciliation.status-done")  # the test backend runs it at once
    assert "已在台账中创建 1 个问题" in page.locator(".reconciliation").inner_text()
    assert page.locator("form[action$='/reconcile/'] button").is_disabled()  # nothing left to enter
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/results/")
    page.wait_for_function("() => document.querySelector('#campaign-results canvas') !== null")
    problem = Problem.objects.get()
    assert problem.source == Source.VERIFICATION and problem.item == "housing"
    assert problem.household_id == unit.household_id
    assert "置信区间" in page.locator(".sentences").inner_text()
