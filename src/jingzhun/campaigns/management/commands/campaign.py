"""``jingzhun campaign``: set up a verification campaign, draw its sample, print its estimates.

jingzhun campaign list
jingzhun campaign create --user NAME --region CODE --level re_check --name NAME [--population exited] [--items …]
jingzhun campaign draw ID --user NAME --design stratified --margin 0.03 [--confidence 0.95] [--p 0.5] [--deff 1]
                       [--n N] [--clusters M --per-cluster K] [--stratify-by town] [--allocation neyman]
                       [--seed S] [--outside-n N] [--dry-run] [--out sample.xlsx]
jingzhun campaign estimate ID [--out results.xlsx]
jingzhun campaign reconcile ID --user NAME   (enter the inconsistencies in the ledger, with a progress bar)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun.accounts.models import User
from jingzhun.campaigns import exports, results, sampling, service
from jingzhun.campaigns.models import ITEMS, Campaign, Level, Population, Reconciliation, UnitStatus
from jingzhun.registry.models import Region


class Command(BaseCommand):
    help = "Verification campaigns: list, create, draw, estimate, reconcile (see `jingzhun campaign <what> --help`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("list", help="the campaigns and their progress")
        create = sub.add_parser("create", help="set up a campaign")
        create.add_argument("--user", required=True, help="as this user (their region and rights)")
        create.add_argument("--region", required=True, metavar="CODE")
        create.add_argument("--name", required=True)
        create.add_argument("--level", choices=Level.values, default=Level.RE_CHECK)
        create.add_argument("--population", choices=Population.values, default=Population.ALL)
        create.add_argument("--items", nargs="+", choices=ITEMS, default=list(ITEMS))
        create.add_argument("--reference-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
        create.add_argument("--deadline", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
        create.add_argument("--parent", type=int, metavar="ID", help="the campaign this one re-checks")
        draw = sub.add_parser("draw", help="draw the sample (prints the design, sample size and summary)")
        draw.add_argument("campaign", type=int, metavar="ID")
        draw.add_argument("--user", required=True)
        draw.add_argument("--design", choices=["srs", "stratified", "systematic", "pps"], default="stratified")
        draw.add_argument("--margin", type=float, default=0.03, help="margin of error as a fraction (0.03 = 3 points)")
        draw.add_argument("--confidence", type=float, default=0.95)
        draw.add_argument("--p", type=float, default=0.5, help="anticipated proportion (0.5: the most cautious)")
        draw.add_argument("--deff", type=float, default=1.0, help="design effect")
        draw.add_argument("--n", type=int, help="sample size (default: computed from the margin)")
        draw.add_argument("--clusters", type=int, default=0, help="villages to draw (pps)")
        draw.add_argument("--per-cluster", type=int, default=0, help="households per village (pps)")
        draw.add_argument("--stratify-by", choices=list(service.STRATIFY_BY), default="town")
        draw.add_argument("--allocation", choices=["proportional", "neyman"], default="proportional")
        draw.add_argument("--seed", type=int, help="the random seed (default: a new random one, stored)")
        draw.add_argument("--outside-n", type=int, default=0, help="outside households to draw (omission rate)")
        draw.add_argument("--dry-run", action="store_true", help="print the design and size, draw nothing")
        draw.add_argument("--out", metavar="FILE.xlsx", help="also write the sample here")
        estimate = sub.add_parser("estimate", help="print the estimates with their confidence intervals")
        estimate.add_argument("campaign", type=int, metavar="ID")
        estimate.add_argument("--out", metavar="FILE.xlsx", help="also write the results here")
        reconcile = sub.add_parser("reconcile", help="enter every inconsistency in the ledger (one problem each)")
        reconcile.add_argument("campaign", type=int, metavar="ID")
        reconcile.add_argument("--user", required=True, help="as this user (their region and rights)")

    def handle(self, *args, what: str, **options):
        console = Console(file=self.stdout, highlight=False, width=120)
        getattr(self, f"_{what}")(console, **options)

    def _user(self, name: str) -> User:
        try:
            return User.objects.get(username=name, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user {name!r}") from None

    def _campaign(self, pk: int) -> Campaign:
        try:
            return Campaign.objects.select_related("region").get(pk=pk)
        except Campaign.DoesNotExist:
            raise CommandError(f"no campaign {pk}") from None

    def _list(self, console, **options):
        table = Table(title="Verification campaigns")
        for column in ("id", "name", "region", "level", "status", "done / units"):
            table.add_column(column)
        campaigns = Campaign.objects.select_related("region").annotate(
            n=Count("units"), done=Count("units", filter=Q(units__status=UnitStatus.DONE))
        )
        for c in campaigns:
            table.add_row(str(c.pk), c.name, c.region.name, c.level, c.status, f"{c.done:,} / {c.n:,}")
        console.print(table)

    def _create(self, console, *, user, region, name, level, population, items, reference_date, deadline, parent,
                **options):  # fmt: skip
        actor = self._user(user)
        try:
            place = Region.objects.get(code=region)
        except Region.DoesNotExist:
            raise CommandError(f"no region with code {region}") from None
        try:
            campaign = service.create(actor, name=name, region=place, level=level, population=population,
                                      reference_date=reference_date or timezone.localdate(), items=items,
                                      deadline=deadline, parent=self._campaign(parent) if parent else None)  # fmt: skip
        except (service.CampaignError, ValidationError) as exc:
            raise CommandError(_message(exc)) from None
        console.print(f"campaign {campaign.pk} created: {campaign.name} ({campaign.get_level_display()})")

    def _draw(self, console, *, campaign, user, design, margin, confidence, p, deff, n, clusters, per_cluster,
              stratify_by, allocation, seed, outside_n, dry_run, out, **options):  # fmt: skip
        actor = self._user(user)
        found = self._campaign(campaign)
        population = service.frame_count(found)
        console.print(f"[bold]{found.name}[/] · {found.region.name} · frame: {population:,} households "
                      f"({found.get_population_display()})")  # fmt: skip
        size, chosen = None, None
        if found.is_sample:
            try:
                size = sampling.sample_size(margin=margin, population=population or None, confidence=confidence,
                                            p=p, deff=deff)  # fmt: skip
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            total = clusters * per_cluster if design == "pps" else min(n or size.n, population)
            chosen = sampling.Design(kind=design, n=total, allocation=allocation, clusters=clusters,
                                     per_cluster=per_cluster)  # fmt: skip
            console.print(f"design: {chosen.as_dict()}")
            console.print(f"sample size: {size.n:,}")
            console.print(f"  {size.formula}", soft_wrap=True)
            if n or design == "pps":
                console.print(f"sample size used: {total:,}")
        else:
            console.print("self-check: every household of the frame")
        if dry_run:
            return
        try:
            drawn = service.draw(found, actor, design=chosen, stratify_by=stratify_by,
                                 size=size.__dict__ if size else {}, seed=seed, outside_n=outside_n)  # fmt: skip
        except (service.CampaignError, ValidationError, ValueError) as exc:
            raise CommandError(_message(exc)) from None
        console.print(f"drawn: {drawn.units.count():,} units · seed {drawn.seed} · frame hash {drawn.frame_hash}")
        strata = Counter(drawn.units.values_list("stratum", flat=True))
        table = Table(title="Sample by stratum")
        table.add_column("stratum")
        table.add_column("units", justify="right")
        table.add_column("frame", justify="right")
        for stratum, count in sorted(strata.items()):
            table.add_row(stratum or "—", f"{count:,}", f"{drawn.details.get('strata_N', {}).get(stratum, '')}")
        console.print(table)
        if out:
            with open(out, "wb") as handle:
                exports.write_sample(drawn, actor, handle)
            console.print(f"sample written to {out}")

    def _estimate(self, console, *, campaign, out, **options):
        found = self._campaign(campaign)
        progress = results.progress(found)["total"]
        design = found.design.get("kind", "—")
        console.print(f"[bold]{found.name}[/] · design {design} · {progress['done']:,} of {progress['all']:,} done")
        table = Table(title="Estimates")
        for column in ("measure", "estimate", "interval", "units", "deff", "method", "standard"):
            table.add_column(column)
        lines = results.estimates(found)
        for line in lines:
            est = line.estimate
            if est is None or est.rate is None:
                table.add_row(line.label, "—", "", "", "", "", line.threshold)
                continue
            verdict = "" if line.passes is None else (" ✓" if line.passes else " ✗")
            deff = "" if est.deff is None else f"{est.deff:.2f}"
            table.add_row(line.label, results.percent(est.rate),
                          f"{results.percent(est.low)} – {results.percent(est.high)}", f"{est.n:,}", deff,
                          est.method, line.threshold + verdict)  # fmt: skip
        console.print(table)
        for line in lines:
            console.print(line.sentence)
        if out:
            with open(out, "wb") as handle:
                exports.write_results(found, handle)
            console.print(f"results written to {out}")

    def _reconcile(self, console, *, campaign, user, **options):
        """The run the campaign page would queue, run here: the same Reconciliation row (so the page follows it and
        no second run starts meanwhile, from the web or another command), heartbeat and outcome."""
        from jingzhun.campaigns.tasks import refresh, run_reconciliation
        from jingzhun.ledger.transitions import TransitionError

        actor = self._user(user)
        found = self._campaign(campaign)
        for active in found.reconciliations.filter(status__in=Reconciliation.ACTIVE):
            refresh(active)  # a run whose process ended no longer blocks this one
        try:
            with transaction.atomic():
                run = Reconciliation.objects.create(campaign=found, user=actor)
        except IntegrityError:
            raise CommandError(
                f"the inconsistencies of campaign {found.pk} are already being entered in the ledger (from the web or "
                "another command): wait until that run is done"
            ) from None
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("entering inconsistencies", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                created = run_reconciliation(run, progress=progress)
            except (service.CampaignError, TransitionError) as exc:
                raise CommandError(f"{exc} (nothing was entered)") from None
        console.print(f"{created:,} problems created in the ledger (run {run.pk})")


def _message(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
