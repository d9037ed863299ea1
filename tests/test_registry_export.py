"""`jingzhun export registry`: the canonical template out of the database, and back in unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.registry.models import Household, Person
from jingzhun.synth import Options, generate, writers
from test_import import counts, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def imported(tmp_path):
    county = generate(Options(households=120, seed=11))
    source = tmp_path / "county.csv"
    writers.write_csv(county.households, source)
    run(source, "--create-regions")
    return sum(len(h.members) for h in county.households)


def export(tmp_path, name: str, *args) -> str:
    out = io.StringIO()
    call_command("export", "registry", "--out", str(tmp_path / name), *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_export_then_import_is_a_round_trip_that_changes_nothing(imported, tmp_path, suffix):
    assert f"Wrote {imported:,} persons" in export(tmp_path, f"out{suffix}")
    before = list(Person.objects.order_by("pk").values())
    output = run(tmp_path / f"out{suffix}")
    assert counts(output).items() >= {"inserted": 0, "updated": 0, "unchanged": imported, "rejected": 0}.items()
    assert list(Person.objects.order_by("pk").values()) == before


def test_the_export_is_byte_identical_for_the_same_data(imported, tmp_path):
    export(tmp_path, "a.csv")
    export(tmp_path, "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_region_export_holds_only_that_regions_households(imported, tmp_path):
    town = Household.objects.order_by("village_id").first().village.parent
    export(tmp_path, "town.csv", "--region", town.code)
    with open(tmp_path / "town.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["行政区划代码"].startswith(town.code[:9]) for row in rows)
    assert len(rows) == Person.objects.filter(household__village__code__startswith=town.code[:9]).count()


def test_a_parquet_export_has_the_template_columns(imported, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    export(tmp_path, "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == imported and table.column_names[0] == "行政区划代码"


def test_bad_arguments_are_clear_errors(imported, tmp_path):
    with pytest.raises(CommandError, match="cannot tell"):
        export(tmp_path, "out.txt")
    with pytest.raises(CommandError, match="no region with code 519999000000"):
        export(tmp_path, "out.csv", "--region", "519999000000")
