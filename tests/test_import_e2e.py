"""The web import in a real browser: a county officer uploads a file from the region page, the progress page polls
(htmx) while the import is queued, and the result page shows the counts and offers the rejection report.

The worker is played by the test: tasks are only queued (django-tasks' dummy backend), and the test runs the import
once the browser shows it waiting, as ``jingzhun db_worker`` would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import COUNTY, VILLAGE_B
from jingzhun.importer.models import RegistryImport
from jingzhun.importer.tasks import run_import
from test_e2e import browser, page, sign_in  # noqa: F401 - fixtures shared with the other browser tests
from test_import import family, member, write_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_county_officer_uploads_a_file_and_follows_it_to_the_result(
    page,  # noqa: F811
    live_server,
    personas,
    regions,
    settings,
    tmp_path,
):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    bad = member("H003", "张三", "", "户主", VILLAGE_B, 户类型="富裕户")
    source = write_csv(tmp_path / "县名单.csv", [*family(), bad])
    sign_in(page, live_server, "county_officer")
    assert page.url.endswith(f"/registry/region/{COUNTY}/")
    page.click("a[href='/imports/']")
    page.click("a[href='/imports/new/']")
    page.set_input_files("input[type=file]", str(source))
    page.click("button[type=submit].primary")
    page.wait_for_selector(".run-status.status-queued")
    entry = RegistryImport.objects.get()
    assert page.url.endswith(f"/imports/{entry.pk}/") and entry.file_name == "县名单.csv"
    run_import(entry)  # the worker takes it; the page notices on its next poll and reloads to the result
    page.wait_for_selector("[data-count=inserted]", timeout=15_000)
    assert page.locator("[data-count=inserted]").inner_text() == "3"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    assert page.locator("[data-count=rows_read]").inner_text() == "4"
    with page.expect_download() as download:
        page.click(f"a[href='/imports/{entry.pk}/rejected.csv']")
    assert download.value.suggested_filename == "县名单.rejected.csv"
    assert "富裕户" in Path(download.value.path()).read_text(encoding="utf-8-sig")
