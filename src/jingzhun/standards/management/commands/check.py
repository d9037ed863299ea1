"""``jingzhun check``: run the standard's checks; with --system (or --deploy, --tag), Django's system checks."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.core.management.commands import check as system_check
from rich.console import Console
from rich.table import Table

from jingzhun.engine.compiler import compile_ruleset
from jingzhun.engine.spec import RuleError, load_file
from jingzhun.registry.models import Region, StandardParameters
from jingzhun.standards.rules import load_ruleset, schema
from jingzhun.standards.runs import ENGINES, database_dialect, run_checks


class Command(system_check.Command):
    help = (
        "Check every household and person of a region against the standard (built-in rules, or --rules FILE). "
        "Use --system for Django's configuration checks (--deploy implies it)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--system", action="store_true", help="run Django's system checks instead")
        parser.add_argument("--rules", nargs="+", metavar="FILE", help="rule files (default: the built-in set)")
        parser.add_argument("--region", metavar="CODE", help="12-digit region code (default: every province)")
        parser.add_argument("--year", type=int, help="income year (default: the latest with parameters)")
        parser.add_argument("--engine", choices=ENGINES, default="database")
        parser.add_argument("--snapshot", metavar="DIR", help="Parquet snapshot directory for --engine duckdb")

    def handle(self, *app_labels, **options):
        if options["system"] or options["deploy"] or options["tags"] or options["list_tags"] or app_labels:
            return super().handle(*app_labels, **options)
        rulesets = self._rulesets(options["rules"])
        regions = self._regions(options["region"])
        year = options["year"] or self._latest_year()
        console = Console(file=self.stdout, highlight=False)
        for ruleset in rulesets:
            for region in regions:
                run = run_checks(region, year, ruleset=ruleset, engine=options["engine"],
                                 snapshot=options["snapshot"])  # fmt: skip
                self._report(console, run)

    def _rulesets(self, paths):
        """Load and compile every rule file first: a bad rule stops the command before any run starts."""
        try:
            rulesets = [load_file(path) for path in paths] if paths else [load_ruleset()]
            for ruleset in rulesets:
                compile_ruleset(ruleset, schema(), database_dialect())
        except RuleError as exc:
            raise CommandError(str(exc)) from None
        return rulesets

    def _regions(self, code):
        if code:
            try:
                return [Region.objects.get(code=code)]
            except Region.DoesNotExist:
                raise CommandError(f"no region with code {code}") from None
        regions = list(Region.objects.filter(parent__isnull=True).order_by("code"))
        if not regions:
            raise CommandError("the registry has no regions yet: import or synthesize some first")
        return regions

    def _latest_year(self) -> int:
        year = StandardParameters.objects.order_by("-year").values_list("year", flat=True).first()
        if year is None:
            raise CommandError("no standard parameters: run `jingzhun migrate`")
        return year

    def _report(self, console: Console, run) -> None:
        table = Table(
            title=f"Check run #{run.pk}: {run.region} · {run.year} · {run.ruleset_name} v{run.ruleset_version}"
        )
        table.add_column("rule")
        table.add_column("findings", justify="right")
        for rule_id, count in sorted(run.counts.items()):
            table.add_row(rule_id, f"{count:,}")
        table.add_row("total", f"{run.total:,}")
        console.print(table)
        console.print(f"{run.seconds:.2f} s on {run.engine}; rule set sha256 {run.ruleset_sha256[:12]}")
