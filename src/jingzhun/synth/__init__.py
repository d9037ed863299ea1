"""A realistic synthetic county with planted defects and their ground truth (``jingzhun synth``).

>>> county = generate(Options(households=50, seed=1))
>>> len(county.households), county.regions[2].name
(50, '汉源县')

The same options give the same county, byte for byte once written. See docs/synth.md for what is generated and
docs/defects.md for the planted defects and the exact rule semantics the ground truth follows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from jingzhun.synth.defects import Planter, finalize
from jingzhun.synth.generate import Generator, build_regions
from jingzhun.synth.people import PersonMaker
from jingzhun.synth.places import DEFAULT_COUNTY
from jingzhun.synth.records import Household, Person, Region
from jingzhun.synth.standard import HOUSEHOLD_RULES, RULE_IDS, Standard
from jingzhun.synth.truth import Finding, evaluate

DEFAULT_RATE = 0.02
DEFAULT_YEAR = 2025


@dataclass(frozen=True)
class Options:
    """What to generate. ``rates`` overrides ``defect_rate`` for single rules (rule id → share, 0–1)."""

    households: int = 1000
    seed: int = 0
    county: str = DEFAULT_COUNTY
    year: int = DEFAULT_YEAR
    defect_rate: float = DEFAULT_RATE
    rates: dict[str, float] = field(default_factory=dict)
    standard: Standard | None = None  # default: the national default for ``year``
    # Births are never later than this: default the reference date, or today if that is earlier (an ID number
    # dated in the future is invalid). Only a reference date in the future makes the output depend on the day.
    latest_birth: dt.date | None = None

    def rate_of(self, rule: str) -> float:
        return self.rates.get(rule, self.defect_rate)


@dataclass
class County:
    """The generated county: its hierarchy, its households, what was planted and the truth."""

    options: Options
    standard: Standard
    regions: list[Region]
    households: list[Household]
    planted: dict[str, int]
    truth: list[Finding]

    @property
    def villages(self) -> list[Region]:
        return [region for region in self.regions if region.level == "village"]

    @property
    def person_count(self) -> int:
        return sum(len(household.members) for household in self.households)

    def truth_counts(self) -> Counter:
        return Counter(rule for rule, _, _ in self.truth)


def check_options(options: Options) -> None:
    """Raise ValueError for an unknown rule id, a rate outside 0–1 or a negative household count."""
    unknown = sorted(set(options.rates) - set(RULE_IDS))
    if unknown:
        raise ValueError(f"unknown rule id {', '.join(unknown)}; known: {', '.join(RULE_IDS)}")
    for rule, rate in [("--defect-rate", options.defect_rate), *sorted(options.rates.items())]:
        if not 0 <= rate <= 1:
            raise ValueError(f"rate {rate} for {rule} is outside 0–1")
    if options.households < 0:
        raise ValueError("the number of households cannot be negative")


def generate(options: Options, progress=None) -> County:
    """Generate the county: clean households, then planted defects, then the truth.

    ``progress`` (optional) is called with a short description of each step.
    """
    check_options(options)
    step = progress or (lambda description: None)
    standard = options.standard or Standard.default(options.year)
    latest_birth = options.latest_birth or min(standard.reference_date, dt.date.today())
    rng = random.Random(options.seed)
    county_code = options.county
    regions, villages = build_regions(rng, county_code)
    step("households")
    generator = Generator(rng, county_code, standard, latest_birth)
    households = generator.households(villages, regions, options.households)
    step("defects")
    # A separate stream: the clean households do not change with the defect rates.
    defect_rng = random.Random(f"{options.seed}:defects")
    people = PersonMaker(defect_rng, county_code, standard.reference_date, latest_birth)
    people.used_ids = generator.people.used_ids
    town_of = {region.code: region.parent for region in villages}
    planter = Planter(defect_rng, households, people, standard, town_of)
    planted = planter.run({rule: options.rate_of(rule) for rule in RULE_IDS})
    finalize(households)
    step("truth")
    truth = evaluate(households, standard, frozenset(region.code for region in villages))
    missing = _planted_not_found(households, planted, truth)
    if missing:
        raise RuntimeError(f"planted defects that do not fire (a generator bug): {missing[:5]}")
    return County(options, standard, regions, households, {rule: len(planted[rule]) for rule in RULE_IDS}, truth)


def _planted_not_found(households, planted, truth) -> list[Finding]:
    """Return planted units whose own rule does not fire (a bug in the planter; never expected)."""
    found = set(truth)
    households_found = {(rule, number) for rule, number, _ in truth}
    missing = []
    for rule, units in planted.items():
        for index, member in units:
            household = households[index]
            key = (rule, household.number, "" if rule in HOUSEHOLD_RULES else household.members[member].id_number)
            if rule in ("DQ-004", "DQ-005", "DQ-006", "DQ-007", "DQ-008"):
                # Household-unit kinds whose finding names the person changed: match the household only.
                if (rule, household.number) not in households_found:
                    missing.append(key)
            elif key not in found:
                missing.append(key)
    return missing


__all__ = ["DEFAULT_RATE", "RULE_IDS", "County", "Household", "Options", "Person", "Region", "Standard", "generate"]
