"""PostgreSQL only: the findings indexes without the run, which each partition holds alone.

Partitioned by run (0007), every partition's run_id is one value: as the first key of an index it only adds a
comparison to every step of its sorted build. A run attaches its partition after building these indexes itself
(``PostgresExecutor.index_statements``), so their cost is paid by every run; at a million persons (276,182
findings) the builds took:

- (run, region, rule) 0.33 s; (region) INCLUDE (rule) 0.17–0.20 s. The rule id, a second text key compared in
  the sort, is carried in the index instead: the region counts still read it from there, and a run's findings of
  one rule under a region are filtered from the region's range as before (a range on region_code cannot seek on
  the next key anyway).
- (run, household) 0.14 s; (household) 0.09 s. A lookup by run and household prunes to the run's partition and
  searches its index by household as before; a household's findings across runs (deleting it) now use the index
  of each partition instead of scanning them.

The model's indexes are unchanged, and SQLite (one table for every run) keeps them with the run first.
"""

from django.db import migrations

TABLE = "standards_finding"
BEFORE = {
    "finding_run_region_rule": "(run_id, region_code, rule_id)",
    "finding_run_household": "(run_id, household_id)",
}
AFTER = {
    "finding_run_region_rule": "(region_code) INCLUDE (rule_id)",
    "finding_run_household": "(household_id)",
}


def _rebuild(definitions):
    def rebuild(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for name, columns in definitions.items():
                cursor.execute(f"DROP INDEX {name}")
                cursor.execute(f"CREATE INDEX {name} ON {TABLE} {columns}")

    return rebuild


class Migration(migrations.Migration):
    dependencies = [("standards", "0008_finding_run_household")]

    operations = [migrations.RunPython(_rebuild(AFTER), _rebuild(BEFORE), elidable=False)]
