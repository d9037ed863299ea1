"""`jingzhun campaign`: create, draw (design, sample size and summary printed, sample written), estimate."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from conftest import COUNTY, VILLAGES, add_households
from jingzhun.campaigns import sampling
from jingzhun.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("campaign", *args, stdout=out)
    return out.getvalue()


def test_create_draw_and_estimate_from_the_command_line(personas, tmp_path):
    for village in VILLAGES:
        add_households(village, 30)
    output = run("create", "--user", "county_officer", "--region", COUNTY, "--name", "市级复查", "--level",
                 "re_check", "--items", "income", "housing")  # fmt: skip
    campaign = Campaign.objects.get()
    assert f"campaign {campaign.pk} created" in output
    expected = sampling.sample_size(margin=0.1, population=120, confidence=0.9)
    dry = run("draw", str(campaign.pk), "--user", "county_officer", "--margin", "0.1", "--confidence", "0.9",
              "--dry-run")  # fmt: skip
    assert f"sample size: {expected.n}" in dry and expected.formula in dry
    assert not campaign.units.exists()
    sample = tmp_path / "sample.xlsx"
    output = run("draw", str(campaign.pk), "--user", "county_officer", "--margin", "0.1", "--confidence", "0.9",
                 "--seed", "5", "--out", str(sample))  # fmt: skip
    assert f"drawn: {expected.n} units · seed 5" in output and "Sample by stratum" in output
    assert campaign.units.count() == expected.n
    rows = CalamineWorkbook.from_path(str(sample)).get_sheet_by_index(0).to_python()
    assert len(rows) == expected.n + 1
    output = run("estimate", str(campaign.pk))
    assert f"0 of {expected.n} done" in output and "Estimates" in output
    listing = run("list")
    assert "市级复查" in listing and f"0 / {expected.n}" in listing


def test_command_errors_name_the_problem(personas):
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        run("create", "--user", "nobody", "--region", COUNTY, "--name", "x")
    with pytest.raises(CommandError, match="no campaign 99"):
        run("estimate", "99")
    # The service's refusal, in the site's language.
    with pytest.raises(CommandError, match="您无权为该区域设置核查任务"):
        run("create", "--user", "viewer", "--region", COUNTY, "--name", "x")
