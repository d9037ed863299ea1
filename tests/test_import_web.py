"""The web import: county and town officers upload a registry file; a background task imports it within their
region; the result page and the rejection reports are seen only by those who may see the import.

The test settings run tasks at once (django-tasks' immediate backend), so a POST returns after the import ran.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from conftest import TOWN_A, VILLAGE_A, VILLAGE_B, VILLAGE_C, make_user
from jingzhun.accounts.models import Function
from jingzhun.audit.models import AuditEntry
from jingzhun.importer import load
from jingzhun.importer.models import RegistryImport
from jingzhun.registry.models import Household, Person
from test_import import HEADER, family, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_and_a_data_dir(settings, tmp_path, client):
    settings.DATA_DIR = tmp_path / "data"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages are Chinese until a user picks English
    with translation.override("en"):
        yield


@pytest.fixture
def town_data_officer(regions):
    return make_user("town_data_officer", TOWN_A, Function.DATA_OFFICER)


def csv_bytes(rows: list[dict], header=HEADER) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return text.getvalue().encode("utf-8-sig")


def upload(client, content: bytes, name: str = "registry.csv", **data):
    return client.post(reverse("importer:new"), {"file": SimpleUploadedFile(name, content), **data})


def only_import() -> RegistryImport:
    (entry,) = RegistryImport.objects.all()
    return entry


# Who may import -----------------------------------------------------------------------------------------------


def test_the_upload_page_is_for_county_and_town_officers_with_the_edit_right(
    personas, town_data_officer, login, client
):
    for user in (personas.county_officer, town_data_officer, personas.superuser):
        assert login(user).get(reverse("importer:new")).status_code == 200, user
        assert login(user).get(reverse("importer:list")).status_code == 200, user
    # Without the edit right (a checker of a town, a viewer), below town level (a village cadre), or without a region.
    for user in (personas.town_officer, personas.viewer, personas.village_cadre, personas.no_region):
        assert login(user).get(reverse("importer:new")).status_code == 403, user
        assert login(user).get(reverse("importer:list")).status_code == 403, user
        assert upload(login(user), csv_bytes(family())).status_code == 403, user
    assert not RegistryImport.objects.exists() and not Household.objects.filter(number="H001").exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(regions, client):
    response = upload(client, csv_bytes(family()))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not RegistryImport.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.county_officer)
    assert upload(client, csv_bytes(family())).status_code == 403
    assert not RegistryImport.objects.exists()


def test_the_region_page_links_to_the_imports_for_those_who_may_import(personas, login):
    url = reverse("registry:region", args=[personas.county_officer.region_id])
    assert reverse("importer:list") in login(personas.county_officer).get(url).content.decode()
    assert reverse("importer:list") not in login(personas.viewer).get(url).content.decode()


# Importing ----------------------------------------------------------------------------------------------------


def test_a_county_officer_imports_a_file_and_sees_counts_that_add_up_to_the_rows_read(personas, login):
    bad = member("H003", "张三", "", "户主", VILLAGE_B, 户类型="富裕户")
    content = csv_bytes(family() + family("H002", VILLAGE_C) + [bad])
    response = upload(login(personas.county_officer), content, "县里的名单.csv")
    entry = only_import()
    assert response.status_code == 302 and response["Location"] == reverse("importer:detail", args=[entry.pk])
    assert entry.status == "done" and entry.user == personas.county_officer
    assert entry.file_name == "县里的名单.csv" and entry.sha256 == hashlib.sha256(content).hexdigest()
    assert entry.source_path.read_bytes() == content
    assert entry.counts() == {"inserted": 6, "updated": 0, "unchanged": 0, "rejected": 1}
    assert sum(entry.counts().values()) == entry.rows_read == 7
    assert entry.encoding == "UTF-8 with BOM" and entry.summary["reasons"] == {"unknown_value": 1}
    assert set(Household.objects.values_list("number", flat=True)) >= {"H001", "H002"}
    assert not Household.objects.filter(number="H003").exists()
    page = login(personas.county_officer).get(response["Location"]).content.decode()
    assert 'data-count="inserted">6<' in page and 'data-count="rejected">1<' in page
    assert "Not one of the allowed values of this column." in page
    assert reverse("importer:report", args=[entry.pk, "xlsx"]) in page
    # The import is in the audit log with the officer, the file and its SHA-256.
    summary = AuditEntry.objects.get(action="import")
    assert summary.actor_id == personas.county_officer.pk and summary.changes["sha256"] == entry.sha256


def test_the_rejection_reports_list_every_rejected_row_in_csv_and_xlsx(personas, login):
    bad = member("H003", "张三", "", "户主", VILLAGE_B, 户类型="富裕户")
    client = login(personas.county_officer)
    upload(client, csv_bytes([*family(), bad]))
    entry = only_import()
    response = client.get(reverse("importer:report", args=[entry.pk, "csv"]))
    assert response.status_code == 200
    assert 'filename="registry.rejected.csv"' in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[1][0] == "5" and lines[1][3] == "富裕户" and lines[1][6] == "unknown_value"
    response = client.get(reverse("importer:report", args=[entry.pk, "xlsx"]))
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = workbook.get_sheet_by_index(0).to_python()
    assert rows[1][0] == 5 and rows[1][6] == "unknown_value"
    assert AuditEntry.objects.filter(action="export", changes__what="import rejections").count() == 2


def test_a_town_officer_imports_only_households_of_their_town(town_data_officer, login):
    content = csv_bytes(family("H001", VILLAGE_A) + family("H002", VILLAGE_C))
    upload(login(town_data_officer), content)
    entry = only_import()
    assert entry.scope == TOWN_A
    assert entry.counts() == {"inserted": 3, "updated": 0, "unchanged": 0, "rejected": 3}
    assert list(Household.objects.values_list("number", flat=True)) == ["H001"]
    report = entry.report_path("csv").read_text(encoding="utf-8-sig")
    assert "outside_scope" in report and "outside the region of the person importing" in report


def test_a_town_officer_cannot_move_another_towns_household_into_their_town(registry, town_data_officer, login):
    elsewhere = registry.household(VILLAGE_C)
    members = Person.objects.filter(household=elsewhere).count()
    upload(login(town_data_officer), csv_bytes(family(elsewhere.number, VILLAGE_A)))
    entry = only_import()
    assert entry.rejected == 3 and entry.summary["reasons"] == {"outside_scope": 1, "held_back": 2}
    elsewhere.refresh_from_db()
    assert elsewhere.village_id == VILLAGE_C and Person.objects.filter(household=elsewhere).count() == members


def test_a_check_only_upload_writes_nothing_but_reports_the_counts(personas, login):
    upload(login(personas.county_officer), csv_bytes(family()), dry_run="on")
    entry = only_import()
    assert entry.dry_run and entry.status == "done" and entry.inserted == 3
    assert not Household.objects.filter(number="H001").exists()


def test_a_file_missing_required_columns_is_refused_and_nothing_is_written(personas, login):
    header = [name for name in HEADER if name != "户编号"]
    client = login(personas.county_officer)
    upload(client, csv_bytes(family(), header=header))
    entry = only_import()
    assert entry.status == "refused" and entry.refusal == "missing_columns" and "户编号" in entry.error
    page = client.get(reverse("importer:detail", args=[entry.pk])).content.decode()
    assert "Required columns are missing." in page and "Nothing was written." in page
    assert client.get(reverse("importer:report", args=[entry.pk, "csv"])).status_code == 404
    assert not Household.objects.filter(number="H001").exists()


def test_a_failure_while_writing_marks_the_import_failed_and_leaves_the_database_as_it_was(
    personas, login, monkeypatch
):
    def fail(result):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "write_incomes", fail)  # after households and persons were written
    upload(login(personas.county_officer), csv_bytes(family()))
    entry = only_import()
    assert entry.status == "failed" and "disk full" in entry.error
    assert not Household.objects.filter(number="H001").exists() and not Person.objects.filter(name="王建国").exists()
    assert not AuditEntry.objects.filter(action="import").exists()


# What uploads are accepted ------------------------------------------------------------------------------------


def test_random_bytes_named_xlsx_are_refused_before_anything_is_stored(personas, login, settings):
    response = upload(login(personas.county_officer), os.urandom(4096), "registry.xlsx")
    assert response.status_code == 400
    assert "This kind of file is not accepted here" in response.content.decode()
    assert not RegistryImport.objects.exists() and not (settings.DATA_DIR / "imports").exists()


def test_a_file_larger_than_the_limit_is_refused(personas, login, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    response = upload(login(personas.county_officer), csv_bytes(family() * 20))
    assert response.status_code == 400 and "The file is larger than" in response.content.decode()
    assert not RegistryImport.objects.exists()


def test_a_workbook_renamed_csv_is_refused(personas, login):
    response = upload(login(personas.county_officer), b"PK\x03\x04" + b"\x00" * 100, "registry.csv")
    assert response.status_code == 400 and not RegistryImport.objects.exists()


# Who sees an import -------------------------------------------------------------------------------------------


def test_an_import_is_seen_by_the_importer_and_the_regions_above_and_is_404_elsewhere(
    personas, town_data_officer, login
):
    upload(login(town_data_officer), csv_bytes([*family(), member("H003", "张三", "", "户主", 户类型="富裕户")]))
    entry = only_import()
    urls = [reverse("importer:detail", args=[entry.pk]), reverse("importer:status", args=[entry.pk]),
            *(reverse("importer:report", args=[entry.pk, fmt]) for fmt in ("csv", "xlsx"))]  # fmt: skip
    for user in (town_data_officer, personas.county_officer, personas.superuser):
        for url in urls:
            assert login(user).get(url).status_code == 200, (user, url)
        assert entry.file_name in login(user).get(reverse("importer:list")).content.decode()
    for user in (personas.outsider, personas.viewer, personas.village_cadre):
        for url in urls:
            assert login(user).get(url).status_code == 404, (user, url)
    assert entry.file_name not in login(personas.outsider).get(reverse("importer:list")).content.decode()
    assert login(personas.county_officer).get(reverse("importer:report", args=[entry.pk, "pdf"])).status_code == 404


# Progress -----------------------------------------------------------------------------------------------------


def test_a_queued_import_shows_a_progress_indicator_that_polls_until_it_is_done(personas, login):
    entry = RegistryImport.objects.create(user=personas.county_officer, user_name="county_officer",
                                          scope=personas.county_officer.region_id, file_name="f.csv", folder="x",
                                          suffix=".csv", size=1, sha256="0" * 64)  # fmt: skip
    client = login(personas.county_officer)
    status_url = reverse("importer:status", args=[entry.pk])
    page = client.get(reverse("importer:detail", args=[entry.pk])).content.decode()
    assert f'hx-get="{status_url}"' in page and "Queued, waiting for the worker" in page
    # Started a moment ago (its heartbeat, once older than the limit, would have it reported stopped).
    RegistryImport.objects.filter(pk=entry.pk).update(status="running", rows_total=200, rows_done=50,
                                                      started_at=timezone.now())  # fmt: skip
    fragment = client.get(status_url)
    assert "Reading row 50 of 200" in fragment.content.decode() and 'value="25"' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    RegistryImport.objects.filter(pk=entry.pk).update(status="done")
    fragment = client.get(status_url)
    assert fragment["HX-Refresh"] == "true" and "hx-get" not in fragment.content.decode()


def test_the_pages_speak_chinese_until_the_user_picks_english(personas, monkeypatch):
    chinese = Client()  # no language cookie
    chinese.force_login(personas.county_officer)
    page = chinese.get(reverse("importer:new")).content.decode()
    assert "导入档案文件" in page and "只检查文件，不写入" in page
    monkeypatch.setattr(load, "write_incomes", lambda result: 1 / 0)
    upload(chinese, csv_bytes(family()))
    page = chinese.get(reverse("importer:detail", args=[only_import().pk])).content.decode()
    assert "导入失败，未写入任何数据。" in page and "未写入任何数据。" in page


# Liveness: an import whose process ended, a queue without a worker (jingzhun.core.liveness) ----------------------


def _queued(personas, **fields) -> RegistryImport:
    return RegistryImport.objects.create(user=personas.county_officer, user_name="county_officer",
                                         scope=personas.county_officer.region_id, file_name="f.csv", folder="x",
                                         suffix=".csv", size=1, sha256="0" * 64, **fields)  # fmt: skip


def _aged(path, seconds: float) -> None:
    from jingzhun.core import liveness

    liveness.touch(path)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_running_import_whose_heartbeat_stopped_is_reported_stopped(personas, login):
    entry = _queued(personas, status="running", started_at=timezone.now(), rows_total=200)
    _aged(entry.heartbeat_path, 300)  # the worker was killed five minutes ago
    client = login(personas.county_officer)
    fragment = client.get(reverse("importer:status", args=[entry.pk]))
    assert fragment["HX-Refresh"] == "true"
    assert "The import stopped unexpectedly" in fragment.content.decode()
    entry.refresh_from_db()
    assert entry.status == "failed" and entry.refusal == RegistryImport.Refusal.STOPPED and entry.finished_at
    assert "no heartbeat" in entry.error and not entry.heartbeat_path.exists()
    # The same row reads in Chinese for a reader who has not picked English.
    chinese = Client()
    chinese.force_login(personas.county_officer)
    page = chinese.get(reverse("importer:detail", args=[entry.pk])).content.decode()
    assert "导入意外中断" in page and "The import stopped" not in page


def test_a_running_import_with_a_fresh_heartbeat_is_left_alone_and_listed_as_running(personas, login):
    from jingzhun.importer.tasks import release_stopped

    entry = _queued(personas, status="running", started_at=timezone.now() - dt.timedelta(hours=2))
    _aged(entry.heartbeat_path, 3)
    assert release_stopped() == 0
    page = login(personas.county_officer).get(reverse("importer:list")).content.decode()
    entry.refresh_from_db()
    assert entry.status == "running" and entry.file_name in page
    _aged(entry.heartbeat_path, 600)
    login(personas.county_officer).get(reverse("importer:list"))  # the list looks at it too
    entry.refresh_from_db()
    assert entry.status == "failed" and entry.refusal == RegistryImport.Refusal.STOPPED


def test_a_queued_import_says_when_no_worker_is_running(personas, login):
    from jingzhun.core import liveness

    entry = _queued(personas)
    client = login(personas.county_officer)
    html = client.get(reverse("importer:status", args=[entry.pk])).content.decode()
    assert "No background worker is running" in html and 'hx-trigger="every 2s"' in html
    liveness.touch(liveness.worker_path("w"))
    html = client.get(reverse("importer:status", args=[entry.pk])).content.decode()
    assert "Queued, waiting for the worker" in html and "No background worker" not in html
    entry.refresh_from_db()
    assert entry.status == "queued"


def test_an_interrupted_import_is_marked_stopped_and_writes_nothing(personas, login, monkeypatch):
    def interrupt(result):
        raise KeyboardInterrupt  # a worker told twice to stop raises SystemExit in the task, the same way

    monkeypatch.setattr(load, "write_incomes", interrupt)  # after households and persons were written
    with pytest.raises(KeyboardInterrupt):
        upload(login(personas.county_officer), csv_bytes(family()))
    entry = only_import()
    assert entry.status == "failed" and entry.refusal == RegistryImport.Refusal.STOPPED
    assert "KeyboardInterrupt" in entry.error and not entry.heartbeat_path.exists()
    assert not Household.objects.filter(number="H001").exists() and not Person.objects.filter(name="王建国").exists()


def test_the_heartbeat_is_touched_while_the_import_runs_and_removed_at_its_end(personas, login, monkeypatch):
    seen = []
    real = load.write_incomes

    def look(result):
        seen.append(liveness_age(only_import().heartbeat_path))
        return real(result)

    monkeypatch.setattr(load, "write_incomes", look)
    upload(login(personas.county_officer), csv_bytes(family()))
    entry = only_import()
    assert entry.status == "done" and seen and seen[0] is not None and seen[0] < 5
    assert not entry.heartbeat_path.exists()


def liveness_age(path):
    from jingzhun.core import liveness

    return liveness.age(path)
