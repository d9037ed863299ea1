"""Ledger pages: the 清零 dashboard, the filtered problem list with bulk assignment, a problem's page with its
history, evidence and the actions the user may take, manual entry, list imports, the .xlsx export and the home
page's notices.

Every query starts from ``problems_for`` / ``get_problem_for_user`` / ``get_region_for_user``: another region's
problem or region answers 404. Every change goes through ``transitions`` (conditional UPDATE, history, audit).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.models import SECTOR_ITEMS, Sector
from jingzhun.audit.chain import client_ip, record
from jingzhun.core.uploads import validate_upload
from jingzhun.core.views import region_home
from jingzhun.ledger import access, dashboard, transitions
from jingzhun.ledger.access import get_evidence_for_user, get_problem_for_user, problems_for
from jingzhun.ledger.exports import write_xlsx
from jingzhun.ledger.forms import AssignForm, EditForm, ImportForm, NewProblemForm, TextForm
from jingzhun.ledger.importing import ListError, import_list, report_csv, report_xlsx
from jingzhun.ledger.models import ACTIVE, ListImport, Problem, Severity, Source, Status
from jingzhun.registry import masking, regions
from jingzhun.registry.access import (
    breadcrumbs,
    get_region_for_user,
    heads_of,
    home_region_for,
    households_for,
    regions_for,
)
from jingzhun.registry.models import Region
from jingzhun.standards.exports import ITEMS

STATUS_FILTERS = ("active", *Status.values, "all")


def _items(user) -> list[tuple[str, str]]:
    allowed = getattr(user, "sector_items", None)
    return [(item, dashboard.item_label(item)) for item in ITEMS if allowed is None or item in allowed]


home = region_home("ledger:dashboard")  # the navigation's link: this page for the user's own region


# --- filters -----------------------------------------------------------------------------------------------------


@dataclass
class Filters:
    """What the list, the export and bulk assignment are narrowed to (validated; unknown values are ignored)."""

    status: str = "active"
    item: str = ""
    source: str = ""
    unit: str = ""  # a region code, "sector:<sector>" or "none" (unassigned)
    overdue: bool = False
    due_soon: bool = False
    fixed: bool = False
    q: str = ""

    @classmethod
    def from_data(cls, data) -> Filters:
        status = data.get("status", "active")
        unit = data.get("unit", "")
        valid_unit = (
            unit == "none" or regions.is_code(unit) or (unit.startswith("sector:") and unit[7:] in SECTOR_ITEMS)
        )
        return cls(
            status=status if status in STATUS_FILTERS else "active",
            item=data.get("item", "") if data.get("item", "") in ITEMS else "",
            source=data.get("source", "") if data.get("source", "") in Source.values else "",
            unit=unit if valid_unit else "",
            overdue=data.get("overdue") == "1",
            due_soon=data.get("due_soon") == "1",
            fixed=data.get("fixed") == "1",
            q=(data.get("q", "") or "").strip()[:60],
        )  # fmt: skip

    def apply(self, problems, today: dt.date | None = None):
        today = today or timezone.localdate()
        if self.status == "active":
            problems = problems.filter(status__in=ACTIVE)
        elif self.status != "all":
            problems = problems.filter(status=self.status)
        if self.item:
            problems = problems.filter(item=self.item)
        if self.source:
            problems = problems.filter(source=self.source)
        if self.unit == "none":
            problems = problems.filter(assignee_region__isnull=True, assignee_sector="")
        elif self.unit.startswith("sector:"):
            problems = problems.filter(assignee_sector=self.unit[7:])
        elif self.unit:
            problems = problems.filter(assignee_region_id=self.unit, assignee_sector="")
        if self.overdue:
            problems = problems.filter(status__in=ACTIVE, deadline__lt=today)
        if self.due_soon:
            soon = today + dt.timedelta(days=settings.LEDGER_DUE_SOON_DAYS)
            problems = problems.filter(status__in=ACTIVE, deadline__gte=today, deadline__lte=soon)
        if self.fixed:
            problems = problems.filter(fixed_in_data_at__isnull=False)
        if self.q:
            if self.q.isdigit() and len(self.q) < 10:
                problems = problems.filter(pk=int(self.q))
            else:
                problems = problems.filter(Q(household__number=self.q) | Q(description__contains=self.q))
        return problems

    def params(self, **extra) -> dict[str, str]:
        values = {"status": self.status if self.status != "active" else "", "item": self.item,
                  "source": self.source, "unit": self.unit, "overdue": "1" if self.overdue else "",
                  "due_soon": "1" if self.due_soon else "", "fixed": "1" if self.fixed else "", "q": self.q,
                  **extra}  # fmt: skip
        return {key: value for key, value in values.items() if value}

    @property
    def query(self) -> str:
        return urlencode(self.params())


# --- the dashboard -----------------------------------------------------------------------------------------------


def _heat(rows, items) -> list[tuple[object, list[tuple[str, int, int]]]]:
    """Each matrix cell with a shade 0–3 by its share of the largest cell (the matrix reads as a heat map)."""
    largest = max((n for row in rows for _item, n in row.cells(items)), default=0)
    return [
        (row, [(item, n, 0 if not n else min(3, 1 + 3 * n // (largest + 1))) for item, n in row.cells(items)])
        for row in rows
    ]


@login_required
@require_GET
def dashboard_view(request: HttpRequest, code: str) -> HttpResponse:
    """清零: how many are left, where, whose, how late — for the region and each of its subregions."""
    user = request.user
    region = get_region_for_user(user, code)
    problems = problems_for(user).in_region(region.code)
    today = timezone.localdate()
    totals, units = dashboard.summary(problems, today)
    children = list(regions_for(user).filter(parent=region).order_by("code"))
    rows, total, used = dashboard.matrix(problems, region, children)
    items = used
    trend = dashboard.trend(region, totals.active, sector_items=getattr(user, "sector_items", None), today=today)
    trend["labels"] = {"opened": _("Opened"), "cleared": _("Closed or rejected"), "remaining": _("Remaining")}
    context = {
        "region": region,
        "breadcrumbs": breadcrumbs(user, region),
        "totals": totals,
        "status_cells": [(status, capfirst(label), totals.by_status[status]) for status, label in Status.choices],
        "rows": rows,
        "total": total,
        "items": [(item, dashboard.item_label(item)) for item in items],
        "row_cells": _heat(rows, items),
        "total_cells": total.cells(items),
        "trend": trend if any(trend["opened"]) or any(trend["cleared"]) or totals.active else None,
        "oldest": list(dashboard.oldest(problems)),
        "units": units,
        "today": today,
        "can_manage": access.can_manage(user),
    }
    return render(request, "ledger/dashboard.html", context)


# --- the list ----------------------------------------------------------------------------------------------------


def _assign_targets(user, region: Region) -> list[tuple[str, str]]:
    """Units the user may hand problems under ``region`` to: the next two levels below them, and departments."""
    rank = access.rank_of(user)
    if rank is None or not access.can_manage(user):
        return []
    levels = [level for level in regions.LEVELS if access.RANK[level] > rank][:2]
    below = regions_for(user).subtree(region.code).filter(level__in=levels).order_by("code")[:500]
    targets = [(child.code, f"{child.name} · {child.get_level_display()}") for child in below]
    if user.region_id and access.level_name(user) in access.DEPARTMENT_ASSIGNERS:
        targets += [(f"sector:{value}", str(capfirst(label))) for value, label in Sector.choices]
    return targets


@dataclass
class ListRow:
    problem: object
    village: str
    head_name: str
    head_id: str
    unit: str
    overdue: bool
    item: str


def _units(user, region) -> list[tuple[str, str]]:
    options = [("none", _("Unassigned"))]
    options += [(child.code, child.name) for child in regions_for(user).subtree(region.code)
                .exclude(level="village").order_by("code")[:300]]  # fmt: skip
    options += [(f"sector:{value}", str(capfirst(label))) for value, label in Sector.choices]
    return options


@login_required
@require_GET
def problem_list(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    region = get_region_for_user(user, code)
    filters = Filters.from_data(request.GET)
    today = timezone.localdate()
    problems = filters.apply(problems_for(user).in_region(region.code), today)
    # Page over the numbers alone (the count and the order come from indexes), then read just that page's rows.
    numbers = problems.order_by("deadline", "id").values_list("id", flat=True)
    page = Paginator(numbers, getattr(settings, "REGISTRY_PAGE_SIZE", 50)).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    found = {p.pk: p for p in Problem.objects.filter(pk__in=ids).select_related("household", "assignee_region")}
    items = [found[pk] for pk in ids if pk in found]
    names = dict(Region.objects.filter(code__in={p.region_code for p in items}).values_list("code", "name"))
    heads = heads_of(user, [p.household_id for p in items if p.household_id])
    rows = []
    for problem in items:
        head = heads.get(problem.household_id)
        rows.append(ListRow(
            problem=problem, village=names.get(problem.region_code, problem.region_code),
            head_name=head.name if head else "", head_id=masking.id_number_for(user, head.id_number) if head else "",
            unit=dashboard.unit_label(problem.assignee_region.name if problem.assignee_region else "",
                                      problem.assignee_sector),
            overdue=problem.status in ACTIVE and problem.deadline is not None and problem.deadline < today,
            item=dashboard.item_label(problem.item),
        ))  # fmt: skip
    context = {
        "region": region,
        "breadcrumbs": breadcrumbs(user, region),
        "filters": filters,
        "page": page,
        "rows": rows,
        "statuses": [("active", _("Not yet cleared")), *Status.choices, ("all", _("All"))],
        "items": _items(user),
        "sources": Source.choices,
        "units": _units(user, region),
        "targets": _assign_targets(user, region),
        "query": filters.query,
        "can_manage": access.can_manage(user),
        "severities": dict(Severity.choices),
    }
    return render(request, "ledger/list.html", context)


@login_required
@require_POST
def assign(request: HttpRequest, code: str) -> HttpResponse:
    """Hand the selected problems, or all that match the list's filters, to a unit."""
    user = request.user
    region = get_region_for_user(user, code)
    filters = Filters.from_data(request.POST)
    back = reverse("ledger:list", args=[region.code]) + ("?" + filters.query if filters.query else "")
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a unit to assign to."))
        return redirect(back)
    data = form.cleaned_data
    problems = filters.apply(problems_for(user).in_region(region.code))
    if data["scope"] == "selected":
        ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
        if not ids:
            messages.error(request, _("Select at least one problem, or choose “all matching”."))
            return redirect(back)
        problems = problems.filter(pk__in=ids)
    unit = data["to"]
    sector = unit[7:] if unit.startswith("sector:") else ""
    try:
        count = transitions.assign(problems, user, region_code="" if sector else unit, sector=sector,
                                   person=data["person"], deadline=data["deadline"])  # fmt: skip
    except transitions.NotAllowed as error:
        raise PermissionDenied(str(error)) from None
    if count:
        messages.success(request, _("%(count)d problems assigned.") % {"count": count})
    else:
        messages.warning(request, _("No problem was assigned: none of them is yours to hand to that unit."))
    return redirect(back)


