"""A deleted check run takes its findings partition with it (PostgreSQL, findings partitioned by run).

The ORM deletes the run's findings first (the cascade); what is left of them on PostgreSQL is an empty partition,
one per run ever made, which every query that does not name its run would still have to plan for. It goes once the
deletion has committed (a rolled-back deletion keeps it).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from jingzhun.standards.models import CheckRun


@receiver(post_delete, sender=CheckRun, dispatch_uid="standards.drop_run_partition")
def drop_run_partition(sender, instance: CheckRun, **kwargs) -> None:
    from jingzhun.standards.runs import drop_run_findings_table

    run_id = instance.pk
    transaction.on_commit(lambda: drop_run_findings_table(run_id, attached=True))
