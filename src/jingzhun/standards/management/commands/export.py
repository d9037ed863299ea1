"""``jingzhun export WHAT …``: write data out of jingzhun for the data office (unmasked: this is the office's copy).

Each kind of export is a subcommand with its own arguments (``registry``, ``findings``, ``snapshot``): one entry of
SUBCOMMANDS each (a function that adds arguments, a function that runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from jingzhun.audit.chain import record
from jingzhun.core import xlsx
from jingzhun.registry.models import Region
from jingzhun.standards.exports import FORMATS, write_findings
from jingzhun.standards.models import CheckRun, Finding


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable
    handle: Callable  # (command, options) -> None


# --- findings ----------------------------------------------------------------------------------------------------


def _findings_arguments(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default=None, help="csv or xlsx (default: from --out)")
    parser.add_argument("--out", required=True, metavar="FILE", help="file to write")
    parser.add_argument("--run", type=int, metavar="ID", help="check run id (default: the latest finished run)")


def _export_findings(command: BaseCommand, options: dict) -> None:
    out = Path(options["out"])
    fmt = options["format"] or out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise CommandError(f"say --format csv or --format xlsx (cannot tell from {out.name!r})")
    finished = CheckRun.objects.filter(status=CheckRun.Status.DONE)
    if options["run"]:
        run = finished.filter(pk=options["run"]).first()
        if run is None:
            raise CommandError(f"no finished check run #{options['run']}")
    else:
        run = finished.order_by("-finished_at", "-id").first()
        if run is None:
            raise CommandError("no finished check run yet: run `jingzhun check` first")
    if out.parent and not out.parent.is_dir():
        raise CommandError(f"no directory {out.parent}")
    # The office's copy: unscoped and unmasked; the words in the values column in Chinese.
    with translation.override("zh-hans"):
        count = write_findings(Finding.objects.filter(run=run), fmt, out)
    record("export", obj=run, region_code=run.region_id,
           changes={"what": "findings", "format": fmt, "file": str(out), "rows": count, "masked": False})  # fmt: skip
    command.stdout.write(f"Wrote {count:,} findings of check run #{run.pk} ({run.region_id}, {run.year}) to {out}")


# --- snapshot ----------------------------------------------------------------------------------------------------


def _snapshot_arguments(parser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for the Parquet files")
    parser.add_argument("--region", metavar="CODE", help="only households under this region (default: all)")


def _export_snapshot(command: BaseCommand, options: dict) -> None:
    try:
        from jingzhun.standards.snapshot import write_snapshot
    except ImportError:
        raise CommandError("the Parquet snapshot needs the duckdb extra: pip install 'jingzhun[duckdb]'") from None
    code = options["region"]
    if code and not Region.objects.filter(code=code).exists():
        raise CommandError(f"no region with code {code}")
    counts = write_snapshot(options["out"], code)
    record(
        "export",
        object_type="registry.snapshot",
        region_code=code or "",
        changes={"what": "snapshot", "directory": str(options["out"]), "rows": counts, "masked": False},
    )
    rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    command.stdout.write(f"Wrote a Parquet snapshot to {options['out']}: {rows}")
    command.stdout.write(f"Check it with: jingzhun check --engine duckdb --snapshot {options['out']}")


# --- registry ----------------------------------------------------------------------------------------------------


def _registry_arguments(parser) -> None:
    parser.add_argument("--format", choices=("csv", "xlsx", "parquet"), default=None, help="default: from --out")
    parser.add_argument("--out", required=True, metavar="FILE", help="file to write")
    parser.add_argument("--region", metavar="CODE", help="only households under this region (default: all)")
    parser.add_argument("--year", type=int, help="income year to write (default: the latest recorded)")


def _export_registry(command: BaseCommand, options: dict) -> None:
    from jingzhun.importer.export import format_of, registry_rows, write_registry
    from jingzhun.registry.models import Household

    out = Path(options["out"])
    try:
        fmt = format_of(out, options["format"])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    code = options["region"]
    if code and not Region.objects.filter(code=code).exists():
        raise CommandError(f"no region with code {code}")
    households = Household.objects.in_region(code) if code else Household.objects.all()
    skipped: list[str] = []
    try:
        count = write_registry(registry_rows(households, year=options["year"], skipped=skipped), fmt, out)
    except xlsx.TooManyRows as exc:  # raised before the workbook is closed: no file was written
        raise CommandError(str(exc)) from None
    record("export", object_type="registry.household", region_code=code or "",
           changes={"what": "registry", "format": fmt, "file": str(out), "rows": count, "masked": False})  # fmt: skip
    command.stdout.write(f"Wrote {count:,} persons to {out} (the canonical import template, {fmt})")
    if skipped:
        command.stdout.write(f"{len(skipped)} households without members were not written: {', '.join(skipped[:10])}")


SUBCOMMANDS: dict[str, Subcommand] = {
    "registry": Subcommand(
        help="the registry in the canonical import template (csv, xlsx, parquet): re-imports unchanged",
        add_arguments=_registry_arguments,
        handle=_export_registry,
    ),
    "snapshot": Subcommand(
        help="the registry as Parquet files, for batch checks with --engine duckdb",
        add_arguments=_snapshot_arguments,
        handle=_export_snapshot,
    ),
    "findings": Subcommand(
        help="findings of a check run, one row per finding", add_arguments=_findings_arguments, handle=_export_findings
    ),
}


class Command(BaseCommand):
    help = (
        "Export data: `jingzhun export findings --format csv|xlsx --out FILE [--run ID]`, "
        "`jingzhun export snapshot --out DIR [--region CODE]`."
    )

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
        for name, subcommand in SUBCOMMANDS.items():
            subcommand.add_arguments(subparsers.add_parser(name, help=subcommand.help))

    def handle(self, *args, what: str, **options):
        SUBCOMMANDS[what].handle(self, options)
