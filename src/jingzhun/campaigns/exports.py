"""The campaign's .xlsx files: the sample (one row per unit, with its stratum, cluster, inclusion probability,
weight, checker and status, and the draw's record on a second sheet) and the results (the estimates with their
intervals and the design they follow; the comparison between levels)."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.campaigns import results
from jingzhun.campaigns.models import Campaign
from jingzhun.core import xlsx
from jingzhun.registry.access import heads_of
from jingzhun.registry.models import Region

CHUNK = 5000


def _sheet(workbook, name: str, headers: list[str], widths: list[int] | None = None):
    sheet = workbook.add_worksheet(name)
    _start(workbook, headers, widths)(sheet)
    return sheet


def _start(workbook, headers: list[str], widths: list[int] | None = None):
    """What begins a sheet of ``headers``: the bold header row, frozen below, and the columns' widths."""
    bold = workbook.add_format({"bold": True, "bg_color": "#e8eef7", "border": 1})

    def start(sheet) -> None:
        sheet.write_row(0, 0, headers, bold)
        sheet.freeze_panes(1, 0)
        for index, width in enumerate(widths or [14] * len(headers)):
            sheet.set_column(index, index, width)

    return start


def write_sample(campaign: Campaign, user, handle) -> None:
    workbook = xlsx.workbook(handle, {"constant_memory": True, "in_memory": False})
    # A province's self-check samples every household: more than one sheet may be needed.
    sample = xlsx.Sheets(workbook, _("Sample"), _start(workbook, [
        _("No."), _("Village code"), _("Village"), _("Household number"), _("Head of household"), _("Persons"),
        _("Exited household"), _("Stratum"), _("Cluster"), _("Inclusion probability"), _("Design weight"),
        _("Checker"), _("Status"),
    ], [6, 14, 16, 22, 12, 8, 8, 14, 14, 12, 12, 14, 10]))  # fmt: skip
    units = list(results.unit_rows(campaign).order_by("region_code", "id"))
    names = dict(Region.objects.filter(code__in={u.region_code for u in units}).values_list("code", "name"))
    households = [u.household_id for u in units if u.household_id]
    heads = {}
    for start in range(0, len(households), CHUNK):  # bounded parameter lists (PostgreSQL allows 65,535)
        heads.update(heads_of(user, households[start : start + CHUNK]))
    for row, unit in enumerate(units, start=1):
        head = unit.outside.head_name if unit.outside_id else getattr(heads.get(unit.household_id), "name", "")
        number = unit.household.number if unit.household_id else _("outside: %(ref)s") % {"ref": unit.outside.reference}
        checker = unit.checker.get_full_name() or unit.checker.username if unit.checker_id else ""
        sheet, index = sample.next()
        sheet.write_row(index, 0, [
            row, unit.region_code, names.get(unit.region_code, ""), number, head, unit.persons,
            _("yes") if unit.exited else _("no"), unit.stratum, unit.cluster, unit.probability, unit.weight, checker,
            unit.get_status_display(),
        ])  # fmt: skip
    info = _sheet(workbook, _("Draw"), [_("Field"), _("Value")], [24, 100])
    facts = [
        (_("Campaign"), campaign.name), (_("Region"), f"{campaign.region.name} ({campaign.region_id})"),
        (_("Level"), campaign.get_level_display()), (_("Reference date"), campaign.reference_date.isoformat()),
        (_("Design"), json.dumps(campaign.design, ensure_ascii=False)),
        (_("Sample size"), json.dumps(campaign.size, ensure_ascii=False)), (_("Seed"), str(campaign.seed)),
        (_("Frame size"), campaign.frame_size), (_("Frame hash (SHA-256)"), campaign.frame_hash),
        (_("Drawn"), timezone.localtime(campaign.drawn_at).isoformat() if campaign.drawn_at else ""),
        (_("Draw details"), json.dumps(campaign.details, ensure_ascii=False)[:30000]),
    ]  # fmt: skip
    for row, (field, value) in enumerate(facts, start=1):
        info.write_row(row, 0, [str(field), value])
    workbook.close()


def write_results(campaign: Campaign, handle) -> None:
    workbook = xlsx.workbook(handle, {"in_memory": False})
    percent = workbook.add_format({"num_format": "0.0%"})
    sheet = _sheet(workbook, _("Estimates"), [
        _("Measure"), _("Estimate"), _("Lower bound"), _("Upper bound"), _("Standard error"), _("Units"),
        _("Design effect"), _("Method"), _("Threshold"), _("In plain words"),
    ], [30, 10, 10, 10, 12, 8, 10, 16, 10, 60])  # fmt: skip
    for row, line in enumerate(results.estimates(campaign), start=1):
        est = line.estimate
        sheet.write(row, 0, line.label)
        if est is not None and est.rate is not None:
            for column, value, style in ((1, est.rate, percent), (2, est.low, percent), (3, est.high, percent),
                                         (4, est.se, None), (5, est.n, None), (6, est.deff, None)):  # fmt: skip
                if value is not None:  # too few answers leave the interval, the error or the deff undefined
                    sheet.write_number(row, column, value, style)
            sheet.write(row, 7, line.method_label)
        sheet.write(row, 8, line.threshold)
        sheet.write(row, 9, line.sentence)
    comparison = results.comparison(campaign)
    if comparison:
        sheet = _sheet(workbook, _("Comparison"), [
            _("Item"), _("Verified at both levels"), _("Agreed"), _("Consistent below, inconsistent here"),
            _("Inconsistent below, consistent here"),
        ], [16, 16, 10, 24, 24])  # fmt: skip
        for row, line in enumerate(comparison["items"], start=1):
            sheet.write_row(row, 0, [line["label"], line.get("both", 0), line.get("agreed", 0),
                                     line.get("missed", 0), line.get("overturned", 0)])  # fmt: skip
        start = len(comparison["items"]) + 3
        headers = [_("Checker below"), _("Verified at both levels"), _("Agreed"),
                   _("Consistent below, inconsistent here"), _("Inconsistent below, consistent here")]  # fmt: skip
        sheet.write_row(start, 0, headers)
        for row, line in enumerate(comparison["checkers"], start=start + 1):
            sheet.write_row(row, 0, [line["name"], line.get("both", 0), line.get("agreed", 0), line.get("missed", 0),
                                     line.get("overturned", 0)])  # fmt: skip
    workbook.close()
