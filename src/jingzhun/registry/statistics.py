"""Refresh the query planner's statistics after a bulk load (synthesis, import).

Without them PostgreSQL believes a freshly loaded person table holds a hundred rows and plans nested loops over
it: the standard's checks ran 5× slower on an unanalyzed synthetic county. Autovacuum would catch up later;
a loader should not leave the database in that state.
"""

from __future__ import annotations

REGISTRY_TABLES = ("registry_region", "registry_household", "registry_person", "registry_incomerecord")


def refresh_statistics(connection, tables: tuple[str, ...] = REGISTRY_TABLES) -> None:
    """ANALYZE the registry tables (SQLite: a sampled ANALYZE, bounded in time)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
