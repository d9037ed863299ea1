"""The demo's verification campaign, generated and worked through the campaign's own functions.

The city re-checks a stratified sample of the county's exited households. Checkers' answers are generated from the
synthetic county's planted ground truth: a household with a finding of an item is found inconsistent on that item,
other items agree (with a small rate of field-only discrepancies and of items that could not be verified), an
exited household with a finding on income or 两不愁三保障 is a wrong exit. An outside list (generated names) feeds
the omission rate. Everything goes through ``service`` (audit log, idempotent saves), nothing is typed in.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

from django.utils import timezone

from jingzhun.campaigns import sampling, service
from jingzhun.campaigns.models import ITEMS, Level, Population, SampleUnit
from jingzhun.registry.models import Household, Region
from jingzhun.standards.rules import load_ruleset
from jingzhun.synth.names import NameMaker

# Findings that make an exited household a wrong exit (income below the line, food or clothing insecure, unsafe
# housing); the members item is found inconsistent where the recorded household size disagrees (DQ-013).
WRONG_EXIT_RULES = frozenset({"INC-001", "FOO-001", "FOO-002", "HOU-001"})
MEMBER_RULES = frozenset({"DQ-013"})
UNVERIFIABLE = ("户主外出务工，家中无人", "相关证明材料不在家中", "系统信息待核对")


def truth_rules(path: Path) -> dict[str, set[str]]:
    """Household number → the rules its planted findings fire."""
    found: dict[str, set[str]] = defaultdict(set)
    if not path.exists():
        return found
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found[row["household_no"]].add(row["rule_id"])
    return found


def items_of(rules: set[str], item_of: dict[str, str]) -> set[str]:
    """The campaign items a household's findings put in question (data-quality rules only for its members)."""
    items = {item_of.get(rule, "") for rule in rules if not rule.startswith("DQ-")}
    return items | ({"members"} if rules & MEMBER_RULES else set())


def build(county_user, checker, truth: Path, *, seed: int = 2026, share_done: float = 0.7) -> int:
    """Create, draw, assign and partly verify the demo campaign; returns its primary key."""
    rng = random.Random(seed)
    county = county_user.region
    campaign = service.create(
        county_user, name=f"{timezone.localdate().year}年市级复查（脱贫户抽样）", region=county, level=Level.RE_CHECK,
        population=Population.EXITED, reference_date=timezone.localdate() - dt.timedelta(days=30), items=list(ITEMS),
        deadline=timezone.localdate() + dt.timedelta(days=14),
    )  # fmt: skip
    villages = list(Region.objects.subtree(county.code).filter(level="village").order_by("code"))
    names = NameMaker(rng)
    outside = [
        {"row": index + 2, "village": villages[index % len(villages)].code,
         "head_name": names.full_name(rng.choice("男女")), "persons": str(rng.randint(1, 6)),
         "reference": f"F{index + 1:04d}"}
        for index in range(min(400, 4 * len(villages)))
    ]  # fmt: skip
    service.add_outside(campaign, county_user, outside)
    rows = service.build_frame(campaign)
    size = sampling.sample_size(margin=0.05, population=len(rows.frame.ids), p=0.5, deff=1.0)
    design = sampling.Design(kind="stratified", n=size.n)
    campaign = service.draw(campaign, county_user, design=design, size=size.__dict__, seed=seed,
                            outside_n=min(60, len(outside)))  # fmt: skip
    service.assign(campaign, county_user, checker=checker, region_code=checker.region_id)
    service.assign(campaign, county_user, checker=county_user, region_code=county.code)
    found = truth_rules(truth)
    item_of = {rule.id: rule.item for rule in load_ruleset().rules}
    numbers = dict(Household.objects.filter(pk__in=campaign.units.values("household_id")).values_list("pk", "number"))
    units = list(SampleUnit.objects.filter(campaign=campaign).select_related("campaign").order_by("id"))
    for unit in units:
        if rng.random() > share_done:
            continue
        rules = found.get(numbers.get(unit.household_id, ""), set())
        items = items_of(rules, item_of)
        answers = {}
        for item in campaign.items:
            roll = rng.random()
            if item in items and roll < 0.85:
                answers[item] = service.Answer("inconsistent", observed="入户核实与系统信息不一致")
            elif roll < 0.01:
                answers[item] = service.Answer("inconsistent", observed="现场情况与系统不符，需更正")
            elif roll < 0.02:
                answers[item] = service.Answer("unverifiable", reason=rng.choice(UNVERIFIABLE))
            else:
                answers[item] = service.Answer("consistent")
        worker = unit.checker or county_user
        service.save_unit(
            unit, worker, answers=answers, token=service.new_token(), version=unit.version, submit=True,
            standard_met=not (rules & WRONG_EXIT_RULES) if unit.exited else None,
            satisfied=rng.random() < 0.95,
            omitted_persons=(rng.randint(1, unit.persons) if rng.random() < 0.03 else 0) if unit.outside_id else None,
        )  # fmt: skip
    return campaign.pk
