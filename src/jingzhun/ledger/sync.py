"""What a check run says about the ledger, set-based (a handful of statements, no Python loop over findings).

After a run, for the households under the run's region and the rules of its rule set:

- a (household, rule) that fires and has no problem yet becomes a new open problem (one per household and rule,
  however many members or runs find it: the partial unique index makes a duplicate impossible);
- a closed problem whose rule fires again is reopened (its history says so), never duplicated;
- an active problem whose rule no longer fires is marked "fixed in data — awaiting verification" (it still needs a
  verifier to close it), and one that was so marked but fires again loses the mark.

Each run is synced once (``LedgerSync``). A run of an earlier income year than one already synced for an
overlapping region is not synced unless forced: an old year's data must not mark today's problems fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from jingzhun.audit.chain import record
from jingzhun.ledger.models import ACTIVE, Event, LedgerSync, Problem, Status
from jingzhun.ledger.transitions import default_deadline, week_of
from jingzhun.registry import regions
from jingzhun.registry.models import Household
from jingzhun.standards.models import CheckRun, Finding


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    reopened: int = 0
    fixed_in_data: int = 0
    found_again: int = 0
    moved: int = 0  # problems that followed their household to another village
    skipped: str = ""  # why nothing was done

    def as_dict(self) -> dict:
        return {"created": self.created, "reopened": self.reopened, "fixed_in_data": self.fixed_in_data,
                "found_again": self.found_again}  # fmt: skip


P = Problem._meta.db_table
E = Event._meta.db_table
F = Finding._meta.db_table
H = Household._meta.db_table
VILLAGE = Household._meta.get_field("village").column
FIRES = f"EXISTS (SELECT 1 FROM {F} f WHERE f.run_id = %s AND f.household_id = {P}.household_id AND f.rule_id = {P}.rule_id)"  # noqa: S608, E501


def _case(column: str, mapping: dict[str, object], default) -> tuple[str, list]:
    parts, params = [], []
    for key, value in mapping.items():
        parts.append("WHEN %s THEN %s")
        params += [key, value]
    if not parts:
        return "%s", [default]
    return f"CASE {column} {' '.join(parts)} ELSE %s END", [*params, default]


def newer_year_synced(run: CheckRun) -> int | None:
    """The latest income year already synced from a run over a region overlapping ``run``'s, if later."""
    low, high = regions.subtree_bounds(run.region_id)
    overlapping = Q(run__region_id__gte=low, run__region_id__lte=high) | Q(
        run__region_id__in=regions.ancestor_codes(run.region_id)
    )
    year = LedgerSync.objects.filter(overlapping).aggregate(year=Max("run__year"))["year"]
    return year if year is not None and year > run.year else None


