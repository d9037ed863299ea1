"""Region codes: levels from trailing zeros, subtrees as code ranges."""

import pytest

from jingzhun.registry import regions


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("510000000000", "province"),
        ("511800000000", "city"),
        ("511823000000", "county"),
        ("511823105000", "town"),
        ("511823105201", "village"),
    ],
)
def test_level_is_read_from_trailing_zeros(code, level):
    assert regions.level_of(code) == level


def test_a_code_that_is_not_twelve_digits_is_refused():
    with pytest.raises(ValueError, match="not a 12-digit region code"):
        regions.level_of("51182310520")


def test_subtree_bounds_cover_exactly_the_descendants():
    low, high = regions.subtree_bounds("511823105000")
    assert (low, high) == ("511823105000", "511823105999")
    assert regions.contains("511823105000", "511823105201")
    assert not regions.contains("511823105000", "511823106201")
    assert not regions.contains("511823000000", "511824101201")


def test_parent_and_ancestors_follow_the_levels():
    assert regions.parent_code("511823105201") == "511823105000"
    assert regions.parent_code("510000000000") is None
    assert regions.ancestor_codes("511823105201") == [
        "510000000000",
        "511800000000",
        "511823000000",
        "511823105000",
    ]


def test_a_childs_code_prefix_length_at_each_level():
    from jingzhun.registry import regions

    codes = ("510000000000", "511800000000", "511823000000", "511823100000", "511823100201")
    assert [regions.child_prefix_length(code) for code in codes] == [4, 6, 9, 12, 12]
