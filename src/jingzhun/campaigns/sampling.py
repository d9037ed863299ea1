"""Sampling for verification campaigns (抽样): sample sizes, allocation and reproducible draws.

Pure Python and numpy, no Django: the campaigns app builds a :class:`Frame` from the registry, picks a
:class:`Design`, shows :func:`sample_size` before drawing, and stores the :class:`Selection` with the seed, the
design (``Design.as_dict()``) and :func:`frame_hash`, so that anyone can re-draw the same sample.

>>> frame = Frame(ids=list(range(1, 101)), strata=["A"] * 60 + ["B"] * 40)
>>> selection = draw(frame, Design("stratified", n=10), seed=7)
>>> len(selection.ids), selection.details["allocation"]
(10, {'A': 6, 'B': 4})
>>> selection == draw(frame, Design("stratified", n=10), seed=7)
True

docs/sampling.md describes each design, its inclusion probabilities and what is stored for an audit.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.random import PCG64, Generator

KINDS = ("srs", "stratified", "systematic", "pps")
ALLOCATIONS = ("proportional", "neyman")


@dataclass(frozen=True)
class Frame:
    """The ordered sampling frame: household ids in frame order, with their stratum and cluster codes.

    ``sizes`` is the measure of size of each cluster for PPS (default: the number of frame units in it).
    The frame order matters for systematic sampling (order by village, then household number, for an implicit
    stratification) and for systematic PPS.
    """

    ids: Sequence[int]
    strata: Sequence[str] | None = None
    clusters: Sequence[str] | None = None
    sizes: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        count = len(self.ids)
        if len(set(self.ids)) != count:
            raise ValueError("the frame lists a household id twice")
        for name in ("strata", "clusters"):
            values = getattr(self, name)
            if values is not None and len(values) != count:
                raise ValueError(f"the frame has {count} ids but {len(values)} {name}")
        if self.sizes is not None:
            if self.clusters is None:
                raise ValueError("cluster sizes need the clusters of the frame units")
            missing = sorted(set(self.clusters) - set(self.sizes))
            if missing:
                raise ValueError(f"no size for cluster {', '.join(map(str, missing[:5]))}")
            if any(size <= 0 for size in self.sizes.values()):
                raise ValueError("cluster sizes must be positive")


@dataclass(frozen=True)
class Design:
    """How to draw: the kind of design, the sample size and the design's parameters (stored with the draw).

    - ``srs``: ``n`` households by simple random sampling without replacement.
    - ``stratified``: ``n`` households allocated to the strata (``allocation`` proportional or Neyman, the latter
      with the ``anticipated`` proportion per stratum, S_h = √(p(1−p))), then SRS in each stratum.
    - ``systematic``: ``n`` households at a fixed (fractional) interval N/n from a random start, in frame order.
    - ``pps``: ``clusters`` clusters with probability proportional to size (randomized systematic PPS: the clusters
      in a random order, then systematic on the cumulated sizes; π_i = m·M_i/ΣM), then ``per_cluster`` households
      by SRS in each chosen cluster (all of them if fewer). ``n`` is informational (clusters × per_cluster).
    """

    kind: str
    n: int
    allocation: str = "proportional"
    anticipated: Mapping[str, float] | None = None
    clusters: int = 0
    per_cluster: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown design {self.kind!r}; known: {', '.join(KINDS)}")
        if self.allocation not in ALLOCATIONS:
            raise ValueError(f"unknown allocation {self.allocation!r}; known: {', '.join(ALLOCATIONS)}")
        if self.n < 0:
            raise ValueError("the sample size cannot be negative")
        if self.kind == "pps" and (self.clusters <= 0 or self.per_cluster <= 0):
            raise ValueError("a PPS design needs a positive number of clusters and of households per cluster")
        for stratum, p in (self.anticipated or {}).items():
            if not 0 <= p <= 1:
                raise ValueError(f"anticipated proportion {p} for {stratum} is outside 0–1")

    def as_dict(self) -> dict[str, Any]:
        """Return the design as JSON-safe data (``Design.from_dict`` reads it back)."""
        return {
            "kind": self.kind,
            "n": self.n,
            "allocation": self.allocation,
            "anticipated": None
            if self.anticipated is None
            else {str(k): float(v) for k, v in self.anticipated.items()},
            "clusters": self.clusters,
            "per_cluster": self.per_cluster,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Design:
        anticipated = data.get("anticipated")
        return cls(
            kind=data["kind"],
            n=int(data["n"]),
            allocation=data.get("allocation", "proportional"),
            anticipated=None if anticipated is None else dict(anticipated),
            clusters=int(data.get("clusters", 0)),
            per_cluster=int(data.get("per_cluster", 0)),
        )


@dataclass(frozen=True)
class SampleSize:
    """The sample size for estimating a proportion, with each step of the computation (shown before drawing)."""

    p: float
    margin: float
    confidence: float
    population: int | None
    deff: float
    z: float
    n0: float  # z²p(1−p)/e², infinite population, simple random sampling
    n_deff: float  # n0 × deff
    n: int  # after the finite population correction, rounded up
    formula: str


def z_value(confidence: float) -> float:
    """Return the two-sided normal quantile for ``confidence`` (1.959964 for 0.95)."""
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence} is outside (0, 1)")
    return float(norm.ppf(1 - (1 - confidence) / 2))


def sample_size(
    *, margin: float, population: int | None, confidence: float = 0.95, p: float = 0.5, deff: float = 1.0
) -> SampleSize:
    """Return the sample size to estimate a proportion within ±``margin`` at ``confidence`` (Cochran 1977, §4.4).

    n0 = z²p(1−p)/e² (statsmodels' ``samplesize_confint_proportion``), n′ = n0 × deff, and with a finite
    population N the correction n = n′ / (1 + (n′ − 1)/N); only the final n is rounded up, never more than N.
    p = 0.5 is the conservative default (the largest p(1−p)).

    >>> sample_size(margin=0.05, population=1679).n  # Bartlett, Kotrlik & Higgins (2001): 313
    313
    """
    from statsmodels.stats.proportion import samplesize_confint_proportion

    if not margin > 0 or margin >= 1:
        raise ValueError(f"the margin of error must be in (0, 1), not {margin}")
    if not 0 < p < 1:
        raise ValueError(f"the anticipated proportion must be in (0, 1), not {p}")
    if not deff > 0:
        raise ValueError(f"the design effect must be positive, not {deff}")
    if population is not None and population < 1:
        raise ValueError("the population must have at least one unit")
    z = z_value(confidence)
    n0 = float(samplesize_confint_proportion(p, margin, alpha=1 - confidence))
    n_deff = n0 * deff
    formula = (
        f"n0 = z²·p·(1−p)/e² = {z:.4f}² × {p:g} × {1 - p:g} / {margin:g}² = {n0:.2f}; "
        f"n′ = n0 × deff = {n0:.2f} × {deff:g} = {n_deff:.2f}"
    )
    if population is None:
        exact = n_deff
        formula += f"; n = ⌈{n_deff:.2f}⌉"
    else:
        exact = n_deff / (1 + (n_deff - 1) / population)
        formula += f"; n = n′/(1 + (n′ − 1)/N) = {n_deff:.2f}/(1 + {n_deff - 1:.2f}/{population}) = {exact:.2f}"
    # A tolerance so that an exact integer (up to floating error) is not rounded up to the next one.
    n = max(1, math.ceil(exact - 1e-9))
    if population is not None:
        n = min(n, population)
    formula += f" → n = {n}"
    return SampleSize(p, margin, confidence, population, deff, z, n0, n_deff, n, formula)


def allocate(
    stratum_sizes: Mapping[str, int],
    n: int,
    method: str = "proportional",
    anticipated: Mapping[str, float] | None = None,
) -> dict[str, int]:
    """Split ``n`` over the strata: n_h ∝ N_h (proportional) or ∝ N_h·S_h with S_h = √(p_h(1−p_h)) (Neyman).

    Rounded by largest remainder so that the parts sum to ``n`` exactly (when n ≤ ΣN_h; otherwise every stratum
    is taken whole); each stratum gets at least 2 (or all its units if fewer) when n allows it, so that its variance
    can be estimated, and never more than N_h. A stratum without an anticipated proportion gets p = 0.5; if every
    S_h is 0, Neyman falls back to proportional. Ties go to the stratum that sorts first.

    >>> allocate({"A": 600, "B": 300, "C": 100}, 50)
    {'A': 30, 'B': 15, 'C': 5}
    """
    if method not in ALLOCATIONS:
        raise ValueError(f"unknown allocation {method!r}; known: {', '.join(ALLOCATIONS)}")
    if n < 0:
        raise ValueError("the sample size cannot be negative")
    if any(size < 0 for size in stratum_sizes.values()):
        raise ValueError("stratum sizes cannot be negative")
    strata = sorted(stratum_sizes)
    sizes = {h: int(stratum_sizes[h]) for h in strata}
    if n >= sum(sizes.values()):
        return dict(sizes)
    if method == "neyman":
        anticipated = anticipated or {}
        weight = {h: sizes[h] * math.sqrt(_pq(anticipated.get(h, 0.5))) for h in strata}
        if not any(weight.values()):
            weight = {h: float(sizes[h]) for h in strata}
    else:
        weight = {h: float(sizes[h]) for h in strata}
    floor = 0
    for candidate in (2, 1):
        if sum(min(candidate, sizes[h]) for h in strata) <= n:
            floor = candidate
            break
    low = {h: min(floor, sizes[h]) for h in strata}
    fixed: dict[str, int] = {}
    while True:
        free = [h for h in strata if h not in fixed]
        left = n - sum(fixed.values())
        basis = weight if any(weight[h] for h in free) else sizes  # no spread left: proportional to N_h
        total = sum(basis[h] for h in free)
        share = {h: (left * basis[h] / total if total > 0 else 0.0) for h in free}
        # Strata below their floor first, then those over their size: fixing a floor takes units from the others
        # (it can push a share under its floor, never over its size), capping gives units back (it can push a
        # share over its size, never under its floor), so the fixed parts never add up to more than n. (Capping
        # first could: a stratum capped at N_h while another still lacked its floor of 2.)
        under = [h for h in free if share[h] < low[h]]
        if under:
            fixed.update({h: low[h] for h in under})
            continue
        over = [h for h in free if share[h] > sizes[h]]
        if over:
            fixed.update({h: sizes[h] for h in over})
            continue
        break
    result = dict(fixed)
    result.update({h: math.floor(share[h]) for h in free})
    remainder = n - sum(result.values())
    order = sorted(free, key=lambda h: (-(share[h] - math.floor(share[h])), strata.index(h)))
    # Then, should the bounds leave units over (never expected), to the strata with room, largest first.
    order += sorted((h for h in strata if h in fixed), key=lambda h: (-sizes[h], strata.index(h)))
    while remainder > 0:
        for h in order:
            if remainder > 0 and result[h] < sizes[h]:
                result[h] += 1
                remainder -= 1
    return {h: result[h] for h in strata}


def _pq(p: float) -> float:
    if not 0 <= p <= 1:
        raise ValueError(f"anticipated proportion {p} is outside 0–1")
    return p * (1 - p)


@dataclass(frozen=True)
class Selection:
    """A drawn sample: the selected ids in frame order, their inclusion probability π and design weight 1/π.

    ``details`` is JSON-safe and records how the draw went (N, per-stratum N_h and n_h, the systematic interval and
    start, the chosen clusters with their sizes and first-stage probabilities), for the audit record.
    """

    ids: list[int]
    strata: list[str | None]
    clusters: list[str | None]
    probabilities: list[float]
    weights: list[float]
    details: dict = field(default_factory=dict)


def draw(frame: Frame, design: Design, seed: int) -> Selection:
    """Draw a sample from ``frame`` under ``design``; the same (frame, design, seed) always gives the same sample.

    The random numbers come from numpy's ``Generator(PCG64(seed))``, used in a fixed order (strata and clusters
    in sorted or frame order), so a stored seed re-draws the stored sample on any machine.
    """
    rng = Generator(PCG64(seed))
    population = len(frame.ids)
    if design.kind == "pps":
        return _draw_pps(frame, design, rng, seed)
    if design.n > population:
        raise ValueError(f"the sample size {design.n} is larger than the frame ({population} households)")
    details: dict[str, Any] = {"kind": design.kind, "seed": seed, "N": population, "n": design.n}
    if design.kind == "srs":
        chosen = _srs(rng, population, design.n)
        probability = {None: design.n / population if population else 0.0}
        stratum_of = [None] * population
    elif design.kind == "systematic":
        chosen, interval, start = _systematic(rng, population, design.n)
        details.update({"interval": interval, "start": start})
        probability = {None: design.n / population if population else 0.0}
        stratum_of = [None] * population
    else:  # stratified
        if frame.strata is None:
            raise ValueError("a stratified design needs the stratum of every frame unit")
        members: dict[str, list[int]] = {}
        for index, stratum in enumerate(frame.strata):
            members.setdefault(stratum, []).append(index)
        sizes = {h: len(units) for h, units in members.items()}
        allocation = allocate(sizes, design.n, design.allocation, design.anticipated)
        picked: list[int] = []
        for h in sorted(members):
            picked.extend(members[h][i] for i in _srs(rng, sizes[h], allocation[h]))
        chosen = sorted(picked)
        probability = {h: allocation[h] / sizes[h] for h in members}
        stratum_of = list(frame.strata)
        details.update(
            {
                "allocation_method": design.allocation,
                "allocation": allocation,
                "strata": {h: {"N": sizes[h], "n": allocation[h]} for h in sorted(members)},
            }
        )
        if design.allocation == "neyman":
            details["anticipated"] = {h: (design.anticipated or {}).get(h, 0.5) for h in sorted(members)}
    strata = [frame.strata[i] if frame.strata is not None else None for i in chosen]
    probabilities = [probability[stratum_of[i]] for i in chosen]
    return Selection(
        ids=[frame.ids[i] for i in chosen],
        strata=strata,
        clusters=[frame.clusters[i] if frame.clusters is not None else None for i in chosen],
        probabilities=probabilities,
        weights=[1 / p for p in probabilities],
        details=details,
    )


def draw_outside(ids: Sequence[int], n: int, seed: int) -> Selection:
    """Draw ``n`` households by SRS from an outside (non-registered) list, for the omission rate (漏评率)."""
    if len(set(ids)) != len(ids):
        raise ValueError("the outside list names a household twice")
    if n > len(ids):
        raise ValueError(f"the sample size {n} is larger than the outside list ({len(ids)} households)")
    chosen = _srs(Generator(PCG64(seed)), len(ids), n)
    probability = n / len(ids) if ids else 0.0
    return Selection(
        ids=[ids[i] for i in chosen],
        strata=[None] * len(chosen),
        clusters=[None] * len(chosen),
        probabilities=[probability] * len(chosen),
        weights=[1 / probability] * len(chosen),
        details={"kind": "outside", "seed": seed, "N": len(ids), "n": n},
    )


def frame_hash(frame: Frame) -> str:
    """Return the sha256 (hex) of the frame's canonical content: ids, strata, clusters and sizes, in frame order."""
    content = {
        "ids": [int(i) for i in frame.ids],
        "strata": None if frame.strata is None else [str(s) for s in frame.strata],
        "clusters": None if frame.clusters is None else [str(c) for c in frame.clusters],
        "sizes": None if frame.sizes is None else sorted([str(k), int(v)] for k, v in frame.sizes.items()),
    }
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _srs(rng: Generator, population: int, n: int) -> list[int]:
    """Return ``n`` distinct positions out of ``population``, sorted (without replacement)."""
    if n <= 0:
        return []
    if n >= population:
        return list(range(population))
    return sorted(int(i) for i in rng.choice(population, size=n, replace=False))


