"""The registry model: derived per-capita income, ID-derived fields, parameters by province and year."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.registry import idnumber
from jingzhun.registry.models import Household, IncomeRecord, Person, Region, StandardParameters

pytestmark = pytest.mark.django_db


@pytest.fixture
def household():
    province = Region.objects.create(code="510000000000", name="四川省", level="province")
    city = Region.objects.create(code="511800000000", name="雅安市", level="city", parent=province)
    county = Region.objects.create(code="511823000000", name="汉源县", level="county", parent=city)
    town = Region.objects.create(code="511823101000", name="富林镇", level="town", parent=county)
    village = Region.objects.create(code="511823101201", name="长征村", level="village", parent=town)
    return Household.objects.create(number="5118231012010001", village=village, household_type="脱贫户")


def test_per_capita_net_income_is_derived_from_components_and_size(household):
    record = IncomeRecord.objects.create(
        household=household, year=2025, wage=Decimal("9000"), operating=Decimal("3000.50"),
        property_income=Decimal("100"), transfer=Decimal("1500"), production_costs=Decimal("1200"),
        household_size=3,
    )  # fmt: skip
    record.refresh_from_db()
    assert record.per_capita_net_income == pytest.approx((9000 + 3000.50 + 100 + 1500 - 1200) / 3, abs=0.005)


def test_per_capita_net_income_follows_an_update_of_a_component(household):
    record = IncomeRecord.objects.create(household=household, year=2025, wage=Decimal(6000), household_size=2)
    IncomeRecord.objects.filter(pk=record.pk).update(wage=Decimal(9000))
    record.refresh_from_db()
    assert record.per_capita_net_income == 4500


def test_per_capita_net_income_is_empty_for_a_household_of_size_zero(household):
    record = IncomeRecord.objects.create(household=household, year=2025, wage=Decimal(6000), household_size=0)
    record.refresh_from_db()
    assert record.per_capita_net_income is None


def test_saving_a_person_derives_id_fields_and_fills_missing_birth_date_and_sex(household):
    number = idnumber.make("513124", dt.date(1962, 3, 9), 31)
    person = Person.objects.create(household=household, name="张三", id_number=number.lower(), relation="户主")
    person.refresh_from_db()
    assert person.id_number == number.upper()
    assert person.id_valid and person.id_error == ""
    assert person.id_birth_date == person.birth_date == dt.date(1962, 3, 9)
    assert person.id_sex == person.sex == "男"


def test_a_recorded_birth_date_that_disagrees_with_the_id_is_kept(household):
    number = idnumber.make("513124", dt.date(1962, 3, 9), 32)
    person = Person.objects.create(
        household=household, name="李四", id_number=number, relation="配偶", birth_date=dt.date(1963, 3, 9)
    )
    assert person.birth_date == dt.date(1963, 3, 9)
    assert person.id_birth_date == dt.date(1962, 3, 9)
    assert person.sex == "女"


def test_an_invalid_id_is_stored_with_its_error(household):
    person = Person.objects.create(household=household, name="王五", id_number="11010519491231002Y", relation="之子")
    assert not person.id_valid and person.id_error == "format"


def test_households_in_region_is_a_range_over_region_codes(household):
    assert list(Household.objects.in_region("511823000000")) == [household]
    assert list(Household.objects.in_region("511823101000")) == [household]
    assert not Household.objects.in_region("511823102000").exists()
    assert not Household.objects.in_region("511824000000").exists()


def test_region_ancestors_are_listed_province_first(household):
    assert [r.code for r in household.village.ancestors()] == [
        "510000000000", "511800000000", "511823000000", "511823101000",
    ]  # fmt: skip


def test_national_default_parameters_are_seeded_for_each_year():
    params = StandardParameters.resolve("511823101201", 2020)
    assert params.poverty_line == 4000 and params.monitoring_line == 6000
    assert params.reference_date == dt.date(2020, 12, 31)
    assert params.inherited_from is None


def test_a_province_row_wins_over_the_national_default():
    StandardParameters.objects.create(
        province_code="51", year=2024, poverty_line=4000, monitoring_line=8000, reference_date=dt.date(2024, 12, 31)
    )
    assert StandardParameters.resolve("511823101201", 2024).monitoring_line == 8000
    assert StandardParameters.resolve("520000000000", 2024).monitoring_line == 6000


def test_a_year_without_a_row_inherits_the_latest_earlier_year_with_its_own_reference_date():
    params = StandardParameters.resolve("511823101201", 2031)
    assert params.inherited_from == 2026
    assert params.reference_date == dt.date(2031, 12, 31)


def test_a_year_before_any_row_is_an_error():
    with pytest.raises(StandardParameters.DoesNotExist, match="no standard parameters"):
        StandardParameters.resolve("511823101201", 1999)


def test_the_suite_runs_on_the_database_it_was_given():
    import os

    from django.db import connection

    url = os.environ.get("JINGZHUN_DATABASE_URL", "sqlite://")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")
