"""Registry pages. Every query goes through jingzhun.registry.access (the user's region subtree).

The pages never build a queryset from ``Household.objects`` or ``Person.objects``: they start from
``households_for``/``persons_for``/``regions_for`` and narrow down, so a forgotten filter shows less, never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.audit.chain import client_ip, record
from jingzhun.importer.access import can_import
from jingzhun.registry import idnumber, masking, regions
from jingzhun.registry.access import (
    get_household_for_user,
    get_region_for_user,
    households_for,
    persons_for,
    regions_for,
)
from jingzhun.registry.choices import (
    HealthCondition,
    HouseholdType,
    MonitoringCategory,
    PersonStatus,
    Relation,
    RiskType,
)
from jingzhun.registry.models import Household, Person, Region

# Search terms that were full ID numbers, kept in the session so the page can show them masked (see _search_term).
SESSION_ID_SEARCHES = "registry_id_searches"
MAX_REMEMBERED_ID_SEARCHES = 20
MONITORED_ANY = "any"
MONITORED_NONE = "none"


# --- breadcrumbs -------------------------------------------------------------------------------------------------


def _in_user_scope(user, code: str) -> bool:
    """Whether ``code`` lies in the subtree the user sees (the user's region or below it)."""
    if user.region_id:
        return regions.contains(user.region_id, code)
    return user.is_superuser


def _breadcrumbs(user, region: Region, *, include_self_link: bool) -> list[dict]:
    """Return the chain province → ``region``; ancestors above the user's own region are names without links."""
    chain = [*region.ancestors(), region]
    crumbs = []
    for node in chain:
        linked = _in_user_scope(user, node.code) and (include_self_link or node.code != region.code)
        crumbs.append({"region": node, "linked": linked})
    return crumbs


# --- region page -------------------------------------------------------------------------------------------------


@dataclass
class RegionCounts:
    households: int = 0
    persons: int = 0
    exited: int = 0
    ordinary: int = 0
    monitored: int = 0


@dataclass
class ChildRow:
    region: Region
    counts: RegionCounts = field(default_factory=RegionCounts)

    @property
    def has_children(self) -> bool:
        return self.region.level != "village"


def _counts_by_child(user, region: Region) -> dict[str, RegionCounts]:
    """Count households, current members, types and monitored households per child region in ONE query.

    The rows are grouped by the first n digits of the village code (n = the child level's prefix length), so the
    query is a single range scan of the household_region_number index however many children there are.
    """
    length = regions.child_prefix_length(region.code)
    rows = (
        households_for(user)
        .in_region(region.code)
        .annotate(prefix=Substr("village_id", 1, length))
        .values("prefix")
        .annotate(
            households=Count("id", distinct=True),
            persons=Count("members", filter=Q(members__status=PersonStatus.NORMAL), distinct=True),
            exited=Count("id", filter=Q(household_type=HouseholdType.EXITED), distinct=True),
            ordinary=Count("id", filter=Q(household_type=HouseholdType.ORDINARY), distinct=True),
            monitored=Count("id", filter=~Q(monitoring_category=""), distinct=True),
        )
        .order_by("prefix")
    )
    return {
        row["prefix"]: RegionCounts(
            households=row["households"],
            persons=row["persons"],
            exited=row["exited"],
            ordinary=row["ordinary"],
            monitored=row["monitored"],
        )
        for row in rows
    }


def _child_rows(user, region: Region) -> tuple[list[ChildRow], RegionCounts]:
    """Return the visible children of ``region`` with their counts, and the region's totals (two queries)."""
    counts = _counts_by_child(user, region)
    length = regions.child_prefix_length(region.code)
    children = list(regions_for(user).filter(parent=region).order_by("code"))
    rows = [ChildRow(child, counts.get(child.code[:length], RegionCounts())) for child in children]
    total = RegionCounts()
    for value in counts.values():  # every household under the region, even in a village missing from the tree
        for name in ("households", "persons", "exited", "ordinary", "monitored"):
            setattr(total, name, getattr(total, name) + getattr(value, name))
    return rows, total


def _chart_data(rows: list[ChildRow]) -> dict:
    """Data for the bar chart of households by type and monitored, per child region (read by region_chart.js)."""
    return {
        "categories": [row.region.name for row in rows],
        "series": [
            {
                "name": capfirst(HouseholdType.EXITED.label),
                "stack": "type",
                "data": [row.counts.exited for row in rows],
            },
            {
                "name": capfirst(HouseholdType.ORDINARY.label),
                "stack": "type",
                "data": [row.counts.ordinary for row in rows],
            },
            {"name": capfirst(_("monitored")), "stack": "monitored", "data": [row.counts.monitored for row in rows]},
        ],
    }


@login_required
def no_region(request: HttpRequest) -> HttpResponse:
    """Explain that the account is bound to no region (nothing to show until an administrator sets one)."""
    return render(request, "registry/no_region.html", status=403)


@login_required
@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Show a region: breadcrumbs, its children with counts and a chart, links down the tree."""
    region = get_region_for_user(request.user, code)
    rows, total = _child_rows(request.user, region)
    context = {
        "region": region,
        "breadcrumbs": _breadcrumbs(request.user, region, include_self_link=False),
        "rows": rows,
        "total": total,
        "chart": _chart_data(rows) if rows else None,
        "depth": 0,
        "can_import": can_import(request.user),
    }
    return render(request, "registry/region.html", context)


@login_required
@require_GET
def region_children(request: HttpRequest, code: str) -> HttpResponse:
    """Return the table rows of a region's children (htmx: expanding a node of the tree in place)."""
    region = get_region_for_user(request.user, code)
    rows, _total = _child_rows(request.user, region)
    try:
        depth = min(max(int(request.GET.get("depth", "1")), 1), 4)
    except ValueError:
        depth = 1
    context = {"rows": rows, "parent": region, "depth": depth}
    return render(request, "registry/_region_rows.html", context)


# --- household list ----------------------------------------------------------------------------------------------


def _is_full_id(text: str) -> bool:
    number = idnumber.normalize(text)
    return len(number) == 18 and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")


def _search_term(request: HttpRequest) -> tuple[str, str]:
    """Return (what to search for, what to show in the search box).

    A full ID number typed by a user without the personal-data right is remembered in the session under its
    masked form and shown masked, so the page, its links and the browser history never carry the full number; a
    masked term that the session knows stands for the full number again (pagination, filters, language switch).
    """
    raw = request.GET.get("q", "").strip()[:64]
    user = request.user
    if not raw:
        return "", ""
    remembered = request.session.get(SESSION_ID_SEARCHES, {})
    if "*" in raw and raw in remembered:
        return remembered[raw], raw
    if _is_full_id(raw):
        number = idnumber.normalize(raw)
        shown = masking.id_number_for(user, number)
        if shown != number:
            remembered = {key: value for key, value in remembered.items() if value != number}
            remembered[shown] = number
            request.session[SESSION_ID_SEARCHES] = dict(list(remembered.items())[-MAX_REMEMBERED_ID_SEARCHES:])
        return number, shown
    return raw, raw


def _filtered_households(request: HttpRequest, region: Region, term: str):
    user = request.user
    households = households_for(user).in_region(region.code)
    household_type = request.GET.get("type", "")
    if household_type in HouseholdType.values:
        households = households.filter(household_type=household_type)
    category = request.GET.get("category", "")
    if category in MonitoringCategory.values:
        households = households.filter(monitoring_category=category)
    elif category == MONITORED_ANY:
        households = households.exclude(monitoring_category="")
    elif category == MONITORED_NONE:
        households = households.filter(monitoring_category="")
    if term:
        if _is_full_id(term):
            # A full ID matches exactly (the person_id_number index); never a prefix, so it cannot probe digits.
            matches = persons_for(user).filter(id_number=idnumber.normalize(term))
        else:
            # Names match from the start (the person_name index); household numbers match exactly.
            matches = persons_for(user).filter(name__startswith=term)
        households = households.filter(Q(pk__in=matches.values("household_id")) | Q(number=term))
    # Ordered like the household_region_number index, so a page is a range scan, not a sort.
    return households.order_by("village_id", "number")


def _query_string(params: dict[str, str], **changes) -> str:
    merged = {**params, **changes}
    return urlencode({key: value for key, value in merged.items() if value})


@dataclass
class HouseholdRow:
    household: Household
    head_name: str
    head_id_number: str
    member_count: int


def _household_rows(user, page_households) -> list[HouseholdRow]:
    rows = []
    for household in page_households:
        members = household.members.all()  # prefetched, one query for the page
        current = [member for member in members if member.status == PersonStatus.NORMAL]
        head = next((member for member in members if member.relation == Relation.HEAD), None)
        rows.append(
            HouseholdRow(
                household=household,
                head_name=head.name if head else "",
                head_id_number=masking.id_number_for(user, head.id_number) if head else "",
                member_count=len(current),
            )
        )
    return rows


@login_required
@require_GET
def household_list(request: HttpRequest, code: str) -> HttpResponse:
    """List the households under a region: filters, search by member name or ID number, pages of a fixed size."""
    region = get_region_for_user(request.user, code)
    term, shown_term = _search_term(request)
    if term != shown_term and not request.htmx and request.GET.get("q") != shown_term:
        # A full ID typed into the search box: answer with the masked address so it stays out of history and logs.
        params = {key: request.GET.get(key, "") for key in ("type", "category", "page")}
        return redirect(f"{request.path}?{_query_string(params, q=shown_term)}")

    households = _filtered_households(request, region, term)
    members = persons_for(request.user).only("household_id", "name", "id_number", "relation", "status")
    paginator = Paginator(
        households.select_related("village").prefetch_related(Prefetch("members", members)), settings.REGISTRY_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    params = {
        "q": shown_term,
        "type": request.GET.get("type", "") if request.GET.get("type", "") in HouseholdType.values else "",
        "category": request.GET.get("category", ""),
    }
    context = {
        "region": region,
        "breadcrumbs": _breadcrumbs(request.user, region, include_self_link=True),
        "page": page,
        "rows": _household_rows(request.user, page.object_list),
        "params": params,
        "query_string": _query_string(params),
        "household_types": HouseholdType.choices,
        "categories": MonitoringCategory.choices,
        "monitored_any": MONITORED_ANY,
        "monitored_none": MONITORED_NONE,
        "filtered": any(params.values()),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "registry/_household_results.html" if partial else "registry/household_list.html"
    response = render(request, template, context)
    if partial:
        # Push the address with the masked search term, not the one the browser sent.
        query = _query_string(params, page=str(page.number) if page.number > 1 else "")
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- household page ----------------------------------------------------------------------------------------------

HOUSEHOLD_GROUPS = (
    (
        "basic",
        (
            "number",
            "village",
            "household_type",
            "poverty_attribute",
            "exit_year",
            "main_cause",
            "household_size",
            "food_secure",
            "clothing_secure",
            "phone",
        ),
    ),
    ("monitoring", ("monitoring_category", "risk_types", "risk_eliminated", "risk_elimination_method")),
    ("housing", ("housing_grade", "safe_housing_measure")),
    ("water", ("water_piped", "water_fetch_minutes", "water_litres_per_day", "water_quality_ok", "water_outage_days")),
    ("cadre", ("cadre_name", "cadre_phone")),
)
PHONE_FIELDS = frozenset({"phone", "cadre_phone"})


def _labels(values: list[str], choices) -> str:
    """Join the translated labels of a multi-valued field's stored values (unknown values shown as stored)."""
    labels = dict(choices.choices)
    separator = "、" if get_language().startswith("zh") else ", "  # the enumeration comma in Chinese
    return separator.join(str(labels.get(value, value)) for value in values)


def _field_value(user, household: Household, name: str):
    """Return a field's value as the page shows it: choice label, ✓/✗, masked phone, or None when empty."""
    model_field = household._meta.get_field(name)
    value = getattr(household, name)
    if name == "village":
        return value.name
    if name == "risk_types":
        return _labels(household.risk_type_list, RiskType) or None
    if name in PHONE_FIELDS:
        return masking.phone_for(user, value) or None
    if model_field.choices:
        return getattr(household, f"get_{name}_display")() or None
    if value is None or value == "":
        return None
    return value


def _field_groups(user, household: Household) -> list[dict]:
    titles = {
        "basic": _("Basic information"),
        "monitoring": _("Monitoring and risk"),
        "housing": _("Housing"),
        "water": _("Drinking water"),
        "cadre": _("Responsible cadre"),
    }
    groups = []
    for key, names in HOUSEHOLD_GROUPS:
        fields = []
        for name in names:
            model_field = household._meta.get_field(name)
            fields.append(
                {
                    "label": model_field.verbose_name,
                    "value": _field_value(user, household, name),
                    "boolean": model_field.get_internal_type() == "BooleanField",
                    # A masked phone a user with the right may reveal (one deliberate, logged click).
                    "reveal": (
                        reverse("registry:reveal", args=["household", household.pk, name])
                        if name in PHONE_FIELDS and getattr(household, name) and masking.can_reveal(user)
                        else ""
                    ),
                }
            )
        groups.append({"key": key, "title": titles[key], "fields": fields})
    return groups


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one household: its fields in groups, its members, its income by year."""
    user = request.user
    household = get_household_for_user(user, pk)
    today = timezone.localdate()
    members = sorted(
        persons_for(user).filter(household=household),
        key=lambda person: (person.relation != Relation.HEAD, person.pk),
    )
    for person in members:
        person.shown_id_number = masking.id_number_for(user, person.id_number)
        if person.id_number and masking.can_reveal(user):
            person.reveal_url = reverse("registry:reveal", args=["person", person.pk, "id_number"])
        person.age_today = person.age_on(today)
        person.health_labels = _labels(person.health_list, HealthCondition)
        person.is_current = person.status == PersonStatus.NORMAL
    # The household was reached through the access helper, so its own income rows are in scope.
    incomes = list(household.incomes.order_by("-year"))
    context = {
        "household": household,
        "breadcrumbs": _breadcrumbs(user, household.village, include_self_link=True),
        "groups": _field_groups(user, household),
        "members": members,
        "incomes": incomes,
        "today": today,
    }
    return render(request, "registry/household.html", context)


REVEALABLE = {"person": ("id_number",), "household": ("phone", "cadre_phone")}


@login_required
@require_POST
def reveal(request: HttpRequest, kind: str, pk: int, attribute: str) -> HttpResponse:
    """Show one full ID or phone number to a user who may see it, and record that they did (audit log)."""
    user = request.user
    if attribute not in REVEALABLE.get(kind, ()):
        raise Http404("nothing to reveal")
    if kind == "person":
        try:
            obj = persons_for(user).select_related("household").get(pk=pk)
        except Person.DoesNotExist:
            raise Http404("person not found") from None
        region_code = obj.household.village_id
    else:
        obj = get_household_for_user(user, pk)
        region_code = obj.village_id
    if not masking.can_reveal(user):
        return HttpResponseForbidden()
    record("reveal", actor=user, obj=obj, region_code=region_code, changes={"field": attribute},
           ip=client_ip(request))  # fmt: skip
    response = HttpResponse(format_html('<span class="revealed">{}</span>', getattr(obj, attribute)))
    response["Cache-Control"] = "no-store"
    return response
