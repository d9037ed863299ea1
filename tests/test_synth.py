"""The synthetic county: deterministic, realistic, and its planted defects are exactly the ground truth."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from stdnum.cn import ric

import synth_oracle  # tests/ is on sys.path (rootdir conftest, no package)
from jingzhun.registry import idnumber
from jingzhun.synth import RULE_IDS, Options, generate, writers
from jingzhun.synth.standard import Standard

SMALL = 300


def _params(standard: Standard) -> dict:
    from decimal import Decimal

    return {
        "poverty_line": Decimal(standard.poverty_line) / 100,
        "monitoring_line": Decimal(standard.monitoring_line) / 100,
        "water_min_litres": Decimal(standard.water_min_tenths) / 10,
        "water_max_fetch_minutes": standard.water_max_fetch_minutes,
        "water_max_outage_days": standard.water_max_outage_days,
        "age_min": standard.education_age_min,
        "age_max": standard.education_age_max,
        "reference_date": standard.reference_date,
    }


def _oracle(county, tmp_path) -> set[tuple[str, str, str]]:
    path = tmp_path / "registry.csv"
    writers.write_csv(county.households, path)
    villages = {region.code for region in county.villages}
    return synth_oracle.findings(synth_oracle.read_rows(path), _params(county.standard), villages)


def _by_rule(findings) -> dict[str, set]:
    grouped: dict[str, set] = {rule: set() for rule in RULE_IDS}
    for finding in findings:
        grouped[finding[0]].add(finding)
    return grouped


@pytest.fixture(scope="module")
def clean():
    return generate(Options(households=SMALL, seed=11, defect_rate=0))


# Determinism ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_same_seed_writes_byte_identical_files(tmp_path, suffix):
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    call_command("synth", households=120, seed=5, out=str(first), stdout=_Sink())
    call_command("synth", households=120, seed=5, out=str(second), stdout=_Sink())
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "a.truth.csv").read_bytes() == (tmp_path / "b.truth.csv").read_bytes()


def test_a_different_seed_writes_a_different_file(tmp_path):
    call_command("synth", households=120, seed=5, out=str(tmp_path / "a.csv"), stdout=_Sink())
    call_command("synth", households=120, seed=6, out=str(tmp_path / "b.csv"), stdout=_Sink())
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "b.csv").read_bytes()


def test_the_clean_households_do_not_change_with_the_defect_rate(tmp_path):
    low = generate(Options(households=80, seed=3, defect_rate=0))
    high = generate(Options(households=80, seed=3, defect_rate=0.05))
    assert [h.number for h in low.households] == [h.number for h in high.households]
    assert low.households[0].members[0].id_number in {p.id_number for p in high.households[0].members}


def test_the_xlsx_holds_the_same_cells_as_the_csv_with_numbers_as_numbers(tmp_path):
    from python_calamine import CalamineWorkbook

    county = generate(Options(households=40, seed=2))
    writers.write_xlsx(county.households, tmp_path / "r.xlsx")
    sheet = CalamineWorkbook.from_path(str(tmp_path / "r.xlsx")).get_sheet_by_index(0).to_python()
    expected = list(writers.text_rows(county.households))
    assert len(sheet) == len(expected)
    for got, want in zip(sheet, expected, strict=True):
        for cell, text in zip(got, want, strict=True):
            if isinstance(cell, int | float):
                assert cell == pytest.approx(float(text))
            else:
                assert cell == text


def test_the_csv_has_a_bom_and_the_template_header(tmp_path):
    path = tmp_path / "r.csv"
    call_command("synth", households=10, seed=1, out=str(path), stdout=_Sink())
    raw = path.read_bytes()
    assert raw.startswith("\ufeff行政区划代码,乡镇名称,村名称,户编号".encode())


# Realism --------------------------------------------------------------------------------------------------------
def test_the_county_is_hanyuan_with_about_ten_towns_of_about_fifteen_villages(clean):
    names = {region.level: region.name for region in clean.regions[:3]}
    assert names == {"province": "四川省", "city": "雅安市", "county": "汉源县"}
    towns = [region for region in clean.regions if region.level == "town"]
    assert 9 <= len(towns) <= 11
    assert all(region.code[:6] == "511823" and region.code.endswith("000") for region in towns)
    assert 12 * len(towns) <= len(clean.villages) <= 18 * len(towns)
    assert all(v.code[:9] == v.parent[:9] and v.code[9:] >= "201" for v in clean.villages)
    assert len({region.name for region in clean.regions}) == len(clean.regions)


def test_every_id_number_is_valid_and_agrees_with_the_recorded_sex_and_birth_date(clean):
    for household in clean.households:
        for person in household.members:
            info = idnumber.parse(person.id_number)
            assert info.valid, person.id_number
            assert (info.sex, info.birth_date) == (person.sex, person.birth_date)
            # The birth place is one python-stdnum accepts for the birth year (513124 before 2000, 511823 after).
            assert ric.get_birth_place(person.id_number)["county"] == "汉源县"


def test_id_numbers_are_unique(clean):
    numbers = [person.id_number for household in clean.households for person in household.members]
    assert len(numbers) == len(set(numbers))


def test_household_sizes_are_those_of_rural_china(clean):
    sizes = [len(household.normal_members) for household in clean.households]
    assert 2.6 <= sum(sizes) / len(sizes) <= 3.4
    assert sum(1 for size in sizes if size <= 2) / len(sizes) >= 0.25
    assert max(sizes) >= 5


def test_relations_are_consistent_with_ages_in_clean_data(clean):
    ref = clean.standard.reference_date
    for household in clean.households:
        head = next(p for p in household.members if p.relation == "户主")
        head_age = idnumber.age_on(head.birth_date, ref)
        assert head_age >= 18
        for person in household.members:
            gap = head_age - idnumber.age_on(person.birth_date, ref)
            if person.relation == "配偶":
                assert person.sex != head.sex and abs(gap) <= 10
            elif person.relation in ("之子", "之女", "之儿媳", "之女婿"):
                assert 14 <= gap <= 40, (person.relation, gap)
                if person.relation in ("之子", "之女"):
                    assert 20 <= gap <= 40
            elif person.relation in ("之孙子", "之孙女"):
                assert gap >= 40
            elif person.relation in ("之父", "之母"):
                assert -40 <= gap <= -20
            assert (person.relation in ("之子", "之孙子", "之父")) <= (person.sex == "男")


def test_school_age_children_are_enrolled_in_the_grade_of_their_age(clean):
    ref = clean.standard.reference_date
    children = [p for h in clean.households for p in h.normal_members if 6 <= idnumber.age_on(p.birth_date, ref) <= 15]
    assert children
    enrolled = [p for p in children if p.school_status not in ("非在校生", "")]
    assert len(enrolled) / len(children) > 0.95
    for person in enrolled:
        age = idnumber.age_on(person.birth_date, ref)
        if person.school_status == "七年级":
            assert age in (12, 13)


def test_some_households_are_monitored_exited_and_have_former_members():
    county = generate(Options(households=1500, seed=2, defect_rate=0))
    households = county.households
    monitored = sum(1 for h in households if h.monitoring_category) / len(households)
    assert 0.03 <= monitored <= 0.08
    exited = [h for h in households if h.household_type == "脱贫户"]
    assert exited and all(2014 <= h.exit_year <= 2020 for h in exited)
    assert any(p.status in ("死亡", "迁出") for h in households for p in h.members)
    assert all(len(h.phone) == 11 for h in households if h.phone)
    assert all(h.cadre_name and len(h.cadre_phone) == 11 for h in households)


# Defects and ground truth ---------------------------------------------------------------------------------------
def test_clean_data_triggers_no_rule_for_the_oracle(clean, tmp_path):
    assert clean.truth == []
    assert sum(clean.planted.values()) == 0
    assert _oracle(clean, tmp_path) == set()


@pytest.mark.parametrize("rate", [0.02, 0.05])
def test_the_oracle_finds_exactly_the_ground_truth_rule_by_rule(tmp_path, rate):
    county = generate(Options(households=400, seed=21, defect_rate=rate))
    found, truth = _by_rule(_oracle(county, tmp_path)), _by_rule(county.truth)
    for rule in RULE_IDS:
        assert found[rule] == truth[rule], rule


def test_every_kind_is_planted_and_found_at_the_default_rate_on_a_few_hundred_households():
    county = generate(Options(households=SMALL, seed=4))
    assert all(county.planted[rule] >= 1 for rule in RULE_IDS), county.planted
    assert set(county.truth_counts()) == set(RULE_IDS)


@pytest.mark.parametrize("seed", range(6))
def test_every_kind_is_planted_even_in_a_county_of_eighty_households(tmp_path, seed):
    county = generate(Options(households=80, seed=seed))
    assert all(county.planted[rule] >= 1 for rule in RULE_IDS), county.planted
    assert _oracle(county, tmp_path) == set(county.truth)


def test_one_rule_can_be_planted_alone():
    county = generate(Options(households=SMALL, seed=4, defect_rate=0, rates={"WAT-003": 0.1}))
    assert county.planted["WAT-003"] == 30
    assert Counter(rule for rule, _, _ in county.truth) == {"WAT-003": 30}


def test_the_planted_share_is_the_rate_of_the_eligible_units():
    county = generate(Options(households=1000, seed=8, defect_rate=0, rates={"FOO-001": 0.02, "DQ-011": 0.05}))
    assert county.planted["FOO-001"] == 20
    assert county.planted["DQ-011"] == 50


def test_an_exited_household_below_the_poverty_line_fires_both_income_rules():
    county = generate(Options(households=SMALL, seed=9, defect_rate=0, rates={"INC-001": 0.1}))
    inc001 = {number for rule, number, _ in county.truth if rule == "INC-001"}
    inc002 = {number for rule, number, _ in county.truth if rule == "INC-002"}
    assert inc001 and inc001 == inc002


def test_a_duplicated_id_number_is_a_finding_on_both_records():
    county = generate(Options(households=SMALL, seed=9, defect_rate=0, rates={"DQ-003": 0.01}))
    findings = [finding for finding in county.truth if finding[0] == "DQ-003"]
    assert len(findings) == 2 * county.planted["DQ-003"]
    assert len({number for _, _, number in findings}) == county.planted["DQ-003"]


# The command and the database -------------------------------------------------------------------------------------
class _Sink:
    """A stdout for call_command that keeps the text (and is not a terminal, so no progress bar)."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def __str__(self) -> str:
        return "".join(self.parts)


