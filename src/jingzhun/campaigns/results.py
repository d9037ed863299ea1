"""What a campaign found: progress, the estimates under the actual design, and the comparison between levels.

The rates of domain-facts §4 as ratios of weighted totals (``estimation.estimate_ratio``):

- discrepancy rate of an item = units where the item was found inconsistent ÷ units where it was verified;
- 错退率 (wrong exits) = persons of exited households that do not stably meet the standard ÷ persons of exited
  households in the sample;
- 漏评率 (omissions) = persons of sampled outside households who met the standard but were never registered ÷
  persons of those households;
- 认可度 (approval) = households that approve ÷ households asked (registered and outside together; the outside
  list is its own stratum).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.campaigns import estimation, sampling
from jingzhun.campaigns.models import Campaign, Observation, Result, SampleUnit, UnitStatus
from jingzhun.campaigns.service import item_label
from jingzhun.registry.models import Region

METHOD_LABELS = {
    "beta": gettext_lazy("Clopper–Pearson on the effective sample size (Korn–Graubard)"),
    "wilson": gettext_lazy("Wilson on the effective sample size"),
    "wald": gettext_lazy("normal approximation (Wald)"),
}


@dataclass
class Line:
    key: str
    label: str
    estimate: estimation.Estimate | None
    sentence: str
    threshold: str = ""
    passes: bool | None = None

    @property
    def ok(self) -> bool:
        return self.estimate is not None and self.estimate.rate is not None

    @property
    def rate_text(self) -> str:
        return percent(self.estimate.rate) if self.ok else "—"

    @property
    def interval_text(self) -> str:
        return f"{percent(self.estimate.low)} – {percent(self.estimate.high)}" if self.ok else ""

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.estimate.method, self.estimate.method)) if self.ok else ""


def _selection(campaign: Campaign, units: list[SampleUnit], details: dict) -> sampling.Selection:
    """The drawn sample restricted to ``units`` (those answered), with the design the draw recorded."""
    return sampling.Selection(
        ids=[unit.pk for unit in units], strata=[unit.stratum or None for unit in units],
        clusters=[unit.cluster or None for unit in units], probabilities=[unit.probability for unit in units],
        weights=[unit.weight for unit in units], details=details,
    )  # fmt: skip


def _ratio(campaign: Campaign, units, y, x, arguments=None, details=None) -> estimation.Estimate | None:
    """The ratio Σw·y / Σw·x over ``units`` under the campaign's design: ``estimation.estimate_sample`` with the
    draw's record (or ``details``), a census with its finite population, or explicit ``arguments``."""
    if not units or not any(x):
        return None
    if arguments is not None:
        return estimation.estimate_ratio(y, x, weights=[unit.weight for unit in units], **arguments)
    details = details if details is not None else campaign.details
    if details.get("kind") is None:  # a self-check takes every household: a census with non-response
        return estimation.estimate_ratio(y, x, weights=[unit.weight for unit in units], population=campaign.frame_size)
    return estimation.estimate_sample(_selection(campaign, units, details), y, x)


