"""Imports are audited: what they create and change (before/after), who ran them, from which file."""

from __future__ import annotations

import pytest

from conftest import VILLAGE_A, VILLAGE_B
from jingzhun.audit.chain import verify
from jingzhun.audit.models import AuditEntry
from jingzhun.registry.models import Household, Person
from test_import import CHILD_ID, family, run, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_first_import_records_each_new_household_and_a_summary(regions, tmp_path):
    run(write_csv(tmp_path / "f.csv", family() + family("H002", VILLAGE_B)))
    creates = AuditEntry.objects.filter(action="create", object_type="registry.household")
    assert sorted(entry.object_id for entry in creates) == sorted(str(h.pk) for h in Household.objects.all())
    assert all(entry.changes["persons"] == [None, 3] for entry in creates)
    summary = AuditEntry.objects.get(action="import")
    assert summary.changes["file"] == "f.csv" and summary.changes["inserted"] == 6
    assert len(summary.changes["sha256"]) == 64 and summary.actor_name.startswith("cli:")
    assert verify().ok


def test_an_edited_import_records_before_and_after_and_the_move_out(regions, tmp_path):
    run(write_csv(tmp_path / "f.csv", family() + family("H002", VILLAGE_B)))
    first = AuditEntry.objects.count()
    run(write_csv(tmp_path / "g.csv", family(户类型="一般农户", 工资性收入="15000")[:2] + family("H002", VILLAGE_B)))
    new = AuditEntry.objects.filter(seq__gt=first)
    household = Household.objects.get(number="H001")
    update = new.get(action="update", object_type="registry.household")
    assert update.object_id == str(household.pk) and update.region_code == VILLAGE_A
    assert update.changes["household_type"] == ["脱贫户", "一般农户"]
    income = new.get(action="update", object_type="registry.incomerecord")
    assert income.changes["wage"] == ["12000.00", "15000.00"] and income.changes["year"] == [2024, 2024]
    child = Person.objects.get(household=household, id_number=CHILD_ID)
    moved = new.get(action="update", object_type="registry.person", object_id=str(child.pk))
    assert moved.changes == {"status": ["正常", "迁出"]}
    assert not new.filter(object_id=str(Household.objects.get(number="H002").pk), object_type="registry.household")
    assert verify().ok


def test_a_dry_run_or_an_unchanged_import_records_no_change(regions, tmp_path):
    path = write_csv(tmp_path / "f.csv", family())
    run(path, "--dry-run")
    assert not AuditEntry.objects.exists()
    run(path)
    before = AuditEntry.objects.count()
    run(path)
    new = AuditEntry.objects.filter(seq__gt=before)
    assert list(new.values_list("action", flat=True)) == ["import"]  # only the summary: nothing changed
