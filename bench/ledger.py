"""Benchmark the problem ledger's pages: the 清零 dashboard and the filtered problem list.

Target (issue 6): with 1,000,000 persons and 100,000 problems in the database, the dashboard and the filtered list
answer in under 300 ms on SQLite and on PostgreSQL.

For each backend, a fresh process builds a registry with ``jingzhun synth`` and runs the checks (not timed), takes
the findings into the ledger (the sync is timed: it is what every check run now pays), then brings the ledger to
exactly the target number of problems and gives it a life: a quarter assigned to towns, statuses spread over
open / rectifying / rectified / closed / rejected, a sixth overdue, history spread over 26 weeks. Then, through the
whole Django stack (test client: middleware, sessions, templates), best of five after one warm-up:

- the county dashboard and a town's dashboard, as a county officer;
- the problem list filtered by item and overdue, and unfiltered (first page), as a county officer;
- the baseline: one scan of the problem table (``COUNT(*), SUM(version)``: what any page that looks at every
  problem's row pays), so the figures can be read as ratios on a noisy machine;
- the queries each page issues (constant: no query per problem).

    .venv/bin/python bench/ledger.py                    # 1M persons, 100k problems, sqlite and postgres
    .venv/bin/python bench/ledger.py --persons 300000 --problems 30000
    .venv/bin/python bench/ledger.py --small            # about 10k persons and 1k problems, for CI
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import common  # bench/common.py: sys.path[0] is this folder

PERSONS_PER_HOUSEHOLD = 2.95
SEED = 2026
YEAR = 2025
TARGET_MS = 300


def worker(backend: str, persons: int, problems: int, workdir: Path) -> dict:
    common.use_database(backend, workdir)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from jingzhun.ledger.sync import sync_run
    from jingzhun.registry.models import Person, Region
    from jingzhun.standards.runs import run_checks

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    households = max(1, round(persons / PERSONS_PER_HOUSEHOLD))
    with open(os.devnull, "w") as quiet:
        call_command("synth", households=households, seed=SEED, stdout=quiet, stderr=quiet)
    county = Region.objects.get(level="county")
    run = run_checks(county, YEAR, ledger=False)
    started = time.perf_counter()
    synced = sync_run(run)
    result = {"backend": backend, "persons": Person.objects.count(), "findings": run.total,
              "sync_seconds": time.perf_counter() - started, "synced": synced.created}  # fmt: skip
    result["problems"] = _shape(county, problems)
    result.update(_measure(county))
    return result


def _shape(county, target: int) -> int:
    """Bring the ledger to ``target`` problems and spread them over units, statuses, deadlines and weeks."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from jingzhun.ledger.models import Event, Problem
    from jingzhun.registry.models import Region

    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    ops = connection.ops
    with transaction.atomic():
        count = Problem.objects.count()
        if count > target:
            cutoff = Problem.objects.order_by("pk").values_list("pk", flat=True)[target - 1]
            Problem.objects.filter(pk__gt=cutoff).delete()
        elif count < target:
            villages = list(Region.objects.filter(level="village").values_list("code", flat=True))
            now = timezone.now()
            extra = [Problem(source="manual", item=("education", "medical", "housing", "water")[i % 4],
                             region_code=villages[i % len(villages)], description=f"问题 {i}", severity="medium",
                             deadline=today + dt.timedelta(days=30), opened_at=now)
                     for i in range(target - count)]  # fmt: skip
            Problem.objects.bulk_create(extra, batch_size=5000)
        towns = list(Region.objects.filter(level="town").values_list("code", flat=True))
        problem_table, event_table = Problem._meta.db_table, Event._meta.db_table
        statements = []
        for town in towns:  # a quarter of each town's problems assigned to it
            statements.append(("UPDATE {P} SET assignee_region_id = %s WHERE region_code BETWEEN %s AND %s "
                               "AND id %% 4 = 0", [town, town[:9] + "000", town[:9] + "999"]))  # fmt: skip
        for index, status in enumerate(["open", "open", "rectifying", "rectified", "closed", "closed", "rejected"]):
            statements.append(("UPDATE {P} SET status = %s WHERE id %% 8 = %s", [status, index]))
        overdue = ops.adapt_datefield_value(today - dt.timedelta(days=5))
        statements.append(("UPDATE {P} SET deadline = %s WHERE id %% 6 = 1", [overdue]))
        for week in range(26):  # history spread over half a year
            day = ops.adapt_datefield_value(monday - dt.timedelta(weeks=week))
            statements.append(("UPDATE {E} SET week = %s WHERE id %% 26 = %s", [day, week]))
        now = ops.adapt_datetimefield_value(timezone.now())
        statements.append((
            "INSERT INTO {E} (problem_id, action, at, week, region_code, from_status, to_status, note, details) "
            "SELECT id, 'closed', %s, %s, region_code, 'rectified', 'closed', '', '{{}}' FROM {P} "
            "WHERE status = 'closed'", [now, ops.adapt_datefield_value(monday)]))  # fmt: skip
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql.format(P=problem_table, E=event_table), params)
    # Fresh statistics and (PostgreSQL) a visibility map, as autovacuum would give a table after a bulk change:
    # index-only scans of the dashboard's covering index need it.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return Problem.objects.count()


