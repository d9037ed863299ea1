"""The canonical import template: one table the file writer and the importer both read."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db.models import GeneratedField

from jingzhun.registry import choices, template
from jingzhun.registry.models import Household, IncomeRecord, Person

MODELS = {template.HOUSEHOLD: Household, template.PERSON: Person, template.INCOME: IncomeRecord}


def test_headers_and_aliases_are_unique():
    names = [name for column in template.COLUMNS for name in (column.header, *column.aliases)]
    assert len(names) == len(set(names))


def test_every_column_maps_to_a_field_of_its_model():
    for column in template.COLUMNS:
        assert column.level in template.LEVELS and column.kind in template.KINDS
        if column.field is not None:
            MODELS[column.level]._meta.get_field(column.field)


def test_only_the_town_and_village_names_are_read_for_checking_only():
    assert [column.header for column in template.COLUMNS if column.field is None] == ["乡镇名称", "村名称"]


def test_every_model_field_a_file_can_carry_has_a_column():
    mapped = {(column.level, column.field) for column in template.COLUMNS}
    internal = {"id", "household", "created_at", "updated_at", "id_valid", "id_error", "id_birth_date", "id_sex"}
    for level, model in MODELS.items():
        for field in model._meta.concrete_fields:
            if isinstance(field, GeneratedField):  # derived by the database, never typed in
                continue
            if field.name not in internal and not (level == template.INCOME and field.name == "household_size"):
                assert (level, field.name) in mapped, (level, field.name)


def test_enumerated_columns_name_a_choices_class_whose_values_match_the_model():
    for column in template.COLUMNS:
        if column.kind in (template.ENUM, template.MULTI):
            enum = getattr(choices, column.choices)
            field = MODELS[column.level]._meta.get_field(column.field)
            if field.choices:
                assert [value for value, _ in field.choices] == list(enum.values), column.header
        else:
            assert column.choices is None


def test_the_id_number_column_accepts_the_usual_wordings():
    for header in ("证件号码", "身份证号", "公民身份号码", "身份证号码", " 身份证号 "):
        assert template.by_header(header).field == "id_number"
    with pytest.raises(KeyError):
        template.by_header("手机号")


def test_household_size_and_stated_income_are_optional_columns():
    assert template.by_header("家庭人口数") == template.Column("家庭人口数", "household", "household_size", "int")
    stated = template.by_header("人均纯收入")
    assert (stated.level, stated.field, stated.required) == ("income", "stated_per_capita", False)


def test_required_columns_are_what_a_household_and_a_person_cannot_do_without():
    required = [column.header for column in template.COLUMNS if column.required]
    assert required == ["行政区划代码", "户编号", "户类型", "姓名", "与户主关系"]


def test_household_and_income_columns_come_before_the_person_columns():
    levels = [column.level for column in template.COLUMNS]
    first_person = levels.index(template.PERSON)
    assert set(levels[first_person:]) == {template.PERSON}
    assert template.columns_of(template.PERSON)[0].header == "姓名"


def test_the_template_does_not_import_django():
    code = "import sys, jingzhun.registry.template; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