def sync_run(run: CheckRun, *, force: bool = False) -> SyncResult:
    """Take a finished run's findings into the ledger (see the module's docstring)."""
    if run.status != CheckRun.Status.DONE:
        return SyncResult(skipped="the run has not finished")
    if LedgerSync.objects.filter(run=run).exists():
        return SyncResult(skipped="this run is already in the ledger")
    later = newer_year_synced(run)
    if later is not None and not force:
        return SyncResult(skipped=f"a run of the later income year {later} is already in the ledger")
    rules = run.rules or {}
    moment = timezone.now()
    ops = connection.ops
    now, week = ops.adapt_datetimefield_value(moment), ops.adapt_datefield_value(week_of(moment))
    low, high = regions.subtree_bounds(run.region_id)
    rule_ids = sorted(rules)
    actor = run.started_by_id
    details = json.dumps({"run": run.pk})
    with transaction.atomic(), connection.cursor() as cursor:
        # 1. New problems: one per (household, rule) that fires and has none yet.
        item_sql, item_params = _case("f.rule_id", {r: v["item"] for r, v in rules.items()}, "data")
        text_sql, text_params = _case("f.rule_id", {r: v["title_zh"] for r, v in rules.items()}, "")
        sev_sql, sev_params = _case("f.rule_id", {r: v["severity"] for r, v in rules.items()}, "medium")
        due = {r: ops.adapt_datefield_value(default_deadline(v["severity"], moment)) for r, v in rules.items()}
        due_sql, due_params = _case("f.rule_id", due, ops.adapt_datefield_value(default_deadline("medium", moment)))
        cursor.execute(
            f"""INSERT INTO {P} (source, source_ref, rule_id, item, region_code, household_id, person_id,
                    description, severity, assignee_sector, responsible_person, deadline, status, version, measures,
                    verification_result, rejection_reason, last_run_id, reopened, opened_at, rectified_level)
                SELECT 'rule', f.rule_id, f.rule_id, {item_sql}, MIN(f.region_code), f.household_id,
                    CASE WHEN COUNT(DISTINCT f.person_id) = 1 THEN MIN(f.person_id) END,
                    {text_sql}, {sev_sql}, '', '', {due_sql}, 'open', 1, '', '', '', %s, 0, %s, ''
                FROM {F} f
                WHERE f.run_id = %s AND NOT EXISTS (
                    SELECT 1 FROM {P} p WHERE p.source = 'rule' AND p.household_id = f.household_id
                    AND p.rule_id = f.rule_id)
                GROUP BY f.household_id, f.rule_id""",  # noqa: S608
            [*item_params, *text_params, *sev_params, *due_params, run.pk, now, run.pk],
        )
        created = cursor.rowcount
        _events(cursor, "created", "", Status.OPEN, now, week, actor, details,
                f"{P}.source = 'rule' AND {P}.last_run_id = %s", [run.pk])  # fmt: skip

        in_run = f"{P}.source = 'rule' AND {P}.region_code BETWEEN %s AND %s"
        scope = [low, high]
        # 2. Closed problems whose rule fires again: reopened (with history), not duplicated.
        where = f"{in_run} AND {P}.status = 'closed' AND {FIRES}"
        _events(cursor, "reopened", Status.CLOSED, Status.OPEN, now, week, actor, details, where, [*scope, run.pk])
        cursor.execute(
            f"""UPDATE {P} SET status = 'open', version = version + 1, reopened = reopened + 1, closed_at = NULL,
                    closed_by_id = NULL, rectified_at = NULL, rectified_by_id = NULL, rectified_level = '',
                    fixed_in_data_at = NULL, last_run_id = %s WHERE {where}""",  # noqa: S608
            [run.pk, *scope, run.pk],
        )
        reopened = cursor.rowcount
        # 3. Marked fixed in data earlier, firing again: the mark goes.
        active = ", ".join(f"'{status}'" for status in ACTIVE)
        where = f"{in_run} AND {P}.status IN ({active}) AND {P}.fixed_in_data_at IS NOT NULL AND {FIRES}"
        _events(cursor, "found_again", "", "", now, week, actor, details, where, [*scope, run.pk])
        cursor.execute(f"UPDATE {P} SET fixed_in_data_at = NULL, version = version + 1 WHERE {where}",  # noqa: S608
                       [*scope, run.pk])  # fmt: skip
        found_again = cursor.rowcount
        # 4. Active, not firing any more for a rule the run checked: fixed in data, awaiting verification.
        fixed = 0
        if rule_ids:
            marks = ", ".join(["%s"] * len(rule_ids))
            where = (f"{in_run} AND {P}.status IN ({active}) AND {P}.fixed_in_data_at IS NULL "
                     f"AND {P}.rule_id IN ({marks}) AND NOT {FIRES}")  # fmt: skip
            params = [*scope, *rule_ids, run.pk]
            _events(cursor, "fixed_in_data", "", "", now, week, actor, details, where, params)
            cursor.execute(f"UPDATE {P} SET fixed_in_data_at = %s, version = version + 1 WHERE {where}",  # noqa: S608
                           [now, *params])  # fmt: skip
            fixed = cursor.rowcount
        # 5. Remember the last run that found each problem.
        cursor.execute(f"UPDATE {P} SET last_run_id = %s WHERE {in_run} AND {FIRES}",  # noqa: S608
                       [run.pk, *scope, run.pk])  # fmt: skip
        # 6. A household that moved to another village takes its problems along (the history says from where).
        village = f"(SELECT h.{VILLAGE} FROM {H} h WHERE h.id = {P}.household_id)"  # noqa: S608
        moved = f"{in_run} AND {P}.household_id IS NOT NULL AND {P}.region_code <> {village}"
        cursor.execute(
            f"""INSERT INTO {E} (problem_id, action, at, week, region_code, actor_id, from_status, to_status, note,
                    details)
                SELECT {P}.id, 'edited', %s, %s, {village}, %s, {P}.status, {P}.status, '', {_moved_details(village)}
                FROM {P} WHERE {moved}""",  # noqa: S608
            [now, week, actor, *scope],
        )
        cursor.execute(f"UPDATE {P} SET region_code = {village}, version = version + 1 WHERE {moved}",  # noqa: S608
                       scope)  # fmt: skip
        moved_count = cursor.rowcount
        result = SyncResult(created=created, reopened=reopened, fixed_in_data=fixed, found_again=found_again,
                            moved=moved_count)  # fmt: skip
        LedgerSync.objects.create(run=run, at=moment, **result.as_dict())
        record("ledger_sync", actor=run.started_by, obj=run, region_code=run.region_id, changes=result.as_dict())
    return result


def _moved_details(village: str) -> str:
    """The JSON of an 'edited' event for a problem that moved with its household (old and new region), in SQL."""
    if connection.vendor == "postgresql":
        pair = f"jsonb_build_array({P}.region_code, {village})"
        return f"jsonb_build_object('changes', jsonb_build_object('region_code', {pair}))"
    return f"json_object('changes', json_object('region_code', json_array({P}.region_code, {village})))"


def _events(cursor, action, frm, to, now, week, actor, details, where: str, params: list) -> None:
    """Write one history line for each problem ``where`` selects (before the UPDATE that changes them)."""
    cursor.execute(
        f"""INSERT INTO {E} (problem_id, action, at, week, region_code, actor_id, from_status, to_status, note,
                details)
            SELECT {P}.id, %s, %s, %s, {P}.region_code, %s, CASE WHEN %s = '' THEN {P}.status ELSE %s END,
                CASE WHEN %s = '' THEN {P}.status ELSE %s END, '', %s
            FROM {P} WHERE {where}""",  # noqa: S608
        [action, now, week, actor, frm, frm, to, to, details, *params],
    )
