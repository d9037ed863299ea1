"""Compare a registry file with the database and write the difference, batch by batch, in one transaction.

``run`` takes the file's households in batches (``ParsedFile.batches``, a few thousand households each) and for
each batch places each household on its village (or plans the missing regions with ``create_regions``), matches
households by 户编号 and members by ID number (by name when a member has none), decides every row's outcome, and —
unless it only plans (a dry run) — writes the batch with bulk inserts and updates and appends its audit entries.
Every batch is written inside the import's one transaction, so a failure anywhere leaves the database as it was;
the batch's records are dropped once written. What lives across batches is small: the counts, the rejections,
the regions created, the members moved out, and the household numbers already seen (inside ParsedFile). A file
whose households are not each on consecutive rows is found out on the way: what was written is rolled back to a
savepoint and the file read again knowing each household's last row (ParsedFile.last_rows).
"""

from __future__ import annotations

import contextlib
import gc
import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from jingzhun.core import bulk
from jingzhun.importer.registry_file import (
    HELD_BACK,
    NOT_A_VILLAGE,
    OUTSIDE_SCOPE,
    REASONS,
    FileHousehold,
    ParsedFile,
    Rejection,
    Scattered,
    Schema,
)
from jingzhun.registry import choices, regions, template
from jingzhun.registry.models import Household, IncomeRecord, Person, Region, apply_id_fields
from jingzhun.registry.statistics import refresh_statistics

INSERTED, UPDATED, UNCHANGED, REJECTED = "inserted", "updated", "unchanged", "rejected"
OUTCOMES = (INSERTED, UPDATED, UNCHANGED, REJECTED)
CHUNK = 500  # rows per IN (...) lookup and per bulk statement: under every backend's parameter limit
#: Households planned and written at a time: an import holds one batch's records, not the file's (at 1M persons
#: the whole file's took 5 GB). Larger batches save little: lookups go by CHUNK anyway.
BATCH_HOUSEHOLDS = 5000

# Person fields apply_id_fields derives from the ID number (compared and written, never read from the file).
_ID_DERIVED = ("id_number", "id_valid", "id_error", "id_birth_date", "id_sex")
# Recorded fields apply_id_fields fills from the ID when blank: compared only when the file has their column, so a
# file without 出生日期 leaves a recorded birth date alone.
_FILLED_FROM_ID = ("birth_date", "sex")


def schema() -> Schema:
    """Build what the database can hold from the models: enumeration values, text lengths, number formats."""
    allowed = {
        name: tuple(value.values)
        for name, value in vars(choices).items()
        if isinstance(value, type) and hasattr(value, "values") and name[0].isupper()
    }
    max_length, places, maximum = {}, {}, {}
    for model in (Household, Person, IncomeRecord):
        for model_field in model._meta.concrete_fields:
            if model_field.get_internal_type() == "CharField":
                max_length[model_field.name] = model_field.max_length
            elif model_field.get_internal_type() == "DecimalField":
                places[model_field.name] = (model_field.decimal_places, model_field.max_digits)
            elif model_field.get_internal_type() == "PositiveIntegerField":
                maximum[model_field.name] = 2147483647
    return Schema(allowed=allowed, max_length=max_length, decimal_places=places, int_maximum=maximum)


@dataclass(frozen=True)
class MovedOut:
    """A member of a household in the file who is absent from it, now marked moved out (for the summary)."""

    household: str  # its 户编号
    name: str
    id_number: str
    row: int  # the household's first row in the file: the summary lists households in the file's order


@dataclass
class Plan:
    """What an import did (or, planned only, would do): counts, rejections, regions created, members moved out."""

    parsed: ParsedFile
    rejections: list[Rejection] = field(default_factory=list)
    new_regions: list[Region] = field(default_factory=list)
    moved_out: list[MovedOut] = field(default_factory=list)
    household_fields: frozenset[str] = frozenset()
    person_fields: frozenset[str] = frozenset()
    income_fields: frozenset[str] = frozenset()
    outcomes: Counter = field(default_factory=Counter)  # inserted/updated/unchanged → rows (rejected: from rejections)
    known_regions: dict[str, str] = field(default_factory=dict, repr=False)  # code → level, as read from the database
    planned_regions: dict[str, Region] = field(default_factory=dict, repr=False)

    def counts(self) -> dict[str, int]:
        counts = {outcome: self.outcomes[outcome] for outcome in OUTCOMES}
        counts[REJECTED] = len({rejection.row for rejection in self.rejections})
        return counts

    @property
    def derived_fields(self) -> tuple[str, ...]:
        return (*_ID_DERIVED, *(name for name in _FILLED_FROM_ID if name in self.person_fields))