@pytest.mark.django_db
def test_the_database_holds_what_the_file_holds_with_the_same_truth(tmp_path):
    from jingzhun.registry.models import Household, IncomeRecord, Person, Region

    call_command("synth", households=150, seed=13, truth=str(tmp_path / "db.truth.csv"), stdout=_Sink())
    call_command("synth", households=150, seed=13, out=str(tmp_path / "file.csv"), stdout=_Sink())
    rows = synth_oracle.read_rows(tmp_path / "file.csv")
    assert Household.objects.count() == len({row["户编号"] for row in rows}) == 150
    assert Person.objects.count() == len(rows)
    assert IncomeRecord.objects.count() == 150
    assert writers.read_truth(tmp_path / "db.truth.csv") == writers.read_truth(tmp_path / "file.truth.csv")
    misplaced = {number for rule, number, _ in writers.read_truth(tmp_path / "db.truth.csv") if rule == "DQ-009"}
    on_towns = set(Household.objects.filter(village__level="town").values_list("number", flat=True))
    assert misplaced and misplaced == on_towns
    file_codes = {row["行政区划代码"] for row in rows}
    misplaced_codes = {row["行政区划代码"] for row in rows if row["户编号"] in misplaced}
    assert file_codes - set(Region.objects.values_list("code", flat=True)) == misplaced_codes


