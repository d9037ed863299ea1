"""Design-based estimates for verification campaigns: rates with their confidence intervals (抽样推断).

Every rate of a campaign (discrepancy rate, 错退率, 漏评率, 认可度) is a ratio of two totals R = Σw·y / Σw·x over
the sampled units, e.g. y = persons wrongly exited in a household and x = persons in the household, or x ≡ 1 for
a share of households. The standard error is the Taylor linearization of R under the actual design (strata,
clusters, finite population correction); the interval of a proportion is Clopper–Pearson on the effective
sample size (Korn & Graubard 1998), as R's ``svyciprop(method="beta")`` does. Pure Python, numpy and
scipy/statsmodels; no Django.

>>> est = estimate_ratio([0] * 300, [1] * 300)
>>> est.rate, est.low, round(est.high, 4)
(0.0, 0.0, 0.0122)

The app says estimates in plain words, in the user's language, with ``campaigns.results.sentence``.
docs/sampling.md explains the choices (and the svy evaluation) for users and auditors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from jingzhun.campaigns.sampling import Selection

METHODS = ("auto", "beta", "wilson", "wald")


@dataclass(frozen=True)
class Estimate:
    """A rate with its confidence interval. ``rate`` (and the interval) is None when the denominator is zero.

    ``numerator``/``denominator`` are the weighted estimates of the two totals (raw sums when unweighted); ``n`` is
    the number of sampled units used; ``deff`` is the design effect (Kish: the variance under the design over that
    of a simple random sample of the same size); ``df`` the degrees of freedom (PSUs − strata); ``n_eff`` the
    effective sample size the interval of a proportion was computed on.
    """

    rate: float | None
    low: float | None
    high: float | None
    se: float | None
    n: int
    numerator: float
    denominator: float
    confidence: float
    method: str
    deff: float | None
    df: int | None = None
    n_eff: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the estimate as JSON-safe data (plain floats, None for what could not be estimated)."""
        return asdict(self)


def proportion_interval(
    successes: int, trials: int, confidence: float = 0.95, method: str = "wilson"
) -> tuple[float, float]:
    """Return the interval of ``successes``/``trials`` by statsmodels' ``proportion_confint``.

    ``method`` "wilson" (score interval) or "beta" (Clopper–Pearson, exact); other statsmodels methods pass through.

    >>> [round(bound, 4) for bound in proportion_interval(0, 300, method="beta")]
    [0.0, 0.0122]
    """
    from statsmodels.stats.proportion import proportion_confint

    if trials <= 0:
        raise ValueError("an interval needs at least one trial")
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    low, high = proportion_confint(successes, trials, alpha=1 - confidence, method=method)
    return max(0.0, float(low)), min(1.0, float(high))


