"""The fields rules may read: a person view and a household view over the registry tables.

Each field has a type the compiler checks expressions against, the SQL that produces it from the base
relations (aliases: ``p`` person, ``h`` household, ``i`` the household's income record of the checked year,
``r`` the household's region, ``agg`` per-household member aggregates, ``ids`` ID-number counts) and, for
enumerations, the values it may hold, so that a misspelt value in a rule is an error, not a silent never-match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Type(StrEnum):
    BOOL = "bool"
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"
    SET = "set"  # a multi-valued text field (comma-separated values), read with has(field, 'value')


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: Type
    sql: str  # column expression over the base relations, in sqlglot's neutral syntax
    doc: str
    values: tuple[str, ...] = ()  # allowed values of an enumeration (empty string is always allowed)
    int_sql: str = ""  # for a date: a stored YYYYMMDD integer twin, so ages need no date functions


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: Type
    doc: str


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter("poverty_line", Type.NUMBER, "poverty line, yuan per person per year"),
        Parameter("monitoring_line", Type.NUMBER, "monitoring line, yuan per person per year"),
        Parameter("water_min_litres", Type.NUMBER, "minimum water per person per day, litres"),
        Parameter("water_max_fetch_minutes", Type.NUMBER, "maximum round trip to fetch water, minutes"),
        Parameter("water_max_outage_days", Type.NUMBER, "maximum water outage days per year"),
        Parameter("education_age_min", Type.NUMBER, "first age of compulsory education"),
        Parameter("education_age_max", Type.NUMBER, "last age of compulsory education"),
        Parameter("ref_date", Type.DATE, "reference date: ages are counted on it"),
        Parameter("year", Type.NUMBER, "the income year checked"),
    ]
}


@dataclass(frozen=True)
class Schema:
    """The person and household views: which fields exist at each level, their types and values."""

    household: dict[str, Field]
    person: dict[str, Field]  # person fields plus every household field
    parameters: dict[str, Parameter] = field(default_factory=lambda: dict(PARAMETERS))

    def fields_for(self, level: str) -> dict[str, Field]:
        return self.person if level == "person" else self.household


# (name, type, sql, doc); enumeration values are attached by build_schema from the registry's choices.
HOUSEHOLD_FIELDS: list[tuple[str, Type, str, str]] = [
    ("household_number", Type.TEXT, "h.number", "户编号"),
    ("region_code", Type.TEXT, "h.region_code", "12-digit code of the household's region"),
    ("region_level", Type.TEXT, "r.level", "level of the household's region (village, town …)"),
    ("household_type", Type.TEXT, "h.household_type", "户类型"),
    ("poverty_attribute", Type.TEXT, "h.poverty_attribute", "贫困户属性"),
    ("exit_year", Type.NUMBER, "h.exit_year", "脱贫年度"),
    ("monitoring_category", Type.TEXT, "h.monitoring_category", "监测对象类别 (empty: not monitored)"),
    ("risk_types", Type.SET, "h.risk_types", "风险类型"),
    ("risk_eliminated", Type.BOOL, "h.risk_eliminated", "风险是否消除"),
    ("risk_elimination_method", Type.TEXT, "h.risk_elimination_method", "风险消除方式"),
    ("main_cause", Type.TEXT, "h.main_cause", "主要致贫原因"),
    ("food_secure", Type.BOOL, "h.food_secure", "是否不愁吃"),
    ("clothing_secure", Type.BOOL, "h.clothing_secure", "是否不愁穿"),
    ("housing_grade", Type.TEXT, "h.housing_grade", "住房安全鉴定等级"),
    ("safe_housing_measure", Type.TEXT, "h.safe_housing_measure", "住房安全保障方式"),
    ("water_piped", Type.BOOL, "h.water_piped", "是否供水入户"),
    ("water_fetch_minutes", Type.NUMBER, "h.water_fetch_minutes", "取水往返时间(分钟)"),
    ("water_litres_per_day", Type.NUMBER, "h.water_litres_per_day", "人均日供水量(升)"),
    ("water_quality_ok", Type.BOOL, "h.water_quality_ok", "水质是否达标"),
    ("water_outage_days", Type.NUMBER, "h.water_outage_days", "年停水天数"),
    ("household_size", Type.NUMBER, "h.household_size", "家庭人口数 as recorded"),
    ("phone", Type.TEXT, "h.phone", "联系电话"),
    ("cadre_name", Type.TEXT, "h.cadre_name", "帮扶责任人"),
    ("income_recorded", Type.BOOL, "i.id IS NOT NULL", "an income record exists for the checked year"),
    ("wage", Type.NUMBER, "i.wage", "工资性收入"),
    ("operating", Type.NUMBER, "i.operating", "生产经营性收入"),
    ("property_income", Type.NUMBER, "i.property_income", "财产性收入"),
    ("transfer", Type.NUMBER, "i.transfer", "转移性收入"),
    ("production_costs", Type.NUMBER, "i.production_costs", "生产经营性支出"),
    ("income_household_size", Type.NUMBER, "i.household_size", "household size the income was divided by"),
    ("stated_per_capita", Type.NUMBER, "i.stated_per_capita", "人均纯收入 as stated in the imported file"),
    ("per_capita_income", Type.NUMBER, "i.per_capita_net_income", "人均纯收入, derived from the components"),
    ("normal_members", Type.NUMBER, "agg.normal_members", "number of members with status 正常"),
    ("head_count", Type.NUMBER, "agg.head_count", "number of normal members related as 户主"),
    ("head_sex", Type.TEXT, "agg.head_sex", "sex of the (first) normal head"),
    ("head_birth_date", Type.DATE, "agg.head_birth_date", "birth date of the (first) normal head"),
]

PERSON_FIELDS: list[tuple[str, Type, str, str]] = [
    ("name", Type.TEXT, "p.name", "姓名"),
    ("id_type", Type.TEXT, "p.id_type", "证件类型"),
    ("id_number", Type.TEXT, "p.id_number", "证件号码"),
    ("id_valid", Type.BOOL, "p.id_valid", "the ID number passes GB 11643 (format, date, check digit)"),
    ("id_birth_date", Type.DATE, "p.id_birth_date", "birth date encoded in the ID number"),
    ("id_sex", Type.TEXT, "p.id_sex", "sex encoded in the ID number"),
    ("id_number_count", Type.NUMBER, "COALESCE(ids.n, 1)", "normal person records with this ID number (1: unique)"),
    ("sex", Type.TEXT, "p.sex", "性别 as recorded"),
    ("birth_date", Type.DATE, "COALESCE(p.birth_date, p.id_birth_date)", "出生日期 (recorded, else from ID)"),
    ("ethnicity", Type.TEXT, "p.ethnicity", "民族"),
    ("relation", Type.TEXT, "p.relation", "与户主关系"),
    ("status", Type.TEXT, "p.status", "人员状态"),
    ("education_level", Type.TEXT, "p.education_level", "文化程度"),
    ("school_status", Type.TEXT, "p.school_status", "在校生状况"),
    ("home_schooled", Type.BOOL, "p.home_schooled", "是否送教上门"),
    ("health_exempt", Type.BOOL, "p.health_exempt", "是否因身体原因不具备学习条件"),
    ("dropout_reason", Type.TEXT, "p.dropout_reason", "失学或辍学原因"),
    ("health", Type.SET, "p.health", "健康状况"),
    ("disability_type", Type.TEXT, "p.disability_type", "残疾类别"),
    ("disability_grade", Type.TEXT, "p.disability_grade", "残疾等级"),
    ("labour_capacity", Type.TEXT, "p.labour_capacity", "劳动技能"),
    ("migrant_status", Type.TEXT, "p.migrant_status", "务工状况"),
    ("migrant_months", Type.NUMBER, "p.migrant_months", "务工时间(月)"),
    ("insured_resident_medical", Type.BOOL, "p.insured_resident_medical", "城乡居民基本医疗保险"),
    ("insured_employee_medical", Type.BOOL, "p.insured_employee_medical", "城镇职工基本医疗保险"),
    ("insured_serious_illness", Type.BOOL, "p.insured_serious_illness", "大病保险"),
    ("insured_pension", Type.BOOL, "p.insured_pension", "城乡居民基本养老保险"),
    ("dibao", Type.BOOL, "p.dibao", "是否享受低保"),
    ("tekun", Type.BOOL, "p.tekun", "是否特困供养人员"),
    ("medical_assistance", Type.BOOL, "p.medical_assistance", "是否接受医疗救助"),
]


# Date fields whose YYYYMMDD integer is stored (registry_person.birth_ymd is a generated column).
INTEGER_TWINS = {"birth_date": "p.birth_ymd", "head_birth_date": "agg.head_birth_ymd"}


def build_schema(enums: dict[str, tuple[str, ...]] | None = None) -> Schema:
    """Build the schema; ``enums`` maps a field name to its allowed values (from the registry's choices)."""
    enums = enums or {}

    def make(rows):
        return {
            name: Field(name, type_, sql, doc, tuple(enums.get(name, ())), INTEGER_TWINS.get(name, ""))
            for name, type_, sql, doc in rows
        }

    household = make(HOUSEHOLD_FIELDS)
    person = {**household, **make(PERSON_FIELDS)}
    return Schema(household=household, person=person)