@pytest.mark.django_db
def test_the_database_rows_carry_the_id_fields_and_the_derived_income(tmp_path):
    from jingzhun.registry.models import IncomeRecord, Person

    call_command("synth", households=100, seed=14, truth=str(tmp_path / "t.csv"), stdout=_Sink())
    invalid = {number for rule, _, number in writers.read_truth(tmp_path / "t.csv") if rule == "DQ-001"}
    assert set(Person.objects.filter(id_valid=False, status="正常").values_list("id_number", flat=True)) == invalid
    person = Person.objects.filter(id_valid=True).first()
    assert person.id_birth_date == idnumber.parse(person.id_number).birth_date
    for record in IncomeRecord.objects.filter(stated_per_capita__isnull=False)[:50]:
        normal = record.household.members.filter(status="正常").count()
        assert record.household_size == normal
        assert record.per_capita_net_income == pytest.approx(float(record.net_income) / normal, abs=0.01)


@pytest.mark.django_db
def test_rows_added_after_a_synthetic_county_get_fresh_ids(tmp_path):
    from jingzhun.registry.models import Household, Region

    call_command("synth", households=5, seed=1, truth=str(tmp_path / "t.csv"), stdout=_Sink())
    village = Region.objects.filter(level="village").first()
    added = Household.objects.create(number="X-1", village=village, household_type="一般农户")
    assert added.pk > max(Household.objects.exclude(pk=added.pk).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_command_refuses_a_county_that_already_has_households(tmp_path):
    call_command("synth", households=5, seed=1, truth=str(tmp_path / "t.csv"), stdout=_Sink())
    with pytest.raises(CommandError, match="already has households"):
        call_command("synth", households=5, seed=2, truth=str(tmp_path / "t.csv"), stdout=_Sink())


def test_the_command_prints_a_summary_per_rule(tmp_path):
    out = _Sink()
    call_command("synth", households=50, seed=1, out=str(tmp_path / "r.csv"), stdout=out)
    text = str(out)
    assert "50" in text and "DQ-013" in text and "EDU-001" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"defect": ["XYZ-001=0.1"]}, "Unknown rule id XYZ-001"),
        ({"defect": ["DQ-001"]}, "RULE=RATE"),
        ({"defect": ["DQ-001=1.5"]}, "from 0 to 1"),
        ({"defect_rate": "-0.1"}, "from 0 to 1"),
        ({"defect_rate": "lots"}, "must be a number"),
        ({"county": "511823101000"}, "county code"),
        ({"out": "registry.json"}, ".xlsx or .csv"),
        ({"year": 1990}, "1990"),
    ],
)
def test_the_command_explains_bad_options(tmp_path, options, message):
    options = {"households": 5, "seed": 1, "out": str(tmp_path / "r.csv"), **options}
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("synth", stdout=_Sink(), **options)


def test_the_year_sets_the_reference_date_and_the_income_year():
    county = generate(Options(households=20, seed=1, year=2022))
    assert county.standard.reference_date == dt.date(2022, 12, 31)
    assert {household.income_year for household in county.households} == {2022}