def _measure(county) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jingzhun.accounts.models import User
    from jingzhun.ledger.models import Problem
    from jingzhun.registry.models import Region

    officer = User.objects.create_user("bench_county", region_id=county.code, function="data_officer")
    client = Client()
    client.force_login(officer)
    town = Region.objects.filter(level="town").order_by("code").first()
    pages = {
        "dashboard county": reverse("ledger:dashboard", args=[county.code]),
        "dashboard town": reverse("ledger:dashboard", args=[town.code]),
        "list filtered": reverse("ledger:list", args=[county.code]) + "?item=medical&overdue=1",
        "list first page": reverse("ledger:list", args=[county.code]),
    }
    result = {"pages": {}}
    table = Problem._meta.db_table
    with connection.cursor() as cursor:

        def count():  # reads every row (SUM of a column no index holds): what any full look at the table pays
            cursor.execute(f"SELECT COUNT(*), SUM(version) FROM {table}")  # noqa: S608
            cursor.fetchone()

        result["baseline_ms"] = 1000 * common.best(count, 5, warm_up=True)
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        seconds = common.best(get, 5, warm_up=True)
        with CaptureQueriesContext(connection) as queries:
            get()
        result["pages"][name] = {"ms": 1000 * seconds, "queries": len(queries)}
    return result


def run_worker(backend: str, persons: int, problems: int) -> dict:
    """Run one measurement in a fresh process (PostgreSQL inside a throwaway cluster)."""
    return common.run_worker(__file__, backend, ["--persons", str(persons), "--problems", str(problems)], backend)


def report(results: list[dict]) -> bool:
    ok = True
    for r in results:
        print(f"\n{r['backend']}: {r['persons']:,} persons, {r['findings']:,} findings → {r['synced']:,} problems "
              f"synced in {r['sync_seconds']:.2f} s; ledger shaped to {r['problems']:,} problems")  # fmt: skip
        print(f"  baseline, one scan of the problem table: {r['baseline_ms']:.1f} ms")
        print(f"  {'page':<18} {'ms':>8} {'× baseline':>11} {'queries':>8}  target < {TARGET_MS} ms")
        for name, page in r["pages"].items():
            verdict = "ok" if page["ms"] < TARGET_MS else "OVER"
            ok = ok and page["ms"] < TARGET_MS
            ratio = page["ms"] / max(r["baseline_ms"], 1e-6)
            print(f"  {name:<18} {page['ms']:>8.1f} {ratio:>11.1f} {page['queries']:>8}  {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--small", action="store_true", help="about 10,000 persons and 1,000 problems (CI)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.persons, args.problems, Path(args.workdir))))
        return
    persons, problems = (10_000, 1_000) if args.small else (args.persons, args.problems)
    results = []
    for backend in args.backends:
        print(f"{backend}: {persons:,} persons, {problems:,} problems …", file=sys.stderr, flush=True)
        result = run_worker(backend, persons, problems)
        if result:
            results.append(result)
    report(results)
    if len(results) < len(args.backends):
        sys.exit(1)


if __name__ == "__main__":
    main()
