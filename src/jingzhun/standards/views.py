"""Findings pages: the overview of a region, households with findings, a household's findings, the rule catalogue,
the "run checks" button with its progress, and the findings export.

Every query starts from the access helpers (``findings_for``, ``households_for``, ``get_region_for_user`` …), so a
forgotten filter shows less, never more; another region's object answers 404.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_POST
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from jingzhun.audit.chain import client_ip, record
from jingzhun.core import liveness
from jingzhun.core.views import region_home
from jingzhun.engine.compiler import check_rule
from jingzhun.registry import masking, regions
from jingzhun.registry.access import (
    breadcrumbs,
    get_household_for_user,
    get_region_for_user,
    heads_of,
    home_region_for,
    households_for,
)
from jingzhun.registry.models import IncomeRecord, Region, StandardParameters
from jingzhun.standards.access import (
    can_run_checks,
    findings_for,
    get_run_for_user,
    latest_run_for,
    visible_children,
)
from jingzhun.standards.exports import (
    FORMATS,
    ITEM_LABELS,
    ITEMS,
    LEVEL_LABELS,
    SEVERITY_LABELS,
    csv_chunks,
    export_rows,
    field_label,
    item_of,
    rule_for,
    rule_message,
    rule_title,
    rules_of,
    value_pairs,
    value_text,
    write_xlsx,
)
from jingzhun.standards.rules import load_ruleset, schema
from jingzhun.standards.runs import parameter_values
from jingzhun.standards.tasks import release_stopped, run_checks_task

PAGE_SIZE_SETTING = "REGISTRY_PAGE_SIZE"


# --- shared ------------------------------------------------------------------------------------------------------


def _run_from_request(request: HttpRequest, region: Region):
    raw = request.GET.get("run", "")
    return get_run_for_user(request.user, region, int(raw) if raw.isdigit() else None)


def _latest_year() -> int | None:
    return StandardParameters.objects.order_by("-year").values_list("year", flat=True).first()


def _run_year(user, region: Region) -> int | None:
    """The income year a run started from the web checks: the latest with income recorded under the region.

    Falls back to the latest year with standard parameters when no income is recorded yet (data-quality, housing
    and water rules still apply). One aggregate over the region's income records (household_region_number index).
    """
    households = households_for(user).in_region(region.code)
    year = IncomeRecord.objects.filter(household__in=households).aggregate(year=Max("year"))["year"]
    return year or _latest_year()


def _rule_ids_of_item(item: str, run=None) -> list[str]:
    return [rule.id for rule in rules_of(run).values() if rule.item == item]


@dataclass
class Filters:
    """The item or rule a list or export is narrowed to (validated against the rule set)."""

    item: str = ""
    rule: str = ""
    run: object = None  # the run whose rules the filter names (its own rule set)

    @classmethod
    def from_request(cls, request: HttpRequest, run=None) -> Filters:
        item = request.GET.get("item", "")
        rule = request.GET.get("rule", "")
        return cls(item=item if item in ITEMS else "", rule=rule if rule_for(rule, run) is not None else "", run=run)

    def apply(self, findings):
        if self.rule:
            return findings.filter(rule_id=self.rule)
        if self.item:
            return findings.filter(rule_id__in=_rule_ids_of_item(self.item, self.run))
        return findings

    def params(self, **extra) -> dict[str, str]:
        return {key: value for key, value in {"item": self.item, "rule": self.rule, **extra}.items() if value}


# --- overview ----------------------------------------------------------------------------------------------------


home = region_home("standards:region")  # the navigation's link: this page for the user's own region


@dataclass
class ItemCounts:
    region: Region | None
    by_item: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ITEMS, 0))

    @property
    def total(self) -> int:
        return sum(self.by_item.values())

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        return [(item, capfirst(str(ITEM_LABELS[item])), self.by_item[item]) for item in ITEMS]


def _grouped_counts(user, region: Region, run) -> tuple[dict[str, ItemCounts], dict[str, int]]:
    """Count the run's findings under ``region`` per child region and item, and per rule, in ONE grouped query.

    Groups by the child's code prefix and rule id (the finding_run_region_rule index: a range on region_code
    within the run), then sums rule ids into items in Python: a few hundred rows, never one per finding.
    """
    length = regions.child_prefix_length(region.code)
    low, high = region.bounds
    rows = (
        findings_for(user)
        .filter(run=run, region_code__range=(low, high))
        .annotate(prefix=Substr("region_code", 1, length))
        .values("prefix", "rule_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_prefix: dict[str, ItemCounts] = defaultdict(lambda: ItemCounts(None))
    by_rule: dict[str, int] = defaultdict(int)
    for row in rows:
        by_prefix[row["prefix"]].by_item[item_of(row["rule_id"], run)] += row["n"]
        by_rule[row["rule_id"]] += row["n"]
    return by_prefix, by_rule


def _chart_data(rows: list[ItemCounts]) -> dict:
    """Stacked bars: one bar per child region, one segment per item (read by findings_chart.js)."""
    used = [item for item in ITEMS if any(row.by_item[item] for row in rows)]
    return {
        "categories": [row.region.name for row in rows],
        "series": [
            {"name": capfirst(str(ITEM_LABELS[item])), "item": item, "data": [row.by_item[item] for row in rows]}
            for item in used
        ],
    }


@login_required
@require_GET
def region_overview(request: HttpRequest, code: str) -> HttpResponse:
    """Findings of the latest run covering a region: per child region and item, per rule, with a chart."""
    user = request.user
    region = get_region_for_user(user, code)
    run = _run_from_request(request, region)
    can_run = can_run_checks(user, region)
    context = {
        "region": region,
        "breadcrumbs": breadcrumbs(user, region),
        "run": run,
        "items": [(item, capfirst(str(ITEM_LABELS[item]))) for item in ITEMS],
        "can_run": can_run,
        "run_year": _run_year(user, region) if can_run else None,
        "formats": FORMATS,
    }
    if run is not None:
        by_prefix, by_rule = _grouped_counts(user, region, run)
        length = regions.child_prefix_length(region.code)
        rows = []
        if region.level != "village":
            for child in visible_children(user, region):
                counts = by_prefix.get(child.code[:length], ItemCounts(None))
                rows.append(ItemCounts(child, counts.by_item))
        total = ItemCounts(region)
        for counts in by_prefix.values():
            for item, n in counts.by_item.items():
                total.by_item[item] += n
        rules = []
        for rule in rules_of(run).values():
            rules.append(
                {
                    "rule": rule,
                    "title": rule_title(rule),
                    "item": capfirst(str(ITEM_LABELS[rule.item])),
                    "count": by_rule.pop(rule.id, 0),
                }
            )
        for rule_id, n in sorted(by_rule.items()):  # rules of another rule set
            rules.append({"rule": None, "id": rule_id, "title": rule_id, "count": n})
        context.update(
            rows=rows,
            total=total,
            rules=rules,
            chart=_chart_data(rows) if rows and total.total else None,
            run_query=urlencode({"run": run.pk}) if request.GET.get("run") else "",
        )
    return render(request, "standards/region.html", context)


# --- households with findings ------------------------------------------------------------------------------------


@dataclass
class HouseholdFindingsRow:
    household: object
    head_name: str
    head_id_number: str
    rules: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _rule, n in self.rules)


@login_required
@require_GET
def household_list(request: HttpRequest, code: str) -> HttpResponse:
    """Households under a region with findings of the run, narrowed by item or rule; pages of a fixed size."""
    user = request.user
    region = get_region_for_user(user, code)
    run = _run_from_request(request, region)
    filters = Filters.from_request(request, run)
    context = {
        "region": region,
        "breadcrumbs": breadcrumbs(user, region),
        "run": run,
        "filters": filters,
        "items": [(item, ITEM_LABELS[item]) for item in ITEMS],
        "rules": [(rule.id, rule_title(rule)) for rule in rules_of(run).values()],
    }
    if run is not None:
        findings = filters.apply(findings_for(user).filter(run=run, region_code__range=region.bounds))
        # Ordered like the household_region_number index, so a page is a range scan, not a sort.
        households = (
            households_for(user)
            .in_region(region.code)
            .filter(pk__in=findings.values("household_id"))
            .select_related("village")
            .order_by("village_id", "number")
        )
        page = Paginator(households, getattr(settings, PAGE_SIZE_SETTING, 50)).get_page(request.GET.get("page"))
        ids = [household.pk for household in page.object_list]
        per_rule: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for row in (
            findings.filter(household_id__in=ids)
            .values("household_id", "rule_id")
            .annotate(n=Count("id"))
            .order_by("household_id", "rule_id")
        ):
            per_rule[row["household_id"]].append((row["rule_id"], row["n"]))
        heads = heads_of(user, ids)
        rows = []
        for household in page.object_list:
            head = heads.get(household.pk)
            rows.append(
                HouseholdFindingsRow(
                    household=household,
                    head_name=head.name if head else "",
                    head_id_number=masking.id_number_for(user, head.id_number) if head else "",
                    rules=per_rule.get(household.pk, []),
                )
            )
        run_param = {"run": str(run.pk)} if request.GET.get("run") else {}
        context.update(
            page=page,
            rows=rows,
            query_string=urlencode(filters.params(**run_param)),
            export_query=urlencode(filters.params(**run_param)),
        )
    return render(request, "standards/household_list.html", context)


# --- a household's findings (htmx fragment on the household page) ------------------------------------------------


@login_required
@require_GET
def household_findings(request: HttpRequest, pk: int) -> HttpResponse:
    """The findings of the latest run on one household, with the reason in words (loaded into its page)."""
    user = request.user
    household = get_household_for_user(user, pk)
    run = latest_run_for(household.village)
    items = []
    if run is not None:
        findings = (
            findings_for(user)
            .filter(run=run, household=household)
            .select_related("person")
            .order_by("rule_id", "person_id", "id")
        )
        for finding in findings:
            rule = rule_for(finding.rule_id, run)
            fields, parameters = value_pairs(finding.values)
            items.append(
                {
                    "finding": finding,
                    "rule": rule,
                    "title": rule_title(rule, finding.rule_id),
                    "message": rule_message(rule),
                    "item": ITEM_LABELS.get(rule.item, "") if rule else "",
                    "severity": rule.severity if rule else "",
                    "person": finding.person,
                    "id_number": masking.id_number_for(user, finding.person.id_number) if finding.person else "",
                    "fields": fields,
                    "parameters": parameters,
                }
            )
    context = {"household": household, "run": run, "items": items}
    return render(request, "standards/_household_findings.html", context)


# --- rule catalogue ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _rule_reads(rule) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields and parameters a rule reads (the compiler's own check: what it validates is what it lists)."""
    _tree, fields, parameters = check_rule(rule, schema())
    return fields, parameters


