"""After a bulk load the planner has statistics, and on PostgreSQL the rows are vacuumed (registry.statistics)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from jingzhun.registry.statistics import refresh_statistics


def _load() -> None:
    call_command("synth", households=30, seed=5, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_load_leaves_statistics_and_on_postgresql_vacuumed_rows():
    _load()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('registry_household', 'registry_person')"
            )
            assert sorted(cursor.fetchall()) == [("registry_household", True, True), ("registry_person", True, True)]
            # Every page of the person table is marked all-visible: an index-only scan reads no row.
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
            cursor.execute("SELECT COUNT(*) FILTER (WHERE NOT all_visible) FROM pg_visibility_map('registry_person')")
            assert cursor.fetchone()[0] == 0
        else:
            cursor.execute("SELECT tbl FROM sqlite_stat1 WHERE tbl LIKE 'registry_%'")
            assert {"registry_household", "registry_person"} <= {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="VACUUM is PostgreSQL's")
def test_inside_a_transaction_postgresql_is_only_analyzed():
    with transaction.atomic():
        refresh_statistics(connection)  # VACUUM would fail here ("cannot run inside a transaction block")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'registry_person'")
            assert cursor.fetchone()[0] == 1
