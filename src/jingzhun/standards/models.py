"""Check runs and their findings: every finding traceable to the rule set, the parameters and the values."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckRun(models.Model):  # 核查运行
    """One run of a rule set over a region for an income year."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    region = models.ForeignKey("registry.Region", verbose_name=_("region"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("income year"))
    engine = models.CharField(_("engine"), max_length=10)
    ruleset_name = models.CharField(_("rule set"), max_length=60)
    ruleset_version = models.PositiveIntegerField(_("rule set version"))
    ruleset_sha256 = models.CharField(_("rule set SHA-256"), max_length=64)
    parameters = models.JSONField(_("parameters used"), default=dict)
    # What each rule of the set was when this run used it (item, level, severity, titles, messages, condition).
    rules = models.JSONField(_("rules used"), default=dict)
    counts = models.JSONField(_("findings per rule"), default=dict)
    total = models.PositiveIntegerField(_("findings"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("check run")
        verbose_name_plural = _("check runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.region_id} {self.year}"

    @property
    def heartbeat_path(self) -> Path:
        """Touched every few seconds while the run's process lives (see jingzhun.core.liveness)."""
        return Path(settings.DATA_DIR) / "checkruns" / f"{self.pk}.alive"


class Finding(models.Model):  # 核查发现
    """A rule that fired on a household (household rules) or on one of its members (person rules)."""

    # No database-level constraint on the run either: the run inserts its findings with its own id, just created,
    # in one statement per level; on PostgreSQL the deferred per-row check of that constraint ran at commit and cost
    # as much as writing the findings. Lookups by run use the (run, region_code, rule_id) index below.
    run = models.ForeignKey(
        CheckRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="findings",
        db_constraint=False,
        db_index=False,
    )
    rule_id = models.CharField(_("rule"), max_length=10)
    # No database-level constraint on household and person: a run selects them from those very rows in its own
    # transaction, and a per-row constraint check was a third of the cost of writing 276,000 findings. The ORM
    # still deletes a household's findings with it.
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # the (run, household) index below serves lookups by household
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        # No query looks findings up by person (pages go by household and run), and persons are never deleted
        # (they move out), so the index is not kept. Measured on PostgreSQL at a million persons, same database:
        # a run took 6.16 s with it and 6.13 s without, so it was space and upkeep rather than time.
        db_index=False,
    )
    region_code = models.CharField(_("region code"), max_length=12)
    item = models.CharField(_("item of the standard"), max_length=12, blank=True)  # the rule's, as it ran
    values_json = models.TextField(_("values"), default="{}")  # the fields and parameters that made it fire

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            # Counts per region and rule of one run: a range on region_code within the run.
            models.Index(fields=["run", "region_code", "rule_id"], name="finding_run_region_rule"),
            # A household's findings of a run (its page, the ledger, comparing runs: every lookup names the run).
            # Run first, so that a new run's keys go at the index's end: with (household, run) they landed all over
            # it, and each SQLite run's commit grew with the findings already kept (1M persons: 2.78 s → 3.11 s
            # over six runs; with (run, household) 2.75–2.81 s throughout; docs/performance.md).
            models.Index(fields=["run", "household"], name="finding_run_household"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.household_id}"

    @property
    def values(self) -> dict:
        return json.loads(self.values_json or "{}")
