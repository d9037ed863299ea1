"""Verification campaigns: drawing under a stored design, region scoping of checkers, idempotent field submissions,
reconciliation into the ledger, the estimates and the comparison between levels, the pages and exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_C, add_households, make_user
from jingzhun.audit.models import AuditEntry
from jingzhun.campaigns import estimation, results, sampling, service
from jingzhun.campaigns.models import Campaign, CampaignStatus, Level, Observation, Population, SampleUnit, UnitStatus
from jingzhun.ledger.models import Problem, Source

pytestmark = pytest.mark.django_db
ITEMS = ["members", "income", "housing", "water"]


@pytest.fixture
def county(regions):
    """Twelve households in each of the four villages (half of them exited)."""
    from conftest import VILLAGES

    return {village: add_households(village, 12, start=1) for village in VILLAGES}


def _campaign(user, level=Level.RE_CHECK, region=COUNTY, population=Population.ALL, parent=None) -> Campaign:
    from jingzhun.registry.models import Region

    return service.create(user, name=f"{level} test", region=Region.objects.get(code=region), level=level,
                          population=population, reference_date=dt.date(2026, 10, 31), items=ITEMS,
                          parent=parent)  # fmt: skip


def _drawn(user, design=None, **kwargs) -> Campaign:
    campaign = _campaign(user, **kwargs)
    design = design or sampling.Design(kind="stratified", n=16)
    return service.draw(campaign, user, design=design, seed=20261124)


def _answers(result="consistent", **overrides):
    answers = {item: service.Answer(result=result, observed="x" if result == "inconsistent" else "") for item in ITEMS}
    answers.update(overrides)
    return answers


def _submit(unit, user, answers=None, **extra):
    unit = SampleUnit.objects.select_related("campaign").get(pk=unit.pk)
    extra.setdefault("standard_met", True if unit.exited else None)
    extra.setdefault("satisfied", True)
    return service.save_unit(unit, user, answers=answers or _answers(), token=service.new_token(),
                             version=unit.version, submit=True, **extra)  # fmt: skip


# --- drawing -------------------------------------------------------------------------------------------------------


def test_draw_stores_design_seed_and_frame_and_redraws_identically(personas, county):
    campaign = _drawn(personas.county_officer)
    assert campaign.status == CampaignStatus.DRAWN
    assert campaign.frame_size == 48 and len(campaign.frame_hash) == 64 and campaign.seed == 20261124
    assert campaign.design["kind"] == "stratified" and campaign.design["n"] == 16
    units = list(campaign.units.order_by("household_id").values_list("household_id", "stratum", "weight"))
    assert len(units) == 16
    assert {stratum for _pk, stratum, _w in units} == {TOWN_A[:9], TOWN_B[:9]}
    assert sum(weight for _pk, _s, weight in units) == pytest.approx(48)  # weights add up to the frame
    # The same frame, design and seed give the same households (what an auditor re-draws from the record).
    again = _drawn(personas.county_officer)
    assert list(again.units.order_by("household_id").values_list("household_id", flat=True)) == [
        pk for pk, _s, _w in units
    ]
    assert again.frame_hash == campaign.frame_hash
    rows = service.build_frame(campaign)
    redrawn = sampling.draw(rows.frame, sampling.Design.from_dict(campaign.design), campaign.seed)
    assert sorted(redrawn.ids) == [pk for pk, _s, _w in units]
    entry = AuditEntry.objects.filter(action="campaign_drawn").last()
    assert entry.changes["seed"] == 20261124 and entry.changes["frame_hash"] == campaign.frame_hash


def test_self_check_takes_every_household_of_the_population(personas, county):
    campaign = _campaign(personas.county_officer, level=Level.SELF_CHECK, population=Population.EXITED)
    campaign = service.draw(campaign, personas.county_officer, design=None)
    assert campaign.units.count() == 24  # the exited half
    assert set(campaign.units.values_list("weight", flat=True)) == {1.0}
    assert campaign.units.filter(exited=False).count() == 0


def test_draw_is_refused_twice_and_to_users_without_the_right(personas, county):
    campaign = _drawn(personas.county_officer)
    with pytest.raises(service.CampaignError):
        service.draw(campaign, personas.county_officer, design=sampling.Design(kind="srs", n=5))
    draft = _campaign(personas.county_officer)
    with pytest.raises(service.CampaignError):
        service.draw(draft, personas.town_officer, design=sampling.Design(kind="srs", n=5))  # a checker
    with pytest.raises(service.CampaignError):
        _campaign(personas.outsider)  # another county's officer


def test_pps_two_stage_draw_keeps_the_village_as_cluster(personas, county):
    campaign = _drawn(personas.county_officer, design=sampling.Design(kind="pps", n=10, clusters=2, per_cluster=5))
    units = list(campaign.units.all())
    assert len(units) == 10
    assert len({unit.cluster for unit in units}) == 2
    assert all(unit.cluster == unit.region_code for unit in units)


# --- checkers and their region -------------------------------------------------------------------------------------


def test_checkers_only_get_households_inside_their_region(personas, county):
    campaign = _drawn(personas.county_officer)
    with pytest.raises(service.CampaignError):  # a town A checker for town B's households
        service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_B)
    assigned = service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    assert assigned == campaign.units.filter(region_code__startswith=TOWN_A[:9]).count() > 0
    mine = service.units_for_checker(personas.town_officer)
    assert mine.count() == assigned
    other = campaign.units.filter(region_code__startswith=TOWN_B[:9]).first()
    with pytest.raises(Http404):
        service.get_unit_for_checker(personas.town_officer, other.pk)


def test_another_checkers_unit_and_another_regions_campaign_answer_404(personas, county, login):
    campaign = _drawn(personas.county_officer)
    service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    unit = campaign.units.filter(checker=personas.town_officer).first()
    colleague = make_user("colleague", TOWN_A, "checker")
    client = login(colleague)
    assert client.get(reverse("campaigns:field-unit", args=[unit.pk])).status_code == 404
    client = login(personas.outsider)
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("campaigns:results", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("campaigns:export", args=[campaign.pk, "results"])).status_code == 404
    # The checker sees the county's campaign they work in, not to manage it.
    client = login(personas.town_officer)
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 200
    assert client.post(reverse("campaigns:reconcile", args=[campaign.pk])).status_code == 403
    assert not Problem.objects.exists()


# --- field work ----------------------------------------------------------------------------------------------------


def test_the_same_submission_twice_is_applied_once(personas, county):
    campaign = _drawn(personas.county_officer)
    service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    unit = service.get_unit_for_checker(personas.town_officer, campaign.units.filter(checker__isnull=False)[0].pk)
    token = service.new_token()
    answers = _answers(income=service.Answer("inconsistent", observed="4,100 yuan per person"))
    kwargs = {"answers": answers, "token": token, "version": unit.version, "submit": True,
              "standard_met": True, "satisfied": True}  # fmt: skip
    saved, applied = service.save_unit(unit, personas.town_officer, **kwargs)
    assert applied and saved.status == UnitStatus.DONE and saved.version == 1
    again, applied_again = service.save_unit(unit, personas.town_officer, **kwargs)  # a double tap, a retry
    assert not applied_again and again.version == 1
    assert Observation.objects.filter(unit=unit).count() == len(ITEMS)
    assert AuditEntry.objects.filter(action="campaign_unit_submitted").count() == 1
    # A form from an older version (another device) with a new token is refused, not merged.
    with pytest.raises(service.CampaignError):
        service.save_unit(unit, personas.town_officer, **{**kwargs, "token": service.new_token(), "version": 0})


def test_a_half_filled_form_is_saved_and_resumed(personas, county, login):
    campaign = _drawn(personas.county_officer)
    service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    unit = campaign.units.filter(checker=personas.town_officer).first()
    client = login(personas.town_officer)
    url = reverse("campaigns:field-unit", args=[unit.pk])
    page = client.get(url)
    token = page.context["token"]
    response = client.post(url, {"token": token, "version": 0, "result-income": "inconsistent",
                                 "observed-income": "no wage income any more", "save": "1"})  # fmt: skip
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == UnitStatus.STARTED
    resumed = client.get(url)
    rows = {row["item"]: row for row in resumed.context["rows"]}
    assert rows["income"]["result"] == "inconsistent" and rows["income"]["observed"] == "no wage income any more"
    assert rows["housing"]["result"] == ""
    # Submitting with items unanswered is refused with the items named, and nothing is lost.
    response = client.post(url, {"token": resumed.context["token"], "version": 1, "result-income": "inconsistent",
                                 "observed-income": "no wage income any more", "submit": "1", "satisfied": "no",
                                 "note": "户主外出，妻子在家"})  # fmt: skip
    assert response.status_code == 400
    assert response.context["state"]["satisfied"] == "no" and "户主外出，妻子在家" in response.content.decode()
    unit.refresh_from_db()
    assert unit.status == UnitStatus.STARTED and unit.version == 1


def test_inconsistent_needs_what_was_found_and_unverifiable_a_reason(personas, county):
    campaign = _drawn(personas.county_officer)
    unit = campaign.units.first()
    with translation.override("en"), pytest.raises(ValidationError) as inconsistent:
        _submit(unit, personas.county_officer, _answers(income=service.Answer("inconsistent")))
    assert any("found" in message for message in inconsistent.value.messages)
    with pytest.raises(ValidationError):
        _submit(unit, personas.county_officer, _answers(water=service.Answer("unverifiable")))


def test_photos_are_kept_once_and_only_images(personas, county, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    campaign = _drawn(personas.county_officer)
    unit = campaign.units.first()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    first = service.add_photo(unit, personas.county_officer, SimpleUploadedFile("door.png", png))
    again = service.add_photo(unit, personas.county_officer, SimpleUploadedFile("door.png", png))
    assert first.pk == again.pk and unit.photos.count() == 1
    with pytest.raises(ValidationError):
        service.add_photo(unit, personas.county_officer, SimpleUploadedFile("x.png", b"MZ\x90\x00" * 10))


# --- reconciliation and results ------------------------------------------------------------------------------------


def test_every_inconsistency_becomes_one_ledger_problem(personas, county):
    campaign = _drawn(personas.county_officer)
    units = list(campaign.units.order_by("id"))
    _submit(units[0], personas.county_officer, _answers(housing=service.Answer("inconsistent", observed="grade C")))
    _submit(units[1], personas.county_officer, _answers(members=service.Answer("inconsistent", observed="son left")))
    _submit(units[2], personas.county_officer)
    assert service.reconcile(campaign, personas.county_officer) == 2
    problems = Problem.objects.order_by("id")
    assert [p.item for p in problems] == ["housing", "data"]  # members are a data-quality matter for the ledger
    assert {p.source for p in problems} == {Source.VERIFICATION}
    assert problems[0].household_id == units[0].household_id and "grade C" in problems[0].description
    assert problems[0].source_ref == f"campaign {campaign.pk} unit {units[0].pk}"
    assert service.reconcile(campaign, personas.county_officer) == 0  # idempotent
    assert Problem.objects.count() == 2


def test_estimates_follow_the_answers(personas, county):
    campaign = _drawn(personas.county_officer, design=sampling.Design(kind="srs", n=20))
    units = list(campaign.units.order_by("id"))
    for index, unit in enumerate(units):
        housing = service.Answer("inconsistent", observed="D") if index < 5 else service.Answer("consistent")
        _submit(unit, personas.county_officer, _answers(housing=housing),
                standard_met=(index % 4 != 0) if unit.exited else None, satisfied=index != 7)  # fmt: skip
    lines = {line.key: line for line in results.estimates(campaign)}
    housing = lines["item:housing"].estimate
    assert housing.rate == pytest.approx(5 / 20) and housing.low < 0.25 < housing.high
    assert lines["item:income"].estimate.rate == 0 and lines["item:income"].estimate.high > 0
    exited = [unit for unit in units if unit.exited]
    wrong = sum(unit.persons for i, unit in enumerate(units) if unit.exited and i % 4 == 0)
    assert lines["wrong_exit"].estimate.rate == pytest.approx(wrong / sum(unit.persons for unit in exited))
    assert lines["approval"].estimate.rate == pytest.approx(19 / 20)
    approval = lines["approval"].estimate
    assert approval.low < 0.9 and lines["approval"].passes is None  # 19 of 20: the interval still contains 90 %
    assert lines["item:housing"].passes is None  # no standard for a single item
    with translation.override("zh-hans"):
        text = results.sentence("错退率", lines["wrong_exit"].estimate)
    assert text.startswith("错退率 ") and "95 % 置信区间" in text and "–" in text


def test_omission_rate_from_the_outside_list(personas, county):
    campaign = _campaign(personas.county_officer)
    rows = [{"row": i + 2, "village": VILLAGE_A if i % 2 else VILLAGE_C, "head_name": f"户主{i}", "persons": "4"}
            for i in range(10)]  # fmt: skip
    rows.append({"row": 12, "village": "511824100201", "head_name": "外县", "persons": "3"})
    added, rejected = service.add_outside(campaign, personas.county_officer, rows)
    assert added == 10 and [r["row"] for r in rejected] == [12]
    campaign = service.draw(campaign, personas.county_officer, design=sampling.Design(kind="srs", n=8), seed=7,
                            outside_n=5)  # fmt: skip
    outside = list(campaign.units.filter(outside__isnull=False))
    assert len(outside) == 5 and all(unit.weight == pytest.approx(2) for unit in outside)
    for index, unit in enumerate(outside):
        _submit(unit, personas.county_officer, omitted_persons=4 if index == 0 else 0)
    omission = {line.key: line for line in results.estimates(campaign)}["omission"].estimate
    assert omission.rate == pytest.approx(4 / 20)


def test_levels_compared_per_item_and_checker(personas, county):
    self_check = _campaign(personas.county_officer, level=Level.SELF_CHECK)
    self_check = service.draw(self_check, personas.county_officer, design=None)
    service.assign(self_check, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    for unit in self_check.units.all():
        _submit(unit, personas.county_officer)  # the county says: all consistent
    recheck = _drawn(personas.county_officer, parent=self_check)
    units = list(recheck.units.filter(region_code__startswith=TOWN_A[:9]).order_by("id"))
    _submit(units[0], personas.county_officer, _answers(income=service.Answer("inconsistent", observed="3,000")))
    for unit in units[1:]:
        _submit(unit, personas.county_officer)
    found = results.comparison(recheck)
    income = next(line for line in found["items"] if line["item"] == "income")
    assert income["both"] == len(units) and income["missed"] == 1 and income["agreed"] == len(units) - 1
    checker = next(line for line in found["checkers"] if line["name"] == "town_officer")
    assert checker["missed"] == 1


# --- pages and exports ---------------------------------------------------------------------------------------------


def test_campaign_walkthrough_pages(personas, county, login):
    client = login(personas.county_officer)
    assert client.get(reverse("campaigns:home")).status_code == 200
    response = client.post(reverse("campaigns:new"), {
        "name": "市级复查", "region": COUNTY, "level": Level.RE_CHECK, "population": Population.ALL,
        "items": ITEMS, "reference_date": "2026-10-31",
    })  # fmt: skip
    campaign = Campaign.objects.get(name="市级复查")
    assert response.status_code == 302
    detail = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert detail.status_code == 200 and detail.context["frame_size"] == 48
    preview = client.get(reverse("campaigns:size", args=[campaign.pk]),
                         {"kind": "srs", "margin": "10", "confidence": "0.95", "p": "50", "deff": "1",
                          "stratify_by": "town", "allocation": "proportional"})  # fmt: skip
    size = sampling.sample_size(margin=0.10, population=48)
    assert preview.context["preview"]["design"].n == size.n
    assert str(size.n) in preview.content.decode()
    response = client.post(reverse("campaigns:draw", args=[campaign.pk]), {
        "kind": "stratified", "stratify_by": "town", "allocation": "proportional", "margin": "10",
        "confidence": "0.95", "p": "50", "deff": "1", "seed": "42",
    })  # fmt: skip
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAWN and campaign.units.count() == size.n and campaign.seed == 42
    assert campaign.size["n"] == size.n
    response = client.post(reverse("campaigns:assign", args=[campaign.pk]),
                           {"region": TOWN_A, "checker": personas.town_officer.pk})  # fmt: skip
    assert campaign.units.filter(checker=personas.town_officer).exists()
    detail = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert detail.context["progress"]["total"]["assigned"] > 0
    field = login(personas.town_officer).get(reverse("campaigns:field"))
    assert field.status_code == 200 and field.context["open_units"]
    client = login(personas.county_officer)
    page = client.get(reverse("campaigns:results", args=[campaign.pk]))
    assert page.status_code == 200 and len(page.context["lines"]) == len(ITEMS) + 3
    for what in ("sample", "results"):
        export = client.get(reverse("campaigns:export", args=[campaign.pk, what]))
        assert export.status_code == 200
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
        rows = book.get_sheet_by_index(0).to_python()
        if what == "sample":
            assert len(rows) == campaign.units.count() + 1
        else:
            assert len(rows) == len(ITEMS) + 4


def test_viewer_cannot_create_or_draw(personas, county, login):
    client = login(personas.viewer)
    assert client.get(reverse("campaigns:new")).status_code == 403
    campaign = _campaign(personas.county_officer)
    assert client.post(reverse("campaigns:draw", args=[campaign.pk]), {"kind": "srs"}).status_code == 403


@pytest.mark.parametrize(
    "design",
    [
        sampling.Design(kind="srs", n=20),
        sampling.Design(kind="systematic", n=20),
        sampling.Design(kind="stratified", n=20, allocation="proportional"),
        sampling.Design(kind="pps", n=18, clusters=3, per_cluster=6),
    ],
    ids=lambda design: design.kind,
)
def test_the_pages_estimates_are_the_designs_estimates(personas, county, design):
    """What the results page shows for a fully answered sample is the design-based estimate of the sample the
    stored seed re-draws (same units, weights, strata, clusters, finite population correction)."""
    campaign = _drawn(personas.county_officer, design=design)
    units = list(campaign.units.order_by("id"))
    inconsistent = {unit.household_id for unit in units[::3]}
    for unit in units:
        housing = service.Answer("inconsistent", observed="C") if unit.household_id in inconsistent else None
        _submit(unit, personas.county_officer, _answers(**({"housing": housing} if housing else {})))
    shown = {line.key: line for line in results.estimates(campaign)}["item:housing"].estimate
    redrawn = sampling.draw(service.build_frame(campaign).frame, design, campaign.seed)
    y = [int(pk in inconsistent) for pk in redrawn.ids]
    expected = estimation.estimate_sample(redrawn, y, [1] * len(y))
    assert shown.rate == pytest.approx(expected.rate)
    assert (shown.low, shown.high, shown.se) == pytest.approx((expected.low, expected.high, expected.se))
    assert shown.method == expected.method


# --- what a county office runs into (review findings) --------------------------------------------------------------


def test_a_submitted_household_is_corrected_by_resubmitting_until_its_findings_are_in_the_ledger(personas, county):
    campaign = _drawn(personas.county_officer)
    unit = campaign.units.first()
    _submit(unit, personas.county_officer, _answers(income=service.Answer("inconsistent", observed="3,000")))
    unit = SampleUnit.objects.select_related("campaign").get(pk=unit.pk)
    with pytest.raises(service.CampaignError):  # not back to a draft: that would drop it from the estimates
        service.save_unit(unit, personas.county_officer, answers=_answers(), token=service.new_token(),
                          version=unit.version, submit=False, standard_met=True)  # fmt: skip
    corrected = _answers(income=service.Answer("inconsistent", observed="2,800"))
    unit, applied = _submit(unit, personas.county_officer, corrected)
    assert applied and unit.status == UnitStatus.DONE
    assert service.reconcile(campaign, personas.county_officer) == 1
    with pytest.raises(service.CampaignError) as refused:
        _submit(unit, personas.county_officer)  # all consistent now: the ledger problem would be orphaned
    assert "#" in str(refused.value)
    assert Observation.objects.get(unit=unit, item="income").result == "inconsistent"


def test_hostile_field_values_get_an_answer_not_a_500(personas, county, login):
    campaign = _drawn(personas.county_officer)
    service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    unit = campaign.units.filter(checker=personas.town_officer).first()
    client = login(personas.town_officer)
    url = reverse("campaigns:field-unit", args=[unit.pk])
    data = {"token": "t1", "version": 0, "latitude": "NaN", "longitude": "Infinity", "save": "1",
            "result-income": "consistent"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    unit.refresh_from_db()
    assert unit.latitude is None and unit.longitude is None and unit.status == UnitStatus.STARTED
    # Another device saved meanwhile: this form is refused, the stored answers shown, its own answers listed.
    data = {"token": "t2", "version": 0, "result-income": "inconsistent", "observed-income": "无工资收入", "save": "1"}
    response = client.post(url, data)
    assert response.status_code == 400 and response.context["unsent"]
    assert "无工资收入" in response.context["unsent"][0]
    assert {row["item"]: row["result"] for row in response.context["rows"]}["income"] == "consistent"
    assert response.context["unit"].version == 1
    with pytest.raises(ValidationError):  # more persons omitted than the household has
        outside_like = SampleUnit.objects.select_related("campaign").get(pk=unit.pk)
        service.save_unit(outside_like, personas.town_officer, answers={}, token="t3", version=1, submit=False,
                          omitted_persons=outside_like.persons + 1)  # fmt: skip


def test_results_and_their_export_with_a_single_answer(personas, county, login):
    campaign = _drawn(personas.county_officer)
    _submit(campaign.units.first(), personas.county_officer)
    client = login(personas.county_officer)
    assert client.get(reverse("campaigns:results", args=[campaign.pk])).status_code == 200
    export = client.get(reverse("campaigns:export", args=[campaign.pk, "results"]))
    assert export.status_code == 200 and b"".join(export.streaming_content)


def test_a_design_that_does_not_fit_the_frame_is_explained(personas, county, login):
    campaign = _campaign(personas.county_officer)
    client = login(personas.county_officer)
    response = client.post(reverse("campaigns:draw", args=[campaign.pk]), {
        "kind": "pps", "clusters": "50", "per_cluster": "5", "margin": "5", "confidence": "0.95", "p": "50",
        "deff": "1", "stratify_by": "town", "allocation": "proportional",
    }, follow=True)  # fmt: skip
    assert response.status_code == 200 and list(response.context["messages"])
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not campaign.units.exists()


def test_an_outside_list_uploaded_again_replaces_the_first(personas, county, login):
    campaign = _campaign(personas.county_officer)
    client = login(personas.county_officer)
    text = "村代码,户主姓名,人数,编号\n" + f"{VILLAGE_A},张三,4,1\n{VILLAGE_A},李四,inf,2\n{VILLAGE_A},张三,4,1\n"
    for _ in range(2):
        upload = SimpleUploadedFile("outside.csv", text.encode("utf-8"))
        assert client.post(reverse("campaigns:outside", args=[campaign.pk]), {"file": upload}).status_code == 302
    assert list(campaign.outside.values_list("head_name", flat=True)) == ["张三"]  # inf and the repeat rejected
    upload = SimpleUploadedFile("outside.csv", b"MZ\x90\x00\x00binary")
    client.post(reverse("campaigns:outside", args=[campaign.pk]), {"file": upload})
    assert campaign.outside.count() == 1  # a refused file changes nothing


def test_closing_needs_a_drawn_campaign_and_a_confirmation(personas, county, login):
    draft = _campaign(personas.county_officer)
    with pytest.raises(service.CampaignError):
        service.close(draft, personas.county_officer)
    campaign = _drawn(personas.county_officer)
    client = login(personas.county_officer)
    client.post(reverse("campaigns:close", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAWN
    client.post(reverse("campaigns:close", args=[campaign.pk]), {"confirm": "1"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert AuditEntry.objects.filter(action="campaign_closed").last().changes == {"done": 0, "pending": 16}


def test_a_user_of_another_county_cannot_be_assigned_nor_named(personas, county, login):
    campaign = _drawn(personas.county_officer)
    client = login(personas.county_officer)
    response = client.post(reverse("campaigns:assign", args=[campaign.pk]),
                           {"region": TOWN_A, "checker": personas.outsider.pk})  # fmt: skip
    assert response.status_code == 404
    assert not campaign.units.filter(checker__isnull=False).exists()


def test_reassigning_leaves_verified_households_with_their_checker(personas, county):
    campaign = _drawn(personas.county_officer)
    service.assign(campaign, personas.county_officer, checker=personas.town_officer, region_code=TOWN_A)
    done = campaign.units.filter(checker=personas.town_officer).first()
    _submit(done, personas.town_officer)
    colleague = make_user("colleague", TOWN_A, "checker")
    moved = service.assign(campaign, personas.county_officer, checker=colleague, region_code=TOWN_A,
                           only_unassigned=False)  # fmt: skip
    assert moved == campaign.units.filter(region_code__startswith=TOWN_A[:9]).count() - 1
    done.refresh_from_db()
    assert done.checker == personas.town_officer


def test_progress_drills_down_to_the_villages_of_a_town_and_flags_overdue_campaigns(personas, county, login):
    campaign = _drawn(personas.county_officer)
    Campaign.objects.filter(pk=campaign.pk).update(deadline=dt.date(2020, 1, 1))
    client = login(personas.county_officer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk]), {"town": TOWN_A})
    villages = page.context["progress"]["villages"]
    assert {row["code"] for row in villages} <= {VILLAGE_A, "511823100202"} and villages
    assert sum(row["all"] for row in villages) == campaign.units.filter(region_code__startswith=TOWN_A[:9]).count()
    listing = client.get(reverse("campaigns:home"))
    assert next(c for c in listing.context["campaigns"] if c.pk == campaign.pk).overdue
