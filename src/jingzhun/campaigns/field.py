"""What the checker compares against: a short summary of the registry's record per item, for one unit.

The checker sees the registry's value next to each item's radio buttons, so "consistent" means "what I see at the
household agrees with this". Names are shown (the checker is at the door); ID numbers never are.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhun.campaigns.models import SampleUnit
from jingzhun.registry.access import persons_for
from jingzhun.registry.choices import PersonStatus


def _yes_no(value) -> str:
    return "—" if value is None else (_("yes") if value else _("no"))


def registry_summary(user, unit: SampleUnit) -> dict[str, str]:
    if unit.household_id is None:
        return {}
    household = unit.household
    members = list(
        persons_for(user).filter(household_id=household.pk, status=PersonStatus.NORMAL).order_by("relation", "id")
    )
    income = household.incomes.order_by("-year").first()
    pupils = [p for p in members if p.school_status]
    insured = sum(1 for p in members if p.insured_resident_medical or p.insured_employee_medical)
    summary = {
        "members": _("%(count)d: %(names)s") % {"count": len(members), "names": "、".join(p.name for p in members)},
        "food": _yes_no(household.food_secure),
        "clothing": _yes_no(household.clothing_secure),
        "housing": household.get_housing_grade_display() or "—",
        "water": _("piped: %(piped)s; quality up to standard: %(quality)s")
        % {"piped": _yes_no(household.water_piped), "quality": _yes_no(household.water_quality_ok)},
        "medical": _("%(insured)d of %(count)d insured") % {"insured": insured, "count": len(members)},
        "education": "；".join(f"{p.name}: {p.get_school_status_display()}" for p in pupils) or _("no pupils"),
    }
    if income is not None:
        summary["income"] = _("%(year)d: %(amount)s yuan per person") % {
            "year": income.year, "amount": f"{income.per_capita_net_income or 0:,.0f}"}  # fmt: skip
    else:
        summary["income"] = _("no income recorded")
    return summary
