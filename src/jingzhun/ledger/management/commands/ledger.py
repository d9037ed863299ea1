"""``jingzhun ledger``: deadline reminders, taking check runs into the ledger, importing problem lists, exporting.

jingzhun ledger remind [--region CODE] [--days 3] [--email]
jingzhun ledger sync [--run ID] [--force]        (default: every finished run not yet in the ledger)
jingzhun ledger import FILE --user NAME [--source assessment|inspection|audit] [--dry-run] [--report FILE]
jingzhun ledger export --region CODE --user NAME --out FILE.xlsx
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from jingzhun.accounts.models import User
from jingzhun.ledger import reminders
from jingzhun.ledger.access import problems_for
from jingzhun.ledger.exports import write_xlsx
from jingzhun.ledger.importing import ListError, import_list, report_csv, report_xlsx
from jingzhun.ledger.models import LedgerSync
from jingzhun.ledger.sync import sync_run
from jingzhun.registry.models import Region
from jingzhun.standards.models import CheckRun


class Command(BaseCommand):
    help = "The problem ledger: remind, sync, import, export (see `jingzhun ledger <what> --help`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        remind = sub.add_parser("remind", help="list overdue and soon-due problems per responsible unit")
        remind.add_argument("--region", metavar="CODE")
        remind.add_argument("--days", type=int, help="what falls due within this many days (default 3)")
        remind.add_argument("--email", action="store_true", help="e-mail each unit's users their list")
        sync = sub.add_parser("sync", help="take finished check runs into the ledger")
        sync.add_argument("--run", type=int, metavar="ID")
        sync.add_argument("--force", action="store_true", help="sync a run of an older income year too")
        imp = sub.add_parser("import", help="import an assessment, inspection or audit list")
        imp.add_argument("file")
        imp.add_argument("--user", required=True, help="import as this user (their region and rights)")
        imp.add_argument("--source", default="assessment", choices=["assessment", "inspection", "audit"])
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--report", metavar="FILE", help="write rejected rows here (.csv or .xlsx)")
        exp = sub.add_parser("export", help="the ledger as .xlsx")
        exp.add_argument("--region", required=True, metavar="CODE")
        exp.add_argument("--user", required=True, help="export as this user (their region and masking rights)")
        exp.add_argument("--out", required=True, metavar="FILE.xlsx")

    def handle(self, *args, what: str, **options):
        console = Console(file=self.stdout, highlight=False)
        getattr(self, f"_{what}")(console, **options)

    def _user(self, name: str) -> User:
        try:
            return User.objects.get(username=name, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user {name!r}") from None

    def _remind(self, console, *, region=None, days=None, email=False, **options):
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"no region with code {region}")
        today = timezone.localdate()
        units = reminders.reminders(region, days=days, today=today)
        if not units:
            console.print("nothing is overdue or due soon")
            return
        table = Table(title=f"Problem ledger reminders · {today:%Y-%m-%d}")
        table.add_column("responsible unit")
        table.add_column("overdue", justify="right", style="red")
        table.add_column("due soon", justify="right")
        table.add_column("oldest deadline")
        for unit in units:
            first = (unit.overdue or unit.due)[0]
            table.add_row(unit.label, f"{len(unit.overdue):,}", f"{len(unit.due):,}", f"{first.deadline:%Y-%m-%d}")
        console.print(table)
        if email:
            console.print(f"sent {reminders.send(units, today):,} e-mails")

    def _sync(self, console, *, run=None, force=False, **options):
        if run is not None:
            runs = list(CheckRun.objects.filter(pk=run))
            if not runs:
                raise CommandError(f"no check run {run}")
        else:
            synced = LedgerSync.objects.values("run_id")
            runs = list(CheckRun.objects.filter(status=CheckRun.Status.DONE).exclude(pk__in=synced).order_by("pk"))
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
            task = bar.add_task("syncing runs", total=len(runs))
            for item in runs:
                result = sync_run(item, force=force)
                bar.advance(task)
                if result.skipped:
                    console.print(f"run #{item.pk}: skipped ({result.skipped})")
                else:
                    counts = f"{result.created:,} new, {result.reopened:,} reopened, "
                    counts += f"{result.fixed_in_data:,} fixed in data, {result.found_again:,} found again"
                    console.print(f"run #{item.pk}: {counts}")

    def _import(self, console, *, file, user, source, dry_run=False, report=None, **options):
        actor = self._user(user)
        try:
            outcome = import_list(Path(file), actor, source=source, dry_run=dry_run)
        except ListError as exc:
            raise CommandError(f"{file}: {exc}") from None
        except PermissionError as exc:
            raise CommandError(str(exc)) from None
        rejected = len({rejection["row"] for rejection in outcome.rejections})
        created = len(outcome.created) if not dry_run else outcome.rows - rejected
        verb = "would create" if dry_run else "created"
        console.print(f"{file}: {outcome.rows:,} rows read, {verb} {created:,} problems, {rejected:,} rejected")
        for rejection in outcome.rejections[:20]:
            console.print(f"  row {rejection['row']}: {rejection['column']} {rejection['value']!r}: "
                          f"{rejection['reason_en']} ({rejection['reason_zh']})")  # fmt: skip
        if report and outcome.rejections:
            path = Path(report)
            data = report_xlsx(outcome.rejections) if path.suffix.lower() == ".xlsx" else report_csv(outcome.rejections)
            path.write_bytes(data)
            console.print(f"rejection report: {path}")

    def _export(self, console, *, region, user, out, **options):
        actor = self._user(user)
        if not Region.objects.filter(code=region).exists():
            raise CommandError(f"no region with code {region}")
        problems = problems_for(actor).in_region(region).order_by("region_code", "id")
        count = write_xlsx(problems, actor, out, title=f"{region} 整改台账")
        from jingzhun.audit.chain import record

        record("export", actor=actor, object_type="ledger", object_id=region, region_code=region,
               changes={"what": "ledger", "format": "xlsx", "problems": count, "via": "command line"})  # fmt: skip
        console.print(f"{count:,} problems written to {out}")
