"""Plant defects of every rule kind into the clean households, at a known share of each kind's eligible units.

For each rule, in a fixed order, the eligible units (households or normal persons, listed in generation order)
are collected from the current data, ``round(rate × eligible)`` of them are drawn (at least one when the rate is
above 0), and each drawn unit is changed just enough to make that rule fire. Kinds that write the same fields
share a group, and a unit already changed in a group is not eligible for another kind of that group, so one
defect never undoes another. Structural defects (who is in the household, who is head) come first, income last;
finalize() then writes the recorded household size and the stated per-capita income from the final members.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from stdnum.cn import ric

from jingzhun.registry import idnumber
from jingzhun.synth.generate import set_per_capita
from jingzhun.synth.people import FEMALE, MALE, PersonMaker
from jingzhun.synth.records import Household, Person
from jingzhun.synth.standard import Standard
from jingzhun.synth.truth import NOT_STUDENT, WORKING, id_info

NORMAL = "正常"
Unit = tuple[int, int]  # (household index, member index or -1 for the household)


class Planter:
    """Plant the defects of every kind (see the module docstring)."""

    def __init__(self, rng: random.Random, households: list[Household], people: PersonMaker, standard: Standard,
                 town_of: dict[str, str]):  # fmt: skip
        self.rng = rng
        self.households = households
        self.people = people
        self.standard = standard
        self.town_of = town_of
        self.touched: dict[str, set[Unit]] = {}
        self.planted: dict[str, list[Unit]] = {}

    # Machinery ----------------------------------------------------------------------------------------------
    def run(self, rates: dict[str, float]) -> dict[str, list[Unit]]:
        """Plant every kind at its rate, in the order of kinds(); return the units planted per rule."""
        if any(rates[rule] > 0 for rule in ("INC-003", "MON-001", "MON-002", "MON-003")):
            self.ensure_an_eliminated_household()
        for rule, group, eligible, plant in self.kinds():
            rate = rates[rule]
            units = [unit for unit in eligible() if unit not in self.touched.get(group, ())]
            count = int(rate * len(units) + 0.5)
            if rate > 0 and count == 0 and units:
                count = 1
            chosen = sorted(self.rng.sample(units, count)) if count else []
            for unit in chosen:
                self.touch(group, unit)
                plant(*unit)
            self.planted[rule] = chosen
        return self.planted

    def ensure_an_eliminated_household(self) -> None:
        """Make one clean household monitored and risk-eliminated if there is none (a small county may have none).

        Without one, INC-003 and MON-001..003 could not be planted even once. The household stays clean: it has
        someone able to work, a risk type, an appraised house and an income above the monitoring line.
        """
        if any(household.risk_eliminated is True for household in self.households):
            return
        candidates = [
            household
            for household in self.households
            if not household.monitoring_category
            and any(person.status == NORMAL and person.labour_capacity in WORKING for person in household.members)
        ]
        if not candidates:
            return
        household = candidates[int(self.rng.random() * len(candidates))]
        household.monitoring_category = "脱贫不稳定户" if household.household_type == "脱贫户" else "边缘易致贫户"
        household.risk_types = "因病"
        household.risk_eliminated = True
        household.risk_elimination_method = "帮扶消除"
        if household.housing_grade in ("未鉴定", ""):
            household.housing_grade, household.safe_housing_measure = "A", "原住房安全"

    def touch(self, group: str, unit: Unit) -> None:
        self.touched.setdefault(group, set()).add(unit)

    def untouched(self, group: str, unit: Unit) -> bool:
        return unit not in self.touched.get(group, ())

    def each_household(self, keep: Callable[[Household], bool] = lambda household: True) -> list[Unit]:
        return [(index, -1) for index, household in enumerate(self.households) if keep(household)]

    def free_members(self, index: int, relations: tuple[str, ...]) -> list[int]:
        """Return the normal members with one of ``relations`` whose identity no other defect has changed."""
        return [
            member
            for member, person in enumerate(self.households[index].members)
            if person.status == NORMAL and person.relation in relations and self.untouched("identity", (index, member))
        ]

    def households_with(self, keep: Callable[[int, Household], bool]) -> list[Unit]:
        return [(index, -1) for index, household in enumerate(self.households) if keep(index, household)]

    def each_person(self, keep: Callable[[Household, Person], bool]) -> list[Unit]:
        return [
            (index, member)
            for index, household in enumerate(self.households)
            for member, person in enumerate(household.members)
            if person.status == NORMAL and keep(household, person)
        ]

    def person(self, unit: Unit) -> Person:
        return self.households[unit[0]].members[unit[1]]

    def age(self, person: Person) -> int:
        return self.people.age(person)

    def heads(self, household: Household) -> list[Person]:
        return [person for person in household.members if person.status == NORMAL and person.relation == "户主"]

    def one_head(self, household: Household) -> Person | None:
        heads = self.heads(household)
        return heads[0] if len(heads) == 1 else None

    def add_member(self, household: Household, person: Person) -> None:
        """Add a normal member and raise the wage by one person's share, so the per-capita income stays."""
        size = sum(1 for member in household.members if member.status == NORMAL)
        household.wage += household.net_income // max(1, size)
        household.members.append(person)

    def kinds(self):
        """Return (rule, group, eligible units, plant) in planting order."""
        p = self.each_person
        eliminated = lambda household: household.risk_eliminated is True  # noqa: E731
        student = lambda household, person: person.school_status not in NOT_STUDENT  # noqa: E731
        return (
            # Structure: who is in the household and who is head.
            ("DQ-003", "identity", lambda: p(lambda hh, person: id_info(person).valid), self.duplicate_id),
            ("DQ-005", "structure", lambda: self.each_household(self.has_spouse), self.second_spouse),
            ("DQ-004", "structure", self.each_household, self.head_count),
            ("DQ-006", "structure", lambda: self.households_with(self.same_sex_possible), self.same_sex_spouse),
            ("DQ-007", "structure", lambda: self.households_with(self.young_head_possible), self.young_head),
            ("DQ-008", "structure", lambda: self.households_with(self.old_child_possible), self.old_child),
            # Monitoring.
            ("MON-003", "labour", lambda: self.each_household(eliminated), self.no_labour),
            ("MON-001", "risk", lambda: self.each_household(lambda hh: bool(hh.monitoring_category)), self.no_risk),
            ("MON-002", "monitoring", lambda: self.each_household(eliminated), self.item_fails),
            # The standard, household items.
            ("HOU-001", "housing", self.each_household, self.dangerous_house),
            ("HOU-002", "housing", lambda: self.each_household(self.registered), self.not_appraised),
            ("WAT-001", "water-quantity", self.each_household, self.little_water),
            ("WAT-002", "water-access", self.each_household, self.far_water),
            ("WAT-003", "water-quality", self.each_household, self.bad_water),
            ("WAT-004", "water-outage", self.each_household, self.water_outages),
            ("FOO-001", "food", self.each_household, self.hungry),
            ("FOO-002", "clothing", self.each_household, self.unclothed),
            ("DQ-009", "region", self.each_household, self.not_a_village),
            ("DQ-011", "phone", self.each_household, self.bad_phone),
            ("DQ-013", "size", self.each_household, self.size_too_large),
            # Persons.
            ("EDU-001", "school", lambda: p(self.school_age), self.out_of_school),
            ("EDU-002", "school", lambda: p(student), self.dropout_in_school),
            ("DQ-010", "school", lambda: p(student), self.student_with_level),
            ("MED-001", "insurance", lambda: p(lambda hh, person: True), self.uninsured),
            ("MED-002", "insurance", lambda: p(lambda hh, person: True), self.doubly_insured),
            ("MED-003", "insurance", lambda: p(lambda hh, person: person.insured_resident_medical is True),
             self.no_serious_illness_cover),
            ("DQ-012", "migrant", lambda: p(lambda hh, person: self.age(person) >= 16), self.migrant_mismatch),
            ("DQ-001", "identity", lambda: p(lambda hh, person: id_info(person).valid), self.invalid_id),
            ("DQ-002", "identity", lambda: p(lambda hh, person: id_info(person).valid), self.mismatch_id),
            # Income, last: set_per_capita() redraws the components.
            ("INC-001", "income", lambda: self.each_household(
                lambda hh: hh.household_type == "脱贫户" and not hh.monitoring_category), self.below_poverty),
            ("INC-002", "income", lambda: self.each_household(lambda hh: not hh.monitoring_category),
             self.below_monitoring),
            ("INC-003", "income", lambda: self.each_household(eliminated), self.eliminated_but_poor),
            ("INC-005", "components", self.each_household, self.negative_component),
            ("INC-004", "stated", lambda: self.each_household(lambda hh: hh.states_income), self.stated_differs),
        )  # fmt: skip

    # Eligibility helpers --------------------------------------------------------------------------------------
    def has_spouse(self, household: Household) -> bool:
        return self.one_head(household) is not None and any(
            person.status == NORMAL and person.relation == "配偶" for person in household.members
        )

    def registered(self, household: Household) -> bool:
        return household.household_type == "脱贫户" or bool(household.monitoring_category)

    def same_sex_possible(self, index: int, household: Household) -> bool:
        return self.one_head(household) is not None and bool(self.free_members(index, ("配偶",)))

    def young_head_possible(self, index: int, household: Household) -> bool:
        """One head, no sons or daughters, risk not eliminated (a 14-year-old head cannot work: MON-003)."""
        return (
            self.one_head(household) is not None
            and household.risk_eliminated is not True
            and bool(self.free_members(index, ("户主",)))
            and not any(person.status == NORMAL and person.relation in ("之子", "之女") for person in household.members)
        )

    def old_child_possible(self, index: int, household: Household) -> bool:
        return (
            self.one_head(household) is not None
            and household.risk_eliminated is not True
            and bool(self.free_members(index, ("之子", "之女")))
        )

    def school_age(self, household: Household, person: Person) -> bool:
        return self.standard.education_age_min <= self.age(person) <= self.standard.education_age_max

    # Structure ------------------------------------------------------------------------------------------------
    def duplicate_id(self, index: int, member: int) -> None:
        """Register the same person in a second household (a copy with relation 其他): both records fire."""
        rng = self.rng
        source = self.households[index].members[member]
        other = index
        while other == index and len(self.households) > 1:
            other = int(rng.random() * len(self.households))
        target = self.households[other]
        copy = Person(
            **{name: getattr(source, name) for name in Person.__slots__ if name not in ("relation", "id_info")},
            relation="其他",
        )
        self.add_member(target, copy)
        self.touch("identity", (other, len(target.members) - 1))

    def second_spouse(self, index: int, _member: int) -> None:
        """Add a second spouse (the first one's death or divorce never recorded)."""
        household = self.households[index]
        head = self.one_head(household)
        sex = FEMALE if head.sex == MALE else MALE
        age = max(18, self.age(head) + self.rng.randint(-8, 4))
        self.add_member(household, self.people.person("配偶", sex, age, None, head.ethnicity))

    def head_count(self, index: int, _member: int) -> None:
        """Make the household have no head (head recorded as 其他) or two (an adult member recorded as 户主)."""
        household = self.households[index]
        heads = self.heads(household)
        adults = [
            person
            for person in household.members
            if person.status == NORMAL and person.relation != "户主" and self.age(person) >= 16
        ]
        if adults and (self.rng.random() < 0.5 or not heads):
            adults[int(self.rng.random() * len(adults))].relation = "户主"
        else:
            for head in heads:
                head.relation = "其他"

    def same_sex_spouse(self, index: int, _member: int) -> None:
        """Record the spouse with the head's sex (with an ID number that agrees, so DQ-002 stays quiet)."""
        household = self.households[index]
        head = self.one_head(household)
        spouse = household.members[self.free_members(index, ("配偶",))[0]]
        spouse.sex = head.sex
        self.people.assign_id(spouse)
        self.mark_identity(index, household, spouse)

    def young_head(self, index: int, _member: int) -> None:
        """Make the head 13–15 years old (a consistent ID, in school as a child of that age is)."""
        household = self.households[index]
        head = self.one_head(household)
        self.people.rebirth(head, self.rng.randint(13, 15))
        self.mark_identity(index, household, head)

    def old_child(self, index: int, _member: int) -> None:
        """Make a son or daughter fewer than 12 years younger than the head (a consistent ID)."""
        household = self.households[index]
        head = self.one_head(household)
        children = self.free_members(index, ("之子", "之女"))
        child = household.members[children[int(self.rng.random() * len(children))]]
        self.people.rebirth(child, max(0, self.age(head) - self.rng.randint(0, 11)))
        self.mark_identity(index, household, child)

    def mark_identity(self, index: int, household: Household, person: Person) -> None:
        for member, candidate in enumerate(household.members):
            if candidate is person:
                self.touch("identity", (index, member))

    # Monitoring -------------------------------------------------------------------------------------------------
    def no_labour(self, index: int, _member: int) -> None:
        for person in self.households[index].members:
            if person.status == NORMAL:
                person.labour_capacity = "丧失劳动力" if self.age(person) < 70 else "无劳动力"
                person.migrant_status, person.migrant_months = "", None

    def no_risk(self, index: int, _member: int) -> None:
        self.households[index].risk_types = ""

    def item_fails(self, index: int, _member: int) -> None:
        """Leave one item of the standard failing in a household marked risk-eliminated (its rule fires too)."""
        household = self.households[index]
        rng = self.rng
        items = ["FOO-001", "FOO-002", "WAT-001", "WAT-002", "WAT-003", "WAT-004", "MED-001"]
        if self.untouched("housing", (index, -1)):
            items.append("HOU-001")
        children = [
            member
            for member, person in enumerate(household.members)
            if person.status == NORMAL
            and self.school_age(household, person)
            and self.untouched("school", (index, member))
        ]
        adults = [
            member
            for member, person in enumerate(household.members)
            if person.status == NORMAL and self.untouched("insurance", (index, member))
        ]
        if children:
            items.append("EDU-001")
        if not adults:
            items.remove("MED-001")
        item = items[int(rng.random() * len(items))]
        if item == "EDU-001":
            member = children[int(rng.random() * len(children))]
            self.touch("school", (index, member))
            self.out_of_school(index, member)
        elif item == "MED-001":
            member = adults[int(rng.random() * len(adults))]
            self.touch("insurance", (index, member))
            self.uninsured(index, member)
        elif item == "HOU-001":
            self.touch("housing", (index, -1))
            self.dangerous_house(index, -1)
        else:
            {
                "FOO-001": self.hungry,
                "FOO-002": self.unclothed,
                "WAT-001": self.little_water,
                "WAT-002": self.far_water,
                "WAT-003": self.bad_water,
                "WAT-004": self.water_outages,
            }[item](index, -1)

    # Household items ------------------------------------------------------------------------------------------
    def dangerous_house(self, index: int, _member: int) -> None:
        household = self.households[index]
        household.housing_grade = "C" if self.rng.random() < 0.6 else "D"
        household.safe_housing_measure = "无" if self.rng.random() < 0.7 else ""

    def not_appraised(self, index: int, _member: int) -> None:
        household = self.households[index]
        household.housing_grade = "未鉴定" if self.rng.random() < 0.7 else ""
        household.safe_housing_measure = ""

    def little_water(self, index: int, _member: int) -> None:
        minimum = self.standard.water_min_tenths
        self.households[index].water_litres_tenths = max(0, minimum - 1 - int(self.rng.random() * minimum * 0.7))

    def far_water(self, index: int, _member: int) -> None:
        household = self.households[index]
        household.water_piped = False
        household.water_fetch_minutes = self.standard.water_max_fetch_minutes + 1 + int(self.rng.random() * 60)

    def bad_water(self, index: int, _member: int) -> None:
        self.households[index].water_quality_ok = False

    def water_outages(self, index: int, _member: int) -> None:
        days = self.standard.water_max_outage_days + 1 + int(self.rng.random() * 100)
        self.households[index].water_outage_days = days

    def hungry(self, index: int, _member: int) -> None:
        self.households[index].food_secure = False

    def unclothed(self, index: int, _member: int) -> None:
        self.households[index].clothing_secure = False

    def not_a_village(self, index: int, _member: int) -> None:
        """Place the household on its town (database) or on a code missing from the hierarchy (file)."""
        household = self.households[index]
        household.region_code = self.town_of[household.village_code]
        household.file_region_code = household.village_code[:9] + "999"

    def bad_phone(self, index: int, _member: int) -> None:
        rng = self.rng
        digits = f"1{'3589'[int(rng.random() * 4)]}{int(rng.random() * 10**10):010d}"
        self.households[index].phone = (
            digits[:10],  # a digit lost
            digits[:12],  # a digit too many
            f"0835-{digits[4:11]}",  # a landline with its area code
            f"{digits[:3]} {digits[3:7]} {digits[7:11]}",  # spaced
        )[int(rng.random() * 4)]

    def size_too_large(self, index: int, _member: int) -> None:
        """Count former members (or a phantom one) in the recorded household size."""
        household = self.households[index]
        former = sum(1 for person in household.members if person.status != NORMAL)
        household.size_excess = former or 1 + (self.rng.random() < 0.2)
        household.records_size = True

    # Persons --------------------------------------------------------------------------------------------------
    def out_of_school(self, index: int, member: int) -> None:
        """A child of compulsory-school age recorded as not in school (or with no school status)."""
        person = self.households[index].members[member]
        rng = self.rng
        person.school_status = "非在校生" if rng.random() < 0.8 else ""
        person.home_schooled = False if rng.random() < 0.5 else None
        person.health_exempt = None
        person.education_level = "小学" if self.age(person) >= 13 and person.school_status else ""
        person.dropout_reason = "厌学" if rng.random() < 0.5 else ""

    def dropout_in_school(self, index: int, member: int) -> None:
        self.households[index].members[member].dropout_reason = ("家庭困难", "厌学", "外出务工")[
            int(self.rng.random() * 3)
        ]

    def student_with_level(self, index: int, member: int) -> None:
        self.households[index].members[member].education_level = ("小学", "初中", "高中")[int(self.rng.random() * 3)]

    def uninsured(self, index: int, member: int) -> None:
        person = self.households[index].members[member]
        person.insured_resident_medical = False if self.rng.random() < 0.7 else None
        person.insured_employee_medical = False if self.rng.random() < 0.5 else None
        person.insured_serious_illness = False

    def doubly_insured(self, index: int, member: int) -> None:
        person = self.households[index].members[member]
        person.insured_resident_medical = person.insured_employee_medical = person.insured_serious_illness = True

    def no_serious_illness_cover(self, index: int, member: int) -> None:
        self.households[index].members[member].insured_serious_illness = False if self.rng.random() < 0.7 else None

    def migrant_mismatch(self, index: int, member: int) -> None:
        person = self.households[index].members[member]
        if person.migrant_status not in ("未务工", "") and self.rng.random() < 0.7:
            person.migrant_months = 0 if self.rng.random() < 0.5 else None
        else:
            person.migrant_status = "未务工" if self.rng.random() < 0.7 else ""
            person.migrant_months = 1 + int(self.rng.random() * 12)

    def invalid_id(self, index: int, member: int) -> None:
        """Break the ID number: a wrong check digit, an impossible date (right check digit) or a wrong length."""
        person = self.households[index].members[member]
        rng = self.rng
        number = person.id_number
        while True:
            roll = rng.random()
            if roll < 0.5:
                wrong = [digit for digit in "0123456789X" if digit != number[17]]
                broken = number[:17] + wrong[int(rng.random() * len(wrong))]
            elif roll < 0.75:
                year = number[6:10]
                month_day = ("0230", "0231", "0431", "0631", "0931", "1131", "1301", "0000", "0100")[
                    int(rng.random() * 9)
                ]
                body = number[:6] + year + month_day + number[14:17]
                broken = body + ric.calc_check_digit(body + "0")
            else:
                broken = number[:17] if rng.random() < 0.6 else number + str(int(rng.random() * 10))
            if broken not in self.people.used_ids:
                break
        self.people.used_ids.add(broken)
        person.id_number = broken

    def mismatch_id(self, index: int, member: int) -> None:
        """Record a sex (not for a head or spouse: that is DQ-006's) or a birth date the ID does not say."""
        person = self.households[index].members[member]
        rng = self.rng
        if person.relation not in ("户主", "配偶") and rng.random() < 0.5:
            person.sex = FEMALE if person.sex == MALE else MALE
            return
        # Another day of the same birth year, giving the same age on the reference date.
        born = person.birth_date
        first = dt.date(born.year, 1, 1)
        days = (dt.date(born.year, 12, 31) - first).days
        reference = self.standard.reference_date
        while True:
            day = first + dt.timedelta(days=int(rng.random() * (days + 1)))
            if day != born and idnumber.age_on(day, reference) == idnumber.age_on(born, reference):
                break
        person.birth_date = day

    # Income ---------------------------------------------------------------------------------------------------
    def below_poverty(self, index: int, _member: int) -> None:
        line = self.standard.poverty_line
        set_per_capita(self.rng, self.households[index], int(line * 0.5 + self.rng.random() * (line * 0.5 - 5000)))

    def below_monitoring(self, index: int, _member: int) -> None:
        low, high = self.standard.poverty_line + 5000, self.standard.monitoring_line - 5000
        set_per_capita(self.rng, self.households[index], low + int(self.rng.random() * max(0, high - low)))

    def eliminated_but_poor(self, index: int, _member: int) -> None:
        low, high = int(self.standard.poverty_line * 0.6), self.standard.monitoring_line - 5000
        set_per_capita(self.rng, self.households[index], low + int(self.rng.random() * (high - low)))

    def negative_component(self, index: int, _member: int) -> None:
        """Make one component negative and move the difference into wages, so the net income stays."""
        household = self.households[index]
        rng = self.rng
        name = ("operating", "property_income", "transfer", "production_costs", "wage")[int(rng.random() * 5)]
        net = household.net_income
        setattr(household, name, -(100 + int(rng.random() * 300_000)))
        if name != "wage":
            household.wage += net - household.net_income
        else:
            household.operating += net - household.net_income

    def stated_differs(self, index: int, _member: int) -> None:
        offset = 5000 + int(self.rng.random() * 200_000)
        self.households[index].stated_offset = offset if self.rng.random() < 0.5 else -offset


def finalize(households: list[Household]) -> None:
    """Write the recorded household size and the stated per-capita income from the final members."""
    for household in households:
        size = sum(1 for person in household.members if person.status == NORMAL)
        household.household_size = size + household.size_excess if household.records_size else None
        if household.states_income and size:
            per_capita = (2 * household.net_income + size) // (2 * size)  # rounded half up, in cents
            household.stated_per_capita = per_capita + household.stated_offset
        else:
            household.stated_per_capita = None


__all__ = ["NORMAL", "WORKING", "Planter", "finalize"]
