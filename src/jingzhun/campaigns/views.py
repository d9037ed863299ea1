"""Campaign pages: the list with progress, setting up a campaign, its design with a sample-size preview and the
draw, checker assignment, the results with intervals in plain words, the .xlsx exports, and the checker's
phone-sized field pages.

Every query starts from ``campaigns_for`` / ``get_campaign_for_user`` / ``get_unit_for_checker``: another
region's campaign or household answers 404. Every change goes through ``service`` (rights, audit).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.campaigns import exports, results, service
from jingzhun.campaigns.field import registry_summary
from jingzhun.campaigns.forms import AssignForm, CampaignForm, DesignForm, OutsideForm, PhotoForm
from jingzhun.campaigns.models import ITEM_LABELS, CampaignStatus, Observation, Reconciliation, Result, UnitStatus
from jingzhun.campaigns.outside import OutsideListError, read_outside
from jingzhun.campaigns.tasks import reconcile_task, refresh
from jingzhun.core.uploads import validate_upload
from jingzhun.registry import regions
from jingzhun.registry.access import get_region_for_user, heads_of, regions_for


def _managed_campaign(request, campaign_id: int):
    """The campaign, if the user may see it (else 404) and manage it (else 403)."""
    campaign = service.get_campaign_for_user(request.user, campaign_id)
    if not service.can_manage(request.user, campaign):
        raise PermissionDenied
    return campaign


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(
        service.campaigns_for(request.user)
        .select_related("region")
        .annotate(units_all=Count("units"), units_done=Count("units", filter=Q(units__status=UnitStatus.DONE)))
    )
    today = timezone.localdate()
    for campaign in campaigns:
        campaign.percent = round(100 * campaign.units_done / campaign.units_all) if campaign.units_all else 0
        campaign.overdue = (
            campaign.status == CampaignStatus.DRAWN and campaign.deadline is not None and campaign.deadline < today
            and campaign.units_done < campaign.units_all
        )  # fmt: skip
    mine = service.units_for_checker(request.user).exclude(status=UnitStatus.DONE).count()
    return render(request, "campaigns/list.html", {
        "campaigns": campaigns, "can_create": request.user.has_function_permission("manage_campaigns"),
        "my_open_units": mine,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_function_permission("manage_campaigns"):
        raise PermissionDenied
    # Regions a campaign may cover: down to the towns for a county (or lower) user; a province or city user picks
    # among cities and counties (thousands of towns would make the list useless).
    scope = regions_for(request.user).exclude(level="village")
    if not request.user.region_id or regions.level_of(request.user.region_id) in ("province", "city"):
        scope = scope.exclude(level="town")
    scope = scope.order_by("code")
    parents = service.campaigns_for(request.user).filter(status__in=[CampaignStatus.DRAWN, CampaignStatus.CLOSED])
    form = CampaignForm(request.POST or None, regions=scope, parents=parents,
                        initial={"region": request.user.region_id})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = get_region_for_user(request.user, data["region"])
        parent = service.get_campaign_for_user(request.user, data["parent"]) if data.get("parent") else None
        try:
            campaign = service.create(request.user, name=data["name"], region=region, level=data["level"],
                                      population=data["population"], reference_date=data["reference_date"],
                                      items=data["items"], deadline=data.get("deadline"), parent=parent)  # fmt: skip
        except service.CampaignError as exc:
            raise PermissionDenied(str(exc)) from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/new.html", {"form": form})


def _detail_context(request, campaign, design_form=None, outside_form=None, assign_form=None) -> dict:
    user = request.user
    manage = service.can_manage(user, campaign)
    context = {"campaign": campaign, "can_manage": manage, "items": [ITEM_LABELS[i] for i in campaign.items]}
    if campaign.status == CampaignStatus.DRAFT:
        context["frame_size"] = service.frame_count(campaign)
        context["outside_count"] = campaign.outside.count()
        if manage:
            design_form = design_form or DesignForm()
            context["design_form"] = design_form
            context["outside_form"] = outside_form or OutsideForm()
            context["preview"] = _preview(design_form, context["frame_size"]) if campaign.is_sample else None
    else:
        progress = results.progress(campaign, town=request.GET.get("town", ""))
        context["progress"] = progress
        context["chart"] = {
            "towns": [town["name"] for town in progress["towns"]],
            "done": [town["done"] for town in progress["towns"]],
            "started": [town["started"] for town in progress["towns"]],
            "pending": [town["all"] - town["done"] - town["started"] for town in progress["towns"]],
            "checkers": [checker["name"] for checker in progress["checkers"]],
            "checker_done": [checker["done"] for checker in progress["checkers"]],
            "checker_left": [checker["all"] - checker["done"] for checker in progress["checkers"]],
            "labels": {"done": _("done"), "started": _("in progress"), "pending": _("not started"),
                       "left": _("still to do")},
        }  # fmt: skip
        if manage and campaign.status == CampaignStatus.DRAWN:
            towns = regions_for(user).filter(code__range=regions.subtree_bounds(campaign.region_id))
            towns = towns.filter(level__in=["town", "village"]).order_by("code")[:2000]
            context["assign_form"] = assign_form or AssignForm(regions=towns, checkers=service.checkers_for(campaign))
        if manage:  # reconciliation stays possible after the campaign is closed
            context["reconcilable"] = Observation.objects.filter(
                unit__campaign=campaign, unit__status=UnitStatus.DONE, result=Result.INCONSISTENT,
                problem__isnull=True, unit__household__isnull=False,
            ).count()  # fmt: skip
            context["reconciliation"] = _latest_reconciliation(campaign)
    return context


def _preview(form: DesignForm, population: int):
    if not form.is_bound:
        initial = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
        form = DesignForm(data=initial)
    if not form.is_valid():
        return None
    design, size = form.design(population)
    return {"size": size, "design": design}


@login_required
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = service.get_campaign_for_user(request.user, campaign_id)
    return render(request, "campaigns/detail.html", _detail_context(request, campaign))


@login_required
@require_GET
def size_preview(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The sample size the design form gives, with its formula (htmx swaps it in as the form changes)."""
    campaign = _managed_campaign(request, campaign_id)
    if campaign.status != CampaignStatus.DRAFT:  # drawn meanwhile (a change event racing the draw): nothing to show
        return HttpResponse(status=204)
    form = DesignForm(request.GET)
    frame_size = service.frame_count(campaign)
    return render(request, "campaigns/_preview.html",
                  {"preview": _preview(form, frame_size), "form": form, "frame_size": frame_size})  # fmt: skip