def sentence(label: str, estimate: estimation.Estimate | None) -> str:
    """The plain-words line: "错退率 1.2 %，95 % 置信区间 0.6 %–2.1 %" (in the active language)."""
    if estimate is None or estimate.rate is None:
        return _("%(what)s: not enough answers yet.") % {"what": label}
    if estimate.low is None or estimate.high is None:
        text = _("%(what)s %(rate)s (too few answers for an interval)")
        return text % {"what": label, "rate": percent(estimate.rate)}
    return _("%(what)s %(rate)s, %(confidence)s confidence interval %(low)s–%(high)s") % {
        "what": label,
        "rate": percent(estimate.rate),
        "confidence": f"{estimate.confidence * 100:.0f} %",
        "low": percent(estimate.low),
        "high": percent(estimate.high),
    }


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def estimates(campaign: Campaign) -> list[Line]:
    """Per item and overall discrepancy rates, wrong exits, omissions and approval, each with its interval."""
    done = list(campaign.units.filter(status=UnitStatus.DONE).order_by("id"))
    registered = [unit for unit in done if unit.household_id is not None]
    outside = [unit for unit in done if unit.outside_id is not None]
    results: dict[int, dict[str, str]] = defaultdict(dict)
    answered = Observation.objects.filter(unit__campaign=campaign, unit__status=UnitStatus.DONE,
                                          unit__household__isnull=False)  # fmt: skip
    for unit_id, item, result in answered.values_list("unit_id", "item", "result"):
        results[unit_id][item] = result
    lines = []
    for item in campaign.items:
        y = [int(results[u.pk].get(item) == Result.INCONSISTENT) for u in registered]
        x = [int(results[u.pk].get(item) in (Result.CONSISTENT, Result.INCONSISTENT)) for u in registered]
        label = _("discrepancy rate of %(item)s") % {"item": item_label(item)}
        lines.append(_line(f"item:{item}", label, _ratio(campaign, registered, y, x)))
    y = [int(Result.INCONSISTENT in results[u.pk].values()) for u in registered]
    x = [int(bool(set(results[u.pk].values()) & {Result.CONSISTENT, Result.INCONSISTENT})) for u in registered]
    lines.append(_line("any", _("households with any discrepancy"), _ratio(campaign, registered, y, x)))
    exited = [u.exited and u.standard_met is not None for u in registered]
    y = [u.persons if ok and u.standard_met is False else 0 for u, ok in zip(registered, exited, strict=True)]
    x = [u.persons if ok else 0 for u, ok in zip(registered, exited, strict=True)]
    wrong = _ratio(campaign, registered, y, x)
    lines.append(_line("wrong_exit", _("wrong-exit rate"), wrong, "< 2 %", _below(wrong, 0.02)))
    if campaign.outside_size:
        y = [u.omitted_persons or 0 for u in outside]
        x = [u.persons if u.omitted_persons is not None else 0 for u in outside]
        omission = _ratio(campaign, outside, y, x, details={"kind": "outside", **campaign.details.get("outside", {})})
        lines.append(_line("omission", _("omission rate"), omission, "< 2 %", _below(omission, 0.02)))
    asked = registered + outside
    y = [int(u.satisfied is True) for u in asked]
    x = [int(u.satisfied is not None) for u in asked]
    approval = _ratio(campaign, asked, y, x, _mixed_arguments(campaign, registered, outside))
    lines.append(_line("approval", _("approval rate"), approval, "≥ 90 %", _at_least(approval, 0.9)))
    return lines


def _below(estimate, limit):
    """True when the whole interval lies below ``limit``, False when it lies at or above it, None when the interval
    straddles it (the sample cannot tell yet) or there is no estimate."""
    if estimate is None or estimate.rate is None or estimate.low is None or estimate.high is None:
        return None
    if estimate.high < limit:
        return True
    return False if estimate.low >= limit else None


def _at_least(estimate, limit):
    if estimate is None or estimate.rate is None or estimate.low is None or estimate.high is None:
        return None
    if estimate.low >= limit:
        return True
    return False if estimate.high < limit else None


def _line(key, label, estimate, threshold="", passes=None) -> Line:
    return Line(key, label, estimate, sentence(label, estimate), threshold, passes)


def _mixed_arguments(campaign: Campaign, registered, outside) -> dict:
    """Registered and outside units together: the outside list is a stratum of its own."""
    kind = campaign.design.get("kind", "census")
    stratified = kind == "stratified"
    strata = [unit.stratum if stratified else "registered" for unit in registered] + ["outside"] * len(outside)
    population = dict(campaign.details.get("strata_N") or {}) if stratified else {"registered": campaign.frame_size}
    population["outside"] = campaign.outside_size
    arguments = {"strata": strata, "stratum_population": population}
    if kind == "pps":
        arguments = {
            "strata": strata,
            "clusters": [unit.cluster for unit in registered] + [f"o{unit.pk}" for unit in outside],
        }
    return arguments


# --- progress ------------------------------------------------------------------------------------------------------


