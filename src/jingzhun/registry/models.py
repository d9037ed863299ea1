"""The registry (建档立卡): regions, households, persons, yearly income, and the standard's parameters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models.functions import Cast, Coalesce, NullIf, Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingzhun.registry import idnumber, regions
from jingzhun.registry.choices import (
    DisabilityGrade,
    DisabilityType,
    EducationLevel,
    Ethnicity,
    HouseholdType,
    HousingGrade,
    IdType,
    LabourCapacity,
    MigrantStatus,
    MonitoringCategory,
    PersonStatus,
    PovertyAttribute,
    PovertyCause,
    RegionLevel,
    Relation,
    RiskEliminationMethod,
    SafeHousingMeasure,
    SchoolStatus,
    Sex,
)

MULTI_SEPARATOR = ","


def join_multi(values, choices) -> str:
    """Store a multi-valued field as its values in the enumeration's order, comma-separated."""
    chosen = set(values)
    return MULTI_SEPARATOR.join(value for value in choices.values if value in chosen)


def split_multi(text: str) -> list[str]:
    """Return the values of a stored multi-valued field."""
    return [part for part in (text or "").split(MULTI_SEPARATOR) if part]


class DateAsInteger(models.Func):
    """A date as the integer YYYYMMDD, with functions both databases accept in a generated column.

    Whole years between two dates are then (later − earlier) div 10000: exact, and integer arithmetic only.
    """

    output_field = models.IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%Y%%%%m%%%%d', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler, connection, **extra):
        template = (
            "CAST(EXTRACT(YEAR FROM %(expressions)s) * 10000 + EXTRACT(MONTH FROM %(expressions)s) * 100"
            " + EXTRACT(DAY FROM %(expressions)s) AS INTEGER)"
        )
        return self.as_sql(compiler, connection, template=template)


class RegionQuerySet(models.QuerySet):
    def subtree(self, code: str) -> RegionQuerySet:
        """Return the region and all its descendants (one range scan of the primary key)."""
        return self.filter(code__range=regions.subtree_bounds(code))


