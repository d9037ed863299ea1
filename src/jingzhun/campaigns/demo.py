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


def build(users: dict, truth: Path, *, seed: int = 2026, share_done: float = 0.7) -> list[int]:
    """The town's self-check of its exited households (worked by the town's checker, who misses some defects),
    then the city's re-check of a stratified sample of the county's, re-checking the self-check, partly done by
    the city officer. Returns the campaigns' primary keys."""
    rng = random.Random(seed)
    town, checker, city = users["town"], users["checker"], users["city"]
    county = users["county"].region
    today = timezone.localdate()
    found = truth_rules(truth)
    item_of = {rule.id: rule.item for rule in load_ruleset().rules}

    def work(campaign, share: float, detection: float) -> None:
        """Verify a share of the campaign's units; a planted defect is found with probability ``detection``."""
        numbers = dict(
            Household.objects.filter(pk__in=campaign.units.values("household_id")).values_list("pk", "number")
        )
        units = list(SampleUnit.objects.filter(campaign=campaign).select_related("campaign").order_by("id"))
        for unit in units:
            if rng.random() > share or unit.checker is None:
                continue
            rules = found.get(numbers.get(unit.household_id, ""), set())
            items = items_of(rules, item_of)
            answers = {}
            for item in campaign.items:
                roll = rng.random()
                if item in items and roll < detection:
                    answers[item] = service.Answer("inconsistent", observed="入户核实与系统信息不一致")
                elif roll < 0.01:
                    answers[item] = service.Answer("inconsistent", observed="现场情况与系统不符，需更正")
                elif roll < 0.02:
                    answers[item] = service.Answer("unverifiable", reason=rng.choice(UNVERIFIABLE))
                else:
                    answers[item] = service.Answer("consistent")
            wrong_exit = bool(rules & WRONG_EXIT_RULES) and rng.random() < detection
            omitted = (rng.randint(1, unit.persons) if rng.random() < 0.03 else 0) if unit.outside_id else None
            service.save_unit(
                unit, unit.checker, answers=answers, token=service.new_token(), version=unit.version, submit=True,
                standard_met=not wrong_exit if unit.exited else None, satisfied=rng.random() < 0.95,
                omitted_persons=omitted,
            )  # fmt: skip

    self_check = service.create(
        town, name=f"{today.year}年{town.region.name}自查（脱贫户逐户）", region=town.region, level=Level.SELF_CHECK,
        population=Population.EXITED, reference_date=today - dt.timedelta(days=60), items=list(ITEMS),
        deadline=today - dt.timedelta(days=20),
    )  # fmt: skip
    if service.frame_count(self_check):
        self_check = service.draw(self_check, town, design=None, seed=seed)
        service.assign(self_check, town, checker=checker, region_code=town.region_id)
        work(self_check, share=1.0, detection=0.55)

    campaign = service.create(
        city, name=f"{today.year}年市级复查（脱贫户抽样）", region=county, level=Level.RE_CHECK,
        population=Population.EXITED, reference_date=today - dt.timedelta(days=30), items=list(ITEMS),
        deadline=today + dt.timedelta(days=14), parent=self_check,
    )  # fmt: skip
    villages = list(Region.objects.subtree(county.code).filter(level="village").order_by("code"))
    names = NameMaker(rng)
    outside = [
        {"row": index + 2, "village": villages[index % len(villages)].code,
         "head_name": names.full_name(rng.choice("男女")), "persons": str(rng.randint(1, 6)),
         "reference": f"F{index + 1:04d}"}
        for index in range(min(400, 4 * len(villages)))
    ]  # fmt: skip
    service.add_outside(campaign, city, outside)
    frame_size = service.frame_count(campaign)
    size = sampling.sample_size(margin=0.05, population=frame_size, p=0.5, deff=1.0)
    design = sampling.Design(kind="stratified", n=min(size.n, frame_size))
    campaign = service.draw(campaign, city, design=design, size=size.__dict__, seed=seed,
                            outside_n=min(60, len(outside)))  # fmt: skip
    service.assign(campaign, city, checker=city, region_code=county.code)
    work(campaign, share=share_done, detection=0.9)
    return [self_check.pk, campaign.pk]