def progress(campaign: Campaign, town: str = "") -> dict:
    """Units done / started / assigned / all, overall, by town and by checker (for the chart and the table), and
    by village for one ``town``."""
    from django.contrib.auth import get_user_model

    units = campaign.units.all()
    total = units.aggregate(
        all=Count("pk"), assigned=Count("pk", filter=Q(checker__isnull=False)),
        started=Count("pk", filter=Q(status=UnitStatus.STARTED)), done=Count("pk", filter=Q(status=UnitStatus.DONE)),
    )  # fmt: skip
    towns: dict[str, Counter] = defaultdict(Counter)
    villages: dict[str, Counter] = defaultdict(Counter)
    checkers: dict[int | None, Counter] = defaultdict(Counter)
    for region_code, checker, status, n in units.values_list("region_code", "checker_id", "status").annotate(
        n=Count("pk")
    ):
        counters = [towns[region_code[:9] + "000"], checkers[checker]]
        if town and region_code.startswith(town[:9]):
            counters.append(villages[region_code])
        for counter in counters:
            counter["all"] += n
            counter[status] += n
            if checker is not None:
                counter["assigned"] += n
    names = dict(Region.objects.filter(code__in=[*towns, *villages]).values_list("code", "name"))
    people = {user.pk: user for user in get_user_model().objects.filter(pk__in=[pk for pk in checkers if pk])}
    by_town = [
        {"code": code, "name": names.get(code, code), **_counts(counter)} for code, counter in sorted(towns.items())
    ]
    by_checker = [
        {
            "pk": pk,
            "name": (people[pk].get_full_name() or people[pk].username) if pk else _("not assigned"),
            **_counts(counter),
        }
        for pk, counter in sorted(checkers.items(), key=lambda item: (item[0] is None, str(item[0])))
    ]
    by_village = [
        {"code": code, "name": names.get(code, code), **_counts(counter)} for code, counter in sorted(villages.items())
    ]
    return {"total": total, "towns": by_town, "checkers": by_checker, "villages": by_village,
            "town": next((row for row in by_town if row["code"] == town), None)}  # fmt: skip


def _counts(counter: Counter) -> dict:
    return {
        "all": counter["all"],
        "assigned": counter["assigned"],
        "started": counter[UnitStatus.STARTED],
        "done": counter[UnitStatus.DONE],
        "pending": counter["all"] - counter[UnitStatus.DONE],
    }


# --- comparison between levels -------------------------------------------------------------------------------------


def comparison(campaign: Campaign) -> dict | None:
    """What the campaign re-checked found against what this one found, for the households both verified: per item
    (agreed, missed below = consistent there but inconsistent here, …) and per checker of the lower level."""
    parent = campaign.parent
    if parent is None:
        return None
    here = _observations(campaign)
    there = _observations(parent)
    done_here = campaign.units.filter(status=UnitStatus.DONE).values("household_id")
    checker_of = {
        household: f"{first}{last}".strip() or username
        for household, first, last, username in parent.units.filter(
            checker__isnull=False, household_id__in=done_here
        ).values_list("household_id", "checker__first_name", "checker__last_name", "checker__username")
    }
    per_item: dict[str, Counter] = defaultdict(Counter)
    per_checker: dict[str, Counter] = defaultdict(Counter)
    for household, items in here.items():
        if household not in there:
            continue
        for item, result in items.items():
            before = there[household].get(item)
            if before is None or result == Result.UNVERIFIABLE or before == Result.UNVERIFIABLE:
                continue
            key = "agreed" if before == result else ("missed" if before == Result.CONSISTENT else "overturned")
            per_item[item][key] += 1
            per_item[item]["both"] += 1
            name = checker_of.get(household) or _("not assigned")
            per_checker[name][key] += 1
            per_checker[name]["both"] += 1
    return {
        "parent": parent,
        "items": [{"item": item, "label": item_label(item), **per_item[item]} for item in campaign.items],
        "checkers": [{"name": name, **counts} for name, counts in sorted(per_checker.items())],
    }


def _observations(campaign: Campaign) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Observation.objects.filter(unit__campaign=campaign, unit__status=UnitStatus.DONE,
                                      unit__household__isnull=False)  # fmt: skip
    for household, item, result in rows.values_list("unit__household_id", "item", "result"):
        found[household][item] = result
    return found


def unit_rows(campaign: Campaign):
    """The sample, unit by unit, for the .xlsx export."""
    return SampleUnit.objects.filter(campaign=campaign).select_related("household", "outside", "checker")
