"""The only way views reach check runs and findings: limited to the user's region subtree.

A run covers the region it was started for; a user sees a run when it covers a region they may see, and sees only
the findings of that run that lie in their own subtree (a province-wide run shows a county officer their county).
"""

from __future__ import annotations

from django.http import Http404

from jingzhun.registry import regions
from jingzhun.registry.access import regions_for, scope_code
from jingzhun.registry.models import Region
from jingzhun.standards.models import CheckRun, Finding

RUN_LEVELS = ("province", "city", "county")  # levels whose users may start check runs


def findings_for(user):
    """Findings the user may see: those of households in their region subtree (a range on region_code), and for a
    department user only those of their sector's items of the standard."""
    code = scope_code(user)
    if code is None:
        return Finding.objects.none()
    findings = Finding.objects.all() if code == "" else Finding.objects.filter(
        region_code__range=regions.subtree_bounds(code)
    )  # fmt: skip
    items = getattr(user, "sector_items", None)
    return findings.filter(item__in=items) if items is not None else findings


def latest_run_for(region: Region) -> CheckRun | None:
    """The newest finished run whose region is ``region`` or one of its ancestors (it covers ``region``).

    Uses the primary key order within the few candidate regions: at most five codes, one short index scan.
    """
    codes = [*regions.ancestor_codes(region.code), region.code]
    return (
        CheckRun.objects.filter(region_id__in=codes, status=CheckRun.Status.DONE)
        .select_related("region")
        .order_by("-finished_at", "-id")
        .first()
    )


def get_run_for_user(user, region: Region, run_id: int | None = None) -> CheckRun | None:
    """Return the run to show for ``region`` (latest, or the given one if it covers the region).

    ``region`` must already come from ``get_region_for_user``. A run id that does not cover the region (or does
    not exist, or has not finished) answers 404.
    """
    if scope_code(user) is None:
        raise Http404("run not found")
    if run_id is None:
        return latest_run_for(region)
    codes = [*regions.ancestor_codes(region.code), region.code]
    try:
        return CheckRun.objects.select_related("region").get(
            pk=run_id, region_id__in=codes, status=CheckRun.Status.DONE
        )
    except (CheckRun.DoesNotExist, ValueError):
        raise Http404("run not found") from None


def can_run_checks(user, region: Region | None = None) -> bool:
    """Whether ``user`` may start check runs (for ``region``, which must be in their scope).

    Needs the run_checks right and a region at county level or above; superusers may always.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.region_id or not user.has_function_permission("run_checks"):
        return False
    if regions.level_of(user.region_id) not in RUN_LEVELS:
        return False
    return region is None or regions.contains(user.region_id, region.code)


def visible_children(user, region: Region):
    """The child regions of ``region`` that the user may see, by code."""
    return regions_for(user).filter(parent=region).order_by("code")
