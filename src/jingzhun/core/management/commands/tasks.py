"""``jingzhun tasks``: the background runs whose process has ended.

jingzhun tasks sweep    mark failed every import, reconciliation and check run (and task) whose process ended
                        (the worker does this at its start and every minute; this is for a setup without one)
jingzhun tasks status   whether a task worker is running, and the runs that are queued or running
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from jingzhun.core import liveness


class Command(BaseCommand):
    help = "Background runs: sweep (mark failed the runs whose process ended) or status."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("sweep", help="mark failed every run whose process has ended")
        sub.add_parser("status", help="is a task worker running; the queued and running runs")

    def handle(self, *args, what: str, **options):
        if what == "sweep":
            swept = liveness.sweep()
            self.stdout.write(", ".join(f"{kind}: {count}" for kind, count in swept.items()) + " marked failed")
            return
        from jingzhun.campaigns.models import Reconciliation
        from jingzhun.importer.models import RegistryImport
        from jingzhun.standards.models import CheckRun

        self.stdout.write(f"task worker running: {'yes' if liveness.worker_running() else 'no'}")
        active = [
            *(f"import {i.pk} ({i.file_name}): {i.status}" for i in RegistryImport.objects.filter(
                status__in=[RegistryImport.Status.QUEUED, RegistryImport.Status.RUNNING])),
            *(f"reconciliation {r.pk} (campaign {r.campaign_id}): {r.status}" for r in Reconciliation.objects.filter(
                status__in=Reconciliation.ACTIVE)),
            *(f"check run {c.pk} ({c.region_id} {c.year}): {c.status}" for c in CheckRun.objects.filter(
                status=CheckRun.Status.RUNNING)),
        ]  # fmt: skip
        self.stdout.write("\n".join(active) if active else "no run is queued or running")
