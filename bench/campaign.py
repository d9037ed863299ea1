"""Coverage of the campaign intervals: do the 95 % intervals cover the synthetic county's true rates 95 % of the time?

The synthetic county's planted defects and their ground truth (``county.truth``) give the true rates, in memory,
without a database:

- **discrepancy rate**: households with at least one finding ÷ households (frame: every household);
- **wrong-exit rate (错退率)**: persons in exited households (脱贫户) whose household has a finding of a rule that
  means income or 两不愁三保障 not met ÷ persons in exited households (frame: exited households; a ratio, y and x
  in persons per household);
- **income wrong-exit rate**: the same with INC-001 (income below the poverty line) only: a rare rate, near the
  2 % threshold of the assessments, where intervals are hardest.

For each rate and design (SRS, stratified by town with proportional and Neyman allocation, systematic over the
frame ordered by village, two-stage PPS villages → households), R repeated draws with the seeds 0..R−1, each
estimated with the design-based estimator (``estimation.estimate_sample``, Clopper–Pearson on the effective
sample size): coverage of the true rate by the 95 % interval, mean estimate, mean interval width, mean design
effect, and the time per draw + estimate, with the SRS draw + estimate as the baseline of the same run.

    .venv/bin/python bench/campaign.py            # 20,000 households, 400 per sample, R = 1000 (a few minutes)
    .venv/bin/python bench/campaign.py --small    # 5,000 households, R = 200, for CI (well under a minute)
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from jingzhun.campaigns.estimation import estimate_sample
from jingzhun.campaigns.sampling import Design, Frame, draw
from jingzhun.synth import Options, generate

SEED = 2026
EXITED = "脱贫户"
# Rules whose finding on an exited household means it does not stably meet the exit standard (错退, domain-facts
# §4): income below the poverty line, food or clothing insecure (两不愁), unsafe housing, drinking water, a child
# out of compulsory school or a member without medical insurance (三保障). Data-quality rules (DQ-*, INC-004/005)
# and monitoring bookkeeping (MON-*) are not wrong exits.
WRONG_EXIT_RULES = frozenset(
    {"INC-001", "FOO-001", "FOO-002", "HOU-001", "WAT-001", "WAT-002", "WAT-003", "WAT-004", "EDU-001", "MED-001"}
)
INCOME_RULES = frozenset({"INC-001"})


@dataclass
class Population:
    """One rate's frame with y and x per frame unit (households in village order) and the true rate."""

    name: str
    frame: Frame
    y: dict[int, float]
    x: dict[int, float]

    @property
    def true_rate(self) -> float:
        return sum(self.y.values()) / sum(self.x.values())

    def town_rates(self) -> dict[str, float]:
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for unit, town in zip(self.frame.ids, self.frame.strata or [], strict=True):
            totals[town][0] += self.y[unit]
            totals[town][1] += self.x[unit]
        return {town: y / x for town, (y, x) in totals.items()}


def populations(households: int) -> list[Population]:
    """Build the three rates' frames and unit values from a synthetic county's ground truth."""
    county = generate(Options(households=households, seed=SEED))
    town_of = {village.code: village.parent for village in county.villages}
    rules_of: dict[str, set[str]] = defaultdict(set)
    for rule, number, _ in county.truth:
        rules_of[number].add(rule)
    ordered = sorted(county.households, key=lambda household: (household.village_code, household.number))

    def frame_of(units) -> Frame:
        return Frame(
            ids=[index for index, _ in units],
            strata=[town_of[household.village_code] for _, household in units],
            clusters=[household.village_code for _, household in units],
        )

    everyone = list(enumerate(ordered, start=1))
    exited = [(index, household) for index, household in everyone if household.household_type == EXITED]
    persons = {index: float(sum(p.status == "正常" for p in household.members)) for index, household in exited}
    result = [
        Population(
            "discrepancy (households)",
            frame_of(everyone),
            {index: float(bool(rules_of[h.number])) for index, h in everyone},
            {index: 1.0 for index, _ in everyone},
        )
    ]
    for name, rules in (("wrong exit (persons)", WRONG_EXIT_RULES), ("income wrong exit (persons)", INCOME_RULES)):
        y = {index: persons[index] * bool(rules_of[h.number] & rules) for index, h in exited}
        result.append(Population(name, frame_of(exited), y, dict(persons)))
    return result


