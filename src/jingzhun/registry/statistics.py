"""Refresh the query planner's statistics after a bulk load (synthesis, import).

Without them PostgreSQL believes a freshly loaded person table holds a hundred rows and plans nested loops over
it: the standard's checks ran 5× slower on an unanalyzed synthetic county. Autovacuum would catch up later;
a loader should not leave the database in that state.
"""

from __future__ import annotations

REGISTRY_TABLES = ("registry_region", "registry_household", "registry_person", "registry_incomerecord")


def refresh_statistics(connection, tables: tuple[str, ...] = REGISTRY_TABLES) -> None:
    """ANALYZE the registry tables (SQLite: a sampled ANALYZE, bounded in time).

    PostgreSQL, outside a transaction: VACUUM (ANALYZE), as its manual advises after a bulk load. Rows just written
    are not yet marked visible to all: the first statements to read them set their hint bits (writing the pages
    again) and an index-only scan still visits the table for each. Until autovacuum came by, the first check of a
    freshly loaded million persons took 4.2–5.3 s instead of 3.6 s (counting duplicate ID numbers 0.9 s instead
    of 0.23 s per half). Inside a transaction (VACUUM cannot run there) ANALYZE alone.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            vacuum = "VACUUM (ANALYZE)" if not connection.in_atomic_block else "ANALYZE"
            cursor.execute(f"{vacuum} {', '.join(tables)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