def estimate_ratio(
    y: Sequence[float],
    x: Sequence[float],
    *,
    weights: Sequence[float] | None = None,
    strata: Sequence[str] | None = None,
    clusters: Sequence[str] | None = None,
    stratum_population: Mapping[str, int] | None = None,
    population: int | None = None,
    cluster_population: int | Mapping[str, int] | None = None,
    confidence: float = 0.95,
    method: str = "auto",
) -> Estimate:
    """Estimate R = Σw·y / Σw·x with a Taylor-linearized standard error and a confidence interval.

    The variance is that of the linearized total Σ w·(y − R·x)/X̂ under a stratified design with PSUs drawn with
    replacement (ultimate clusters): V = Σ_h (1 − f_h)·n_h/(n_h − 1)·Σ_i (u_hi − ū_h)², u_hi the PSU totals.
    Without ``clusters`` every unit is its own PSU; f_h = n_h/N_h from ``stratum_population`` (or n/N from
    ``population`` when unstratified) only for a single-stage design; with clusters f_h = 0, the with-replacement
    approximation that is standard (and slightly conservative) for a PPS first stage, unless
    ``cluster_population`` gives the number of clusters in the population (per stratum, or one number when
    unstratified) of a first stage drawn with equal probability without replacement. A stratum with a single PSU
    is centred on the mean of all PSU totals instead of its own (R's ``survey.lonely.psu = "adjust"``): a
    conservative contribution rather than none.

    Intervals (``method``): "beta" = Clopper–Pearson on the effective sample size n_eff = R(1−R)/se², scaled by
    (t_{n−1}/t_df)² as in Korn & Graubard (1998) and R's ``svyciprop(method="beta")``; when R is 0 or 1 the
    design says nothing about the variance and n_eff = n (Korn–Graubard, NCHS standard), so 0 of 300 gives
    [0, 1.2 %]. "wilson" is the score interval on the same n_eff; "wald" is R ± t_df·se. "auto" is "beta" when
    0 ≤ y ≤ x for every unit (R is a proportion), else "wald".
    """
    if method not in METHODS:
        raise ValueError(f"unknown interval method {method!r}; known: {', '.join(METHODS)}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence} is outside (0, 1)")
    ys = np.asarray(y, dtype=float)
    xs = np.asarray(x, dtype=float)
    n = len(ys)
    if len(xs) != n:
        raise ValueError(f"{n} values of y but {len(xs)} of x")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    for name, values in (("weights", w), ("strata", strata), ("clusters", clusters)):
        if values is not None and len(values) != n:
            raise ValueError(f"{n} units but {len(values)} {name}")
    if n and (w <= 0).any():
        raise ValueError("design weights must be positive")
    proportion = bool(n) and bool(((ys >= 0) & (ys <= xs)).all())
    chosen = ("beta" if proportion else "wald") if method == "auto" else method
    if chosen in ("beta", "wilson") and n and not proportion:
        raise ValueError(f"the {chosen} interval needs 0 ≤ y ≤ x for every unit (a proportion)")
    numerator = float(w @ ys) if n else 0.0
    denominator = float(w @ xs) if n else 0.0
    if n == 0 or denominator == 0:
        return Estimate(None, None, None, None, n, numerator, denominator, confidence, chosen, None)
    rate = numerator / denominator
    residual = ys - rate * xs
    z = w * residual / denominator
    # The finite population correction: units per stratum (or in all) for one stage, else clusters if given.
    single_stage = stratum_population if strata is not None else population
    sizes = single_stage if clusters is None else cluster_population
    variance, df = _linearized_variance(z, strata, clusters, sizes)
    se = None if variance is None else math.sqrt(max(variance, 0.0))
    deff = _design_effect(variance, residual, w, xs, denominator, weights is None, population, stratum_population)
    low, high, n_eff = _interval(rate, se, n, df, confidence, chosen)
    return Estimate(rate, low, high, se, n, numerator, denominator, confidence, chosen, deff, df, n_eff)


def _linearized_variance(z, strata, clusters, sizes) -> tuple[float | None, int]:
    """Return the ultimate-cluster variance of Σz and its df; ``sizes`` (PSUs in the population, one number or per
    stratum) gives the finite population correction, None the with-replacement variance."""
    n = len(z)
    stratum_of = list(strata) if strata is not None else [""] * n
    psu_of = list(clusters) if clusters is not None else list(range(n))
    totals: dict[tuple, float] = {}
    for value, h, psu in zip(z, stratum_of, psu_of, strict=True):
        totals[(h, psu)] = totals.get((h, psu), 0.0) + float(value)
    by_stratum: dict[Any, list[float]] = {}
    for (h, _psu), total in totals.items():
        by_stratum.setdefault(h, []).append(total)
    df = len(totals) - len(by_stratum)
    if len(totals) < 2:
        return None, df
    grand_mean = sum(totals.values()) / len(totals)
    variance = 0.0
    for h, psu_totals in by_stratum.items():
        count = len(psu_totals)
        size = sizes.get(h) if isinstance(sizes, Mapping) else sizes
        fraction = min(1.0, count / size) if size else 0.0
        if count == 1:  # a single PSU: centred on the mean of all PSUs (R's lonely.psu = "adjust")
            variance += (1 - fraction) * (psu_totals[0] - grand_mean) ** 2
            continue
        values = np.asarray(psu_totals)
        variance += (1 - fraction) * count / (count - 1) * float(((values - values.mean()) ** 2).sum())
    return variance, df