def _systematic(rng: Generator, population: int, n: int) -> tuple[list[int], float, float]:
    """Return the positions at start + j·k for j < n with k = N/n and start uniform in [0, k).

    The interval is fractional so that exactly n units are drawn and each has probability n/N.
    """
    if n <= 0:
        return [], 0.0, 0.0
    interval = population / n
    start = float(rng.uniform(0, interval))
    positions = [min(population - 1, math.floor(start + j * interval)) for j in range(n)]
    return positions, interval, start


def _draw_pps(frame: Frame, design: Design, rng: Generator, seed: int) -> Selection:
    """Two stages: clusters by randomized systematic PPS (certainty clusters first), then SRS inside each."""
    if frame.clusters is None:
        raise ValueError("a PPS design needs the cluster of every frame unit")
    members: dict[str, list[int]] = {}
    for index, cluster in enumerate(frame.clusters):
        members.setdefault(cluster, []).append(index)
    order = list(members)  # clusters in frame order (first appearance)
    sizes = {c: int(frame.sizes[c]) if frame.sizes is not None else len(members[c]) for c in order}
    wanted = design.clusters
    if wanted > len(order):
        raise ValueError(f"{wanted} clusters wanted but the frame has {len(order)}")
    first_stage, certain = pps_probabilities(sizes, wanted)
    rest = [c for c in order if c not in certain]
    # Randomized systematic PPS (Goodman & Kish 1950; Hartley & Rao 1962): the clusters in a random order, then
    # systematic PPS. Same π_i as in frame order, but its variance is close to that of PPS with replacement, which
    # is what the estimator assumes; over the fixed frame order it can be far larger (bench/campaign.py found 87 %
    # coverage for a village-clustered rate), and no estimator can tell.
    shuffled = [rest[i] for i in rng.permutation(len(rest))] if rest else []
    chosen_rest, interval, start = _systematic_pps(rng, shuffled, sizes, wanted - len(certain))
    chosen_clusters = [c for c in order if c in certain or c in chosen_rest]
    picked: list[int] = []
    within: dict[str, float] = {}
    for cluster in chosen_clusters:
        units = members[cluster]
        take = min(design.per_cluster, len(units))
        picked.extend(units[i] for i in _srs(rng, len(units), take))
        within[cluster] = take / len(units)
    chosen = sorted(picked)
    probabilities = [first_stage[frame.clusters[i]] * within[frame.clusters[i]] for i in chosen]
    details = {
        "kind": "pps",
        "seed": seed,
        "N": len(frame.ids),
        "n": len(chosen),
        "method": "randomized systematic PPS (clusters in a random order), certainty clusters taken first",
        "clusters_wanted": wanted,
        "per_cluster": design.per_cluster,
        "total_size": sum(sizes.values()),
        "interval": interval,
        "start": start,
        "certainty": sorted(certain),
        "order": shuffled,
        "chosen": [
            {
                "cluster": c,
                "size": sizes[c],
                "units": len(members[c]),
                "probability": first_stage[c],
                "sampled": round(within[c] * len(members[c])),
            }
            for c in chosen_clusters
        ],
    }
    return Selection(
        ids=[frame.ids[i] for i in chosen],
        strata=[frame.strata[i] if frame.strata is not None else None for i in chosen],
        clusters=[frame.clusters[i] for i in chosen],
        probabilities=probabilities,
        weights=[1 / p for p in probabilities],
        details=details,
    )


