"""``jingzhun synth``: generate a synthetic county with planted defects, into the database or a registry file."""

from __future__ import annotations

import re
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun import synth
from jingzhun.core import xlsx
from jingzhun.registry import regions
from jingzhun.synth import places, writers
from jingzhun.synth.standard import RULE_IDS, Standard

_RULE_RATE = re.compile(r"^([A-Za-z]{2,3}-\d{3})=(.+)$")


def _rate(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CommandError(_("A defect rate must be a number from 0 to 1, not %(value)r.") % {"value": text}) from None


class Command(BaseCommand):
    help = "Generate a synthetic county with planted defects and their ground truth (into the database or a file)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=1000, help="number of households (default 1000)")
        parser.add_argument("--seed", type=int, default=0, help="random seed; same seed and options, same output")
        parser.add_argument("--out", help="write a registry file (.xlsx or .csv) instead of the database")
        parser.add_argument("--truth", help="ground-truth CSV (default: <out stem>.truth.csv or var/synth-truth.csv)")
        parser.add_argument("--county", default=places.DEFAULT_COUNTY, help="12-digit county code (default 汉源县)")
        parser.add_argument("--year", type=int, default=synth.DEFAULT_YEAR, help="income year (default 2025)")
        parser.add_argument("--defect-rate", default=str(synth.DEFAULT_RATE), help="share of defects for every kind")
        parser.add_argument(
            "--defect", action="append", default=[], metavar="RULE=R", help="share for one rule, e.g. DQ-001=0.05"
        )

    def handle(self, *args, **options):
        synth_options, out, truth_path = self._parse(options)
        console = Console(file=self.stdout, highlight=False)
        started = time.monotonic()
        with self._progress(console) as progress:
            task = progress.add_task(_("Generating"), total=None)
            county = synth.generate(synth_options, progress=lambda step: progress.update(task, description=step))
            progress.update(task, total=1, completed=1)
            write = progress.add_task(_("Writing"), total=county.person_count)

            def advance(done: int) -> None:
                progress.update(write, completed=done)

            if out is None:
                try:
                    writers.write_database(county, progress=advance)
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
            elif out.suffix.lower() == ".xlsx":
                if county.person_count >= xlsx.MAX_ROWS:  # refused before a row is written
                    raise CommandError(str(xlsx.TooManyRows()))
                writers.write_xlsx(county.households, out, advance)
            else:
                writers.write_csv(county.households, out, advance)
            progress.update(write, completed=county.person_count)
        writers.write_truth(county.truth, truth_path)
        self._summary(console, county, out, truth_path, time.monotonic() - started)

    def _parse(self, options) -> tuple[synth.Options, Path | None, Path]:
        if options["households"] < 0:
            raise CommandError(_("--households cannot be negative."))
        county = options["county"]
        if not regions.is_code(county) or regions.level_of(county) != "county":
            raise CommandError(_("--county must be a 12-digit county code, such as 511823000000."))
        try:
            places.ancestor_names(county)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        rates = {}
        for item in options["defect"]:
            match = _RULE_RATE.match(item.strip())
            if not match:
                raise CommandError(_("--defect takes RULE=RATE, such as DQ-001=0.05, not %(value)r.") % {"value": item})
            rule, value = match.group(1).upper(), match.group(2)
            if rule not in RULE_IDS:
                raise CommandError(
                    _("Unknown rule id %(rule)s. Known: %(known)s.") % {"rule": rule, "known": ", ".join(RULE_IDS)}
                )
            rates[rule] = _rate(value)
        default_rate = _rate(str(options["defect_rate"]))
        for rule, rate in [("--defect-rate", default_rate), *rates.items()]:
            if not 0 <= rate <= 1:
                raise CommandError(
                    _("The rate for %(rule)s must be from 0 to 1, not %(rate)s.") % {"rule": rule, "rate": rate}
                )
        out = Path(options["out"]) if options.get("out") else None
        if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(_("--out must end in .xlsx or .csv."))
        standard = self._standard(county, options["year"], database=out is None)
        truth = options.get("truth")
        if truth:
            truth_path = Path(truth)
        elif out is not None:
            truth_path = out.with_name(out.stem + ".truth.csv")
        else:
            truth_path = Path(settings.DATA_DIR) / "synth-truth.csv"
        synth_options = synth.Options(
            households=options["households"],
            seed=options["seed"],
            county=county,
            year=options["year"],
            defect_rate=default_rate,
            rates=rates,
            standard=standard,
        )
        return synth_options, out, truth_path

    def _standard(self, county: str, year: int, *, database: bool) -> Standard:
        """Use the database's parameters when writing there (a province may have its own), else the defaults."""
        if database:
            from jingzhun.registry.models import StandardParameters

            try:
                return Standard.from_parameters(StandardParameters.resolve(county, year), year)
            except StandardParameters.DoesNotExist:
                pass
        try:
            return Standard.default(year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _progress(self, console: Console) -> Progress:
        return Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        )  # fmt: skip

    def _summary(self, console: Console, county, out, truth_path, seconds: float) -> None:
        towns = sum(1 for region in county.regions if region.level == "town")
        console.print(
            _("%(county)s: %(towns)d towns, %(villages)d villages, %(households)d households, %(persons)d persons")
            % {
                "county": county.regions[2].name,
                "towns": towns,
                "villages": len(county.villages),
                "households": len(county.households),
                "persons": county.person_count,
            }
        )
        found = county.truth_counts()
        table = Table(title=_("Defects per rule"))
        for title in (_("rule"), _("planted"), _("findings in truth")):
            table.add_column(title, justify="right" if title != _("rule") else "left")
        for rule in RULE_IDS:
            table.add_row(rule, str(county.planted[rule]), str(found.get(rule, 0)))
        console.print(table)
        target = str(out) if out else _("the database")
        console.print(_("Wrote %(target)s and the truth to %(truth)s in %(seconds).1f s.") % {
            "target": target, "truth": truth_path, "seconds": seconds})  # fmt: skip
