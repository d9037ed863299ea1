"""Deleting a check run deletes its findings in one statement, not fetched and deleted by id."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.registry.models import Person, Region
from jingzhun.standards.models import CheckRun, Finding
from jingzhun.standards.runs import run_checks


@pytest.mark.django_db(transaction=True)
def test_a_runs_findings_go_in_one_statement_and_audited_deletes_are_still_recorded():
    call_command("synth", households=60, seed=4, stdout=io.StringIO(), stderr=io.StringIO())
    run = run_checks(Region.objects.get(level="county"), 2025, ledger=False, workers=1)
    assert Finding.objects.filter(run=run).count() > 50
    with CaptureQueriesContext(connection) as queries:
        run.delete()
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "standards_finding"')]
    assert len(deletes) == 1 and '"run_id" IN' in deletes[0]
    assert not Finding.objects.exists() and not CheckRun.objects.exists()
    # The audit still sees the deletes it records (its receivers are connected per audited model).
    from jingzhun.audit.models import AuditEntry

    person = Person.objects.first()
    pk = person.pk
    person.delete()
    assert AuditEntry.objects.filter(action="delete", object_id=str(pk)).exists()
