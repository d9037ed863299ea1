"""Every built-in rule, table-driven: rows in, findings out, on the database backend and on DuckDB.

A clean household fires no rule; each case plants one defect and expects exactly the findings it names, as
(rule id, person name) pairs with None for household-level rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.standards.models import Finding
from jingzhun.standards.rules import load_ruleset
from jingzhun.standards.runs import run_checks
from rules_fixtures import clean_members, create_household, regions

pytestmark = pytest.mark.django_db


def members(**changes) -> list[dict]:
    """The clean members with changes by name: members(配偶={"sex": ...})."""
    rows = clean_members()
    for row in rows:
        row.update(changes.get(row["name"], {}))
    return rows


MONITORED = {"monitoring_category": "脱贫不稳定户", "risk_types": "因病"}
ELIMINATED = {**MONITORED, "risk_eliminated": True, "risk_elimination_method": "帮扶消除"}
EXITED = {"household_type": "脱贫户", "exit_year": 2018, "poverty_attribute": "一般"}


def low_income(per_capita: int) -> dict:
    return {"wage": Decimal(per_capita * 3), "operating": Decimal(0), "transfer": Decimal(0),
            "production_costs": Decimal(0)}  # fmt: skip


CASES = {
    "EDU-001": ({}, members(之子={"school_status": "非在校生"}), None, {("EDU-001", "之子")}),
    "EDU-002": ({}, members(之子={"dropout_reason": "家庭困难"}), None, {("EDU-002", "之子")}),
    "MED-001": ({}, members(配偶={"insured_resident_medical": False, "insured_serious_illness": False}), None,
                {("MED-001", "配偶")}),
    "MED-002": ({}, members(配偶={"insured_employee_medical": True}), None, {("MED-002", "配偶")}),
    "MED-003": ({}, members(配偶={"insured_serious_illness": False}), None, {("MED-003", "配偶")}),
    "HOU-001": ({"housing_grade": "D", "safe_housing_measure": "无"}, None, None, {("HOU-001", None)}),
    "HOU-002": ({**EXITED, "housing_grade": "未鉴定", "safe_housing_measure": ""}, None, None,
                {("HOU-002", None)}),
    "WAT-001": ({"water_litres_per_day": Decimal(20)}, None, None, {("WAT-001", None)}),
    "WAT-002": ({"water_piped": False, "water_fetch_minutes": 30}, None, None, {("WAT-002", None)}),
    "WAT-003": ({"water_quality_ok": False}, None, None, {("WAT-003", None)}),
    "WAT-004": ({"water_outage_days": 40}, None, None, {("WAT-004", None)}),
    "FOO-001": ({"food_secure": False}, None, None, {("FOO-001", None)}),
    "FOO-002": ({"clothing_secure": False}, None, None, {("FOO-002", None)}),
    "INC-001": (EXITED, None, low_income(3000), {("INC-001", None), ("INC-002", None)}),
    "INC-002": ({}, None, low_income(5000), {("INC-002", None)}),
    "INC-003": (ELIMINATED, None, low_income(5000), {("INC-003", None)}),
    "INC-004": ({}, None, {"stated_per_capita": Decimal(20000)}, {("INC-004", None)}),
    "INC-005": ({}, None, {"property_income": Decimal(-100)}, {("INC-005", None)}),
    "INC-006": (EXITED, None, False, {("INC-006", None)}),
    "MON-001": ({"monitoring_category": "边缘易致贫户"}, None, None, {("MON-001", None)}),
    "MON-004": ({**ELIMINATED, "risk_elimination_method": ""}, None, None, {("MON-004", None)}),
    "MON-002": ({**ELIMINATED, "food_secure": False}, None, None, {("MON-002", None), ("FOO-001", None)}),
    "MON-003": (ELIMINATED, members(户主={"labour_capacity": "丧失劳动力"}, 配偶={"labour_capacity": "无劳动力"}),
                None, {("MON-003", None)}),
    "DQ-002": ({}, members(配偶={"birth_date": dt.date(1973, 8, 9)}), None, {("DQ-002", "配偶")}),
    "DQ-004": ({}, members(配偶={"relation": "户主"}), None, {("DQ-004", None)}),
    "DQ-005": ({"household_size": 4}, [*members(), {"name": "配偶二", "relation": "配偶", "born": dt.date(1975, 1, 1),
               "male": False, "education_level": "小学", "school_status": "非在校生",
               "labour_capacity": "普通劳动力"}], None, {("DQ-005", None)}),
    "DQ-006": ({}, members(配偶={"male": True}), None, {("DQ-006", "配偶")}),
    "DQ-007": ({"household_size": 1}, [{"name": "户主", "relation": "户主", "born": dt.date(2012, 1, 1), "male": True,
               "education_level": "", "school_status": "七年级", "labour_capacity": "无劳动力"}], None,
               {("DQ-007", "户主")}),
    "DQ-008": ({}, members(之子={"born": dt.date(1980, 3, 3), "school_status": "非在校生", "education_level": "初中",
               "labour_capacity": "普通劳动力"}), None, {("DQ-008", "之子")}),
    "DQ-010": ({}, members(之子={"education_level": "小学"}), None, {("DQ-010", "之子")}),
    "DQ-011": ({"phone": "1381234567"}, None, None, {("DQ-011", None)}),
    "DQ-012": ({}, members(配偶={"migrant_months": 6}), None, {("DQ-012", "配偶")}),
    "DQ-013": ({"household_size": 4}, [*members(), {"name": "已故", "relation": "之父", "born": dt.date(1940, 1, 1),
               "male": True, "status": "死亡", "education_level": "文盲或半文盲", "school_status": "非在校生",
               "labour_capacity": "丧失劳动力"}], None, {("DQ-013", None)}),
}  # fmt: skip

ENGINES = ["database", "duckdb"]


def findings_of(run) -> set[tuple[str, str | None]]:
    rows = Finding.objects.filter(run=run).select_related("person")
    return {(f.rule_id, f.person.name if f.person else None) for f in rows}


def check(engine: str, county, tmp_path):
    if engine == "duckdb":
        pytest.importorskip("duckdb")
        from jingzhun.standards.snapshot import write_snapshot

        write_snapshot(tmp_path / "snapshot")
        return run_checks(county, 2025, engine="duckdb", snapshot=tmp_path / "snapshot")
    return run_checks(county, 2025)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clean_household_fires_no_rule(engine, tmp_path):
    places = regions()
    create_household(places["village"], "H-CLEAN")
    run = check(engine, places["county"], tmp_path)
    assert findings_of(run) == set()
    assert run.total == 0 and set(run.counts) == {rule.id for rule in load_ruleset().rules}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_fires_exactly_on_its_defect(rule_id, engine, tmp_path):
    places = regions()
    household, people, income, expected = CASES[rule_id]
    create_household(places["village"], "H-CLEAN")
    create_household(places["village"], "H-DEFECT", household, people, income)
    run = check(engine, places["county"], tmp_path)
    assert findings_of(run) == expected
    assert run.counts[rule_id] == sum(1 for rule, _ in expected if rule == rule_id)


@pytest.mark.parametrize("engine", ENGINES)
def test_dq001_fires_on_a_bad_check_digit(engine, tmp_path):
    places = regions()
    household = create_household(places["village"], "H1")
    head = household.members.get(name="户主")
    head.id_number = head.id_number[:-1] + ("0" if head.id_number[-1] != "0" else "1")
    head.save()
    assert findings_of(check(engine, places["county"], tmp_path)) == {("DQ-001", "户主")}


@pytest.mark.parametrize("engine", ENGINES)
def test_dq003_fires_on_every_record_sharing_an_id(engine, tmp_path):
    places = regions()
    first = create_household(places["village"], "H1")
    second = create_household(places["village"], "H2")
    shared = first.members.get(name="户主").id_number
    second.members.filter(name="户主").update(id_number=shared)
    run = check(engine, places["county"], tmp_path)
    assert findings_of(run) == {("DQ-003", "户主")}
    assert run.counts["DQ-003"] == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_dq009_fires_on_a_household_placed_on_a_town(engine, tmp_path):
    places = regions()
    create_household(places["town"], "H1")
    assert findings_of(check(engine, places["county"], tmp_path)) == {("DQ-009", None)}


def test_a_run_covers_only_its_region(tmp_path):
    places = regions()
    from jingzhun.registry.models import Region

    other_village = Region.objects.create(code="511823101202", name="红星村", level="village",
                                          parent=places["town"])  # fmt: skip
    create_household(places["village"], "H1", {"food_secure": False})
    create_household(other_village, "H2", {"food_secure": False})
    run = run_checks(places["village"], 2025)
    assert Finding.objects.filter(run=run).values_list("household__number", flat=True).get() == "H1"


def test_findings_record_the_values_and_parameters_that_made_them_fire():
    places = regions()
    create_household(places["village"], "H1", {"water_litres_per_day": Decimal(20)})
    finding = Finding.objects.get(run=run_checks(places["county"], 2025))
    assert finding.values["water_litres_per_day"] == 20
    assert finding.values["water_min_litres"] == 35


def test_the_builtin_rule_set_covers_every_rule_of_the_standard():
    ids = {rule.id for rule in load_ruleset().rules}
    expected = {f"EDU-00{i}" for i in (1, 2)} | {f"MED-00{i}" for i in (1, 2, 3)} | {"HOU-001", "HOU-002"}
    expected |= {f"WAT-00{i}" for i in range(1, 5)} | {"FOO-001", "FOO-002"} | {f"INC-00{i}" for i in range(1, 6)}
    expected |= {f"MON-00{i}" for i in (1, 2, 3)} | {f"DQ-{i:03d}" for i in range(1, 14)}
    assert expected <= ids


def test_a_run_records_the_rules_it_used():
    places = regions()
    create_household(places["village"], "H1")
    run = run_checks(places["county"], 2025)
    run.refresh_from_db()
    assert run.rules["FOO-001"]["item"] == "food"
    assert run.rules["FOO-001"]["when"] == "food_secure = false"
    assert set(run.rules) == {rule.id for rule in load_ruleset().rules}


def test_comparing_two_runs_gives_new_persisting_and_resolved_findings():
    from jingzhun.registry.models import Household
    from jingzhun.standards.runs import compare

    places = regions()
    household = create_household(places["village"], "H1", {"food_secure": False, "water_quality_ok": False})
    first = run_checks(places["county"], 2025)
    Household.objects.filter(pk=household.pk).update(food_secure=True, clothing_secure=False)
    second = run_checks(places["county"], 2025)
    result = compare(first, second)
    assert result.new == {"FOO-002": 1}
    assert result.persisting == {"WAT-003": 1}
    assert result.resolved == {"FOO-001": 1}
