"""The problem ledger's rules: born from findings once, reopened not duplicated, transitions and their refusals."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import override

from conftest import COUNTY, OTHER_VILLAGE, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, VILLAGE_C, make_user
from jingzhun.audit.chain import verify
from jingzhun.audit.models import AuditEntry
from jingzhun.ledger import transitions
from jingzhun.ledger.access import problems_for
from jingzhun.ledger.models import Event, LedgerSync, Problem, Status
from jingzhun.ledger.sync import sync_run
from jingzhun.registry.models import Person, Region
from jingzhun.standards.models import Finding
from jingzhun.standards.runs import run_checks

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="photo.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def county_run(**kwargs):
    return run_checks(Region.objects.get(code=COUNTY), 2023, **kwargs)


def pairs(run) -> set[tuple[int, str]]:
    return set(Finding.objects.filter(run=run).values_list("household_id", "rule_id").distinct())


@pytest.fixture(autouse=True)
def _english():
    with override("en"):
        yield


@pytest.fixture
def ledger(registry, personas):
    """The conftest registry checked once: every (household, rule) that fires is a problem."""
    run = county_run()
    return run


def a_problem(village=VILLAGE_B, rule="MED-003") -> Problem:
    return Problem.objects.filter(region_code=village, rule_id=rule).order_by("pk").first()


# --- born from findings ------------------------------------------------------------------------------------------


def test_a_run_makes_one_problem_per_household_and_rule(ledger):
    expected = pairs(ledger)
    assert expected, "the conftest registry should fire some rules"
    got = set(Problem.objects.values_list("household_id", "rule_id"))
    assert got == expected
    assert Event.objects.filter(action="created").count() == len(expected)
    assert LedgerSync.objects.get(run=ledger).created == len(expected)
    problem = Problem.objects.first()
    assert problem.status == Status.OPEN and problem.deadline > timezone.localdate() and problem.description


def test_rerunning_checks_does_not_duplicate(ledger):
    before = Problem.objects.count()
    second = county_run()
    assert Problem.objects.count() == before
    assert Problem.objects.filter(last_run=second).count() == before
    assert not Problem.objects.values("household", "rule_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert LedgerSync.objects.get(run=second).created == 0


def test_a_run_is_synced_once(ledger):
    result = sync_run(ledger)
    assert result.skipped and result.created == 0


def test_a_problem_fixed_in_the_data_awaits_verification(ledger):
    problem = a_problem()
    spouse = Person.objects.get(pk=Problem.objects.get(pk=problem.pk).person_id or 0) if problem.person_id else None
    assert spouse is not None, "MED-003 fires on the spouse alone"
    spouse.insured_serious_illness = True
    spouse.save()
    county_run()
    problem.refresh_from_db()
    assert problem.fixed_in_data_at is not None and problem.status == Status.OPEN
    assert problem.events.filter(action="fixed_in_data").count() == 1
    # Still firing elsewhere: other problems are untouched.
    assert Problem.objects.filter(rule_id="MED-003", fixed_in_data_at__isnull=True).count() > 0
    # The data breaks again: the mark goes.
    spouse.insured_serious_illness = False
    spouse.save()
    county_run()
    problem.refresh_from_db()
    assert problem.fixed_in_data_at is None
    assert problem.events.filter(action="found_again").count() == 1


def test_a_closed_problem_whose_rule_fires_again_reopens_instead_of_duplicating(ledger, personas):
    problem = a_problem()
    Problem.objects.filter(pk=problem.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    count = Problem.objects.count()
    county_run()
    problem.refresh_from_db()
    assert Problem.objects.count() == count
    assert problem.status == Status.OPEN and problem.reopened == 1 and problem.closed_at is None
    assert list(problem.events.values_list("action", flat=True)) == ["created", "reopened"]


def test_a_run_over_a_town_leaves_the_other_towns_problems_alone(ledger):
    other = a_problem(VILLAGE_C)
    run_checks(Region.objects.get(code=TOWN_A), 2023)
    other.refresh_from_db()
    assert other.fixed_in_data_at is None and other.last_run_id == ledger.pk


def test_an_older_income_year_does_not_mark_problems_fixed(ledger):
    run = run_checks(Region.objects.get(code=COUNTY), 2022)
    assert not LedgerSync.objects.filter(run=run).exists()
    assert not Problem.objects.filter(fixed_in_data_at__isnull=False).exists()


# --- transitions -------------------------------------------------------------------------------------------------


def rectify(problem, user, measures="补缴大病保险"):
    problem = transitions.start(problem, user)
    transitions.add_evidence(problem, user, photo())
    return transitions.submit(problem, user, measures=measures)


def test_the_whole_way_to_closed(ledger, personas):
    problem = a_problem()
    cadre, town = personas.village_cadre, personas.town_officer
    problem = rectify(problem, cadre)
    assert problem.status == Status.RECTIFIED and problem.rectified_level == "village"
    problem = transitions.close(problem, town, result="入户核实，已参保")
    assert problem.status == Status.CLOSED and problem.closed_by == town
    actions = list(problem.events.values_list("action", flat=True))
    assert actions == ["created", "started", "evidence", "rectified", "closed"]
    logged = list(AuditEntry.objects.filter(object_type="ledger.problem", object_id=str(problem.pk))
                  .values_list("action", flat=True))  # fmt: skip
    assert logged == ["problem_started", "problem_evidence", "problem_rectified", "problem_closed"]
    assert verify().ok


def test_closing_needs_a_verifier_from_a_higher_level_than_the_rectifier(ledger, personas):
    problem = rectify(a_problem(VILLAGE_A), personas.town_officer)  # the town rectified it itself
    assert problem.rectified_level == "town"
    with pytest.raises(transitions.NotAllowed, match="level above"):
        transitions.close(problem, make_user("town_two", TOWN_A, "checker"), result="ok")
    with pytest.raises(transitions.NotAllowed):
        transitions.close(problem, personas.village_cadre, result="ok")
    assert transitions.close(problem, personas.county_officer, result="ok").status == Status.CLOSED


def test_a_viewer_may_not_rectify(ledger, personas):
    with pytest.raises(transitions.NotAllowed):
        transitions.start(a_problem(), personas.viewer)
    assert a_problem().status == Status.OPEN


def test_another_regions_user_may_not_touch_the_problem(ledger, personas):
    problem = a_problem(VILLAGE_B)
    for user in (personas.outsider, make_user("cadre_a", VILLAGE_A, "data_officer")):
        assert not problems_for(user).filter(pk=problem.pk).exists()
        with pytest.raises(transitions.NotAllowed):
            transitions.start(problem, user)


def test_a_transition_from_the_wrong_state_is_refused(ledger, personas):
    problem = a_problem()
    with pytest.raises(transitions.WrongState):
        transitions.close(problem, personas.county_officer, result="ok")
    with pytest.raises(transitions.WrongState):
        transitions.submit(problem, personas.village_cadre, measures="x")


def test_rectifying_needs_measures_and_evidence(ledger, personas):
    problem = transitions.start(a_problem(), personas.village_cadre)
    with pytest.raises(ValidationError):
        transitions.submit(problem, personas.village_cadre, measures="  ")
    with pytest.raises(ValidationError, match="evidence"):
        transitions.submit(problem, personas.village_cadre, measures="已补缴")
    with pytest.raises(ValidationError):
        transitions.add_evidence(problem, personas.village_cadre, photo("evil.png", b"MZ\x90\x00 not a picture"))
    assert not problem.evidence.exists()


def test_sending_back_and_rejecting_need_a_reason_and_the_level_above(ledger, personas):
    problem = rectify(a_problem(), personas.village_cadre)
    with pytest.raises(ValidationError):
        transitions.send_back(problem, personas.town_officer, reason="")
    problem = transitions.send_back(problem, personas.town_officer, reason="照片不清晰")
    assert problem.status == Status.RECTIFYING and problem.verification_result == "照片不清晰"
    other = a_problem(VILLAGE_A)
    with pytest.raises(transitions.NotAllowed):
        transitions.reject(other, make_user("cadre_a", VILLAGE_A, "data_officer"), reason="x")
    rejected = transitions.reject(other, personas.town_officer, reason="数据口径不同，不属问题")
    assert rejected.status == Status.REJECTED and rejected.rejection_reason
    reopened = transitions.reopen(rejected, personas.county_officer, reason="巡视回头看发现仍未解决")
    assert reopened.status == Status.OPEN and reopened.reopened == 1


def test_two_people_acting_on_the_same_view_of_a_problem_one_wins(ledger, personas):
    problem = rectify(a_problem(), personas.village_cadre)
    first, second = Problem.objects.get(pk=problem.pk), Problem.objects.get(pk=problem.pk)
    transitions.close(first, personas.town_officer, result="核实通过")
    with pytest.raises(transitions.Conflict, match="closed"):
        transitions.send_back(second, personas.county_officer, reason="不通过")
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    assert problem.events.filter(action__in=["closed", "sent_back"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_verifiers_at_the_same_moment_exactly_one_closes(registry, personas):
    county_run()
    problem = rectify(a_problem(), personas.village_cadre)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        try:
            mine = Problem.objects.get(pk=problem.pk)
            barrier.wait(timeout=10)
            transitions.close(mine, user, result=f"{user.username} 核实")
            outcomes.append("closed")
        except transitions.Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(user,)) for user in (personas.town_officer, personas.county_officer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["closed", "conflict"]
    assert Event.objects.filter(problem_id=problem.pk, action="closed").count() == 1
    assert verify().ok


# --- assignment --------------------------------------------------------------------------------------------------


def test_the_county_assigns_to_a_town_and_the_town_to_a_village(ledger, personas):
    county = personas.county_officer
    everything = problems_for(county)
    town_a_count = everything.in_region(TOWN_A).count()
    assigned = transitions.assign(everything, county, region_code=TOWN_A, deadline=dt.date(2030, 1, 1))
    assert assigned == town_a_count  # the other town's problems are not town A's to take
    assert not everything.in_region(TOWN_B).filter(assignee_region__isnull=False).exists()
    town = personas.town_officer
    village_b = problems_for(town).in_region(VILLAGE_B)
    assert transitions.assign(problems_for(town), town, region_code=VILLAGE_B, person="李四") == village_b.count()
    problem = village_b.first()
    assert problem.assignee_region_id == VILLAGE_B and problem.responsible_person == "李四"
    history = list(problem.events.filter(action="assigned").values_list("details", flat=True))
    assert [h["to"]["region"] for h in history] == [TOWN_A, VILLAGE_B]
    assert history[1]["from"]["region"] == TOWN_A


def test_assignment_goes_down_only_and_stays_in_the_region(ledger, personas):
    town = personas.town_officer
    for target in (COUNTY, TOWN_A, TOWN_B, VILLAGE_C, OTHER_VILLAGE):
        with pytest.raises(transitions.NotAllowed):
            transitions.assign(problems_for(town), town, region_code=target)
    with pytest.raises(transitions.NotAllowed):  # departments are the county's to task
        transitions.assign(problems_for(town), town, sector="medical_insurance")
    with pytest.raises(transitions.NotAllowed):
        transitions.assign(problems_for(personas.viewer), personas.viewer, region_code=TOWN_A)


def test_a_town_cannot_take_back_what_the_county_gave_a_department(ledger, personas):
    county = personas.county_officer
    assert transitions.assign(problems_for(county), county, sector="medical_insurance") > 0
    problem = Problem.objects.filter(item="medical", region_code=VILLAGE_B).first()
    assert problem.assignee_sector == "medical_insurance" and problem.assignee_region_id == COUNTY
    assert transitions.assign(problems_for(personas.town_officer).filter(pk=problem.pk), personas.town_officer,
                              region_code=VILLAGE_B) == 0  # fmt: skip
    bureau = make_user("medical_bureau", COUNTY, "data_officer", sector="medical_insurance")
    visible = problems_for(bureau)
    assert visible.filter(pk=problem.pk).exists() and not visible.exclude(item="medical").exists()


def test_a_department_rectifies_its_sectors_problems_and_the_county_verifies(ledger, personas):
    bureau = make_user("medical_bureau", COUNTY, "data_officer", sector="medical_insurance")
    county = personas.county_officer
    transitions.assign(problems_for(county), county, sector="medical_insurance")
    problem = problems_for(bureau).filter(item="medical").first()
    problem = rectify(problem, bureau, measures="医保局核实后代缴")
    assert problem.rectified_level == "department"
    with pytest.raises(transitions.NotAllowed):  # a department does not sign off its own work
        transitions.close(problem, bureau, result="ok")
    with pytest.raises(transitions.NotAllowed):  # nor does a town, below the county's bureaux
        transitions.close(problem, personas.town_officer, result="ok")
    assert transitions.close(problem, county, result="县领导小组办公室核验").status == Status.CLOSED
    other = problems_for(county).exclude(item="medical").first()
    with pytest.raises(transitions.NotAllowed):  # another sector's problem is not the bureau's
        transitions.start(other, bureau)


def test_a_problem_follows_its_household_to_another_village(ledger):
    problem = a_problem(VILLAGE_B)
    household = problem.household
    household.village_id = VILLAGE_A
    household.save()
    county_run()
    problem.refresh_from_db()
    assert problem.region_code == VILLAGE_A
    moved = problem.events.get(action="edited")
    assert moved.details == {"changes": {"region_code": [VILLAGE_B, VILLAGE_A]}} and moved.region_code == VILLAGE_A
    assert Problem.objects.filter(household=household, rule_id=problem.rule_id).count() == 1
