"""``jingzhun regions import FILE``: load a division-code table (12-digit code, name, optional level)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rich.console import Console
from rich.table import Table

from jingzhun.importer.reading import ReadError, read_table
from jingzhun.importer.regions import REASON_TEXT, RegionFileError, import_regions


class Command(BaseCommand):
    help = "Work with the region hierarchy: `regions import FILE` loads a division-code table (.csv or .xlsx)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        load = subcommands.add_parser("import", help="load a division-code table (code, name, optional level)")
        load.add_argument("file", help=".csv or .xlsx with code and name columns (level optional)")
        load.add_argument("--dry-run", action="store_true", help="validate and report without writing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        try:
            result = import_regions(read_table(path), dry_run=options["dry_run"])
        except ReadError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None
        except RegionFileError:
            raise CommandError(_("No header row with a code and a name column was found.")) from None
        console = Console(file=self.stdout, highlight=False, width=120)
        table = Table(title=_("Regions from %(file)s") % {"file": path.name})
        table.add_column(_("regions"))
        table.add_column(_("count"), justify="right")
        for label, items in (
            (pgettext("import outcome", "created"), result.created),
            (pgettext("import outcome", "updated"), result.updated),
            (pgettext("import outcome", "unchanged"), result.unchanged),
            (pgettext("import outcome", "rejected"), result.rejected),
        ):
            table.add_row(label, str(len(items)))
        console.print(table)
        for row, code, reason in result.rejected:
            console.print(
                _("Row %(row)d %(code)s: %(reason)s") % {"row": row, "code": code, "reason": REASON_TEXT[reason]}
            )
        if options["dry_run"]:
            console.print(_("Dry run: nothing was written."))
