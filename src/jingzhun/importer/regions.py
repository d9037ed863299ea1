"""Load a division-code table (统计用区划代码: 12-digit code and name per row, level optional) into Region.

Parents come from code prefixes (regions.parent_code) and a missing level from the code's trailing zeros. A row is
rejected, with its reason, when its code is not 12 digits, its name is empty, its level is unknown or disagrees
with the code, or its parent is neither in the table nor in the database. Existing regions are updated by code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.importer.cleaning import clean_text
from jingzhun.importer.reading import Table, find_header, is_blank
from jingzhun.registry import regions
from jingzhun.registry.models import Region

CODE_HEADERS = frozenset({"code", "代码", "区划代码", "统计用区划代码", "行政区划代码"})
NAME_HEADERS = frozenset({"name", "名称", "区划名称", "行政区划名称", "地区名称"})
LEVEL_HEADERS = frozenset({"level", "级别", "层级", "区划级别"})
LEVEL_WORDS = {
    **{level: level for level in regions.LEVELS},
    "省": "province", "省级": "province", "市": "city", "地级": "city", "县": "county", "县级": "county",
    "乡": "town", "乡级": "town", "镇": "town", "村": "village", "村级": "village",
}  # fmt: skip

BAD_CODE = "bad_code"
NO_NAME = "no_name"
BAD_LEVEL = "bad_level"
LEVEL_MISMATCH = "level_mismatch"
NO_PARENT = "no_parent"
REASON_TEXT = {
    BAD_CODE: _("The code is not 12 digits."),
    NO_NAME: _("The name is empty."),
    BAD_LEVEL: _("Unknown level (use province, city, county, town or village)."),
    LEVEL_MISMATCH: _("The level disagrees with the code's trailing zeros."),
    NO_PARENT: _("The parent region (from the code prefix) is neither in the file nor in the database."),
    "duplicate": _("The code appears twice in the file."),
}


class RegionFileError(Exception):
    """The table has no recognisable header row (code and name columns)."""


@dataclass
class RegionImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row, code as written, reason code)


def _score(headers: list[str]) -> int:
    lowered = [header.lower() for header in headers]
    return sum(1 for header in lowered if header in CODE_HEADERS or header in NAME_HEADERS)


def import_regions(table: Table, *, dry_run: bool = False) -> RegionImport:
    """Read the table and create or update its regions in one transaction."""
    found = find_header(table.rows(), _score, minimum=2)
    if found is None:
        raise RegionFileError("no header row with a code and a name column")
    header_row, headers = found
    lowered = [header.lower() for header in headers]
    code_at = next(index for index, header in enumerate(lowered) if header in CODE_HEADERS)
    name_at = next(index for index, header in enumerate(lowered) if header in NAME_HEADERS)
    level_at = next((index for index, header in enumerate(lowered) if header in LEVEL_HEADERS), None)
    result = RegionImport()
    wanted: dict[str, tuple[int, str, str]] = {}
    for number, cells in table.rows():
        if number <= header_row or is_blank(cells):
            continue

        def cell(index, cells=cells):
            return clean_text(cells[index]) if index is not None and index < len(cells) else ""

        code, name, level_text = "".join(cell(code_at).split()), cell(name_at), cell(level_at)
        if not regions.is_code(code):
            result.rejected.append((number, code, BAD_CODE))
            continue
        if not name:
            result.rejected.append((number, code, NO_NAME))
            continue
        level = regions.level_of(code)
        if level_text:
            given = LEVEL_WORDS.get(level_text.lower())
            if given is None:
                result.rejected.append((number, code, BAD_LEVEL))
                continue
            if given != level:
                result.rejected.append((number, code, LEVEL_MISMATCH))
                continue
        if code in wanted:
            result.rejected.append((number, code, "duplicate"))
            continue
        wanted[code] = (number, name, level)
    existing = {region.code: region for region in Region.objects.filter(code__in=_parents_and(wanted))}
    new, changed = [], []
    accepted: set[str] = set(existing)
    for code in sorted(wanted):  # a parent's code sorts before its children's
        number, name, level = wanted[code]
        parent = regions.parent_code(code)
        if parent is not None and parent not in accepted:
            result.rejected.append((number, code, NO_PARENT))
            continue
        accepted.add(code)
        region = existing.get(code)
        if region is None:
            new.append(Region(code=code, name=name, level=level, parent_id=parent))
            result.created.append(code)
        elif (region.name, region.level, region.parent_id) != (name, level, parent):
            region.name, region.level, region.parent_id = name, level, parent
            changed.append(region)
            result.updated.append(code)
        else:
            result.unchanged.append(code)
    result.rejected.sort()
    if not dry_run:
        with transaction.atomic():
            Region.objects.bulk_create(new, batch_size=500)
            Region.objects.bulk_update(changed, ["name", "level", "parent"], batch_size=500)
    return result


def _parents_and(wanted: dict) -> list[str]:
    codes = set(wanted)
    codes |= {parent for code in wanted if (parent := regions.parent_code(code))}
    return sorted(codes)
