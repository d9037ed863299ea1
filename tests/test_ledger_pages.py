"""Ledger pages, exports, imports and commands: numbers against direct counts, query budgets, refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from python_calamine import CalamineWorkbook

from conftest import COUNTY, OTHER_VILLAGE, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, make_user
from jingzhun.audit.models import AuditEntry
from jingzhun.ledger import transitions
from jingzhun.ledger.access import problems_for
from jingzhun.ledger.dashboard import summary, trend
from jingzhun.ledger.importing import import_list
from jingzhun.ledger.models import ACTIVE, ListImport, Problem, Status
from jingzhun.registry.models import Region
from jingzhun.standards.runs import run_checks

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages asserted here are the English ones: for the code under test and for the pages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with override("en"):
        yield


@pytest.fixture
def ledger(registry, personas, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return run_checks(Region.objects.get(code="510000000000"), 2023)


def active_count(**filters) -> int:
    return Problem.objects.filter(status__in=ACTIVE, **filters).count()


# --- dashboard ---------------------------------------------------------------------------------------------------


def test_dashboard_numbers_match_a_direct_count(ledger, personas, client, django_assert_max_num_queries):
    county = personas.county_officer
    problems = Problem.objects.filter(region_code__startswith=COUNTY[:6])
    # Make the numbers interesting: one overdue, one closed, one rejected.
    first, second, third = problems.order_by("pk")[:3]
    Problem.objects.filter(pk=first.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))
    Problem.objects.filter(pk=second.pk).update(status=Status.CLOSED)
    Problem.objects.filter(pk=third.pk).update(status=Status.REJECTED)
    client.force_login(county)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("ledger:dashboard", args=[COUNTY]))
    assert response.status_code == 200
    context = response.context
    expected_active = problems.filter(status__in=ACTIVE).count()
    assert context["totals"].active == expected_active
    assert context["totals"].overdue == problems.filter(status__in=ACTIVE, deadline__lt=timezone.localdate()).count()
    assert context["totals"].by_status["closed"] == 1 and context["totals"].by_status["rejected"] == 1
    # The matrix: each town's row and each item against a direct GROUP BY.
    direct: dict = {}
    for row in problems.filter(status__in=ACTIVE).values("region_code", "item").annotate(n=Count("id")):
        key = (row["region_code"][:9], row["item"])
        direct[key] = direct.get(key, 0) + row["n"]
    for row, cells in context["row_cells"]:
        for item, n, _heat in cells:
            assert n == direct.get((row.region.code[:9], item), 0), (row.region.code, item)
    assert context["total"].total == expected_active
    assert {row.region.code for row, _cells in context["row_cells"]} == {TOWN_A, TOWN_B}
    # The trend ends with today's active count; this week's opened bar counts every problem created this week.
    assert context["trend"]["remaining"][-1] == expected_active
    assert context["trend"]["opened"][-1] == problems.count()
    assert context["trend"]["cleared"][-1] == 0  # closed by a direct UPDATE: no history, so not in the trend
    assert sum(unit.overdue for unit in context["units"]) == 1
    assert context["oldest"] and all(p.status in ACTIVE for p in context["oldest"])
    text = response.content.decode()
    assert 'id="ledger-trend"' in text and "ledger-trend-data" in text


def test_a_town_officer_sees_their_town_only(ledger, personas, client):
    client.force_login(personas.town_officer)
    response = client.get(reverse("ledger:dashboard", args=[TOWN_A]))
    assert response.context["totals"].active == active_count(region_code__startswith=TOWN_A[:9])
    assert client.get(reverse("ledger:dashboard", args=[TOWN_B])).status_code == 404
    assert client.get(reverse("ledger:dashboard", args=[COUNTY])).status_code == 404


def test_the_trend_counts_transitions_by_week(ledger, personas):
    problem = Problem.objects.filter(region_code=VILLAGE_B).first()
    transitions.reject(problem, personas.town_officer, reason="不属问题")
    region = Region.objects.get(code=COUNTY)
    county_active = summary(problems_for(personas.county_officer).in_region(COUNTY))[0].active
    series = trend(region, county_active)
    assert series["cleared"][-1] == 1
    assert series["remaining"][-1] == county_active
    assert series["remaining"][-2] == 0  # nothing existed last week


def test_a_department_sees_its_sectors_problems(ledger, client):
    bureau = make_user("edu", COUNTY, "data_officer", sector="education")
    client.force_login(bureau)
    response = client.get(reverse("ledger:dashboard", args=[COUNTY]))
    assert response.context["totals"].active == active_count(region_code__startswith=COUNTY[:6], item="education")


# --- list, assignment, export ------------------------------------------------------------------------------------


def test_the_list_filters_and_pages_within_a_query_budget(ledger, personas, client, django_assert_max_num_queries):
    client.force_login(personas.county_officer)
    url = reverse("ledger:list", args=[COUNTY])
    with django_assert_max_num_queries(16):
        response = client.get(url + "?item=medical")
    assert response.context["page"].paginator.count == active_count(region_code__startswith=COUNTY[:6], item="medical")
    response = client.get(url + "?status=closed")
    assert response.context["page"].paginator.count == 0
    problem = Problem.objects.filter(region_code=VILLAGE_A).first()
    response = client.get(url + f"?q={problem.household.number}")
    assert problem in [row.problem for row in response.context["rows"]]
    assert problem.household.number in response.content.decode()


def test_bulk_assignment_from_the_list(ledger, personas, client):
    client.force_login(personas.county_officer)
    url = reverse("ledger:assign", args=[COUNTY])
    response = client.post(url, {"to": TOWN_A, "scope": "all", "item": "medical", "deadline": "2031-01-01"})
    assert response.status_code == 302
    town_a_medical = Problem.objects.filter(region_code__startswith=TOWN_A[:9], item="medical")
    assert town_a_medical.exists() and not town_a_medical.exclude(assignee_region_id=TOWN_A).exists()
    assert not Problem.objects.filter(item="medical", region_code__startswith=TOWN_B[:9],
                                      assignee_region__isnull=False).exists()  # fmt: skip
    assert town_a_medical.first().deadline == dt.date(2031, 1, 1)
    chosen = Problem.objects.filter(region_code=VILLAGE_B).exclude(item="medical").first()
    client.force_login(personas.town_officer)
    client.post(reverse("ledger:assign", args=[TOWN_A]), {"to": VILLAGE_B, "scope": "selected", "ids": [chosen.pk]})
    chosen.refresh_from_db()
    assert chosen.assignee_region_id == VILLAGE_B
    client.force_login(personas.viewer)  # a viewer may not assign: 403
    assert client.post(url, {"to": TOWN_A, "scope": "all"}).status_code == 403


def test_the_ledger_export_respects_region_and_masking(ledger, personas, client):
    client.force_login(personas.town_officer)  # a checker: no view_personal_data
    response = client.get(reverse("ledger:export", args=[TOWN_A]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    header, rows = sheet[0], sheet[1:]
    assert len(rows) == active_count(region_code__startswith=TOWN_A[:9])
    id_column = header.index("ID number")
    assert rows and all("*" in row[id_column] for row in rows if row[id_column])
    assert {row[header.index("Village")] for row in rows} <= {"新民村", "河西村"}
    assert AuditEntry.objects.filter(action="export", object_type="ledger", actor=personas.town_officer).exists()
    client.force_login(personas.county_officer)  # a data officer may see full numbers
    data = b"".join(client.get(reverse("ledger:export", args=[TOWN_A])).streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[1:]
    assert any(row[id_column] and "*" not in row[id_column] for row in rows)


# --- a problem's page --------------------------------------------------------------------------------------------


def test_a_problem_through_the_pages(ledger, personas, client):
    problem = Problem.objects.filter(region_code=VILLAGE_B).first()
    url = reverse("ledger:problem", args=[problem.pk])
    client.force_login(personas.village_cadre)
    assert client.get(url).context["actions"]["start"]
    client.post(reverse("ledger:act", args=[problem.pk, "start"]), {"version": problem.version, "text": ""})
    problem.refresh_from_db()
    assert problem.status == Status.RECTIFYING
    upload = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
    client.post(reverse("ledger:add-evidence", args=[problem.pk]), {"file": upload})
    evidence = problem.evidence.get()
    download = client.get(reverse("ledger:evidence", args=[problem.pk, evidence.pk]))
    assert b"".join(download.streaming_content) == PNG and "attachment" in download["Content-Disposition"]
    problem.refresh_from_db()
    client.post(reverse("ledger:act", args=[problem.pk, "submit"]), {"version": problem.version, "text": "已参保"})
    problem.refresh_from_db()
    assert problem.status == Status.RECTIFIED
    # The cadre cannot close their own rectification: 403.
    response = client.post(
        reverse("ledger:act", args=[problem.pk, "close"]), {"version": problem.version, "text": "ok"}
    )
    assert response.status_code == 403
    # A stale form (an old version) gets a clear message, not a change.
    client.force_login(personas.town_officer)
    response = client.post(reverse("ledger:act", args=[problem.pk, "close"]),
                           {"version": problem.version - 1, "text": "ok"}, follow=True)  # fmt: skip
    assert "Someone else changed this problem" in response.content.decode()
    client.post(reverse("ledger:act", args=[problem.pk, "close"]), {"version": problem.version, "text": "入户核实"})
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    page = client.get(url).content.decode()
    assert "入户核实" in page and "现场照片.png" in page


def test_entering_a_problem_by_hand(ledger, personas, client):
    client.force_login(personas.town_officer)
    household = Problem.objects.filter(region_code=VILLAGE_A).first().household
    response = client.post(reverse("ledger:new", args=[TOWN_A]), {
        "region": VILLAGE_A, "household_number": household.number, "item": "housing", "severity": "high",
        "description": "房屋墙体开裂，未纳入危房改造"})  # fmt: skip
    problem = Problem.objects.get(source="manual")
    assert response.status_code == 302 and problem.household == household and problem.severity == "high"
    assert problem.deadline == timezone.localdate() + dt.timedelta(days=15)
    # Another county's household number is not found (not even named).
    other = Problem.objects.filter(region_code=OTHER_VILLAGE).first().household
    response = client.post(reverse("ledger:new", args=[TOWN_A]), {
        "region": VILLAGE_A, "household_number": other.number, "item": "housing", "severity": "high",
        "description": "x"})  # fmt: skip
    assert response.status_code == 200 and Problem.objects.filter(source="manual").count() == 1
    client.force_login(personas.viewer)
    assert client.get(reverse("ledger:new", args=[COUNTY])).status_code == 403


# --- importing a list --------------------------------------------------------------------------------------------


def write_list(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["2025年成效考核反馈问题清单"])  # a title row above the header
        writer.writerow(["区划代码", "户编号", "问题类别", "问题描述", "整改时限", "严重程度"])
        writer.writerows(rows)


def test_importing_an_assessment_list_with_bad_rows(ledger, personas, tmp_path):
    household = Problem.objects.filter(region_code=VILLAGE_B).first().household
    path = tmp_path / "成效考核.csv"
    write_list(path, [
        [VILLAGE_A, "", "饮水安全", "集中供水点冬季断水", "2026-03-31", "高"],  # stored
        ["", household.number, "教育", "适龄儿童未入学", "2026/4/1", ""],  # stored, placed by its household
        [VILLAGE_A, "", "住房", "", "", ""],  # no description
        [VILLAGE_A, "", "交通", "道路未硬化", "", ""],  # not an item of the standard
        [OTHER_VILLAGE, "", "教育", "辍学", "", ""],  # another county
        ["12345", "", "教育", "辍学", "", ""],  # not a code
        [VILLAGE_A, "", "医疗", "未参保", "下周", ""],  # bad date
        [VILLAGE_A, "", "饮水安全", "集中供水点冬季断水", "2026-03-31", "高"],  # repeats row 3
        ["", "NO-SUCH-HOUSEHOLD", "教育", "辍学", "", ""],  # unknown household
        [],  # blank: not a row
    ])  # fmt: skip
    before = Problem.objects.count()
    outcome = import_list(path, personas.county_officer, source="assessment")
    batch = outcome.record
    assert (batch.rows, batch.created, batch.rejected) == (9, 2, 7)
    assert batch.created + batch.rejected == batch.rows  # every row ends in exactly one place
    reasons = {r["row"]: r["reason"] for r in batch.rejections}
    assert reasons == {5: "missing_value", 6: "unknown_item", 7: "outside_scope", 8: "bad_region", 9: "bad_date",
                       10: "duplicate", 11: "unknown_household"}  # fmt: skip
    assert Problem.objects.count() == before + 2
    placed = Problem.objects.get(source="assessment", item="education")
    assert placed.household == household and placed.region_code == VILLAGE_B and placed.deadline == dt.date(2026, 4, 1)
    water = Problem.objects.get(source="assessment", item="water")
    assert water.severity == "high" and water.source_ref == "成效考核.csv:3"
    assert AuditEntry.objects.filter(action="problem_list_imported").count() == 1


def test_an_import_through_the_page_and_its_report(ledger, personas, client, tmp_path):
    path = tmp_path / "list.csv"
    write_list(path, [[VILLAGE_A, "", "饮水", "水质不达标", "", ""], [VILLAGE_A, "", "?", "x", "", ""]])
    client.force_login(personas.county_officer)
    with open(path, "rb") as handle:
        response = client.post(reverse("ledger:import", args=[COUNTY]), {"source": "inspection", "file": handle})
    batch = ListImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:import-result", args=[batch.pk])
    report = client.get(reverse("ledger:import-report", args=[batch.pk, "csv"])).content.decode("utf-8-sig")
    assert "unknown_item" in report and "问题类别无法识别" in report
    xlsx = client.get(reverse("ledger:import-report", args=[batch.pk, "xlsx"])).content
    assert CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_index(0).to_python()[1][0] == 4
    client.force_login(personas.outsider)  # another county's officer cannot read it
    assert client.get(reverse("ledger:import-result", args=[batch.pk])).status_code == 404


def test_a_list_without_the_required_columns_is_refused_whole(ledger, personas, tmp_path, client):
    path = tmp_path / "bad.csv"
    path.write_text("区划代码,备注\n511823100201,x\n", encoding="utf-8")
    client.force_login(personas.county_officer)
    with open(path, "rb") as handle:
        response = client.post(reverse("ledger:import", args=[COUNTY]), {"source": "audit", "file": handle})
    assert response.status_code == 200 and "cannot be imported" in response.content.decode()
    assert not ListImport.objects.exists()


# --- reminders and notices ---------------------------------------------------------------------------------------


def test_remind_lists_and_mails_each_units_deadlines(ledger, personas):
    today = timezone.localdate()
    county = personas.county_officer
    transitions.assign(problems_for(county).in_region(TOWN_A), county, region_code=TOWN_A,
                       deadline=today - dt.timedelta(days=1))  # fmt: skip
    personas.town_officer.email = "town@example.org"
    personas.town_officer.save()
    out = io.StringIO()
    call_command("ledger", "remind", "--email", stdout=out)
    text = out.getvalue()
    assert "富林镇" in text and "sent 1 e-mails" in text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["town@example.org"]
    overdue = Problem.objects.filter(assignee_region_id=TOWN_A).count()
    assert f"{overdue} overdue" in mail.outbox[0].subject or f"{overdue} 项超期" in mail.outbox[0].subject


def test_the_home_page_lists_the_users_deadlines(ledger, personas, client):
    today = timezone.localdate()
    county = personas.county_officer
    mine = problems_for(county).in_region(VILLAGE_A)
    transitions.assign(mine, county, region_code=TOWN_A, deadline=today + dt.timedelta(days=2))
    client.force_login(personas.town_officer)
    home = client.get(reverse("registry:region", args=[TOWN_A])).content.decode()
    assert reverse("ledger:notices") in home
    response = client.get(reverse("ledger:notices"))
    assert response.context["own_unit"] and response.context["due_count"] == mine.count()
    assert response.context["overdue_count"] == 0


def test_sync_command_takes_unsynced_runs(registry, personas):
    run = run_checks(Region.objects.get(code=COUNTY), 2023, ledger=False)
    assert not Problem.objects.exists()
    out = io.StringIO()
    call_command("ledger", "sync", stdout=out)
    assert f"run #{run.pk}:" in out.getvalue() and Problem.objects.exists()


def test_evidence_is_limited_in_size_and_type(ledger, personas, client, settings):
    settings.LEDGER_EVIDENCE_MAX_BYTES = 1024
    problem = Problem.objects.filter(region_code=VILLAGE_B).first()
    client.force_login(personas.village_cadre)
    url = reverse("ledger:add-evidence", args=[problem.pk])
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png")
    response = client.post(url, {"file": big}, follow=True)
    assert "larger than" in response.content.decode() and not problem.evidence.exists()
    renamed = SimpleUploadedFile("tool.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")
    response = client.post(url, {"file": renamed}, follow=True)
    assert "not accepted" in response.content.decode() and not problem.evidence.exists()
    client.force_login(personas.viewer)  # no right to rectify or manage: 403
    assert client.post(url, {"file": SimpleUploadedFile("p.png", PNG)}).status_code == 403


def test_the_import_and_export_commands(ledger, personas, tmp_path):
    path = tmp_path / "巡视.csv"
    write_list(path, [[VILLAGE_A, "", "住房", "危房未改造", "", "高"], [VILLAGE_A, "", "交通", "x", "", ""]])
    report = tmp_path / "rejected.xlsx"
    out = io.StringIO()
    call_command("ledger", "import", str(path), "--user", "county_officer", "--source", "inspection", "--dry-run",
                 stdout=out)  # fmt: skip
    assert "would create 1 problems, 1 rejected" in out.getvalue()
    assert not Problem.objects.filter(source="inspection").exists()
    call_command("ledger", "import", str(path), "--user", "county_officer", "--source", "inspection",
                 "--report", str(report), stdout=io.StringIO())  # fmt: skip
    assert Problem.objects.filter(source="inspection").count() == 1
    assert CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()[1][-1] == "unknown_item"
    target = tmp_path / "ledger.xlsx"
    call_command("ledger", "export", "--region", TOWN_A, "--user", "town_officer", "--out", str(target),
                 stdout=io.StringIO())  # fmt: skip
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()[1:]
    assert len(rows) == Problem.objects.filter(region_code__startswith=TOWN_A[:9]).count()
