"""End to end in a real browser: Debian's Chromium driven by Playwright against a live server.

A county officer signs in, sees the region page with its chart, filters the household list (htmx), opens a
household, switches to English; a village cadre typing another village's household into the address bar gets 404.
Skipped when /usr/bin/chromium is missing locally; CI installs it (.ci/run).
"""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import COUNTY, PASSWORD, VILLAGE_A

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: install Debian's chromium (.ci/run does)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API runs an event loop in this thread; the test's own ORM calls are still
    # synchronous code, which Django would otherwise refuse in a thread with a running loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    problems = []  # anything the browser refused (a CSP violation) or a script error
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert [p for p in problems if "favicon" not in p and "404" not in p] == []


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


def test_a_county_officer_browses_from_the_county_to_a_household(page, live_server, personas, registry):
    sign_in(page, live_server, "county_officer")
    assert page.url.endswith(f"/registry/region/{COUNTY}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"  # Chinese although the browser asks for English
    page.wait_for_function("() => document.querySelector('#region-chart canvas') !== null")  # ECharts drew
    page.goto(f"{live_server.url}/registry/region/{COUNTY}/households/")
    rows = page.locator("table tbody tr")
    total = rows.count()
    assert total > 0
    page.select_option("select[name=type]", "脱贫户")
    page.wait_for_url("**type=*")  # htmx replaced the table and pushed the filtered URL
    page.wait_for_load_state("networkidle")
    filtered = page.locator("table tbody tr")
    assert 0 < filtered.count() <= total
    assert all("脱贫户" in text for text in filtered.all_inner_texts())
    page.locator("table a[href*='/registry/household/']").first.click()
    page.wait_for_load_state("networkidle")
    assert "/registry/household/" in page.url
    assert page.get_by_text("人均纯收入").first.is_visible()
    masked = page.locator("td.id-number .revealable").first
    assert "*" in masked.inner_text()
    masked.locator("button.reveal").click()  # a POST with the CSRF header, under the CSP
    page.wait_for_selector("td.id-number .revealed")
    revealed = page.locator("td.id-number .revealed").first.inner_text()
    assert "*" not in revealed and len(revealed) == 18
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_village_cadre_cannot_open_another_villages_household(page, live_server, personas, registry):
    other = registry.households[VILLAGE_A][0]
    sign_in(page, live_server, "village_cadre")
    response = page.goto(f"{live_server.url}/registry/household/{other.pk}/")
    assert response.status == 404
    assert other.number not in page.content()
