"""Evaluate the rules of DOMAIN.md §5 on the generated households: the ground truth of what fires.

The semantics are the contract written in docs/defects.md; the rule engine must find exactly these findings on
the generated data. Computing the truth from the final data (rather than listing the planted defects) makes it
exact even where one planted defect makes several rules fire; defects.py checks that every planted defect is
among the findings of its own rule.
"""

from __future__ import annotations

from collections import defaultdict

from jingzhun.registry import idnumber
from jingzhun.synth.records import Household, Person
from jingzhun.synth.standard import Standard

NOT_STUDENT = frozenset({"非在校生", "学龄前儿童", ""})
WORKING = frozenset({"普通劳动力", "技能劳动力", "弱劳动力或半劳动力"})
NORMAL = "正常"
RESIDENT_ID = "居民身份证"

Finding = tuple[str, str, str]  # (rule id, household number, ID number or "")


def years_between(earlier, later) -> int:
    """Whole years from ``earlier`` to ``later`` on the calendar, truncated toward zero."""

    def as_int(day):
        return day.year * 10000 + day.month * 100 + day.day

    return int((as_int(later) - as_int(earlier)) / 10000)


def id_info(person: Person) -> idnumber.IdInfo:
    """Return (and keep on the person) what idnumber.parse says about the person's ID number."""
    info = person.id_info
    if info is None or info.number != person.id_number:
        info = person.id_info = idnumber.parse(person.id_number)
    return info


def evaluate(households: list[Household], standard: Standard, village_codes: frozenset[str]) -> list[Finding]:
    """Return the sorted findings of all rules; ``village_codes`` is the hierarchy's villages (for DQ-009)."""
    ref = standard.reference_date
    age_min, age_max = standard.education_age_min, standard.education_age_max
    found: set[Finding] = set()
    add = found.add
    ids: dict[str, list[str]] = defaultdict(list)
    for household in households:
        number = household.number
        normal = [person for person in household.members if person.status == NORMAL]
        heads = [person for person in normal if person.relation == "户主"]
        head = heads[0] if len(heads) == 1 else None
        ages, births = {}, {}
        edu_or_med_fails = False
        for person in normal:
            pid = person.id_number
            info = id_info(person) if person.id_type == RESIDENT_ID and pid else None
            born = person.birth_date or (info.birth_date if info else None)
            births[id(person)] = born
            age = ages[id(person)] = idnumber.age_on(born, ref) if born else None
            school = person.school_status
            student = school not in NOT_STUDENT
            if (
                age is not None
                and age_min <= age <= age_max
                and school in ("非在校生", "")
                and person.home_schooled is not True
                and person.health_exempt is not True
            ):
                add(("EDU-001", number, pid))
                edu_or_med_fails = True
            if student and person.dropout_reason.strip():
                add(("EDU-002", number, pid))
            resident, employee = person.insured_resident_medical, person.insured_employee_medical
            if resident is not True and employee is not True:
                add(("MED-001", number, pid))
                edu_or_med_fails = True
            if resident is True and employee is True:
                add(("MED-002", number, pid))
            if resident is True and person.insured_serious_illness is not True:
                add(("MED-003", number, pid))
            if info is not None:
                if not info.valid:
                    add(("DQ-001", number, pid))
                if (
                    info.error in (None, idnumber.ERROR_CHECKSUM)
                    and info.birth_date is not None
                    and (
                        (person.sex and person.sex != info.sex)
                        or (person.birth_date is not None and person.birth_date != info.birth_date)
                    )
                ):
                    add(("DQ-002", number, pid))
            if pid:
                ids[pid].append(number)
            if person.relation == "户主" and age is not None and age < 16:
                add(("DQ-007", number, pid))
            if student and person.education_level:
                add(("DQ-010", number, pid))
            months, status = person.migrant_months, person.migrant_status
            if (months and status in ("未务工", "")) or (status not in ("未务工", "") and not months):
                add(("DQ-012", number, pid))
        if len(heads) != 1:
            add(("DQ-004", number, ""))
        if sum(1 for person in normal if person.relation == "配偶") > 1:
            add(("DQ-005", number, ""))
        if head is not None:
            for person in normal:
                if person.relation == "配偶" and head.sex and person.sex == head.sex:
                    add(("DQ-006", number, person.id_number))
                head_born, child_born = births[id(head)], births[id(person)]
                # Birth dates less than 12 whole years apart (the engine's years_between, truncated).
                if (
                    person.relation in ("之子", "之女")
                    and head_born is not None
                    and child_born is not None
                    and years_between(head_born, child_born) < 12
                ):
                    add(("DQ-008", number, person.id_number))
        # The standard, household by household.
        items_fail = edu_or_med_fails
        if household.housing_grade in ("C", "D") and household.safe_housing_measure in ("无", ""):
            add(("HOU-001", number, ""))
            items_fail = True
        monitored = bool(household.monitoring_category)
        if (household.household_type == "脱贫户" or monitored) and household.housing_grade in ("未鉴定", ""):
            add(("HOU-002", number, ""))
        litres = household.water_litres_tenths
        if litres is not None and litres < standard.water_min_tenths:
            add(("WAT-001", number, ""))
            items_fail = True
        fetch = household.water_fetch_minutes
        if household.water_piped is False and fetch is not None and fetch > standard.water_max_fetch_minutes:
            add(("WAT-002", number, ""))
            items_fail = True
        if household.water_quality_ok is False:
            add(("WAT-003", number, ""))
            items_fail = True
        outage = household.water_outage_days
        if outage is not None and outage > standard.water_max_outage_days:
            add(("WAT-004", number, ""))
            items_fail = True
        if household.food_secure is False:
            add(("FOO-001", number, ""))
            items_fail = True
        if household.clothing_secure is False:
            add(("FOO-002", number, ""))
            items_fail = True
        # Income: per-capita net income over the normal members (what IncomeRecord.household_size holds).
        eliminated = household.risk_eliminated is True
        if normal:
            net = household.net_income
            size = len(normal)
            below_poverty = net < standard.poverty_line * size
            below_monitoring = net < standard.monitoring_line * size
            if household.household_type == "脱贫户" and not monitored and below_poverty:
                add(("INC-001", number, ""))
            if not monitored and below_monitoring:
                add(("INC-002", number, ""))
            if eliminated and below_monitoring:
                add(("INC-003", number, ""))
            stated = household.stated_per_capita
            if stated is not None and abs(stated * size - net) > 100 * size:
                add(("INC-004", number, ""))
        if min(household.wage, household.operating, household.property_income, household.transfer) < 0 or (
            household.production_costs < 0
        ):
            add(("INC-005", number, ""))
        if monitored and not household.risk_types:
            add(("MON-001", number, ""))
        if eliminated and items_fail:
            add(("MON-002", number, ""))
        if eliminated and not any(person.labour_capacity in WORKING for person in normal):
            add(("MON-003", number, ""))
        if household.region_code not in village_codes:
            add(("DQ-009", number, ""))
        phone = household.phone.strip()
        if phone and not (len(phone) == 11 and phone.isdigit()):
            add(("DQ-011", number, ""))
        if household.household_size is not None and household.household_size > len(normal):
            add(("DQ-013", number, ""))
    for pid, numbers in ids.items():
        if len(numbers) > 1:
            for number in numbers:
                found.add(("DQ-003", number, pid))
    return sorted(found)