def designs(population: Population, n: int, clusters: int) -> list[tuple[str, Design]]:
    # Neyman allocation with the true town rates as the anticipated ones (as if from last year's campaign).
    return [
        ("srs", Design("srs", n=n)),
        ("stratified proportional", Design("stratified", n=n)),
        ("stratified Neyman", Design("stratified", n=n, allocation="neyman", anticipated=population.town_rates())),
        ("systematic", Design("systematic", n=n)),
        ("pps villages → households", Design("pps", n=n, clusters=clusters, per_cluster=math.ceil(n / clusters))),
    ]


def measure(population: Population, design: Design, replicates: int) -> dict:
    """Draw and estimate ``replicates`` times (seeds 0..R−1); return coverage and the other figures."""
    truth = population.true_rate
    covered = 0
    rates, widths, deffs, sizes = [], [], [], []
    selection = draw(population.frame, design, replicates)  # warm-up (imports, caches), not timed
    estimate_sample(selection, [population.y[u] for u in selection.ids], [population.x[u] for u in selection.ids])
    started = time.perf_counter()
    for seed in range(replicates):
        selection = draw(population.frame, design, seed)
        y = [population.y[unit] for unit in selection.ids]
        x = [population.x[unit] for unit in selection.ids]
        estimate = estimate_sample(selection, y, x)
        sizes.append(len(selection.ids))
        if estimate.rate is None:
            continue
        rates.append(estimate.rate)
        widths.append(estimate.high - estimate.low)
        covered += estimate.low <= truth <= estimate.high
        if estimate.deff is not None:
            deffs.append(estimate.deff)
    seconds = (time.perf_counter() - started) / replicates
    return {
        "n": sum(sizes) / len(sizes),
        "true": truth,
        "mean": sum(rates) / len(rates),
        "coverage": covered / replicates,
        "width": sum(widths) / len(widths),
        "deff": sum(deffs) / len(deffs) if deffs else math.nan,
        "ms": seconds * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="5,000 households and R = 200 (for CI)")
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--n", type=int, default=400, help="households per sample")
    parser.add_argument("--clusters", type=int, default=25, help="villages drawn by the PPS design")
    parser.add_argument("--replicates", "-R", type=int, default=1000)
    args = parser.parse_args()
    if args.small:
        args.households, args.replicates, args.n, args.clusters = 5_000, 200, 300, 20
    console = Console(width=180)
    started = time.perf_counter()
    pops = populations(args.households)
    console.print(
        f"synthetic county: {args.households:,} households (seed {SEED}), built in {time.perf_counter() - started:.1f}"
        " s;"
        f" {args.n} households per sample, R = {args.replicates} draws per design, 95 % intervals (Clopper–Pearson"
        " on the effective sample size)"
    )
    table = Table(title="coverage of the 95 % intervals")
    for column in ("rate", "design", "n", "R", "true rate", "mean estimate", "coverage", "±MC", "mean CI width",
                   "mean deff", "ms/draw", "× srs"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("rate", "design") else "right")
    low_coverage = Counter()
    for population in pops:
        baseline = None
        for label, design in designs(population, args.n, args.clusters):
            result = measure(population, design, args.replicates)
            baseline = baseline or result["ms"]
            error = math.sqrt(0.95 * 0.05 / args.replicates)
            if result["coverage"] < 0.95 - 3 * error:
                low_coverage[population.name] += 1
            table.add_row(
                population.name,
                label,
                f"{result['n']:.0f}",
                f"{args.replicates}",
                f"{result['true']:.2%}",
                f"{result['mean']:.2%}",
                f"{result['coverage']:.1%}",
                f"{error:.1%}",
                f"{result['width']:.2%}",
                f"{result['deff']:.2f}",
                f"{result['ms']:.2f}",
                f"{result['ms'] / baseline:.2f}",
            )
        table.add_section()
    console.print(table)
    console.print(
        "±MC: one Monte Carlo standard error of the coverage (√(0.95·0.05/R)); × srs: time per draw + estimate over"
        f" the SRS draw + estimate of the same rate. Total {time.perf_counter() - started:.0f} s."
    )
    if low_coverage:
        console.print(f"[bold]below 95 % by more than 3 MC errors:[/] {dict(low_coverage)}")


if __name__ == "__main__":
    main()
