"""The generator's in-memory records: plain slotted objects named after the registry model's fields.

They are not Django models: a million persons must be built, checked and written in well under a minute, so the
generator keeps plain attributes and the writers turn them into rows (file) or parameter tuples (database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingzhun.registry import idnumber


@dataclass(slots=True)
class Region:
    """A node of the synthetic hierarchy (province → city → county → town → village)."""

    code: str
    name: str
    level: str
    parent: str | None


@dataclass(slots=True, eq=False)
class Person:
    """A household member; field names are the registry model's (jingzhun.registry.models.Person)."""

    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    relation: str
    id_type: str = "居民身份证"
    ethnicity: str = "汉族"
    status: str = "正常"
    education_level: str = ""
    school_status: str = ""
    home_schooled: bool | None = None
    health_exempt: bool | None = None
    dropout_reason: str = ""
    health: str = "健康"
    disability_type: str = ""
    disability_grade: str = ""
    labour_capacity: str = ""
    migrant_status: str = ""
    migrant_months: int | None = None
    insured_resident_medical: bool | None = True
    insured_employee_medical: bool | None = False
    insured_serious_illness: bool | None = True
    insured_pension: bool | None = None
    dibao: bool | None = False
    tekun: bool | None = False
    medical_assistance: bool | None = False
    # What idnumber.parse says about id_number, filled once by the truth evaluation and reused by the writers.
    id_info: idnumber.IdInfo | None = field(default=None, repr=False)


@dataclass(slots=True, eq=False)
class Household:
    """A household with its members and its income record for the income year.

    ``region_code`` is where the household is placed in the database; ``file_region_code`` is what a file says
    (they differ only for a planted DQ-009). Income components are kept in integer cents (fen), so sums are exact.
    """

    number: str
    village_code: str
    town_name: str
    village_name: str
    household_type: str
    members: list[Person] = field(default_factory=list)
    region_code: str = ""
    file_region_code: str = ""
    poverty_attribute: str = ""
    exit_year: int | None = None
    monitoring_category: str = ""
    risk_types: str = ""
    risk_eliminated: bool | None = None
    risk_elimination_method: str = ""
    main_cause: str = ""
    food_secure: bool | None = True
    clothing_secure: bool | None = True
    housing_grade: str = "A"
    safe_housing_measure: str = "原住房安全"
    water_piped: bool | None = True
    water_fetch_minutes: int | None = None
    water_litres_tenths: int | None = 800  # 人均日供水量 in tenths of a litre (80.0 L)
    water_quality_ok: bool | None = True
    water_outage_days: int | None = 0
    household_size: int | None = None  # 家庭人口数 as recorded
    phone: str = ""
    cadre_name: str = ""
    cadre_phone: str = ""
    income_year: int = 0
    wage: int = 0  # cents
    operating: int = 0
    property_income: int = 0
    transfer: int = 0
    production_costs: int = 0
    stated_per_capita: int | None = None  # cents, as written in the file
    # Generator bookkeeping (not written): whether the size and the stated income are recorded, and the
    # planted deviations finalize() applies to them.
    records_size: bool = True
    states_income: bool = True
    size_excess: int = 0
    stated_offset: int = 0

    @property
    def normal_members(self) -> list[Person]:
        return [person for person in self.members if person.status == "正常"]

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitoring_category)

    @property
    def net_income(self) -> int:
        """Net income in cents: wage + operating + property + transfer − production costs."""
        return self.wage + self.operating + self.property_income + self.transfer - self.production_costs
