"""The only way views reach registry data: every queryset here is limited to the user's region subtree.

Views never call ``Household.objects`` directly. An object outside the user's subtree is answered with 404,
exactly as one that does not exist, so a user cannot learn which numbers exist elsewhere.
"""

from __future__ import annotations

from django.http import Http404

from jingzhun.registry import regions
from jingzhun.registry.models import Household, Person, Region


def scope_code(user) -> str | None:
    """The region code whose subtree the user sees; "" means everything (superuser), None means nothing."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.region_id:
        return user.region_id
    return "" if user.is_superuser else None


def regions_for(user):
    """Regions the user may see: their own region and everything below it."""
    code = scope_code(user)
    if code is None:
        return Region.objects.none()
    return Region.objects.all() if code == "" else Region.objects.subtree(code)


def households_for(user):
    """Households the user may see (a range scan of the region_code index)."""
    code = scope_code(user)
    if code is None:
        return Household.objects.none()
    return Household.objects.all() if code == "" else Household.objects.in_region(code)


def persons_for(user):
    """Persons of the households the user may see."""
    code = scope_code(user)
    if code is None:
        return Person.objects.none()
    if code == "":
        return Person.objects.all()
    return Person.objects.filter(household__village__code__range=regions.subtree_bounds(code))


def get_region_for_user(user, code: str) -> Region:
    """Return the region if the user may see it, else raise Http404."""
    try:
        return regions_for(user).get(code=code)
    except Region.DoesNotExist:
        raise Http404("region not found") from None


def get_household_for_user(user, pk: int) -> Household:
    """Return the household if the user may see it, else raise Http404."""
    try:
        return households_for(user).select_related("village").get(pk=pk)
    except (Household.DoesNotExist, ValueError):
        raise Http404("household not found") from None


def breadcrumbs(user, region: Region) -> list[dict]:
    """The chain province → ``region``; ancestors above the user's own region are names without links."""
    crumbs = []
    for node in [*region.ancestors(), region]:
        in_scope = regions.contains(user.region_id, node.code) if user.region_id else user.is_superuser
        crumbs.append({"region": node, "linked": in_scope})
    return crumbs


def heads_of(user, household_ids) -> dict[int, Person]:
    """The current head of each of these households the user may see (one query; with two heads — DQ-004 reports
    those — the first recorded)."""
    from jingzhun.registry.choices import PersonStatus, Relation

    people = persons_for(user).filter(household_id__in=list(household_ids), relation=Relation.HEAD,
                                      status=PersonStatus.NORMAL).only("household_id", "name", "id_number")  # fmt: skip
    return {person.household_id: person for person in people.order_by("-pk")}


def home_region_for(user) -> Region | None:
    """The region a user's pages start from: their own, or the top of the hierarchy for a superuser."""
    if user.region_id:
        return user.region
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True).order_by("code").first()
    return None
