"""Campaign estimates: the linearized ratio estimator against textbook examples, svy, and statsmodels' intervals.

No database: the estimation module is pure Python, numpy and scipy/statsmodels.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from jingzhun.campaigns.estimation import Estimate, estimate_ratio, estimate_sample, proportion_interval
from jingzhun.campaigns.results import sentence
from jingzhun.campaigns.sampling import Design, Frame, draw

# Lohr, Sampling: Design and Analysis (2nd ed., 2010), Example 5.2: a one-stage cluster sample of 5 of the 100
# suites of a dormitory, 4 students each, their GPAs. Published: mean 2.826, SE 0.1637 (with the FPC 1 − 5/100).
GPA = [
    [3.08, 2.60, 3.44, 3.04],
    [2.36, 3.04, 3.28, 2.68],
    [2.00, 2.56, 2.52, 1.88],
    [3.00, 2.88, 3.44, 3.64],
    [2.68, 1.92, 3.28, 3.20],
]


def gpa_sample():
    y = [value for suite in GPA for value in suite]
    clusters = [f"suite{index}" for index, suite in enumerate(GPA) for _ in suite]
    return y, [1.0] * len(y), [100 / 5] * len(y), clusters


def test_one_stage_cluster_ratio_matches_lohr_example_5_2():
    y, x, weights, clusters = gpa_sample()
    estimate = estimate_ratio(y, x, weights=weights, clusters=clusters, cluster_population=100)
    assert estimate.rate == pytest.approx(2.826)
    assert estimate.se == pytest.approx(0.1637, abs=5e-5)
    assert estimate.numerator == pytest.approx(1130.4)  # t̂ = 100 × mean suite total 11.304
    assert estimate.df == 4 and estimate.method == "wald"  # GPAs are no proportion


def test_cluster_ratio_without_fpc_is_the_with_replacement_variance():
    y, x, weights, clusters = gpa_sample()
    estimate = estimate_ratio(y, x, weights=weights, clusters=clusters)
    assert estimate.se == pytest.approx(0.1637 / math.sqrt(1 - 5 / 100), abs=5e-5)


def test_srs_proportion_with_fpc_matches_the_textbook_formula():
    # Cochran (1977) eq. 3.12 / Lohr (2010) eq. 2.22: SE(p̂) = √((1 − n/N) p̂(1 − p̂)/(n − 1)).
    n, population, yes = 300, 3078, 45
    y = [1.0] * yes + [0.0] * (n - yes)
    estimate = estimate_ratio(y, [1.0] * n, population=population)
    p = yes / n
    assert estimate.rate == p
    assert estimate.se == pytest.approx(math.sqrt((1 - n / population) * p * (1 - p) / (n - 1)))
    assert estimate.numerator == yes and estimate.denominator == n  # unweighted: raw counts
    assert estimate.deff == pytest.approx(1.0)
    assert estimate.method == "beta" and estimate.df == n - 1


def test_stratified_mean_matches_the_textbook_formula():
    # Cochran (1977) eq. 5.6 / Lohr (2010) eq. 3.6: V(ȳ_str) = Σ W_h² (1 − n_h/N_h) s_h²/n_h.
    data = {"A": ([1, 0, 0, 1, 0, 0, 0, 1], 400), "B": ([0, 0, 1, 0, 0], 250), "C": ([1, 1, 0, 1], 50)}
    y, strata, weights = [], [], []
    for stratum, (values, size) in data.items():
        y += values
        strata += [stratum] * len(values)
        weights += [size / len(values)] * len(values)
    total = sum(size for _, size in data.values())
    expected_mean = sum(size / total * np.mean(values) for values, size in data.values())
    expected_variance = sum(
        (size / total) ** 2 * (1 - len(values) / size) * np.var(values, ddof=1) / len(values)
        for values, size in data.values()
    )
    estimate = estimate_ratio(
        y, [1.0] * len(y), weights=weights, strata=strata, stratum_population={h: n for h, (_, n) in data.items()}
    )
    assert estimate.rate == pytest.approx(expected_mean)
    assert estimate.se == pytest.approx(math.sqrt(expected_variance))
    assert estimate.denominator == pytest.approx(total)
    assert estimate.df == len(y) - 3


def test_ratio_of_persons_is_the_ratio_of_weighted_totals():
    # Wrong-exit rate: persons of wrongly exited households over persons of exited households.
    persons = [4, 3, 5, 2, 6]
    wrong = [0, 3, 0, 0, 6]
    estimate = estimate_ratio(wrong, persons, weights=[10, 10, 20, 20, 10])
    assert estimate.rate == pytest.approx((30 + 60) / (40 + 30 + 100 + 40 + 60))
    assert estimate.numerator == 90 and estimate.denominator == 270
    assert estimate.method == "beta"


# --- intervals ----------------------------------------------------------------------------------------------------


def test_none_of_300_gives_a_sensible_interval():
    estimate = estimate_ratio([0] * 300, [1] * 300)
    assert (estimate.rate, estimate.low, estimate.se) == (0.0, 0.0, 0.0)
    assert estimate.high == pytest.approx(proportion_confint(0, 300, method="beta")[1])
    assert estimate.high == pytest.approx(1 - 0.025 ** (1 / 300))  # 1.22 %
    assert estimate.n_eff == 300


def test_all_of_them_gives_the_mirror_interval():
    estimate = estimate_ratio([1] * 50, [1] * 50)
    assert estimate.high == 1.0 and estimate.low == pytest.approx(0.025 ** (1 / 50))


@pytest.mark.parametrize("method", ["beta", "wilson"])
@pytest.mark.parametrize("successes", [1, 7, 150])
def test_srs_interval_is_statsmodels_on_the_effective_sample_size(method, successes):
    # Unweighted SRS without FPC: se² = p(1−p)/(n−1), so n_eff = n − 1 (as in R's svyciprop).
    n = 300
    estimate = estimate_ratio([1] * successes + [0] * (n - successes), [1] * n, method=method)
    low, high = proportion_confint(successes * (n - 1) / n, n - 1, method=method)
    assert estimate.n_eff == pytest.approx(n - 1)
    assert (estimate.low, estimate.high) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.parametrize("method", ["wilson", "beta"])
def test_proportion_interval_wraps_statsmodels(method):
    assert proportion_interval(3, 120, method=method) == pytest.approx(proportion_confint(3, 120, method=method))
    assert proportion_interval(3, 120, confidence=0.9, method=method) == pytest.approx(
        proportion_confint(3, 120, alpha=0.1, method=method)
    )
    with pytest.raises(ValueError):
        proportion_interval(1, 0)


def test_the_interval_widens_with_clustering():
    rng = np.random.default_rng(0)
    clusters = [f"v{i // 10}" for i in range(300)]
    village_rate = {f"v{v}": rng.choice([0.0, 0.3]) for v in range(30)}
    y = [float(rng.random() < village_rate[c]) for c in clusters]
    clustered = estimate_ratio(y, [1] * 300, weights=[20] * 300, clusters=clusters)
    simple = estimate_ratio(y, [1] * 300, weights=[20] * 300)
    assert clustered.deff > 1.5
    assert clustered.high - clustered.low > simple.high - simple.low
    assert clustered.df == 29


# --- svy as the oracle --------------------------------------------------------------------------------------------


def random_design(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 300))
    strata = rng.integers(0, int(rng.integers(1, 6)), n).astype(str)
    clustered = seed % 2 == 0
    clusters = np.char.add(strata, rng.integers(0, 8, n).astype(str)) if clustered else None
    persons = rng.integers(1, 7, n).astype(float)
    y = np.where(rng.random(n) < rng.uniform(0.01, 0.4), persons, 0.0)
    weights = rng.uniform(2, 30, n)
    sizes = {h: int((strata == h).sum() * 20) for h in set(strata)}
    return strata, clusters, persons, y, weights, sizes, clustered


@pytest.mark.parametrize("seed", range(12))
def test_estimates_agree_with_svy_on_random_designs(seed):
    svy = pytest.importorskip("svy")
    import polars as pl

    strata, clusters, persons, y, weights, sizes, clustered = random_design(seed)
    columns = {"h": strata, "y": y, "x": persons, "w": weights, "N": [sizes[h] for h in strata]}
    columns["psu"] = clusters if clustered else np.arange(len(y)).astype(str)
    design = svy.Design(stratum="h", psu="psu", wgt="w", pop_size=None if clustered else "N", singleton="center")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = svy.Sample(pl.DataFrame(columns), design).estimation.ratio("y", "x").to_polars()
    ours = estimate_ratio(
        y,
        persons,
        weights=weights,
        strata=strata,
        clusters=clusters,
        stratum_population=None if clustered else sizes,
    )
    assert ours.rate == pytest.approx(theirs["est"][0], rel=1e-9)
    assert ours.se == pytest.approx(theirs["se"][0], rel=1e-9)
    assert ours.df == theirs["df"][0]


@pytest.mark.parametrize("seed", range(6))
def test_proportion_intervals_agree_with_svy_beta(seed):
    svy = pytest.importorskip("svy")
    import polars as pl

    strata, clusters, _, y, weights, _, clustered = random_design(seed)
    flag = (y > 0).astype(float)
    columns = {"h": strata, "y": flag, "w": weights, "psu": clusters if clustered else np.arange(len(y)).astype(str)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = svy.Sample(pl.DataFrame(columns), svy.Design(stratum="h", psu="psu", wgt="w", singleton="center"))
        theirs = sample.estimation.prop("y", ci_method="beta").to_polars().filter(pl.col("y") == 1.0)
    ours = estimate_ratio(flag, [1.0] * len(flag), weights=weights, strata=strata, clusters=clusters)
    assert ours.rate == pytest.approx(theirs["est"][0], rel=1e-9)
    assert (ours.low, ours.high) == (pytest.approx(theirs["lci"][0], rel=1e-6), pytest.approx(theirs["uci"][0]))


def test_a_single_psu_stratum_is_centred_on_the_grand_mean():
    y = [1, 0, 0, 1, 1, 0, 1]
    strata = ["a", "a", "a", "b", "b", "b", "lonely"]
    with_lonely = estimate_ratio(y, [1] * 7, weights=[5] * 7, strata=strata)
    assert with_lonely.se is not None and with_lonely.se > 0
    assert with_lonely.df == 7 - 3


# --- edge cases ---------------------------------------------------------------------------------------------------


def test_a_zero_denominator_has_no_rate():
    estimate = estimate_ratio([0, 0], [0, 0])
    assert (estimate.rate, estimate.low, estimate.high, estimate.se) == (None, None, None, None)
    assert estimate.as_dict()["rate"] is None
    with translation.override("zh-hans"):
        assert sentence("错退率", estimate) == "错退率：已核查样本不足。"
    empty = estimate_ratio([], [])
    assert empty.rate is None and empty.n == 0


def test_one_unit_has_a_rate_but_no_standard_error():
    estimate = estimate_ratio([1], [4])
    assert estimate.rate == 0.25 and estimate.se is None
    assert estimate.low is not None  # Clopper–Pearson on n = 1: wide, but an interval


def test_inputs_that_do_not_fit_are_refused():
    with pytest.raises(ValueError):
        estimate_ratio([1, 2], [1])
    with pytest.raises(ValueError):
        estimate_ratio([1], [1], weights=[0])
    with pytest.raises(ValueError):
        estimate_ratio([2], [1], method="beta")  # y > x: not a proportion
    with pytest.raises(ValueError):
        estimate_ratio([1], [1], method="logit")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6)), min_size=2, max_size=60))
def test_a_proportion_and_its_interval_stay_within_0_and_1(units):
    y = [min(a, b) for a, b in units]
    x = [b for _, b in units]
    estimate = estimate_ratio(y, x)
    assert 0 <= estimate.low <= estimate.rate <= estimate.high <= 1


# --- estimating a drawn sample ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "design",
    [
        Design("srs", n=80),
        Design("stratified", n=80),
        Design("systematic", n=80),
        Design("pps", n=80, clusters=8, per_cluster=10),
    ],
    ids=lambda design: design.kind,
)
def test_a_drawn_sample_is_estimated_under_its_design(design):
    frame = Frame(
        ids=list(range(800)), strata=[f"T{i // 200}" for i in range(800)], clusters=[f"V{i // 25}" for i in range(800)]
    )
    selection = draw(frame, design, seed=11)
    y = [float(unit % 7 == 0) for unit in selection.ids]
    estimate = estimate_sample(selection, y, [1.0] * len(y))
    assert isinstance(estimate, Estimate)
    assert estimate.denominator == pytest.approx(sum(selection.weights))
    assert estimate.low <= estimate.rate <= estimate.high
    if design.kind == "stratified":
        assert estimate.denominator == pytest.approx(800)
    if design.kind == "pps":
        assert estimate.df == 8 - 1


# --- plain words --------------------------------------------------------------------------------------------------


def test_the_sentence_says_the_rate_and_interval_in_chinese_and_english():
    estimate = Estimate(0.0123, 0.0061, 0.0214, 0.004, 400, 12.3, 1000, 0.95, "beta", 1.1)
    with translation.override("zh-hans"):
        assert sentence("错退率", estimate) == "错退率 1.2 %，95 % 置信区间 0.6 %–2.1 %"
        ninety = Estimate(0.5, 0.45, 0.55, 0.03, 100, 50, 100, 0.9, "beta", 1.0)
        assert sentence("认可度", ninety) == "认可度 50.0 %，90 % 置信区间 45.0 %–55.0 %"
    with translation.override("en"):
        assert sentence("wrong-exit rate", estimate) == "wrong-exit rate 1.2 %, 95 % confidence interval 0.6 %–2.1 %"