class Region(models.Model):  # 行政区划
    """A node of the 5-level hierarchy, identified by its 12-digit statistical division code."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(pgettext_lazy("region", "name"), max_length=100)
    level = models.CharField(_("level"), max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def bounds(self) -> tuple[str, str]:
        return regions.subtree_bounds(self.code)

    def contains(self, code: str) -> bool:
        return regions.contains(self.code, code)

    def ancestors(self) -> list[Region]:
        """Return the ancestors, province first (one query)."""
        codes = regions.ancestor_codes(self.code)
        found = {region.code: region for region in Region.objects.filter(code__in=codes)}
        return [found[code] for code in codes if code in found]


class HouseholdQuerySet(models.QuerySet):
    def in_region(self, code: str) -> HouseholdQuerySet:
        """Households whose village lies under ``code``: a range scan of the region_code index."""
        return self.filter(village__code__range=regions.subtree_bounds(code))


class Household(models.Model):  # 户
    """One registered household, placed in a village; its members are Person rows."""

    number = models.CharField(_("household number"), max_length=32, unique=True)  # 户编号
    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="households",
    )
    household_type = models.CharField(_("household type"), max_length=8, choices=HouseholdType.choices)
    poverty_attribute = models.CharField(
        _("poverty attribute"), max_length=8, choices=PovertyAttribute.choices, blank=True
    )
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)  # 脱贫年度
    monitoring_category = models.CharField(
        _("monitoring category"), max_length=8, choices=MonitoringCategory.choices, blank=True
    )
    risk_types = models.CharField(  # 风险类型: up to five RiskType values, comma-separated
        _("risk types"), max_length=80, blank=True, help_text=_("Up to five, comma-separated.")
    )
    risk_eliminated = models.BooleanField(_("risk eliminated"), null=True, blank=True)  # 风险是否消除
    risk_elimination_method = models.CharField(
        _("risk elimination method"), max_length=8, choices=RiskEliminationMethod.choices, blank=True
    )
    main_cause = models.CharField(_("main cause of poverty"), max_length=12, choices=PovertyCause.choices, blank=True)
    food_secure = models.BooleanField(_("secure in food"), null=True, blank=True)  # 是否不愁吃
    clothing_secure = models.BooleanField(_("secure in clothing"), null=True, blank=True)  # 是否不愁穿
    housing_grade = models.CharField(_("housing safety grade"), max_length=4, choices=HousingGrade.choices, blank=True)
    safe_housing_measure = models.CharField(
        _("safe-housing measure"), max_length=8, choices=SafeHousingMeasure.choices, blank=True
    )
    water_piped = models.BooleanField(_("piped water"), null=True, blank=True)  # 是否供水入户
    water_fetch_minutes = models.PositiveIntegerField(_("water fetch round trip (minutes)"), null=True, blank=True)
    water_litres_per_day = models.DecimalField(  # 人均日供水量(升)
        _("water per person per day (litres)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    water_quality_ok = models.BooleanField(_("water quality up to standard"), null=True, blank=True)
    water_outage_days = models.PositiveIntegerField(_("water outage days per year"), null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(  # 家庭人口数 as recorded (DQ-013 compares)
        _("household size (recorded)"), null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)  # 联系电话
    cadre_name = models.CharField(_("responsible cadre"), max_length=50, blank=True)  # 帮扶责任人
    cadre_phone = models.CharField(_("responsible cadre's phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        indexes = [
            # The household list of a region is a range on region_code ordered by number.
            models.Index(fields=["village", "number"], name="household_region_number"),
            models.Index(fields=["monitoring_category"], name="household_monitoring"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def risk_type_list(self) -> list[str]:
        return split_multi(self.risk_types)

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitoring_category)


class Person(models.Model):  # 家庭成员
    """A member of a household; the ID number's birth date and sex are stored beside what was recorded."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("name"), max_length=50)
    id_type = models.CharField(_("ID type"), max_length=8, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)  # 证件号码 (indexed with status)
    # Derived from id_number by sync_id_fields(); the checks read these instead of parsing IDs in SQL.
    id_valid = models.BooleanField(_("ID number valid"), default=False)
    id_error = models.CharField(_("ID number error"), max_length=10, blank=True)
    id_birth_date = models.DateField(_("birth date in ID"), null=True, blank=True)
    id_sex = models.CharField(_("sex in ID"), max_length=1, choices=Sex.choices, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)  # as recorded
    birth_date = models.DateField(_("birth date"), null=True, blank=True)  # as recorded, else from the ID
    ethnicity = models.CharField(_("ethnicity"), max_length=8, choices=Ethnicity.choices, blank=True)
    relation = models.CharField(_("relation to head"), max_length=8, choices=Relation.choices)
    status = models.CharField(_("status"), max_length=4, choices=PersonStatus.choices, default=PersonStatus.NORMAL)
    education_level = models.CharField(_("education level"), max_length=8, choices=EducationLevel.choices, blank=True)
    school_status = models.CharField(_("school status"), max_length=10, choices=SchoolStatus.choices, blank=True)
    home_schooled = models.BooleanField(_("taught at home (送教上门)"), null=True, blank=True)
    health_exempt = models.BooleanField(_("unable to study for health reasons"), null=True, blank=True)
    dropout_reason = models.CharField(_("dropout reason"), max_length=100, blank=True)
    health = models.CharField(  # 健康状况: HealthCondition values, comma-separated
        _("health"), max_length=40, blank=True
    )
    disability_type = models.CharField(_("disability type"), max_length=6, choices=DisabilityType.choices, blank=True)
    disability_grade = models.CharField(
        _("disability grade"), max_length=4, choices=DisabilityGrade.choices, blank=True
    )
    labour_capacity = models.CharField(_("labour capacity"), max_length=10, choices=LabourCapacity.choices, blank=True)
    migrant_status = models.CharField(_("migrant work status"), max_length=8, choices=MigrantStatus.choices, blank=True)
    migrant_months = models.PositiveSmallIntegerField(_("migrant work months"), null=True, blank=True)
    insured_resident_medical = models.BooleanField(_("resident basic medical insurance"), null=True, blank=True)
    insured_employee_medical = models.BooleanField(_("employee basic medical insurance"), null=True, blank=True)
    insured_serious_illness = models.BooleanField(_("serious illness insurance"), null=True, blank=True)
    insured_pension = models.BooleanField(_("resident basic pension"), null=True, blank=True)
    dibao = models.BooleanField(_("receives dibao"), null=True, blank=True)  # 是否享受低保
    tekun = models.BooleanField(_("destitute support (tekun)"), null=True, blank=True)  # 是否特困供养人员
    medical_assistance = models.BooleanField(_("receives medical assistance"), null=True, blank=True)
    # The birth date (recorded, else the ID's) as YYYYMMDD, kept by the database: ages in rules are integer sums.
    birth_ymd = models.GeneratedField(
        verbose_name=_("birth date as a number"),
        expression=DateAsInteger(Coalesce("birth_date", "id_birth_date")),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household", "id"]
        constraints = [
            # A person appears once per household; the same ID in two households is DQ-003's to report.
            models.UniqueConstraint(
                fields=["household", "id_number"],
                condition=~models.Q(id_number=""),
                name="person_unique_id_in_household",
            )
        ]
        indexes = [
            models.Index(fields=["name"], name="person_name"),
            # ID search, and DQ-003's count of normal records per ID number as a covering index scan.
            models.Index(fields=["id_number", "status"], name="person_id_number_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.sync_id_fields()
        super().save(*args, **kwargs)

    @property
    def health_list(self) -> list[str]:
        return split_multi(self.health)

    def sync_id_fields(self) -> None:
        """Derive id_valid, id_error, id_birth_date, id_sex (and a missing birth date or sex) from the ID."""
        apply_id_fields(self)

    def age_on(self, day: dt.date) -> int | None:
        born = self.birth_date or self.id_birth_date
        return idnumber.age_on(born, day) if born else None


def apply_id_fields(person: Person) -> Person:
    """Fill the ID-derived fields of ``person``; bulk writers call this since bulk_create skips save()."""
    if person.id_type == IdType.RESIDENT_ID and person.id_number:
        info = idnumber.parse(person.id_number)
        person.id_number = info.number
        person.id_valid = info.valid
        person.id_error = info.error or ""
        person.id_birth_date = info.birth_date
        person.id_sex = info.sex or ""
    else:
        person.id_valid, person.id_error, person.id_birth_date, person.id_sex = False, "", None, ""
    if person.birth_date is None and person.id_birth_date is not None:
        person.birth_date = person.id_birth_date
    if not person.sex and person.id_sex:
        person.sex = person.id_sex
    return person


MONEY = {"max_digits": 14, "decimal_places": 2}


class IncomeRecord(models.Model):  # 收入 (per household per year)
    """A household's income components for one year; per-capita net income is derived in the database."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("income year"))  # 收入年度
    wage = models.DecimalField(_("wage income"), default=Decimal(0), **MONEY)  # 工资性收入
    operating = models.DecimalField(_("operating income"), default=Decimal(0), **MONEY)  # 生产经营性收入
    property_income = models.DecimalField(_("property income"), default=Decimal(0), **MONEY)  # 财产性收入
    transfer = models.DecimalField(_("transfer income"), default=Decimal(0), **MONEY)  # 转移性收入
    production_costs = models.DecimalField(_("production costs"), default=Decimal(0), **MONEY)  # 生产经营性支出
    household_size = models.PositiveSmallIntegerField(_("household size used"))  # persons the figure divides by
    stated_per_capita = models.DecimalField(  # 人均纯收入 as written in the imported file; INC-004 compares
        _("stated per-capita net income"), null=True, blank=True, **MONEY
    )
    # (wage + operating + property + transfer − costs) ÷ size, computed by the database on every write,
    # so it can never disagree with its components.
    per_capita_net_income = models.GeneratedField(
        verbose_name=_("per-capita net income"),
        expression=Round(
            Cast(
                models.F("wage")
                + models.F("operating")
                + models.F("property_income")
                + models.F("transfer")
                - models.F("production_costs"),
                models.FloatField(),
            )
            / NullIf(models.F("household_size"), 0),
            2,
        ),
        output_field=models.FloatField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("income record")
        verbose_name_plural = _("income records")
        ordering = ["household", "-year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def net_income(self) -> Decimal:
        return self.wage + self.operating + self.property_income + self.transfer - self.production_costs


class StandardParameters(models.Model):  # 标准参数 (per province and year)
    """The lines and limits the standard's checks use, per province (blank = national default) and year."""

    province_code = models.CharField(
        _("province code"),
        max_length=2,
        blank=True,
        help_text=_("Two digits; blank for the national default."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    poverty_line = models.DecimalField(_("poverty line (yuan per person per year)"), **MONEY)
    monitoring_line = models.DecimalField(_("monitoring line (yuan per person per year)"), **MONEY)
    water_min_litres = models.DecimalField(
        _("minimum water per person per day (litres)"), max_digits=6, decimal_places=1, default=Decimal(35)
    )
    water_max_fetch_minutes = models.PositiveSmallIntegerField(_("maximum fetch round trip (minutes)"), default=20)
    water_max_outage_days = models.PositiveSmallIntegerField(_("maximum outage days per year"), default=36)
    education_age_min = models.PositiveSmallIntegerField(_("compulsory education from age"), default=6)
    education_age_max = models.PositiveSmallIntegerField(_("compulsory education to age"), default=15)
    reference_date = models.DateField(_("reference date"))
    note = models.CharField(_("source or note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("standard parameters")
        verbose_name_plural = _("standard parameters")
        ordering = ["province_code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "year"], name="parameters_one_per_province_year")
        ]

    def __str__(self) -> str:
        return f"{self.province_code or '全国'} {self.year}"

    @classmethod
    def resolve(cls, region_code: str, year: int) -> StandardParameters:
        """Return the parameters for the region's province and year.

        The province's own row wins over the national default; a year without a row takes the latest earlier
        year's (``inherited_from`` says which), so a new year works before the province publishes its lines.
        """
        province = region_code[:2]
        rows = list(cls.objects.filter(province_code__in=[province, ""], year__lte=year).order_by("-year"))
        if not rows:
            raise cls.DoesNotExist(f"no standard parameters for province {province} in or before {year}")
        best = max(rows, key=lambda row: (row.year, row.province_code == province))
        best.inherited_from = best.year if best.year != year else None
        if best.inherited_from is not None:
            # The lines carry over; the reference date is the same day of the year asked for.
            best.reference_date = best.reference_date.replace(year=year)
        return best