@login_required
@require_GET
def export(request: HttpRequest, code: str) -> HttpResponse:
    """The ledger under a region as .xlsx (the list's filters apply); the export is written to the audit log."""
    user = request.user
    region = get_region_for_user(user, code)
    filters = Filters.from_data(request.GET)
    problems = filters.apply(problems_for(user).in_region(region.code)).order_by("region_code", "id")
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    count = write_xlsx(problems, user, handle, title=f"{region.name} 整改台账")
    handle.seek(0)
    record("export", actor=user, object_type="ledger", object_id=region.code, region_code=region.code,
           changes={"what": "ledger", "format": "xlsx", "problems": count, "filters": filters.params()},
           ip=client_ip(request))  # fmt: skip
    name = f"ledger-{region.code}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


# --- a problem ---------------------------------------------------------------------------------------------------


def _actions(user, problem) -> dict[str, bool]:
    status = problem.status
    return {
        "start": status == Status.OPEN and access.can_rectify(user, problem),
        "submit": status == Status.RECTIFYING and access.can_rectify(user, problem),
        "close": status == Status.RECTIFIED and access.can_verify(user, problem),
        "send_back": status == Status.RECTIFIED and access.can_verify(user, problem),
        "reject": status in ACTIVE and access.can_reject(user, problem),
        "reopen": status in (Status.CLOSED, Status.REJECTED) and access.can_reject(user, problem),
        "edit": status in ACTIVE and access.can_manage(user, problem),
        "evidence": status in ACTIVE and (access.can_rectify(user, problem) or access.can_manage(user, problem)),
    }


