"""core.bulk: instances built without Model.__init__ hold what the ORM would hold."""

from __future__ import annotations

from decimal import Decimal

from conftest import add_households
from jingzhun.core import bulk
from jingzhun.registry.models import Household, IncomeRecord, Person


def _fields(instance, skipped=()) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields
            if field.name not in skipped}  # fmt: skip


def test_fetched_instances_hold_what_the_orm_reads(regions):
    (household,) = add_households("511823100202", 1)
    IncomeRecord.objects.create(household=household, year=2025, wage=Decimal("1.50"), household_size=1)
    for queryset, skipped in [
        (Household.objects.all(), ()),
        (Person.objects.order_by("id"), ("birth_ymd",)),
        (IncomeRecord.objects.all(), ("per_capita_net_income",)),
    ]:
        fetched, read = list(bulk.fetch(queryset, exclude=skipped)), list(queryset)
        assert [_fields(one, skipped) for one in fetched] == [_fields(one, skipped) for one in read]
        assert all(not one._state.adding and one._state.db == "default" for one in fetched)


def test_a_field_left_out_of_a_fetch_is_read_when_asked_for(regions):
    add_households("511823100202", 1)
    (person,) = bulk.fetch(Person.objects.all()[:1], exclude=["birth_ymd"])
    assert "birth_ymd" not in person.__dict__
    assert person.birth_ymd == Person.objects.get(pk=person.pk).birth_ymd
