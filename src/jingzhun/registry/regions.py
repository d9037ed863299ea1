"""Work with 12-digit statistical division codes (统计用区划代码) without touching the database.

A code's level is read from its trailing zeros, and every descendant of a region shares the region's
significant prefix: province 2 digits, city 4, county 6, town 9, village 12. So "everything under region X" is
the closed range ``[prefix + 0…0, prefix + 9…9]`` over an indexed code column, at any depth.

>>> level_of("511823105000"), subtree_bounds("511823000000")
('town', ('511823000000', '511823999999'))
"""

from __future__ import annotations

import re

PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "town": 9, "village": 12}
LEVELS = ("province", "city", "county", "town", "village")
CODE_RE = re.compile(r"^\d{12}$")


def is_code(code: str) -> bool:
    """Whether ``code`` is twelve digits."""
    return bool(CODE_RE.match(code or ""))


def level_of(code: str) -> str:
    """Return the level a 12-digit code denotes, from its trailing zeros."""
    if not is_code(code):
        raise ValueError(f"not a 12-digit region code: {code!r}")
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "town"
    return "village"


def prefix_of(code: str) -> str:
    """Return the significant prefix of ``code`` (what all its descendants start with)."""
    return code[: PREFIX_LENGTH[level_of(code)]]


def subtree_bounds(code: str) -> tuple[str, str]:
    """Return the inclusive code range of the region and all its descendants."""
    prefix = prefix_of(code)
    pad = 12 - len(prefix)
    return prefix + "0" * pad, prefix + "9" * pad


def child_prefix_length(code: str) -> int:
    """Length of the code prefix that identifies a child of region ``code`` (a village is its own "child")."""
    index = LEVELS.index(level_of(code))
    return PREFIX_LENGTH[LEVELS[min(index + 1, len(LEVELS) - 1)]]


def parent_code(code: str) -> str | None:
    """Return the code of the parent level, or None for a province."""
    level = level_of(code)
    index = LEVELS.index(level)
    if index == 0:
        return None
    keep = PREFIX_LENGTH[LEVELS[index - 1]]
    return code[:keep] + "0" * (12 - keep)


def ancestor_codes(code: str) -> list[str]:
    """Return the codes of all ancestors, province first."""
    chain = []
    parent = parent_code(code)
    while parent is not None:
        chain.append(parent)
        parent = parent_code(parent)
    return chain[::-1]


def contains(ancestor: str, code: str) -> bool:
    """Whether ``code`` lies in the subtree of ``ancestor`` (a region contains itself)."""
    low, high = subtree_bounds(ancestor)
    return low <= code <= high