def _rule_text(problem) -> tuple[str, str]:
    if problem.source != Source.RULE or not problem.last_run_id:
        return "", ""
    from jingzhun.standards.exports import rule_for, rule_message, rule_title
    from jingzhun.standards.models import CheckRun

    run = CheckRun.objects.filter(pk=problem.last_run_id).first()
    rule = rule_for(problem.rule_id, run)
    return rule_title(rule, problem.rule_id), rule_message(rule) if rule else ""


@login_required
@require_GET
def problem_detail(request: HttpRequest, problem: int) -> HttpResponse:
    user = request.user
    item = get_problem_for_user(user, problem)
    head = heads_of(user, [item.household_id]).get(item.household_id) if item.household_id else None
    region = Region.objects.filter(code=item.region_code).first()
    title, message = _rule_text(item)
    actions = _actions(user, item)
    context = {
        "problem": item,
        "region": region,
        "breadcrumbs": breadcrumbs(user, region) if region else [],
        "head": head,
        "head_id": masking.id_number_for(user, head.id_number) if head else "",
        "household_visible": bool(item.household_id and households_for(user).filter(pk=item.household_id).exists()),
        "rule_title": title,
        "rule_message": message,
        "item_label": dashboard.item_label(item.item),
        "unit": dashboard.unit_label(item.assignee_region.name if item.assignee_region else "", item.assignee_sector),
        "events": item.events.select_related("actor").order_by("at", "id"),
        "evidence": item.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"),
        "actions": actions,
        "any_action": any(actions.values()),
        "edit_form": EditForm(
            initial={
                "version": item.version,
                "description": item.description,
                "severity": item.severity,
                "deadline": item.deadline,
                "responsible_person": item.responsible_person,
            }
        ),
        "today": timezone.localdate(),
        "evidence_required": settings.LEDGER_EVIDENCE_REQUIRED,
        "max_evidence_mb": settings.LEDGER_EVIDENCE_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "ledger/detail.html", context)