def pps_probabilities(sizes: Mapping[str, int], m: int) -> tuple[dict[str, float], set[str]]:
    """Return the first-stage inclusion probabilities π_i = m·M_i/ΣM of drawing ``m`` clusters, and the certainty set.

    A cluster whose m·M_i/ΣM reaches 1 is taken with certainty (π = 1) and the rest are recomputed without it,
    until no probability exceeds 1.
    """
    certain: set[str] = set()
    while True:
        rest = [c for c in sizes if c not in certain]
        left = m - len(certain)
        total = sum(sizes[c] for c in rest)
        new = {c for c in rest if left > 0 and total > 0 and left * sizes[c] / total >= 1}
        if not new:
            break
        certain |= new
    probabilities = {c: 1.0 for c in certain}
    probabilities.update({c: (left * sizes[c] / total if total > 0 else 0.0) for c in rest})
    return probabilities, certain


def _systematic_pps(
    rng: Generator, order: list[str], sizes: Mapping[str, int], m: int
) -> tuple[set[str], float, float]:
    """Draw ``m`` of the clusters in ``order``: points start + j·k on the cumulated sizes, k = ΣM/m."""
    if m <= 0 or not order:
        return set(), 0.0, 0.0
    cumulated = np.cumsum([sizes[c] for c in order])
    interval = float(cumulated[-1]) / m
    start = float(rng.uniform(0, interval))
    points = start + interval * np.arange(m)
    hits = np.searchsorted(cumulated, points, side="right")
    return {order[min(int(i), len(order) - 1)] for i in hits}, interval, start
