"""The audit log: append-only, hash-chained; tampering with the table directly is detected and located."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jingzhun.audit.chain import record, verify
from jingzhun.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return [record("update", object_type="registry.household", object_id=str(n), region_code="511823101201",
                   changes={"phone": ["13800000000", f"1390000000{n}"]}) for n in range(5)]  # fmt: skip


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_chain_verifies(chain):
    verdict = verify()
    assert verdict.ok and verdict.checked == 5
    assert [entry.seq for entry in AuditEntry.objects.all()] == [1, 2, 3, 4, 5]
    assert AuditEntry.objects.get(seq=2).prev_hash == AuditEntry.objects.get(seq=1).hash


def test_an_edited_entry_is_named(chain):
    raw("UPDATE audit_auditentry SET changes = %s WHERE seq = 3", ['{"phone": ["x", "y"]}'])
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == 3 and "edited" in verdict.reason


def test_a_deleted_entry_is_named(chain):
    raw("DELETE FROM audit_auditentry WHERE seq = 2")
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == 2 and "missing" in verdict.reason


def test_deleting_the_last_entries_is_detected_by_the_head(chain):
    raw("DELETE FROM audit_auditentry WHERE seq >= 4")
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == 4


def test_reordered_entries_are_detected(chain):
    raw("UPDATE audit_auditentry SET seq = seq + 100 WHERE seq IN (2, 3)")
    raw("UPDATE audit_auditentry SET seq = 3 WHERE seq = 102")
    raw("UPDATE audit_auditentry SET seq = 2 WHERE seq = 103")
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == 2


def test_a_rehashed_edit_still_breaks_the_next_link(chain):
    from jingzhun.audit.chain import entry_hash

    entry = AuditEntry.objects.get(seq=3)
    entry.changes = {"phone": ["forged", "forged"]}
    forged = entry_hash(entry.prev_hash, entry)
    raw(
        "UPDATE audit_auditentry SET changes = %s, hash = %s WHERE seq = 3", ['{"phone": ["forged", "forged"]}', forged]
    )
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == 4


def test_entries_cannot_be_changed_or_deleted_through_the_orm(chain):
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "nothing"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_verify_command_exits_with_the_first_broken_link(chain):
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact: 5 entries" in out.getvalue()
    raw("UPDATE audit_auditentry SET action = 'delete' WHERE seq = 4")
    with pytest.raises(CommandError, match="broken at entry #4"):
        call_command("audit", "verify")


def test_logins_and_failed_logins_are_recorded_without_passwords(client, personas):
    client.post("/login/", {"username": "county_officer", "password": "wrong-password"})
    client.post("/login/", {"username": "county_officer", "password": "correct horse battery staple"})
    actions = list(AuditEntry.objects.values_list("action", "actor_name"))
    assert actions == [("login_failed", ""), ("login", "county_officer")]
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.changes == {"username": "county_officer"} and failed.ip == "127.0.0.1"
    assert "wrong-password" not in str(list(AuditEntry.objects.values()))
    assert verify().ok


def test_a_check_run_is_recorded_with_its_rule_set():
    from jingzhun.standards.runs import run_checks
    from rules_fixtures import create_household, regions

    places = regions()
    create_household(places["village"], "H1", {"food_secure": False})
    run = run_checks(places["county"], 2025, user=None)
    entry = AuditEntry.objects.get(action="check_run")
    assert entry.object_id == str(run.pk) and entry.changes["findings"] == 1
    assert entry.changes["sha256"] == run.ruleset_sha256


def test_registry_changes_are_recorded_with_before_and_after(personas):
    from conftest import VILLAGE_B
    from jingzhun.audit.context import _user
    from jingzhun.registry.models import Household, Region
    from rules_fixtures import create_household

    token = _user.set(personas.county_officer)
    try:
        household = create_household(Region.objects.get(code=VILLAGE_B), "H-AUDIT")
        household.phone = "13700000000"
        household.food_secure = False
        household.save()
        household.save()  # no change: no entry
    finally:
        _user.reset(token)
    created = AuditEntry.objects.filter(action="create", object_type="registry.household").get()
    assert created.changes["number"] == [None, "H-AUDIT"]
    update = AuditEntry.objects.filter(action="update", object_type="registry.household").get()
    assert update.actor_name == "county_officer" and update.region_code == VILLAGE_B
    assert update.changes["phone"] == ["13812345678", "13700000000"]
    assert update.changes["food_secure"] == [True, False]
    assert "water_litres_per_day" not in update.changes  # 60 and 60.0 are not a change
    assert AuditEntry.objects.filter(object_type="registry.person", action="create").count() == 3
    Household.objects.get(pk=household.pk).delete()
    assert AuditEntry.objects.filter(action="delete", object_type="registry.household").exists()
    assert verify().ok


def test_the_household_page_shows_its_history_masked_and_scoped(login, personas, registry):
    from django.urls import reverse

    from conftest import VILLAGE_A, VILLAGE_B

    household = registry.household(VILLAGE_B)
    household.phone = "13711112222"
    household.save()
    url = reverse("audit:household-history", args=[household.pk])
    page = login(personas.village_cadre).get(url).content.decode()
    assert "137****2222" in page and "13711112222" not in page
    assert (
        reverse("audit:household-history", args=[household.pk])
        in login(personas.village_cadre).get(reverse("registry:household", args=[household.pk])).content.decode()
    )
    other = registry.household(VILLAGE_A)
    assert login(personas.village_cadre).get(reverse("audit:household-history", args=[other.pk])).status_code == 404