ACTIONS = {
    "start": lambda problem, user, text, version: transitions.start(problem, user, note=text, version=version),
    "submit": lambda problem, user, text, version: transitions.submit(problem, user, measures=text, version=version),
    "close": lambda problem, user, text, version: transitions.close(problem, user, result=text, version=version),
    "send_back": lambda p, user, text, version: transitions.send_back(p, user, reason=text, version=version),
    "reject": lambda problem, user, text, version: transitions.reject(problem, user, reason=text, version=version),
    "reopen": lambda problem, user, text, version: transitions.reopen(problem, user, reason=text, version=version),
}


@login_required
@require_POST
def act(request: HttpRequest, problem: int, action: str) -> HttpResponse:
    """Apply one transition; a refusal answers 403, a conflict or a missing text goes back with a message."""
    user = request.user
    item = get_problem_for_user(user, problem)
    back = redirect("ledger:problem", problem=item.pk)
    if action == "edit":
        form = EditForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
            return back
        data = form.cleaned_data
        version = data.pop("version")
        handler = lambda: transitions.edit(item, user, version=version, **data)  # noqa: E731
    elif action in ACTIONS:
        form = TextForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The form was incomplete; please try again."))
            return back
        text, version = form.cleaned_data["text"], form.cleaned_data["version"]
        handler = lambda: ACTIONS[action](item, user, text, version)  # noqa: E731
    else:
        raise Http404("unknown action")
    try:
        handler()
    except transitions.NotAllowed as error:
        raise PermissionDenied(str(error)) from None
    except (transitions.WrongState, transitions.Conflict) as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return back