@login_required
@require_GET
def rule_catalogue(request: HttpRequest) -> HttpResponse:
    """Every built-in rule: what it checks, its expression, its parameters with current values, its reference."""
    user = request.user
    ruleset = load_ruleset()
    region = home_region_for(user)
    year = _latest_year()
    values: dict = {}
    if region is not None and year is not None:
        try:
            values = parameter_values(region, year)
        except StandardParameters.DoesNotExist:
            values = {}
    rules = []
    for rule in ruleset.rules:
        fields, parameters = _rule_reads(rule)
        rules.append(
            {
                "rule": rule,
                "title": rule_title(rule),
                "message": rule_message(rule),
                "item": ITEM_LABELS[rule.item],
                "level": LEVEL_LABELS[rule.level],
                "severity": SEVERITY_LABELS[rule.severity],
                "fields": [field_label(name) for name in fields],
                "parameters": [
                    {
                        "name": name,
                        "label": field_label(name),
                        "value": value_text(name, _plain(values[name])) if name in values else "—",
                    }
                    for name in parameters
                ],
            }
        )
    context = {
        "ruleset": ruleset,
        "rules": rules,
        "region": region,
        "province": Region.objects.filter(code=region.code[:2] + "0" * 10).first() if region else None,
        "year": year,
        "items": [(item, ITEM_LABELS[item]) for item in ITEMS],
    }
    return render(request, "standards/rules.html", context)