@dataclass
class Batch:
    """One batch of households: the records to write and the audit entries, dropped once written."""

    plan: Plan = field(repr=False)  # the import's: the file's fields, what earlier batches planned
    outcome: dict[int, str] = field(default_factory=dict)  # file row → inserted/updated/unchanged/rejected
    rejections: list[Rejection] = field(default_factory=list)
    new_regions: list[Region] = field(default_factory=list)
    new_households: list[tuple[Household, FileHousehold]] = field(default_factory=list)
    changed_households: list[Household] = field(default_factory=list)
    new_persons: list[tuple[Person, Household]] = field(default_factory=list)
    changed_persons: list[Person] = field(default_factory=list)
    moved_out: list[Person] = field(default_factory=list)
    moved_out_of: list[MovedOut] = field(default_factory=list)  # the same members, for the summary
    new_incomes: list[tuple[IncomeRecord, Household]] = field(default_factory=list)
    changed_incomes: list[IncomeRecord] = field(default_factory=list)
    # What the batch changes, for the audit log: (action, record, changes) — written with the records.
    audit: list[tuple[str, Model, dict]] = field(default_factory=list)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _file_fields(parsed: ParsedFile, level: str) -> frozenset[str]:
    return frozenset(column.field for column in parsed.columns.values() if column.level == level and column.field)


def plan(parsed: ParsedFile, *, create_regions: bool = False, scope: str | None = None) -> Plan:
    """Decide what importing ``parsed`` would change, without writing (a dry run)."""
    return run(parsed, create_regions=create_regions, scope=scope, write=False)


def run(
    parsed: ParsedFile,
    *,
    create_regions: bool = False,
    scope: str | None = None,
    write: bool = True,
    actor=None,
    actor_name: str = "",
    source: str = "",
    source_sha256: str = "",
    before_commit: Callable[[Plan], None] | None = None,
) -> Plan:
    """Import ``parsed`` batch by batch in one transaction (``write=False``: only decide what it would change).

    ``scope`` (a region code) limits the import to that region's subtree, as the web import does for the importing
    officer: a household whose village lies outside it, or that the database already holds outside it, is rejected
    with ``outside_scope`` (never moved in or out of the region by someone who cannot see it). ``before_commit`` is
    called with the finished plan inside the transaction (writing the rejection report there: if it fails, nothing
    is written). Statistics are refreshed after the commit.
    """
    who = {"actor": actor, "actor_name": actor_name, "source": source, "source_sha256": source_sha256}
    with _fewer_collections(), transaction.atomic() if write else contextlib.nullcontext():
        try:
            with transaction.atomic() if write else contextlib.nullcontext():  # a savepoint to read again from
                # A file ``parse`` read whole is one batch.
                batches = [parsed.households] if parsed.whole else parsed.batches(BATCH_HOUSEHOLDS)
                result = _run(parsed, batches, create_regions, scope, write, who, before_commit)
        except Scattered:
            batches = parsed.batches(BATCH_HOUSEHOLDS, last_rows=parsed.last_rows())
            result = _run(parsed, batches, create_regions, scope, write, who, before_commit)
    if write:
        refresh_statistics(connection)
    return result