@login_required
@require_POST
def add_evidence(request: HttpRequest, problem: int) -> HttpResponse:
    user = request.user
    item = get_problem_for_user(user, problem)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("ledger:problem", problem=item.pk)
    try:
        transitions.add_evidence(item, user, upload)
    except transitions.NotAllowed as error:
        raise PermissionDenied(str(error)) from None
    except (transitions.WrongState, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Evidence added."))
    return redirect("ledger:problem", problem=item.pk)


CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


@login_required
@require_GET
def evidence_file(request: HttpRequest, problem: int, evidence: int) -> HttpResponse:
    """Send an evidence file (only to users who may see its problem), as a download, never rendered inline."""
    item = get_evidence_for_user(request.user, problem, evidence)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    return FileResponse(handle, as_attachment=True, filename=item.name,
                        content_type=CONTENT_TYPES.get(item.kind, "application/octet-stream"))  # fmt: skip


# --- entering and importing problems -----------------------------------------------------------------------------


def _region_choices(user, region: Region) -> list[tuple[str, str]]:
    return [(r.code, f"{r.name} · {r.get_level_display()}")
            for r in regions_for(user).subtree(region.code).order_by("code")[:2000]]  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def new_problem(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    region = get_region_for_user(user, code)
    if not access.can_manage(user):
        raise PermissionDenied(_("You may not enter problems."))
    form = NewProblemForm(request.POST or None, initial={"region": region.code})
    form.fields["region"].choices = _region_choices(user, region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household_pk = None
        if data["household_number"]:
            household = households_for(user).filter(number=data["household_number"].strip()).first()
            if household is None or not regions.contains(data["region"], household.village_id):
                form.add_error("household_number", _("No household with this number in that region."))
            else:
                household_pk = household.pk
        if not form.errors:
            try:
                problem = transitions.create(user, region_code=data["region"], item=data["item"],
                                             description=data["description"], severity=data["severity"],
                                             deadline=data["deadline"], household_pk=household_pk)  # fmt: skip
            except transitions.NotAllowed as error:
                raise PermissionDenied(str(error)) from None
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Problem entered."))
                return redirect("ledger:problem", problem=problem.pk)
    context = {"region": region, "breadcrumbs": breadcrumbs(user, region), "form": form}
    return render(request, "ledger/new.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, code: str) -> HttpResponse:
    """Upload an assessment, inspection or audit list; every row becomes a problem or a line of the report."""
    user = request.user
    region = get_region_for_user(user, code)
    if not access.can_manage(user):
        raise PermissionDenied(_("You may not import problem lists."))
    form = ImportForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kind = validate_upload(upload, kinds={"xlsx", "csv"}, max_bytes=settings.LEDGER_EVIDENCE_MAX_BYTES)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"list.{kind}"
                with open(path, "wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    outcome = import_list(path, user, source=form.cleaned_data["source"], name=upload.name)
                except ListError as exc:
                    error = _("The file cannot be imported: %(reason)s") % {"reason": exc}
                else:
                    return redirect("ledger:import-result", batch=outcome.record.pk)
    imports = ListImport.objects.filter(imported_by=user)[:10]
    context = {"region": region, "breadcrumbs": breadcrumbs(user, region), "form": form, "error": error,
               "imports": imports}  # fmt: skip
    return render(request, "ledger/import.html", context)


def _get_import(user, batch: int) -> ListImport:
    """An import is visible to whoever may see the whole region it was made in."""
    try:
        item = ListImport.objects.get(pk=batch)
    except ListImport.DoesNotExist:
        raise Http404("import not found") from None
    code = access.scope_code(user)
    in_scope = code == "" or bool(code and item.region_code and regions.contains(code, item.region_code))
    if not in_scope and item.imported_by_id != user.pk:
        raise Http404("import not found")
    return item


@login_required
@require_GET
def import_result(request: HttpRequest, batch: int) -> HttpResponse:
    item = _get_import(request.user, batch)
    context = {"batch": item, "rejections": item.rejections[:500], "more": max(0, len(item.rejections) - 500)}
    return render(request, "ledger/import_result.html", context)


@login_required
@require_GET
def import_report(request: HttpRequest, batch: int, fmt: str) -> HttpResponse:
    item = _get_import(request.user, batch)
    if fmt == "csv":
        body, content_type = report_csv(item.rejections), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = report_xlsx(item.rejections)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404("unknown format")
    response = HttpResponse(body, content_type=content_type)
    stem = Path(item.file_name).stem or "list"
    response["Content-Disposition"] = f'attachment; filename="{stem}.rejected.{fmt}"'
    return response


# --- notices on the home page ------------------------------------------------------------------------------------


def notices_for(user, today: dt.date | None = None, limit: int = 5) -> dict:
    """What is overdue and what falls due within the next days, for the user's own unit first."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.LEDGER_DUE_SOON_DAYS)
    problems = problems_for(user).filter(status__in=ACTIVE)
    if user.sector:
        mine = problems.filter(assignee_sector=user.sector)
    elif user.region_id:
        mine = problems.filter(assignee_region_id=user.region_id, assignee_sector="")
    else:
        mine = problems.none()
    scope = mine if mine.exists() else problems
    overdue = scope.filter(deadline__lt=today).order_by("deadline", "id")
    due = scope.filter(deadline__gte=today, deadline__lte=soon).order_by("deadline", "id")
    return {
        "own_unit": scope is mine,
        "overdue": list(overdue.select_related("household")[:limit]),
        "overdue_count": overdue.count(),
        "due": list(due.select_related("household")[:limit]),
        "due_count": due.count(),
        "days": settings.LEDGER_DUE_SOON_DAYS,
        "today": today,
    }


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The home page's notice list (an htmx fragment)."""
    user = request.user
    region = home_region_for(user)
    context = {"region": region, **notices_for(user)} if region is not None else {"region": None}
    return render(request, "ledger/_notices.html", context)
