"""Sampling for campaigns: sample sizes against Cochran's formula, allocation, and each design's draws.

No database: the sampling module is pure Python and numpy.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jingzhun.campaigns.sampling import (
    Design,
    Frame,
    Selection,
    allocate,
    draw,
    draw_outside,
    frame_hash,
    pps_probabilities,
    sample_size,
)

TOWNS = ["T1"] * 300 + ["T2"] * 150 + ["T3"] * 45 + ["T4"] * 5


def county_frame() -> Frame:
    """500 households in 4 towns and 25 villages of unequal sizes (5 to 35 households), in village order."""
    villages: list[str] = []
    sizes = [20, 35, 30, 30, 25, 25, 25, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 15, 15, 15, 10, 10, 5]
    for index, size in enumerate(sizes):
        villages += [f"V{index:02d}"] * size
    return Frame(ids=list(range(1001, 1501)), strata=TOWNS, clusters=villages)


# --- sample sizes -------------------------------------------------------------------------------------------------


def test_sample_size_without_population_is_cochrans_n0():
    # Cochran (1977) §4.4, n0 = z²PQ/d²: with z = 1.96, P = 0.5, d = 0.05 the familiar 384.16 → 385.
    size = sample_size(margin=0.05, population=None)
    assert size.z == pytest.approx(1.959964, abs=1e-6)
    assert size.n0 == pytest.approx(1.959964**2 * 0.25 / 0.0025, rel=1e-6)
    assert size.n == 385


def test_sample_size_with_finite_population_matches_bartlett_kotrlik_higgins():
    # Bartlett, Kotrlik & Higgins (2001), "Organizational research: determining appropriate sample size in survey
    # research", ITLP Journal 19(1), categorical example: N = 1679, t = 1.96, p = .5, d = .05 → n0 = 384, n = 313.
    assert sample_size(margin=0.05, population=1679).n == 313


def test_sample_size_applies_design_effect_before_the_correction():
    size = sample_size(margin=0.05, population=3200, deff=1.5)
    n_deff = size.n0 * 1.5
    assert size.n_deff == pytest.approx(n_deff)
    assert size.n == math.ceil(n_deff / (1 + (n_deff - 1) / 3200))  # 488.42 → 489
    assert size.n == 489
    assert "1.5" in size.formula and "3200" in size.formula and size.formula.endswith("n = 489")


def test_sample_size_for_a_rare_rate_and_other_confidence():
    # p = 0.02, e = 0.01 at 90 %: z = 1.6449, n0 = 1.6449² · 0.0196 / 0.0001 = 530.3 → 531.
    size = sample_size(margin=0.01, population=None, confidence=0.90, p=0.02)
    assert size.n0 == pytest.approx(530.3, abs=0.1)
    assert size.n == 531


def test_sample_size_never_exceeds_a_small_population():
    assert sample_size(margin=0.05, population=30).n <= 30
    assert sample_size(margin=0.05, population=1).n == 1
    assert sample_size(margin=0.001, population=200).n == 200


@pytest.mark.parametrize(
    "arguments",
    [
        {"margin": 0, "population": 100},
        {"margin": -0.1, "population": 100},
        {"margin": 0.05, "population": 0},
        {"margin": 0.05, "population": 100, "p": 0},
        {"margin": 0.05, "population": 100, "deff": 0},
        {"margin": 0.05, "population": 100, "confidence": 1},
    ],
)
def test_sample_size_refuses_impossible_inputs(arguments):
    with pytest.raises(ValueError):
        sample_size(**arguments)


def test_sample_size_agrees_with_svy_before_rounding():
    svy = pytest.importorskip("svy")
    # svy rounds n0 up before the design effect and the correction (385 → 314 for N = 1679), one more than the
    # textbook; its unrounded n0 is the same.
    ours = sample_size(margin=0.05, population=1679)
    theirs = svy.SampleSize().estimate_prop(p=0.5, moe=0.05, pop_size=1679)
    assert theirs.to_polars()["n0"][0] == math.ceil(ours.n0)
    assert theirs.n in (ours.n, ours.n + 1)


# --- allocation ---------------------------------------------------------------------------------------------------


def test_proportional_allocation_by_hand():
    # 100 over 500/300/200: exactly 50/30/20; over 510/300/190: 51, 30, 19.
    assert allocate({"A": 500, "B": 300, "C": 200}, 100) == {"A": 50, "B": 30, "C": 20}
    assert allocate({"A": 510, "B": 300, "C": 190}, 100) == {"A": 51, "B": 30, "C": 19}


def test_proportional_allocation_rounds_by_largest_remainder():
    # 10 over 1/1/1 shares: 3.33 each, the remainder to the first stratum in sorted order.
    assert allocate({"B": 100, "A": 100, "C": 100}, 10) == {"A": 4, "B": 3, "C": 3}
    # 7 over 50/30/20: 3.5, 2.1, 1.4 → floors 3, 2, 1 and the remaining one to A (.5 the largest remainder)...
    # but C gets its minimum of 2 first: 5 left over A and B, 3.125 and 1.875 → 3 and 2.
    assert allocate({"A": 50, "B": 30, "C": 20}, 7) == {"A": 3, "B": 2, "C": 2}


def test_neyman_allocation_by_hand():
    # N_h·S_h with S_h = √(p(1−p)): 500·√.0099 = 49.75, 300·.5 = 150, 200·√.09 = 60, total 259.75;
    # 100 × shares = 19.15, 57.75, 23.10 → 19, 58, 23.
    anticipated = {"A": 0.01, "B": 0.5, "C": 0.1}
    assert allocate({"A": 500, "B": 300, "C": 200}, 100, "neyman", anticipated) == {"A": 19, "B": 58, "C": 23}


def test_neyman_allocation_agrees_with_svy():
    svy = pytest.importorskip("svy")
    sizes = {"A": 500, "B": 300, "C": 200}
    anticipated = {"A": 0.01, "B": 0.5, "C": 0.1}
    sigma = {h: math.sqrt(p * (1 - p)) for h, p in anticipated.items()}
    theirs = svy.SampleSize().allocate(100, pop_size=sizes, method="neyman", sigma=sigma).n
    assert allocate(sizes, 100, "neyman", anticipated) == theirs


def test_neyman_allocation_without_any_spread_falls_back_to_proportional():
    assert allocate({"A": 60, "B": 40}, 10, "neyman", {"A": 0, "B": 0}) == {"A": 6, "B": 4}


def test_allocation_gives_each_stratum_at_least_two():
    # svy's own allocate gives the tiny stratum 1 here (and warns): one household has no estimable variance.
    assert allocate({"a": 500, "b": 300, "c": 3}, 100) == {"a": 61, "b": 37, "c": 2}
    assert allocate({"a": 500, "b": 1}, 10) == {"a": 9, "b": 1}  # all of a stratum of one


def test_allocation_never_exceeds_a_stratum():
    assert allocate({"A": 1000, "B": 10}, 500, "neyman", {"A": 0.01, "B": 0.5}) == {"A": 490, "B": 10}
    assert allocate({"A": 5, "B": 3}, 20) == {"A": 5, "B": 3}  # n ≥ N: every unit


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=2), st.integers(0, 400), min_size=1, max_size=8),
    fraction=st.floats(0, 1),
    method=st.sampled_from(["proportional", "neyman"]),
    p=st.floats(0, 1),
)
# Found by hypothesis: capping C at its size before B had its floor of 2 allocated 5 of 4.
@example(sizes={"A": 0, "C": 3, "B": 25}, fraction=0.125, method="neyman", p=0.0)
def test_allocation_sums_to_n_and_respects_bounds(sizes, fraction, method, p):
    total = sum(sizes.values())
    n = round(fraction * total)
    result = allocate(sizes, n, method, {h: p for h in list(sizes)[::2]})
    assert sum(result.values()) == min(n, total)
    assert all(0 <= result[h] <= sizes[h] for h in sizes)
    if sum(min(2, size) for size in sizes.values()) <= n:
        assert all(result[h] >= min(2, sizes[h]) for h in sizes)


# --- draws --------------------------------------------------------------------------------------------------------

DESIGNS = [
    Design("srs", n=60),
    Design("stratified", n=60),
    Design("stratified", n=60, allocation="neyman", anticipated={"T1": 0.02, "T2": 0.3, "T3": 0.1, "T4": 0.5}),
    Design("systematic", n=60),
    Design("pps", n=60, clusters=6, per_cluster=10),
]


@pytest.mark.parametrize("design", DESIGNS, ids=lambda design: f"{design.kind}-{design.allocation}")
def test_the_same_seed_draws_the_same_sample_and_another_seed_another(design):
    frame = county_frame()
    first = draw(frame, design, seed=42)
    assert draw(frame, design, seed=42) == first
    assert draw(county_frame(), Design.from_dict(json.loads(json.dumps(design.as_dict()))), seed=42) == first
    assert draw(frame, design, seed=43).ids != first.ids
    json.dumps(first.details)  # stored with the draw
    assert first.ids == sorted(first.ids)  # frame order


@pytest.mark.parametrize("design", DESIGNS, ids=lambda design: f"{design.kind}-{design.allocation}")
def test_each_draw_has_its_sample_size_and_weights_are_inverse_probabilities(design):
    selection = draw(county_frame(), design, seed=1)
    assert len(selection.ids) == len(set(selection.ids)) == 60
    assert all(0 < p <= 1 for p in selection.probabilities)
    assert selection.weights == [pytest.approx(1 / p) for p in selection.probabilities]
    assert len(selection.strata) == len(selection.clusters) == len(selection.probabilities) == 60


def empirical_check(frame: Frame, design: Design, draws: int) -> None:
    """Inclusion frequencies over ``draws`` seeds match the stated probabilities (within 4.5 binomial SEs), and
    the weights sum to N on average."""
    expected: dict[int, float] = {}
    counts: Counter = Counter()
    weight_sums = []
    for seed in range(draws):
        selection = draw(frame, design, seed)
        counts.update(selection.ids)
        weight_sums.append(sum(selection.weights))
        for unit, probability in zip(selection.ids, selection.probabilities, strict=True):
            assert expected.setdefault(unit, probability) == pytest.approx(probability)
    assert set(expected) == set(frame.ids)  # every unit can be drawn and was, over this many draws
    chi_square = 0.0
    for unit, probability in expected.items():
        frequency = counts[unit] / draws
        spread = math.sqrt(probability * (1 - probability) / draws)
        if probability < 1:
            assert abs(frequency - probability) < 4.5 * spread, (unit, frequency, probability)
            chi_square += (counts[unit] - draws * probability) ** 2 / (draws * probability * (1 - probability))
    # Σ over units of standardized squares: about one per unit (they are dependent, so only a loose bound).
    assert chi_square < 1.5 * len(expected)
    assert sum(weight_sums) / draws == pytest.approx(len(frame.ids), rel=0.02)


@pytest.mark.parametrize("design", DESIGNS, ids=lambda design: f"{design.kind}-{design.allocation}")
def test_empirical_inclusion_frequencies_match_the_probabilities(design):
    empirical_check(county_frame(), design, draws=3000)


def test_stratified_probabilities_are_n_h_over_n_h():
    selection = draw(county_frame(), Design("stratified", n=60), seed=5)
    strata = selection.details["strata"]
    # T4 (5 households) would get 0.6 and gets its minimum of 2; 58 over 300/150/45 = 35.15, 17.58, 5.27.
    assert {h: info["n"] for h, info in strata.items()} == {"T1": 35, "T2": 18, "T3": 5, "T4": 2}
    for stratum, probability in zip(selection.strata, selection.probabilities, strict=True):
        assert probability == strata[stratum]["n"] / strata[stratum]["N"]
    assert sum(selection.weights) == pytest.approx(500)  # exactly N for a stratified sample


def test_systematic_takes_every_kth_unit_from_the_random_start():
    frame = Frame(ids=list(range(100)))
    selection = draw(frame, Design("systematic", n=8), seed=3)
    interval, start = selection.details["interval"], selection.details["start"]
    assert interval == 12.5 and 0 <= start < 12.5
    assert selection.ids == [math.floor(start + j * interval) for j in range(8)]
    assert set(selection.probabilities) == {0.08}


def test_pps_first_stage_probabilities_are_proportional_to_size():
    probabilities, certain = pps_probabilities({"a": 10, "b": 30, "c": 60}, 1)
    assert probabilities == {"a": 0.1, "b": 0.3, "c": 0.6} and not certain
    # Two of them: c would get 1.2, so it is taken with certainty and one more is drawn from a and b.
    probabilities, certain = pps_probabilities({"a": 10, "b": 30, "c": 60}, 2)
    assert certain == {"c"}
    assert probabilities == {"c": 1.0, "a": pytest.approx(0.25), "b": pytest.approx(0.75)}


def test_pps_with_a_certainty_cluster_and_given_sizes():
    # Village "big" holds half the measure of size: with 4 clusters wanted it is drawn with certainty.
    clusters = ["big"] * 40 + [f"v{i}" for i in range(10) for _ in range(8)]
    sizes = {"big": 400, **{f"v{i}": 40 for i in range(10)}}
    frame = Frame(ids=list(range(120)), clusters=clusters, sizes=sizes)
    design = Design("pps", n=20, clusters=4, per_cluster=5)
    selection = draw(frame, design, seed=0)
    assert selection.details["certainty"] == ["big"]
    assert {row["cluster"] for row in selection.details["chosen"]} >= {"big"}
    assert len(selection.details["chosen"]) == 4
    empirical_check(frame, design, draws=3000)


def test_pps_takes_every_household_of_a_small_cluster():
    frame = Frame(ids=list(range(12)), clusters=["a"] * 3 + ["b"] * 9)
    selection = draw(frame, Design("pps", n=10, clusters=2, per_cluster=5), seed=0)
    assert selection.clusters.count("a") == 3 and selection.clusters.count("b") == 5


def test_outside_draw_is_a_simple_random_sample():
    ids = list(range(5000, 5400))
    selection = draw_outside(ids, 40, seed=9)
    assert isinstance(selection, Selection)
    assert len(set(selection.ids)) == 40 and set(selection.ids) <= set(ids)
    assert selection == draw_outside(ids, 40, seed=9)
    assert set(selection.probabilities) == {0.1} and set(selection.weights) == {10.0}
    with pytest.raises(ValueError):
        draw_outside(ids, 401, seed=9)


def test_frame_hash_changes_with_any_part_of_the_frame():
    frame = county_frame()
    assert frame_hash(frame) == frame_hash(county_frame())
    assert len(frame_hash(frame)) == 64
    reordered = Frame(ids=list(reversed(frame.ids)), strata=frame.strata, clusters=frame.clusters)
    other_town = Frame(ids=frame.ids, strata=["T9", *frame.strata[1:]], clusters=frame.clusters)
    sized = Frame(ids=frame.ids, strata=frame.strata, clusters=frame.clusters, sizes=dict(Counter(frame.clusters)))
    assert len({frame_hash(f) for f in (frame, reordered, other_town, sized)}) == 4


def test_designs_and_frames_refuse_what_they_cannot_draw():
    with pytest.raises(ValueError):
        Design("cluster", n=10)
    with pytest.raises(ValueError):
        Design("pps", n=10)
    with pytest.raises(ValueError):
        Frame(ids=[1, 1])
    with pytest.raises(ValueError):
        Frame(ids=[1, 2], strata=["a"])
    with pytest.raises(ValueError):
        draw(Frame(ids=[1, 2, 3]), Design("stratified", n=2), seed=0)
    with pytest.raises(ValueError):
        draw(Frame(ids=[1, 2, 3]), Design("srs", n=4), seed=0)