@contextlib.contextmanager
def _fewer_collections():
    """Run the cyclic garbage collector less often while importing, as it was before afterwards.

    An import allocates millions of small containers (cells, dicts, model instances) that live until their batch is
    written, and the collector's default (every 700 net allocations, each pass walking the young objects; every so
    often all of them, Django's included) took 15-20 % of an import's CPU time. The objects alive before the import
    are frozen out of the collector's passes, it runs every 100,000 net allocations, and fully after each batch
    (``_run``): without that, what a batch left in reference cycles outlived it in the old generations (a dry run
    of a scattered file peaked at 560 MiB instead of 331).
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _run(parsed, batches, create_regions, scope, write, who, before_commit) -> Plan:
    result = Plan(parsed)
    result.household_fields = _file_fields(parsed, template.HOUSEHOLD) - {"number", "village"}
    result.person_fields = _file_fields(parsed, template.PERSON)
    result.income_fields = _file_fields(parsed, template.INCOME) - {"year"}
    for households in batches:
        batch = plan_batch(result, households, create_regions=create_regions, scope=scope)
        if write:
            write_batch(batch, actor=who["actor"], actor_name=who["actor_name"])
        result.outcomes.update(outcome for outcome in batch.outcome.values() if outcome != REJECTED)
        result.rejections.extend(batch.rejections)
        result.new_regions.extend(batch.new_regions)
        result.moved_out.extend(batch.moved_out_of)
        del households, batch  # dropped before the next batch is read, not after
        gc.collect()  # and what of it is in reference cycles too (see _fewer_collections)
    result.rejections.extend(parsed.rejections)
    result.rejections.sort(key=lambda rejection: (rejection.row, REASONS.index(rejection.reason)))
    result.new_regions.sort(key=lambda region: region.code)
    result.moved_out.sort(key=lambda person: person.row)  # stable: a household's members stay in their order
    if write:
        write_summary(result, **who)
    if before_commit is not None:
        before_commit(result)
    return result


def plan_batch(
    result: Plan, households: list[FileHousehold], *, create_regions: bool = False, scope: str | None = None
) -> Batch:
    """Decide what importing one batch of households changes, reading the database (a few queries per 500)."""
    batch = Batch(result)
    households = _place(result, batch, households, create_regions, scope)
    existing = _existing_households([household.number for household in households])
    if scope is not None:
        households = _within_scope(result, batch, households, existing, scope)
    members = _existing_members([household.pk for household in existing.values()])
    incomes = _existing_incomes(existing.values())
    now = timezone.now()
    for file_household in households:
        _plan_household(result, batch, file_household, existing.get(file_household.number), members, incomes, now)
    return batch


def _reject(batch: Batch, household: FileHousehold, column: str, value: str, reason: str, detail: str = "") -> None:
    """Reject a whole household: its first row with ``reason``, the others held back on it."""
    first, *others = household.rows
    batch.rejections.append(Rejection(first, column, value, reason, household.number, detail))
    batch.rejections.extend(Rejection(row, "", "", HELD_BACK, household.number, str(first)) for row in others)
    for row in household.rows:
        batch.outcome[row] = REJECTED


def _within_scope(
    result: Plan, batch: Batch, households: list[FileHousehold], existing: dict[str, Household], scope: str
) -> list[FileHousehold]:
    """Keep the households the database does not hold outside ``scope`` (the file's codes are checked on placing)."""
    kept = []
    for household in households:
        recorded = existing.get(household.number)
        if recorded is not None and not regions.contains(scope, recorded.village_id):
            # The number belongs to a household elsewhere: importing would move it into this region.
            _reject(batch, household, _file_header(result.parsed, "户编号"), household.number, OUTSIDE_SCOPE,
                    recorded.village_id)  # fmt: skip
        else:
            kept.append(household)
    return kept


def _place(
    result: Plan, batch: Batch, households: list[FileHousehold], create_regions: bool, scope: str | None = None
) -> list[FileHousehold]:
    """Keep the households whose code is a village (planning missing villages if asked); reject the rest.

    Region codes are looked up once per import (``result.known_regions``); a region planned by an earlier batch is
    in ``result.planned_regions``, so a dry run places the later batches' households on it too.
    """
    known, planned = result.known_regions, result.planned_regions
    codes = {household.region_code for household in households if regions.is_code(household.region_code)}
    if create_regions:
        codes |= {ancestor for code in list(codes) for ancestor in regions.ancestor_codes(code)}
    unread = sorted(codes - known.keys() - planned.keys())
    for chunk in _chunks(unread):
        known.update(Region.objects.filter(code__in=chunk).values_list("code", "level"))
    placed = []
    header = _file_header(result.parsed, "行政区划代码")
    for household in households:
        code = household.region_code
        if scope is not None and regions.is_code(code) and not regions.contains(scope, code):
            _reject(batch, household, header, code, OUTSIDE_SCOPE, code)
            continue
        level = known.get(code) or (planned[code].level if code in planned else None)
        if level == "village":
            placed.append(household)
            continue
        if level is None and create_regions and regions.is_code(code) and regions.level_of(code) == "village":
            for ancestor in regions.ancestor_codes(code):
                if ancestor not in known and ancestor not in planned:
                    name = household.town_name if regions.level_of(ancestor) == "town" and household.town_name else ""
                    planned[ancestor] = _new_region(ancestor, name)
                    batch.new_regions.append(planned[ancestor])
            planned[code] = _new_region(code, household.village_name)
            batch.new_regions.append(planned[code])
            placed.append(household)
            continue
        _reject(batch, household, header, code, NOT_A_VILLAGE)
    batch.new_regions.sort(key=lambda region: region.code)
    return placed


def _new_region(code: str, name: str) -> Region:
    return Region(code=code, name=name or code, level=regions.level_of(code), parent_id=regions.parent_code(code))


def _file_header(parsed: ParsedFile, header: str) -> str:
    for index, column in parsed.columns.items():
        if column.header == header:
            return parsed.headers[index]
    return header


def _existing_households(numbers: list[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in _chunks(numbers):
        found.update((household.number, household) for household in bulk.fetch(Household.objects.filter(
            number__in=chunk)))  # fmt: skip
    return found


def _existing_members(household_ids: list[int]) -> dict[int, list[Person]]:
    found: dict[int, list[Person]] = {}
    for chunk in _chunks(household_ids):
        # The person_unique_id_in_household constraint's index serves household_id lookups.
        for person in bulk.fetch(Person.objects.filter(household_id__in=chunk).order_by("id"), exclude=["birth_ymd"]):
            found.setdefault(person.household_id, []).append(person)
    return found


def _existing_incomes(households: Iterable[Household]) -> dict[tuple[int, int], IncomeRecord]:
    ids = [household.pk for household in households]
    found: dict[tuple[int, int], IncomeRecord] = {}
    for chunk in _chunks(ids):
        for income in bulk.fetch(IncomeRecord.objects.filter(household_id__in=chunk),
                                 exclude=["per_capita_net_income"]):  # fmt: skip
            found[(income.household_id, income.year)] = income
    return found


def _jsonable(value):
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def _changes(instance: Model, values: dict[str, object]) -> dict[str, list]:
    """The fields whose values differ, as {field: [before, after]} (for the audit log)."""
    return {
        name.removesuffix("_id"): [_jsonable(getattr(instance, name)), _jsonable(value)]
        for name, value in values.items()
        if getattr(instance, name) != value
    }


def _differs(instance: Model, values: dict[str, object]) -> bool:
    """Whether any field of ``instance`` differs from ``values``: compared as two tuples (in C, a re-import
    compares every field of every member)."""
    names = tuple(values)
    if not names:
        return False
    current = _getter(names)(instance)
    return (current if len(names) > 1 else (current,)) != tuple(values.values())


@cache
def _getter(names: tuple[str, ...]) -> Callable[[Model], object]:
    return operator.attrgetter(*names)


@cache
def _not_null(model: type[Model]) -> frozenset[str]:
    """Fields that store "" for an empty text cell rather than NULL."""
    return frozenset(field.name for field in model._meta.concrete_fields if not field.null)


@cache
def _not_null_of(model: type[Model], fields: frozenset[str]) -> tuple[str, ...]:
    """The not-null fields among ``fields`` (an import's file has one set of fields: computed once)."""
    return tuple(sorted(_not_null(model) & fields))


def _person_values(file_values: dict[str, object], fields: set[str]) -> dict[str, object]:
    # A valid row holds every person field of the file: copied whole, not field by field.
    values = dict(file_values) if file_values.keys() == fields else {name: file_values.get(name) for name in fields}
    for name in _not_null_of(Person, frozenset(fields)):
        if values[name] is None:
            values[name] = ""
    if not values.get("id_type"):
        values["id_type"] = choices.IdType.RESIDENT_ID
    if "status" in values and not values["status"]:
        values["status"] = choices.PersonStatus.NORMAL
    return values


def _derived(person: Person, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(person, name) for name in names}


def _key(person: Person) -> tuple[str, str]:
    return ("id", person.id_number) if person.id_number else ("name", person.name)


def _plan_household(
    result: Plan, batch: Batch, file_household: FileHousehold, existing: Household | None, members, incomes, now
):
    household_values = {name: file_household.household.get(name) for name in result.household_fields}
    for name in _not_null_of(Household, frozenset(result.household_fields)):
        if household_values[name] is None:
            household_values[name] = ""  # an empty text cell: text fields store "" rather than NULL
    if existing is None:
        household = bulk.new(Household, {"number": file_household.number, "village_id": file_household.region_code,
                                          **household_values})  # fmt: skip
        batch.new_households.append((household, file_household))
        rows = [person.row for person in file_household.persons]
        batch.audit.append(("create", household, {"persons": [None, len(rows)], "file rows": [None, rows]}))
        household_changed = True
        current: list[Person] = []
    else:
        household = existing
        household_changed = household.village_id != file_household.region_code or _differs(household, household_values)
        if household_changed:
            batch.audit.append(("update", household, _changes(household, {
                "village_id": file_household.region_code, **household_values})))  # fmt: skip
            household.village_id = file_household.region_code
            for name, value in household_values.items():
                setattr(household, name, value)
            household.updated_at = now
            batch.changed_households.append(household)
        current = members.get(household.pk, [])
    by_key = {_key(person): person for person in current}
    row_changes: dict[int, str] = {}
    seen_keys = set()
    normal = 0
    for file_person in file_household.persons:
        values = _person_values(file_person.values, result.person_fields)
        candidate = apply_id_fields(bulk.new(Person, values))
        key = _key(candidate)
        seen_keys.add(key)
        match = by_key.get(key)
        if match is None:
            batch.new_persons.append((candidate, household))
            if existing is not None:  # a new member of a known household (a new household's entry covers its own)
                batch.audit.append(("create", candidate, {"name": [None, candidate.name],
                                                           "relation": [None, candidate.relation]}))  # fmt: skip
            row_changes[file_person.row] = INSERTED
            status = candidate.status
        else:
            wanted = {**values, **_derived(candidate, result.derived_fields)}
            if _differs(match, wanted):
                batch.audit.append(("update", match, _changes(match, wanted)))
                for name, value in wanted.items():
                    setattr(match, name, value)
                match.updated_at = now
                batch.changed_persons.append(match)
                row_changes[file_person.row] = UPDATED
            else:
                row_changes[file_person.row] = UNCHANGED
            status = match.status
        normal += status == choices.PersonStatus.NORMAL
    moved_out = False
    for person in current:
        if _key(person) not in seen_keys and person.status == choices.PersonStatus.NORMAL:
            batch.audit.append(("update", person, {"status": [person.status, choices.PersonStatus.MOVED_OUT.value]}))
            person.status = choices.PersonStatus.MOVED_OUT
            person.updated_at = now
            person.household = household
            batch.moved_out.append(person)
            batch.moved_out_of.append(MovedOut(household.number, person.name, person.id_number,
                                               file_household.persons[0].row))  # fmt: skip
            moved_out = True
    income_changed = _plan_income(result, batch, file_household, household, existing is not None, incomes, normal)
    # A row is updated when anything of its household changed (its fields, its income, a member moving out).
    household_touched = household_changed or income_changed or moved_out
    for row, change in row_changes.items():
        batch.outcome[row] = UPDATED if change == UNCHANGED and household_touched else change


def _plan_income(
    result: Plan, batch: Batch, file_household: FileHousehold, household: Household, exists: bool, incomes, normal
) -> bool:
    year = file_household.income.get("year")
    if year is None:
        return False
    values = {name: file_household.income.get(name) for name in result.income_fields}
    for name, value in list(values.items()):
        if value is None and name != "stated_per_capita":
            values[name] = IncomeRecord._meta.get_field(name).default
    values["household_size"] = normal
    record = incomes.get((household.pk, year)) if exists else None
    if record is None:
        record = bulk.new(IncomeRecord, {"year": year, **values})
        batch.new_incomes.append((record, household))
        if exists:  # a new household's entry covers its first income record
            record.household = household
            batch.audit.append(("create", record, {"year": [None, year]}))
        return True
    if _differs(record, values):
        batch.audit.append(("update", record, {"year": [year, year], **_changes(record, values)}))
        for name, value in values.items():
            setattr(record, name, value)
        batch.changed_incomes.append(record)
        return True
    return False


# Writing ----------------------------------------------------------------------------------------------------------


def write_batch(batch: Batch, *, actor=None, actor_name: str = "") -> None:
    """Write one batch (regions, households, persons, income records) and its audit entries, in the caller's
    transaction: the audit entries commit or roll back with the records they describe."""
    write_regions(batch)
    write_households(batch)
    write_persons(batch)
    write_incomes(batch)
    write_audit(batch, actor=actor, actor_name=actor_name)


def write_audit(batch: Batch, *, actor=None, actor_name: str = "") -> None:
    from jingzhun.audit.chain import record_many

    who = {"actor": actor, "actor_name": actor_name}
    record_many([(action, {**who, "obj": obj, "region_code": _region_of(obj), "changes": changes})
                 for action, obj, changes in batch.audit])  # fmt: skip


def write_summary(result: Plan, *, actor=None, actor_name: str = "", source: str = "", source_sha256: str = "") -> None:
    """Append the import's own audit entry (the file, its digest, the counts), after the batches' entries."""
    from jingzhun.audit.chain import record_many

    summary = {"what": "import", "file": source, "sha256": source_sha256, **result.counts(),
               "regions created": [region.code for region in result.new_regions]}  # fmt: skip
    record_many([("import", {"actor": actor, "actor_name": actor_name, "object_type": "registry.file",
                             "object_id": source_sha256[:12], "changes": summary})])  # fmt: skip


def _region_of(obj: Model) -> str:
    if isinstance(obj, Household):
        return obj.village_id or ""
    household = getattr(obj, "household", None)
    return household.village_id if household is not None else ""


def write_regions(batch: Batch) -> None:
    Region.objects.bulk_create(batch.new_regions, batch_size=CHUNK)  # a few rows; their keys are their codes


def write_households(batch: Batch) -> None:
    """Insert new households (keys reserved first, so their members can point at them) and update changed ones."""
    bulk.insert(Household, [household for household, _ in batch.new_households])
    if batch.changed_households:
        fields = [*sorted(batch.plan.household_fields), "village", "updated_at"]
        bulk.update(Household, batch.changed_households, fields)


def write_persons(batch: Batch) -> None:
    for person, household in batch.new_persons:
        person.household_id = _pk(household)
    bulk.insert(Person, [person for person, _ in batch.new_persons])
    if batch.changed_persons:
        fields = sorted({*batch.plan.person_fields, *batch.plan.derived_fields, "updated_at"})
        bulk.update(Person, batch.changed_persons, fields)
    if batch.moved_out:
        bulk.update(Person, batch.moved_out, ["status", "updated_at"])


def write_incomes(batch: Batch) -> None:
    for record, household in batch.new_incomes:
        record.household_id = _pk(household)
    bulk.insert(IncomeRecord, [record for record, _ in batch.new_incomes])
    if batch.changed_incomes:
        fields = sorted({*batch.plan.income_fields, "household_size"})
        bulk.update(IncomeRecord, batch.changed_incomes, fields)


def _pk(household: Household) -> int:
    if household.pk is None:  # bulk.insert reserves the keys before it writes
        raise RuntimeError(f"household {household.number} has no primary key after its insert")
    return household.pk
