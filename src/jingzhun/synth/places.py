"""Names and codes of the synthetic county: its real ancestors, generated towns and villages, ID prefixes.

The county, its city and its province are real (python-stdnum's table of division codes gives their names); the
towns and villages are made up from common place-name syllables, so nobody mistakes them for real places.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from jingzhun.registry import idnumber

DEFAULT_COUNTY = "511823000000"  # 四川省 雅安市 汉源县

_YEARS = re.compile(r"\[[^\]]*\]")

# Syllables for made-up place names: common in rural place names across the south-west.
_FIRST = "清富永安乐宜新大小青松柏白金银石龙凤桃花河东西南北黄红云平兴福长和顺太阳双三九万宝"
_SECOND = "林溪坪坝沟湾山岭河桥塘源田庄湖岩峰泉川坡口场寨堡园树水家冲堰台"
TOWN_KINDS = ("镇", "镇", "镇", "乡")


def _county_names(code6: str) -> list[str]:
    """Return the names a 6-digit code has carried (without the year ranges), newest last."""
    parts = numdb.get("cn/loc").info(code6)
    if len(parts) < 2 or parts[1][0] != code6[2:]:
        return []
    names = parts[1][1].get("county", "")
    return [_YEARS.sub("", part) for part in names.split(",") if part]


@functools.cache
def ancestor_names(county_code: str) -> tuple[str, str, str]:
    """Return the province, city and county names of a real county code; raise ValueError if it is unknown."""
    code6 = county_code[:6]
    parts = numdb.get("cn/loc").info(code6)
    province = parts[0][1].get("province") if parts and parts[0][1] else None
    county = _county_names(code6)
    if not province or not county:
        raise ValueError(f"{county_code} is not a county in the division-code table")
    city = _county_names(code6[:4] + "00") or [province]
    return province, city[-1], county[-1]


@functools.cache
def _candidate_prefixes(county_code: str) -> tuple[str, ...]:
    """Return the county's own 6-digit code, then every other code that once carried its name, by code.

    A county renumbered when its prefecture became a city (汉源县: 513124 until 2000, 511823 after) issued ID
    numbers under the old code to people born before the change.
    """
    code6 = county_code[:6]
    name = _county_names(code6)[-1]
    others = []
    for _, prov, _, _, counties in numdb.get("cn/loc").prefixes:
        for _, low, _, props, _ in counties:
            code = prov + low
            if code != code6 and name in [_YEARS.sub("", part) for part in props.get("county", "").split(",")]:
                others.append(code)
    return (code6, *sorted(others))


@functools.cache
def id_prefix_for(county_code: str, birth_year: int) -> str:
    """Return a 6-digit ID prefix that python-stdnum accepts as a birth place for someone born in ``birth_year``.

    Falls back to the county's own code when no code of the county was in use that year (the generator's IDs
    stay valid either way: idnumber.parse does not check the birth place).
    """
    candidates = _candidate_prefixes(county_code)
    for prefix in candidates:
        try:
            ric.get_birth_place(idnumber.make(prefix, dt.date(birth_year, 7, 1), 1))
        except ValidationError:
            continue
        return prefix
    return candidates[0]


def place_names(rng: random.Random, count: int, suffixes: tuple[str, ...], taken: set[str]) -> list[str]:
    """Draw ``count`` distinct two-syllable place names with one of ``suffixes``, avoiding ``taken``."""
    names = []
    while len(names) < count:
        name = rng.choice(_FIRST) + rng.choice(_SECOND) + rng.choice(suffixes)
        if name[:2] not in taken:
            taken.add(name[:2])
            names.append(name)
    return names
