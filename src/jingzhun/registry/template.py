"""The canonical registry import template (DOMAIN.md §4) as one data table: one row per column of the file.

The national system exports one row per person with the household's fields repeated on every member's row.
This table is the single description of that file: the synthetic generator writes its columns in this order, and
the importer reads them by header (or by one of the aliases, since wording varies between provinces and years).
It stays free of Django so the engine, the importer and the generator can all read it.

>>> [column.header for column in COLUMNS[:3]]
['行政区划代码', '乡镇名称', '村名称']
>>> by_header("身份证号").field
'id_number'
"""

from __future__ import annotations

from dataclasses import dataclass

# Levels: which record a column belongs to.
HOUSEHOLD = "household"
PERSON = "person"
INCOME = "income"  # the household's IncomeRecord for the income year
LEVELS = (HOUSEHOLD, PERSON, INCOME)

# Kinds: how a cell is read and written.
TEXT = "text"
ENUM = "enum"  # one value of ``choices`` (a class name in jingzhun.registry.choices)
BOOL = "bool"  # 是 / 否
INT = "int"
DECIMAL = "decimal"
DATE = "date"
MULTI = "multi"  # several values of ``choices``, joined by MULTI_SEPARATOR
KINDS = (TEXT, ENUM, BOOL, INT, DECIMAL, DATE, MULTI)

TRUE_TEXT = "是"
FALSE_TEXT = "否"
#: How a multi-valued cell joins its values in the files we write (the importer also accepts 、，; and spaces).
MULTI_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the template: its header, where the value goes, how it is read, whether it must be there.

    ``field`` is None for columns that are read for checking only (town and village names: the region code is
    what places a household). ``aliases`` are other headers seen in real exports for the same column.
    """

    header: str
    level: str
    field: str | None
    kind: str
    required: bool = False
    choices: str | None = None
    aliases: tuple[str, ...] = ()


def _h(header, field, kind, *, required=False, choices=None, aliases=()) -> Column:
    return Column(header, HOUSEHOLD, field, kind, required, choices, tuple(aliases))


def _i(header, field, kind, *, required=False, choices=None, aliases=()) -> Column:
    return Column(header, INCOME, field, kind, required, choices, tuple(aliases))


def _p(header, field, kind, *, required=False, choices=None, aliases=()) -> Column:
    return Column(header, PERSON, field, kind, required, choices, tuple(aliases))


COLUMNS: tuple[Column, ...] = (
    # Household fields, repeated on every member's row.
    _h("行政区划代码", "village", TEXT, required=True, aliases=("区划代码", "村行政区划代码", "村代码")),
    _h("乡镇名称", None, TEXT, aliases=("乡镇", "乡(镇)", "乡(镇)名称")),
    _h("村名称", None, TEXT, aliases=("村", "行政村", "村(社区)")),
    _h("户编号", "number", TEXT, required=True, aliases=("户码", "户号", "家庭编号")),
    _h("户类型", "household_type", ENUM, required=True, choices="HouseholdType"),
    _h("贫困户属性", "poverty_attribute", ENUM, choices="PovertyAttribute"),
    _h("脱贫年度", "exit_year", INT),
    _h("监测对象类别", "monitoring_category", ENUM, choices="MonitoringCategory"),
    _h("风险类型", "risk_types", MULTI, choices="RiskType"),
    _h("风险是否消除", "risk_eliminated", BOOL),
    _h("风险消除方式", "risk_elimination_method", ENUM, choices="RiskEliminationMethod"),
    _h("主要致贫原因", "main_cause", ENUM, choices="PovertyCause"),
    _h("是否不愁吃", "food_secure", BOOL),
    _h("是否不愁穿", "clothing_secure", BOOL),
    _h("住房安全鉴定等级", "housing_grade", ENUM, choices="HousingGrade"),
    _h("住房安全保障方式", "safe_housing_measure", ENUM, choices="SafeHousingMeasure"),
    _h("是否供水入户", "water_piped", BOOL),
    _h("取水往返时间(分钟)", "water_fetch_minutes", INT),
    _h("人均日供水量(升)", "water_litres_per_day", DECIMAL),
    _h("水质是否达标", "water_quality_ok", BOOL),
    _h("年停水天数", "water_outage_days", INT),
    _h("家庭人口数", "household_size", INT),
    # The income record of the income year.
    _i("收入年度", "year", INT),
    _i("工资性收入", "wage", DECIMAL),
    _i("生产经营性收入", "operating", DECIMAL),
    _i("财产性收入", "property_income", DECIMAL),
    _i("转移性收入", "transfer", DECIMAL),
    _i("生产经营性支出", "production_costs", DECIMAL),
    _i("人均纯收入", "stated_per_capita", DECIMAL, aliases=("家庭人均纯收入",)),
    _h("联系电话", "phone", TEXT, aliases=("户主联系电话",)),
    _h("帮扶责任人", "cadre_name", TEXT),
    _h("帮扶责任人电话", "cadre_phone", TEXT),
    # Person fields.
    _p("姓名", "name", TEXT, required=True, aliases=("成员姓名",)),
    _p("证件类型", "id_type", ENUM, choices="IdType"),
    _p("证件号码", "id_number", TEXT, aliases=("身份证号", "公民身份号码", "身份证号码", "证件号")),
    _p("性别", "sex", ENUM, choices="Sex"),
    _p("出生日期", "birth_date", DATE),
    _p("民族", "ethnicity", ENUM, choices="Ethnicity"),
    _p("与户主关系", "relation", ENUM, required=True, choices="Relation", aliases=("与户主的关系",)),
    _p("人员状态", "status", ENUM, choices="PersonStatus", aliases=("成员状态",)),
    _p("文化程度", "education_level", ENUM, choices="EducationLevel"),
    _p("在校生状况", "school_status", ENUM, choices="SchoolStatus"),
    _p("是否送教上门", "home_schooled", BOOL),
    _p("是否因身体原因不具备学习条件", "health_exempt", BOOL),
    _p("失学或辍学原因", "dropout_reason", TEXT),
    _p("健康状况", "health", MULTI, choices="HealthCondition"),
    _p("残疾类别", "disability_type", ENUM, choices="DisabilityType"),
    _p("残疾等级", "disability_grade", ENUM, choices="DisabilityGrade"),
    _p("劳动技能", "labour_capacity", ENUM, choices="LabourCapacity"),
    _p("务工状况", "migrant_status", ENUM, choices="MigrantStatus"),
    _p("务工时间(月)", "migrant_months", INT),
    _p("是否参加城乡居民基本医疗保险", "insured_resident_medical", BOOL),
    _p("是否参加城镇职工基本医疗保险", "insured_employee_medical", BOOL),
    _p("是否参加大病保险", "insured_serious_illness", BOOL),
    _p("是否参加城乡居民基本养老保险", "insured_pension", BOOL),
    _p("是否享受低保", "dibao", BOOL),
    _p("是否特困供养人员", "tekun", BOOL),
    _p("是否接受医疗救助", "medical_assistance", BOOL),
)

HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)

_BY_NAME = {name: column for column in COLUMNS for name in (column.header, *column.aliases)}


def by_header(header: str) -> Column:
    """Return the column a header (or one of its aliases) names; raise KeyError for an unknown header."""
    return _BY_NAME[header.strip()]


def columns_of(level: str) -> tuple[Column, ...]:
    """Return the columns of one level (household, person or income), in template order."""
    return tuple(column for column in COLUMNS if column.level == level)
