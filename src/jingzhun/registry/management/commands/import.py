"""``jingzhun import FILE``: load a registry file into the database (one transaction), with a rejection report."""

from __future__ import annotations

import getpass
import hashlib
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun.importer import load, report
from jingzhun.importer.reading import ReadError, read_table
from jingzhun.importer.registry_file import RefusedFile, open_file


class Command(BaseCommand):
    help = "Import a registry file (.xlsx, .xls, .csv or .parquet, canonical template); rejected rows go to a report."

    def add_arguments(self, parser):
        parser.add_argument("file", help="registry file: .xlsx, .xls, .csv (UTF-8, with BOM, GB18030/GBK) or .parquet")
        parser.add_argument("--dry-run", action="store_true", help="validate and report without writing")
        parser.add_argument(
            "--create-regions", action="store_true", help="create villages (and ancestors) missing from the hierarchy"
        )
        parser.add_argument(
            "--report", metavar="FILE", help="rejection report, .csv or .xlsx (default <stem>.rejected.csv)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        report_path = Path(options["report"]) if options.get("report") else report.default_path(path)
        if report_path.suffix.lower() not in report.FORMATS:
            raise CommandError(_("--report must end in .csv or .xlsx."))
        console = Console(file=self.stdout, highlight=False, width=120)
        started = time.monotonic()
        try:
            table = read_table(path)
            with Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, transient=True, disable=not console.is_terminal,
            ) as progress:  # fmt: skip
                task = progress.add_task(_("Reading"), total=table.total)
                parsed = open_file(table, load.schema(), lambda row: progress.update(task, completed=row))
                # Read, compared and written batch by batch; the report is written before the commit.
                plan = load.run(
                    parsed,
                    create_regions=options["create_regions"],
                    write=not options["dry_run"],
                    # Who ran it: the account on the server (the command line has no signed-in user).
                    actor_name=f"cli:{getpass.getuser()}",
                    source=path.name,
                    source_sha256="" if options["dry_run"] else _sha256(path),
                    before_commit=lambda plan: report.write(plan.rejections, report_path),
                )
        except ReadError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None
        except RefusedFile as exc:
            if exc.missing:
                raise CommandError(
                    _("The file is refused: required columns are missing: %(columns)s.")
                    % {"columns": "、".join(exc.missing)}
                ) from None
            raise CommandError(_("The file is refused: no header row with the template's columns was found.")) from None
        self._summary(console, path, plan, report_path, options["dry_run"], time.monotonic() - started)

    def _summary(self, console: Console, path: Path, plan: load.Plan, report_path: Path, dry_run: bool, seconds):
        parsed = plan.parsed
        if parsed.encoding:
            console.print(_("Encoding: %(encoding)s") % {"encoding": parsed.encoding})
        console.print(_("Header row: %(row)d") % {"row": parsed.header_row})
        if parsed.unknown_columns:
            console.print(_("Unknown columns (ignored): %(columns)s") % {"columns": "、".join(parsed.unknown_columns)})
        counts = plan.counts()
        table = Table(
            title=_("Dry run: nothing was written") if dry_run else _("Import of %(file)s") % {"file": path.name}
        )
        table.add_column(_("rows"))
        table.add_column(_("count"), justify="right")
        labels = {
            load.INSERTED: pgettext("import outcome", "inserted"),
            load.UPDATED: pgettext("import outcome", "updated"),
            load.UNCHANGED: pgettext("import outcome", "unchanged"),
            load.REJECTED: pgettext("import outcome", "rejected"),
        }
        for outcome in load.OUTCOMES:
            table.add_row(labels[outcome], str(counts[outcome]))
        table.add_row(_("rows read"), str(parsed.rows_read))
        table.add_row(_("blank rows skipped"), str(parsed.blank_rows))
        console.print(table)
        assert sum(counts.values()) == parsed.rows_read, "every row read ends in exactly one outcome"
        for person in plan.moved_out:
            console.print(
                _("Moved out: %(name)s %(id)s of household %(number)s")
                % {"name": person.name, "id": person.id_number, "number": person.household}
            )
        for region in plan.new_regions:
            console.print(_("Region created: %(code)s %(name)s") % {"code": region.code, "name": region.name})
        console.print(
            _("%(count)d rejections written to %(report)s. %(seconds).1f s.")
            % {"count": len(plan.rejections), "report": report_path, "seconds": seconds}
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
