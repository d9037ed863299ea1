"""Build small registries for rule tests: a clean household that no rule fires on, and mutations of it."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from jingzhun.registry import idnumber
from jingzhun.registry.models import Household, IncomeRecord, Person, Region

YEAR = 2025
_sequence = itertools.count(11)


def make_id(born: dt.date, male: bool) -> str:
    seq = next(_sequence) % 500 * 2 + (1 if male else 0)
    return idnumber.make("511823" if born.year >= 2000 else "513124", born, seq)


def regions() -> dict[str, Region]:
    province = Region.objects.create(code="510000000000", name="四川省", level="province")
    city = Region.objects.create(code="511800000000", name="雅安市", level="city", parent=province)
    county = Region.objects.create(code="511823000000", name="汉源县", level="county", parent=city)
    town = Region.objects.create(code="511823101000", name="富林镇", level="town", parent=county)
    village = Region.objects.create(code="511823101201", name="长征村", level="village", parent=town)
    return {"county": county, "town": town, "village": village}


def clean_members() -> list[dict]:
    """Head, spouse and a 13-year-old in grade 7: every item of the standard met, data consistent."""
    return [
        {"name": "户主", "relation": "户主", "born": dt.date(1970, 5, 1), "male": True, "education_level": "初中",
         "school_status": "非在校生", "labour_capacity": "普通劳动力"},
        {"name": "配偶", "relation": "配偶", "born": dt.date(1972, 8, 9), "male": False, "education_level": "小学",
         "school_status": "非在校生", "labour_capacity": "普通劳动力"},
        {"name": "之子", "relation": "之子", "born": dt.date(2012, 3, 3), "male": True, "education_level": "",
         "school_status": "七年级", "labour_capacity": "无劳动力"},
    ]  # fmt: skip


CLEAN_HOUSEHOLD = {
    "household_type": "一般农户", "poverty_attribute": "", "monitoring_category": "", "risk_types": "",
    "risk_eliminated": None, "food_secure": True, "clothing_secure": True, "housing_grade": "A",
    "safe_housing_measure": "原住房安全", "water_piped": True, "water_fetch_minutes": None,
    "water_litres_per_day": Decimal(60), "water_quality_ok": True, "water_outage_days": 0, "household_size": 3,
    "phone": "13812345678", "cadre_name": "王干部", "cadre_phone": "13900000000",
}  # fmt: skip

CLEAN_INCOME = {"wage": Decimal(30000), "operating": Decimal(6000), "property_income": Decimal(0),
                "transfer": Decimal(1200), "production_costs": Decimal(1500)}  # fmt: skip


def create_household(village: Region, number: str, household: dict | None = None, members: list[dict] | None = None,
                     income: dict | None = None) -> Household:  # fmt: skip
    """Create a household from the clean template with overrides; members are dicts like clean_members()."""
    fields = {**CLEAN_HOUSEHOLD, **(household or {})}
    created = Household.objects.create(number=number, village=village, **fields)
    for member in members if members is not None else clean_members():
        member = dict(member)
        born, male = member.pop("born"), member.pop("male")
        values = {
            "household": created, "id_number": make_id(born, male), "sex": "男" if male else "女",
            "birth_date": born, "status": "正常", "insured_resident_medical": True,
            "insured_employee_medical": False, "insured_serious_illness": True, "insured_pension": True,
            "migrant_status": "未务工", "health": "健康",
        }  # fmt: skip
        values.update(member)
        Person.objects.create(**values)
    normal = sum(1 for m in (members if members is not None else clean_members()) if m.get("status", "正常") == "正常")
    if income is not False:
        IncomeRecord.objects.create(household=created, year=YEAR, household_size=normal,
                                    **{**CLEAN_INCOME, **(income or {})})  # fmt: skip
    return created
