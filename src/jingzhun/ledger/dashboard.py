"""The 清零 dashboard's numbers: a handful of grouped queries over indexed columns, never a loop over problems.

- status counts (with overdue and fixed-in-data) and the counts per responsible unit: one GROUP BY unit and status;
- the region × item matrix of active problems: one GROUP BY over the (region_code, status, item) index;
- the weekly trend (opened, closed, remaining): one GROUP BY week over the history's (region_code, week, action)
  index; "remaining" is walked back from today's active count, so no history before the window is read;
- the oldest active problems (numbers from the covering index first, then ten rows).

Every count reads the ``problem_dashboard`` covering index only (a range on region_code), never the table.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.text import capfirst

from jingzhun.accounts.models import Sector
from jingzhun.ledger.models import ACTIVE, Event, Problem, Status
from jingzhun.registry import regions
from jingzhun.registry.models import Region
from jingzhun.standards.exports import ITEM_LABELS, ITEMS

TREND_WEEKS = 26
OPENING = (Event.Action.CREATED, Event.Action.REOPENED)
CLEARING = (Event.Action.CLOSED, Event.Action.REJECTED)


@dataclass
class Totals:
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    overdue: int = 0
    fixed_in_data: int = 0

    @property
    def active(self) -> int:
        return sum(self.by_status[status] for status in ACTIVE)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def cleared_percent(self) -> float | None:
        """Share of all problems ever found that are closed or rejected."""
        return 100 * (self.total - self.active) / self.total if self.total else None


@dataclass
class MatrixRow:
    region: Region | None
    by_item: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ITEMS, 0))

    @property
    def total(self) -> int:
        return sum(self.by_item.values())

    def cells(self, items) -> list[tuple[str, int]]:
        return [(item, self.by_item[item]) for item in items]


def matrix(problems, region: Region, children) -> tuple[list[MatrixRow], MatrixRow, list[str]]:
    """Active problems per child region and item (rows follow ``children``; a village has no rows)."""
    length = regions.child_prefix_length(region.code)
    rows = (
        problems.filter(status__in=ACTIVE)
        .annotate(prefix=Substr("region_code", 1, length))
        .values("prefix", "item")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_prefix: dict[str, MatrixRow] = defaultdict(lambda: MatrixRow(None))
    total = MatrixRow(region)
    for row in rows:
        item = row["item"] if row["item"] in ITEMS else "data"
        by_prefix[row["prefix"]].by_item[item] += row["n"]
        total.by_item[item] += row["n"]
    matrix_rows = []
    if region.level != "village":
        for child in children:
            matrix_rows.append(MatrixRow(child, by_prefix.get(child.code[:length], MatrixRow(None)).by_item))
    used = [item for item in ITEMS if total.by_item[item]]
    return matrix_rows, total, used


def trend(region: Region, problems_total_active: int, *, weeks: int = TREND_WEEKS, sector_items=None,
          today: dt.date | None = None) -> dict:  # fmt: skip
    """Opened, cleared and remaining per week for the last ``weeks`` weeks (for the ECharts line chart).

    ``remaining`` at the end of each week is today's active count minus what was opened (plus what was cleared)
    after that week: exact without reading history older than the window.
    """
    today = today or timezone.localdate()
    this_week = today - dt.timedelta(days=today.weekday())
    first = this_week - dt.timedelta(weeks=weeks - 1)
    events = Event.objects.filter(
        region_code__range=region.bounds, week__gte=first, action__in=[*OPENING, *CLEARING]
    )  # fmt: skip
    if sector_items is not None:
        events = events.filter(problem__item__in=sector_items)
    counts = events.values("week", "action").annotate(n=Count("id")).order_by()
    opened: dict[dt.date, int] = defaultdict(int)
    cleared: dict[dt.date, int] = defaultdict(int)
    for row in counts:
        week = row["week"] if isinstance(row["week"], dt.date) else dt.date.fromisoformat(str(row["week"]))
        (opened if row["action"] in OPENING else cleared)[week] += row["n"]
    labels, opened_series, cleared_series, remaining_series = [], [], [], []
    weeks_list = [first + dt.timedelta(weeks=index) for index in range(weeks)]
    remaining = problems_total_active
    backwards = []
    for week in reversed(weeks_list):
        backwards.append(remaining)
        remaining -= opened[week] - cleared[week]
    remaining_series = list(reversed(backwards))
    for week in weeks_list:
        labels.append(week.strftime("%m-%d"))
        opened_series.append(opened[week])
        cleared_series.append(cleared[week])
    return {"weeks": labels, "opened": opened_series, "cleared": cleared_series, "remaining": remaining_series}


def oldest(problems, limit: int = 10) -> list:
    """The active problems found first. Numbers are given in the order problems are found (``opened_at`` is the
    moment of creation and never changes), so the primary key orders them without a sort over ``opened_at``; the
    numbers are picked from the covering index first, then only those rows are read."""
    ids = list(problems.filter(status__in=ACTIVE).order_by("id").values_list("id", flat=True)[:limit])
    return list(Problem.objects.filter(pk__in=ids).select_related("assignee_region").order_by("id"))


@dataclass
class UnitRow:
    label: str
    region_code: str
    sector: str
    overdue: int
    active: int


def unit_label(region_name: str | None, sector: str) -> str:
    if sector:
        return str(capfirst(Sector(sector).label)) if sector in Sector.values else sector
    return region_name or ""


def summary(problems, today: dt.date | None = None, limit: int = 20) -> tuple[Totals, list[UnitRow]]:
    """The status totals and the per-unit counts from ONE grouped scan (by unit and status: a hundred groups)."""
    today = today or timezone.localdate()
    rows = problems.values("assignee_region_id", "assignee_sector", "status").annotate(
        n=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=today)),
        fixed=Count("id", filter=Q(fixed_in_data_at__isnull=False)),
    ).order_by()  # fmt: skip
    result = Totals()
    units: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # active, overdue
    for row in rows:
        result.by_status[row["status"]] += row["n"]
        if row["status"] in ACTIVE:
            result.overdue += row["overdue"]
            result.fixed_in_data += row["fixed"]
            unit = units[(row["assignee_region_id"] or "", row["assignee_sector"])]
            unit[0] += row["n"]
            unit[1] += row["overdue"]
    ranked = sorted(units.items(), key=lambda entry: (-entry[1][1], -entry[1][0], entry[0]))[:limit]
    names = dict(Region.objects.filter(code__in=[code for (code, _sector), _n in ranked if code])
                 .values_list("code", "name"))  # fmt: skip
    return result, [
        UnitRow(label=unit_label(names.get(code), sector), region_code=code, sector=sector, overdue=overdue,
                active=active)
        for (code, sector), (active, overdue) in ranked
    ]  # fmt: skip


def item_label(item: str) -> str:
    return str(capfirst(ITEM_LABELS.get(item, item)))
