"""Build persons: birth dates and ID numbers that agree, and the age-dependent fields a clean record has."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random

from jingzhun.registry import idnumber
from jingzhun.synth.names import NameMaker
from jingzhun.synth.places import id_prefix_for
from jingzhun.synth.records import Person

MALE, FEMALE = "男", "女"
STUDENT = "student"

# Education level of adults not in school, by birth cohort: (first birth year, [(level, weight) …]).
_EDUCATION_BY_COHORT = (
    (0, (("文盲或半文盲", 40), ("小学", 45), ("初中", 15))),
    (1950, (("文盲或半文盲", 15), ("小学", 45), ("初中", 35), ("高中", 5))),
    (1970, (("文盲或半文盲", 3), ("小学", 25), ("初中", 55), ("高中", 12), ("大专", 3), ("本科及以上", 2))),
    (1990, (("小学", 8), ("初中", 50), ("高中", 25), ("大专", 10), ("本科及以上", 7))),
)
_PRIMARY_GRADES = {12: "七年级", 13: "八年级", 14: "九年级"}
_DISABILITY_TYPES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
_DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
_DROPOUT_REASONS = ("外出务工", "家庭困难", "厌学", "成绩原因")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@functools.cache
def _cumulative(pairs) -> tuple[tuple, tuple[float, ...]]:
    return tuple(value for value, _ in pairs), tuple(itertools.accumulate(weight for _, weight in pairs))


def weighted(rng: random.Random, pairs):
    """Draw a value from ``pairs`` of (value, weight); the pairs must be a tuple (the tables are cached)."""
    values, cumulative = _cumulative(pairs)
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


class PersonMaker:
    """Make persons for one county and reference date; every ID number is unique and valid for its birth year."""

    def __init__(self, rng: random.Random, county_code: str, reference_date: dt.date, latest_birth: dt.date):
        self.rng = rng
        self.county_code = county_code
        self.reference_date = reference_date
        self.latest_birth = latest_birth
        self.names = NameMaker(rng)
        self.used_ids: set[str] = set()

    # Identity -----------------------------------------------------------------------------------------------
    def birth_date(self, age: int) -> dt.date:
        """Return a birth date giving ``age`` whole years on the reference date (never after ``latest_birth``)."""
        latest = min(_years_before(self.reference_date, age), self.latest_birth)
        earliest = _years_before(self.reference_date, age + 1) + dt.timedelta(days=1)
        span = (latest - earliest).days
        return earliest + dt.timedelta(days=int(self.rng.random() * (span + 1))) if span > 0 else latest

    def assign_id(self, person: Person) -> None:
        """Give ``person`` a new valid ID number for its birth date and sex, unique in the county.

        What idnumber.parse would say about it is known by construction and kept on the person (parsing a
        million numbers again would double the generator's time); the tests parse them all to make sure.
        """
        self.used_ids.discard(person.id_number)
        birth_date, sex = person.birth_date, person.sex
        prefix = id_prefix_for(self.county_code, birth_date.year)
        rng = self.rng
        while True:
            sequence = int(rng.random() * 500) * 2 + (1 if sex == MALE else 0)
            number = idnumber.make(prefix, birth_date, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                person.id_number = number
                person.id_info = idnumber.IdInfo(number, True, None, birth_date, sex)
                return

    def person(self, relation: str, sex: str, age: int, surname: str | None = None, ethnicity: str = "汉族"):
        """Return a normal person of ``age`` with a consistent ID and the age-dependent fields filled."""
        person = Person(
            name=self.names.full_name(sex, surname),
            id_number="",
            sex=sex,
            birth_date=self.birth_date(age),
            relation=relation,
            ethnicity=ethnicity,
        )
        self.assign_id(person)
        self.fill_age_dependent(person)
        return person

    def rebirth(self, person: Person, age: int, sex: str | None = None) -> None:
        """Give ``person`` a new age (and sex), a matching new ID, and clean age-dependent fields."""
        person.sex = sex or person.sex
        person.birth_date = self.birth_date(age)
        self.assign_id(person)
        self.fill_age_dependent(person)

    def age(self, person: Person) -> int:
        return idnumber.age_on(person.birth_date, self.reference_date)

    # Age-dependent fields ----------------------------------------------------------------------------------
    def fill_age_dependent(self, person: Person) -> None:
        """Fill schooling, health, labour, migrant work and insurance as a clean record of that age has them."""
        rng = self.rng
        age = self.age(person)
        # The school year starts on 1 September: a child born after August is a grade behind its age.
        school_age = age - (1 if person.birth_date.month >= 9 else 0)
        person.education_level = ""
        person.dropout_reason = ""
        person.home_schooled = None
        person.health_exempt = None
        status = self._school_status(age, school_age)
        health = []
        chronic, serious, disabled = (
            (0.03, 0.015, 0.03) if age < 40 else (0.15, 0.02, 0.05) if age < 60 else (0.35, 0.04, 0.08)
        )
        if age >= 20 and rng.random() < chronic:
            health.append("长期慢性病")
        if rng.random() < serious:
            health.append("患有大病")
        exempt = 6 <= age <= 15 and rng.random() < 0.012
        if exempt or rng.random() < disabled:
            health.append("残疾")
        if exempt:
            # A disabled child of school age: taught at home or exempt for health reasons, both clean.
            status = "非在校生"
            if rng.random() < 0.5:
                person.home_schooled = True
            else:
                person.health_exempt = True
        person.school_status = status
        if status == "非在校生" and age >= 16:
            person.education_level = self._education(person.birth_date.year, age)
            if 16 <= age <= 18 and rng.random() < 0.3:
                person.dropout_reason = _DROPOUT_REASONS[int(rng.random() * len(_DROPOUT_REASONS))]
        person.health = ",".join(health) if health else "健康"
        if "残疾" in health:
            person.disability_type = "智力残疾" if exempt else _DISABILITY_TYPES[int(rng.random() * 7)]
            person.disability_grade = _DISABILITY_GRADES[int(rng.random() * 4)]
        else:
            person.disability_type = person.disability_grade = ""
        person.medical_assistance = "患有大病" in health and rng.random() < 0.6
        student = status not in ("非在校生", "学龄前儿童", "")
        person.labour_capacity = self._labour(age, student, bool(health) and ("残疾" in health or "患有大病" in health))
        person.migrant_status, person.migrant_months = "", None
        if (
            16 <= age <= 64
            and not student
            and person.labour_capacity in ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
        ):
            person.migrant_status = weighted(
                rng, (("省外务工", 28), ("县外省内务工", 14), ("县内务工", 16), ("未务工", 42))
            )
            if person.migrant_status == "未务工":
                person.migrant_months = 0 if rng.random() < 0.3 else None
            else:
                person.migrant_months = 3 + int(rng.random() * 10)
        employee = 18 <= age <= 59 and not student and rng.random() < 0.03
        person.insured_employee_medical = employee
        person.insured_resident_medical = not employee
        person.insured_serious_illness = True
        person.insured_pension = (rng.random() < 0.92) if age >= 16 and not student else None

    def _school_status(self, age: int, school_age: int) -> str:
        rng = self.rng
        if school_age <= 2:
            return "学龄前儿童"
        if school_age <= 5:
            return "学前教育" if age >= 6 or rng.random() < 0.85 else "学龄前儿童"
        if school_age <= 11:
            return "小学"
        if school_age <= 14:
            return _PRIMARY_GRADES[school_age]
        if school_age <= 17:
            roll = rng.random()
            if age <= 15 or roll < 0.6:
                return "普通高中" if roll < 0.66 else "中职"
            return "中职" if roll < 0.88 else "非在校生"
        if school_age <= 21:
            return weighted(rng, (("高职高专", 20), ("本科", 15), ("技师学院", 3), ("非在校生", 62)))
        if school_age <= 24:
            return weighted(rng, (("本科", 4), ("硕士研究生及以上", 2), ("非在校生", 94)))
        return "非在校生"

    def _education(self, birth_year: int, age: int) -> str:
        if age <= 18:
            return "初中" if self.rng.random() < 0.85 else "小学"
        table = _EDUCATION_BY_COHORT[0][1]
        for first, levels in _EDUCATION_BY_COHORT:
            if birth_year >= first:
                table = levels
        return weighted(self.rng, table)

    def _labour(self, age: int, student: bool, impaired: bool) -> str:
        rng = self.rng
        if age < 16 or student:
            return "无劳动力"
        if age < 60:
            if impaired:
                return "丧失劳动力" if rng.random() < 0.5 else "弱劳动力或半劳动力"
            return weighted(rng, (("普通劳动力", 70), ("技能劳动力", 20), ("弱劳动力或半劳动力", 10)))
        if age < 70:
            if impaired:
                return "丧失劳动力"
            return weighted(rng, (("弱劳动力或半劳动力", 60), ("普通劳动力", 30), ("丧失劳动力", 10)))
        return weighted(rng, (("无劳动力", 50), ("丧失劳动力", 30), ("弱劳动力或半劳动力", 20)))