@login_required
@require_POST
def draw(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _managed_campaign(request, campaign_id)
    form = DesignForm(request.POST)
    design, size = None, None
    if campaign.is_sample and not form.is_valid():
        return render(request, "campaigns/detail.html", _detail_context(request, campaign, design_form=form),
                      status=400)  # fmt: skip
    data = form.cleaned_data if form.is_valid() else {}
    frame_size = service.frame_count(campaign)
    if campaign.is_sample:
        design, size = form.design(frame_size)
    try:
        service.draw(campaign, request.user, design=design, stratify_by=data.get("stratify_by", "town"),
                     size=size.__dict__ if size else {}, seed=data.get("seed"),
                     outside_n=data.get("outside_n") or 0)  # fmt: skip
    except service.CampaignError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except ValueError as exc:  # the design does not fit the frame (e.g. more villages asked than there are)
        messages.error(request, _("The design does not fit the frame: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The sample has been drawn."))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@login_required
@require_POST
def upload_outside(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _managed_campaign(request, campaign_id)
    form = OutsideForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "campaigns/detail.html", _detail_context(request, campaign, outside_form=form),
                      status=400)  # fmt: skip
    upload = form.cleaned_data["file"]
    try:
        kind = validate_upload(upload, kinds={"xlsx", "xls", "csv"})
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    suffix = f".{kind}"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        try:
            rows = read_outside(Path(handle.name))
        except OutsideListError as exc:
            messages.error(request, str(exc))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    try:
        added, rejected = service.add_outside(campaign, request.user, rows)
    except service.CampaignError as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    messages.success(request, _("%(added)d outside households listed, %(rejected)d rows rejected.") % {
        "added": added, "rejected": len(rejected)})  # fmt: skip
    for rejection in rejected[:20]:
        messages.warning(request, _("Row %(row)s: %(reason)s") % rejection)
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@login_required
@require_POST
def assign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _managed_campaign(request, campaign_id)
    code = request.POST.get("region", "")
    region = get_region_for_user(request.user, code)
    try:  # only the campaign's possible checkers: another county's user answers 404, never by name
        checker = service.checkers_for(campaign).get(pk=int(request.POST.get("checker", "")))
    except (ValueError, get_user_model().DoesNotExist):
        raise Http404("user not found") from None
    try:
        count = service.assign(campaign, request.user, checker=checker, region_code=region.code,
                               only_unassigned=not request.POST.get("reassign"))  # fmt: skip
    except service.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(count)d households assigned to %(name)s.") % {
            "count": count, "name": checker.get_full_name() or checker.username})  # fmt: skip
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@login_required
@require_POST
def reconcile(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Queue the entry of the campaign's inconsistencies in the ledger (the worker does it; the page follows it).

    A second click while a run is queued or running is refused: the constraint on Reconciliation allows one.
    """
    campaign = _managed_campaign(request, campaign_id)
    for active in campaign.reconciliations.filter(status__in=Reconciliation.ACTIVE):
        refresh(active)  # a run whose process ended (its heartbeat stopped) no longer blocks a new one
    try:
        with transaction.atomic():
            run = Reconciliation.objects.create(campaign=campaign, user=request.user)
    except IntegrityError:
        messages.error(request, _("The inconsistencies of this campaign are already being entered in the ledger: "
                                  "wait until that run is done."))  # fmt: skip
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    try:
        result = reconcile_task.enqueue(run.pk)
    except Exception:
        Reconciliation.objects.filter(pk=run.pk, status=Reconciliation.Status.QUEUED).update(
            status=Reconciliation.Status.FAILED, finished_at=timezone.now(),
            failure=Reconciliation.Failure.NOT_QUEUED, error="the task could not be queued (see the log)",
        )  # fmt: skip
        raise
    Reconciliation.objects.filter(pk=run.pk).update(task_id=str(result.id))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


def _latest_reconciliation(campaign) -> Reconciliation | None:
    run = campaign.reconciliations.first()
    if run is not None:
        refresh(run)
        run.read_progress()
    return run


@login_required
@require_GET
def reconcile_status(request: HttpRequest, campaign_id: int, run_id: int) -> HttpResponse:
    """The reconciliation's progress alone (htmx polls it every 2 s); a finished run reloads the page."""
    campaign = _managed_campaign(request, campaign_id)
    try:
        run = campaign.reconciliations.get(pk=run_id)
    except Reconciliation.DoesNotExist:
        raise Http404("reconciliation not found") from None
    refresh(run)
    run.read_progress()
    response = render(request, "campaigns/_reconciliation.html", {"campaign": campaign, "run": run})
    if run.finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def close(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = service.get_campaign_for_user(request.user, campaign_id)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm closing the campaign."))
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    try:
        service.close(campaign, request.user)
    except service.CampaignError as exc:
        messages.error(request, str(exc))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@login_required
@require_GET
def campaign_results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = service.get_campaign_for_user(request.user, campaign_id)
    lines = results.estimates(campaign)
    chart = {
        "labels": [line.label for line in lines],
        "rates": [_pct(line.estimate.rate) if line.estimate else None for line in lines],
        "lows": [_pct(line.estimate.low) if line.estimate else None for line in lines],
        "highs": [_pct(line.estimate.high) if line.estimate else None for line in lines],
        "name": _("estimate"),
        "interval": _("confidence interval"),
    }
    return render(request, "campaigns/results.html", {
        "campaign": campaign, "lines": lines, "chart": chart, "comparison": results.comparison(campaign),
        "can_manage": service.can_manage(request.user, campaign), "progress": results.progress(campaign)["total"],
    })  # fmt: skip


def _pct(value):
    return None if value is None else round(value * 100, 2)


@login_required
@require_GET
def export(request: HttpRequest, campaign_id: int, what: str) -> FileResponse:
    campaign = service.get_campaign_for_user(request.user, campaign_id)
    if what not in ("sample", "results"):
        raise Http404
    if what == "sample" and not service.can_manage(request.user, campaign):
        raise PermissionDenied
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    if what == "sample":
        exports.write_sample(campaign, request.user, handle)
    else:
        exports.write_results(campaign, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"campaign-{campaign.pk}-{what}.xlsx")


# --- field pages (phone-sized) ---------------------------------------------------------------------------------------


@login_required
@require_GET
def field_list(request: HttpRequest) -> HttpResponse:
    """The checker's households still to verify, newest campaign first and in-progress ones first, a page at a
    time (a county checker of a self-check may have thousands), with per-campaign counts; the last ones done."""
    mine = service.units_for_checker(request.user)
    counts = {
        row["campaign_id"]: row
        for row in mine.values("campaign_id").annotate(
            open=Count("pk", filter=~Q(status=UnitStatus.DONE)), done=Count("pk", filter=Q(status=UnitStatus.DONE))
        )
    }
    open_units = mine.exclude(status=UnitStatus.DONE).select_related("campaign", "outside")
    village = request.GET.get("village", "")
    if village:
        open_units = open_units.filter(region_code=village)
    villages = (
        mine.exclude(status=UnitStatus.DONE).values("region_code").annotate(n=Count("pk")).order_by("region_code")
    )
    page = Paginator(open_units.order_by("-campaign_id", "-status", "region_code", "id"), 100).get_page(
        request.GET.get("page")
    )
    done_units = list(mine.filter(status=UnitStatus.DONE).select_related("outside").order_by("-submitted_at")[:20])
    shown = [*page.object_list, *done_units]
    heads = heads_of(request.user, [unit.household_id for unit in shown if unit.household_id])
    codes = {unit.region_code for unit in shown} | {row["region_code"] for row in villages}
    names = dict(regions_for(request.user).filter(code__in=codes).values_list("code", "name"))
    for unit in shown:
        head = heads.get(unit.household_id)
        unit.head_name = unit.outside.head_name if unit.outside_id else (head.name if head else "")
        unit.village_name = names.get(unit.region_code, unit.region_code)
    for unit in page.object_list:
        unit.campaign.counts = counts.get(unit.campaign_id, {})
    return render(request, "campaigns/field_list.html", {
        "page": page, "open_units": page.object_list, "done_units": done_units, "village": village,
        "villages": [{"code": row["region_code"], "name": names.get(row["region_code"], row["region_code"]),
                      "n": row["n"]} for row in villages],
        "done_total": sum(row["done"] for row in counts.values()),
    })  # fmt: skip


def _answers(request) -> dict[str, service.Answer]:
    answers = {}
    for key in request.POST:
        if key.startswith("result-"):
            item = key.removeprefix("result-")
            answers[item] = service.Answer(
                result=request.POST.get(key, ""), observed=request.POST.get(f"observed-{item}", ""),
                reason=request.POST.get(f"reason-{item}", ""),
            )  # fmt: skip
    return answers


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _word(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def _coordinate(value: str | None, limit: int):
    try:
        number = Decimal(value or "")
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) > limit:  # NaN, Infinity, or off the globe
        return None
    return number.quantize(Decimal("0.000001"))


@login_required
@require_http_methods(["GET", "POST"])
def field_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = service.get_unit_for_checker(request.user, unit_id)
    error = ""
    if request.method == "POST":
        omitted = request.POST.get("omitted_persons", "").strip()
        try:
            saved, _applied = service.save_unit(
                unit, request.user, answers=_answers(request), token=request.POST.get("token", ""),
                version=int(request.POST.get("version", "-1")), submit="submit" in request.POST,
                standard_met=_yes_no(request.POST.get("standard_met")),
                satisfied=_yes_no(request.POST.get("satisfied")),
                omitted_persons=int(omitted) if omitted.isdigit() else None,
                note=request.POST.get("note", "")[:2000],
                latitude=_coordinate(request.POST.get("latitude"), 90),
                longitude=_coordinate(request.POST.get("longitude"), 180),
            )  # fmt: skip
        except ValidationError as exc:
            error = _errors(exc)
        except service.Stale as exc:
            # Show what the other device stored (with its version), and what this form would have changed.
            error = str(exc)
            unit = service.get_unit_for_checker(request.user, unit_id)
            unsent = [f"{ITEM_LABELS.get(item, item)}: {dict(Result.choices).get(a.result, '—')}"
                      f"{' (' + (a.observed or a.reason) + ')' if (a.observed or a.reason) else ''}"
                      for item, a in _answers(request).items() if a.result]  # fmt: skip
            return _field_page(request, unit, error=error, unsent=unsent)
        except (service.CampaignError, ValueError) as exc:
            error = str(exc)
        else:
            if saved.status == UnitStatus.DONE:
                messages.success(request, _("Submitted. Thank you."))
                return redirect("campaigns:field")
            messages.success(request, _("Saved; you can come back to it."))
            return redirect("campaigns:field-unit", unit_id=unit.pk)
    return _field_page(request, unit, error=error, posted=request.method == "POST")


def _field_page(request, unit, *, error: str = "", posted: bool = False, unsent=()) -> HttpResponse:
    observations = {obs.item: obs for obs in unit.observations.all()}
    handed = [obs.problem_id for obs in observations.values() if obs.problem_id]
    posted_answers = _answers(request) if posted else {}
    summary = registry_summary(request.user, unit)
    head = heads_of(request.user, [unit.household_id]).get(unit.household_id) if unit.household_id else None
    village = regions_for(request.user).filter(code=unit.region_code).values_list("name", flat=True).first()
    rows = []
    for item in unit.campaign.items:
        answer = posted_answers.get(item) or observations.get(item)
        rows.append({
            "item": item, "label": ITEM_LABELS[item], "registry": summary.get(item, ""),
            "result": getattr(answer, "result", ""), "observed": getattr(answer, "observed", ""),
            "reason": getattr(answer, "reason", ""),
        })  # fmt: skip
    if posted:  # a refused form comes back as it was sent, nothing lost
        state = {"standard_met": request.POST.get("standard_met", ""), "satisfied": request.POST.get("satisfied", ""),
                 "omitted": request.POST.get("omitted_persons", ""), "note": request.POST.get("note", "")}  # fmt: skip
    else:
        omitted = "" if unit.omitted_persons is None else str(unit.omitted_persons)
        state = {"standard_met": _word(unit.standard_met), "satisfied": _word(unit.satisfied), "omitted": omitted,
                 "note": unit.note}  # fmt: skip
    return render(request, "campaigns/field_unit.html", {
        "unit": unit, "rows": rows, "state": state, "summary": summary, "head": head,
        "village": village or unit.region_code,
        "token": service.new_token(), "error": error,
        "results": Result.choices, "photo_form": PhotoForm(), "photos": unit.photos.all(),
        "unsent": unsent, "handed": handed,
    }, status=400 if error else 200)  # fmt: skip


@login_required
@require_POST
def field_photo(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = service.get_unit_for_checker(request.user, unit_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service.add_photo(unit, request.user, form.cleaned_data["photo"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Photo added."))
    else:
        messages.error(request, _("Choose a photo first."))
    return redirect(reverse("campaigns:field-unit", kwargs={"unit_id": unit.pk}) + "#photos")


@login_required
@require_GET
def photo_file(request: HttpRequest, unit_id: int, photo_id: int) -> FileResponse:
    """A unit's photo: for its checker, and for those who may manage the campaign."""
    from jingzhun.campaigns.models import Photo

    try:
        found = Photo.objects.select_related("unit", "unit__campaign").get(pk=photo_id, unit_id=unit_id)
    except (Photo.DoesNotExist, ValueError):
        raise Http404 from None
    campaign = service.get_campaign_for_user(request.user, found.unit.campaign_id)
    if found.unit.checker_id != request.user.pk and not service.can_manage(request.user, campaign):
        raise Http404
    return FileResponse(found.file.open("rb"), filename=found.name)