def _plain(value):
    """A parameter value as rules see it (dates as ISO text, decimals as numbers)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str) or value is None:
        return value
    return float(value)


# --- run checks ----------------------------------------------------------------------------------------------------


@dataclass
class RunState:
    """What the progress indicator shows about a queued check run."""

    status: str  # queued, running, done, failed, stopped (its worker ended: jingzhun.core.liveness)
    seconds: int
    run_id: int | None = None
    no_worker: bool = False  # queued while no task worker runs

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "stopped")


def _state_of(result, *, lost: bool = False) -> RunState:
    now = timezone.now()
    status = {
        TaskResultStatus.READY: "queued",
        TaskResultStatus.RUNNING: "running",
        TaskResultStatus.SUCCESSFUL: "done",
        TaskResultStatus.FAILED: "stopped" if lost else "failed",
    }.get(result.status, "failed")
    since = result.started_at or result.enqueued_at or now
    until = result.finished_at or now
    run_id = result.return_value if status == "done" else None
    no_worker = status == "queued" and not liveness.worker_running()
    return RunState(status=status, seconds=max(int((until - since).total_seconds()), 0), run_id=run_id,
                    no_worker=no_worker)  # fmt: skip


@login_required
@require_POST
def run_checks(request: HttpRequest, code: str) -> HttpResponse:
    """Queue a check run of the region for the worker (county level or above, with the run_checks right)."""
    user = request.user
    region = get_region_for_user(user, code)
    if not can_run_checks(user, region):
        raise PermissionDenied("run_checks")
    year = _run_year(user, region)
    if year is None:
        raise Http404("no standard parameters")
    result = run_checks_task.enqueue(region.code, year, user.pk)
    if result.is_finished:  # a backend that runs tasks at once (the tests)
        if result.status == TaskResultStatus.SUCCESSFUL:
            return redirect("standards:region", code=region.code)
        context = {"region": region, "breadcrumbs": breadcrumbs(user, region), "state": _state_of(result)}
        return render(request, "standards/run.html", context)
    return redirect("standards:run", code=region.code, task_id=result.id)


def _task_state_for(user, region: Region, task_id: str) -> RunState:
    """The state of the queued run ``task_id`` of ``region`` (404 for another region's, an unknown or a malformed
    id). A task whose worker has ended is marked failed first, and so is its check run: "stopped"."""
    stored = liveness.task_state(task_id)
    try:
        result = run_checks_task.get_result(task_id)
    except (TaskResultDoesNotExist, ValidationError, ValueError, NotImplementedError):
        raise Http404("task not found") from None
    if not result.args or result.args[0] != region.code:
        raise Http404("task not found")
    lost = liveness.lost(stored)
    if lost:
        release_stopped()  # its check run, whose heartbeat stopped with the worker
    return _state_of(result, lost=lost)


@login_required
@require_GET
def run_progress(request: HttpRequest, code: str, task_id: str) -> HttpResponse:
    """The page that follows a queued check run until it is done."""
    user = request.user
    region = get_region_for_user(user, code)
    context = {
        "region": region,
        "breadcrumbs": breadcrumbs(user, region),
        "state": _task_state_for(user, region, task_id),
        "task_id": task_id,
    }
    return render(request, "standards/run.html", context)


@login_required
@require_GET
def run_status(request: HttpRequest, code: str, task_id: str) -> HttpResponse:
    """The progress indicator alone (htmx polls it every 2 s until the run is done or failed)."""
    user = request.user
    region = get_region_for_user(user, code)
    context = {"region": region, "state": _task_state_for(user, region, task_id), "task_id": task_id}
    return render(request, "standards/_run_status.html", context)


# --- export --------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def export_findings(request: HttpRequest, code: str) -> HttpResponse:
    """Download the run's findings under a region as CSV or XLSX; ID numbers masked unless the user may see them."""
    user = request.user
    region = get_region_for_user(user, code)
    run = _run_from_request(request, region)
    if run is None:
        raise Http404("no check run")
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404("unknown format")
    filters = Filters.from_request(request, run)
    findings = filters.apply(findings_for(user).filter(run=run, region_code__range=region.bounds))
    rows = export_rows(findings, user=user)
    exported_at = timezone.localtime()
    # Who took the file out and when, in its name (and, for .xlsx, in its document properties).
    name = f"findings-{region.code}-run{run.pk}-{user.username}-{exported_at:%Y%m%d-%H%M}.{fmt}"
    record("export", actor=user, obj=run, region_code=region.code, ip=client_ip(request),
           changes={"what": "findings", "format": fmt, "item": filters.item, "rule": filters.rule,
                    "masked": not user.can_view_personal_data})  # fmt: skip
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        # xlsx is a zip: written to a temporary file in constant memory, then streamed from it.
        target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        write_xlsx(rows, target, exported_by=user.username, exported_at=exported_at)
        target.seek(0)
        response = FileResponse(
            target,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Cache-Control"] = "no-store"  # may hold personal data
    return response