def _design_effect(variance, residual, w, xs, denominator, unweighted, population, stratum_population):
    """Return Kish's design effect: the variance over that of an SRS without replacement of the same n units."""
    if variance is None:
        return None
    n = len(residual)
    if stratum_population:
        size = float(sum(stratum_population.values()))
    elif population:
        size = float(population)
    else:
        size = None if unweighted else float(w.sum())
    weight_sum = float(w.sum())
    mean_x = denominator / weight_sum
    spread = float(w @ residual**2) / weight_sum * n / (n - 1)
    fraction = min(1.0, n / size) if size else 0.0
    srs = (1 - fraction) * spread / (n * mean_x**2)
    return variance / srs if srs > 0 else None


def _interval(rate, se, n, df, confidence, method) -> tuple[float | None, float | None, float | None]:
    """Return (low, high, n_eff) for ``rate`` with standard error ``se`` (None: not estimable)."""
    from scipy.stats import t as student

    alpha = 1 - confidence
    if method == "wald":
        if se is None or df <= 0:
            return None, None, None
        half = float(student.ppf(1 - alpha / 2, df)) * se
        return rate - half, rate + half, None
    tolerance = 1e-12
    if rate <= tolerance or rate >= 1 - tolerance or se is None:
        # The design cannot measure a variance at 0 or 1 (nor with one PSU): assume a design effect of 1.
        n_eff = float(n)
    elif se <= tolerance:
        return rate, rate, math.inf  # e.g. a census of every stratum: no sampling error
    else:
        n_eff = rate * (1 - rate) / se**2
        if n > 1 and df > 0:
            n_eff *= (float(student.ppf(alpha / 2, n - 1)) / float(student.ppf(alpha / 2, df))) ** 2
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(rate * n_eff, n_eff, alpha=alpha, method=method)
    return max(0.0, float(low)), min(1.0, float(high)), n_eff


def estimate_sample(
    selection: Selection,
    y: Sequence[float],
    x: Sequence[float],
    *,
    confidence: float = 0.95,
    method: str = "auto",
) -> Estimate:
    """Estimate R for a sample drawn by ``sampling.draw`` (or ``draw_outside``), with the design it records.

    ``y`` and ``x`` are given per selected unit, in the order of ``selection.ids``. SRS, systematic and outside
    samples use the FPC of their frame (systematic sampling is estimated as SRS: the usual approximation, which
    overstates the variance when the frame order groups similar households); stratified samples their strata and
    N_h; PPS samples their clusters, with each certainty cluster as its own stratum of households.
    """
    details = selection.details
    kind = details.get("kind")
    common: dict[str, Any] = {"weights": selection.weights, "confidence": confidence, "method": method}
    if kind in ("srs", "systematic", "outside"):
        return estimate_ratio(y, x, population=details["N"], **common)
    if kind == "stratified":
        stratum_population = {h: info["N"] for h, info in details["strata"].items()}
        return estimate_ratio(y, x, strata=selection.strata, stratum_population=stratum_population, **common)
    if kind == "pps":
        certain = set(details.get("certainty", []))
        strata = [f"certainty:{c}" if c in certain else "pps" for c in selection.clusters]
        clusters = [
            f"unit:{unit}" if c in certain else str(c)
            for unit, c in zip(selection.ids, selection.clusters, strict=True)
        ]
        return estimate_ratio(y, x, strata=strata, clusters=clusters, **common)
    raise ValueError(f"unknown sample kind {kind!r}")
