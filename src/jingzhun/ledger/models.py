"""The problem ledger (整改台账): every problem assigned, rectified with evidence, verified and closed (销号).

A problem is born from a rule finding (one per household and rule, however many runs find it), from a field
verification discrepancy, from an imported assessment or inspection list, or by hand. Its status only changes
through ``jingzhun.ledger.transitions`` (conditional UPDATEs that write the history and the audit log) and
``jingzhun.ledger.sync`` (what a check run says about rule-born problems).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.models import StoredFile, stored_path


class Source(models.TextChoices):  # 问题来源
    RULE = "rule", _("standard check")
    VERIFICATION = "verification", _("field verification")
    ASSESSMENT = "assessment", _("effectiveness assessment")
    INSPECTION = "inspection", _("inspection")
    AUDIT = "audit", _("audit")
    MANUAL = "manual", _("entered by hand")


class Status(models.TextChoices):  # 整改状态
    OPEN = "open", _("open")
    RECTIFYING = "rectifying", _("rectifying")
    RECTIFIED = "rectified", _("rectified, awaiting verification")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")


ACTIVE = (Status.OPEN, Status.RECTIFYING, Status.RECTIFIED)  # not yet cleared: what 清零 counts down


class Severity(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class ProblemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE)

    def overdue(self, today=None):
        return self.active().filter(deadline__lt=today or timezone.localdate())

    def in_region(self, code: str):
        from jingzhun.registry import regions

        return self.filter(region_code__range=regions.subtree_bounds(code))


class Problem(models.Model):  # 问题
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # What the source calls it: the rule id, "file.xlsx row 12", a campaign reference.
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True)
    rule_id = models.CharField(_("rule"), max_length=10, blank=True)  # rule-born problems only
    item = models.CharField(_("item of the standard"), max_length=12)
    region_code = models.CharField(_("region code"), max_length=12)  # the household's village, or any region
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="problems", db_index=False,  # the unique (household, rule_id) index serves lookups
    )  # fmt: skip
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="problems",
    )  # fmt: skip
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    # The responsible unit: a region below the assigner (a town, a village) or a department (sector) of a county.
    assignee_region = models.ForeignKey(
        "registry.Region", verbose_name=_("responsible unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    assignee_sector = models.CharField(_("responsible department"), max_length=20, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=60, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(_("version"), default=1)  # +1 on every change: stale forms lose
    measures = models.TextField(_("rectification measures"), blank=True)
    verification_result = models.TextField(_("verification result"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # When the originating rule stopped firing for the household (rule-born problems): "fixed in data".
    fixed_in_data_at = models.DateTimeField(_("fixed in data"), null=True, blank=True)
    last_run = models.ForeignKey(
        "standards.CheckRun", verbose_name=_("last run that found it"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )  # fmt: skip
    reopened = models.PositiveIntegerField(_("times reopened"), default=0)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    rectified_at = models.DateTimeField(_("rectified"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rectified by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    rectified_level = models.CharField(_("level of the rectifier"), max_length=10, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)  # closed or rejected
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["id"]
        constraints = [
            # One problem per household and rule: a re-run finds the same problem, it never duplicates it.
            models.UniqueConstraint(
                fields=["household", "rule_id"], condition=Q(source="rule"), name="problem_once_per_household_rule"
            ),
        ]
        indexes = [
            # The dashboard's counts under a region (per status, per child region and item, per responsible unit,
            # with overdue and fixed-in-data): a range on region_code over an index that holds every column they
            # read, so no table row is visited (bench/ledger.py: 100,000 problems).
            models.Index(
                fields=[
                    "region_code",
                    "status",
                    "item",
                    "assignee_region",
                    "assignee_sector",
                    "deadline",
                    "fixed_in_data_at",
                ],
                name="problem_dashboard",
            ),
            # The list's order (deadline, then number) and the overdue and due-soon ranges.
            models.Index(fields=["deadline", "id"], name="problem_deadline"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item} {self.region_code}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.deadline is not None and self.deadline < timezone.localdate()


class Event(models.Model):  # 整改记录
    """One line of a problem's history: created, assigned, a transition, evidence, a check run's verdict."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        ASSIGNED = "assigned", _("assigned")
        STARTED = "started", _("rectification started")
        RECTIFIED = "rectified", _("rectification submitted")
        SENT_BACK = "sent_back", _("sent back for more work")
        CLOSED = "closed", _("verified and closed")
        REJECTED = "rejected", _("rejected")
        REOPENED = "reopened", _("reopened")
        FIXED_IN_DATA = "fixed_in_data", _("fixed in data")
        FOUND_AGAIN = "found_again", _("found again by a check run")
        EVIDENCE = "evidence", _("evidence added")
        EDITED = "edited", _("edited")

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    at = models.DateTimeField(_("time"))
    # The Monday of ``at``'s week (local time): the weekly trend groups by it with an index, no date functions.
    week = models.DateField(_("week"))
    region_code = models.CharField(_("region code"), max_length=12)  # the problem's, for the trend by region
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        ordering = ["problem", "at", "id"]
        # The weekly trend: a few actions over the last weeks, grouped in index order (no sort), region filtered.
        indexes = [models.Index(fields=["action", "week", "region_code"], name="event_action_week_region")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action}"

    @property
    def from_label(self) -> str:
        return str(Status(self.from_status).label) if self.from_status in Status.values else self.from_status

    @property
    def to_label(self) -> str:
        return str(Status(self.to_status).label) if self.to_status in Status.values else self.to_status


def evidence_path(instance: Evidence, filename: str) -> str:
    return stored_path("evidence", instance.problem_id, instance.sha256, filename)


class Evidence(StoredFile):  # 整改佐证
    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["problem", "uploaded_at", "id"]


class ListImport(models.Model):  # 问题清单导入
    """An imported list of assessment, inspection or audit findings: who, what file, what became of its rows."""

    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("problems created"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rejections = models.JSONField(_("rejections"), default=list)  # [{row, column, value, reason_zh, reason_en}]
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    region_code = models.CharField(_("region code"), max_length=12, blank=True)  # the importer's scope

    class Meta:
        verbose_name = _("problem list import")
        verbose_name_plural = _("problem list imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d})"


class LedgerSync(models.Model):  # 台账同步
    """One check run taken into the ledger, and what it changed."""

    run = models.OneToOneField(
        "standards.CheckRun", verbose_name=_("run"), on_delete=models.CASCADE, related_name="ledger_sync"
    )
    at = models.DateTimeField(_("time"))
    created = models.PositiveIntegerField(_("problems created"), default=0)
    reopened = models.PositiveIntegerField(_("problems reopened"), default=0)
    fixed_in_data = models.PositiveIntegerField(_("fixed in data"), default=0)
    found_again = models.PositiveIntegerField(_("found again"), default=0)

    class Meta:
        verbose_name = _("ledger sync")
        verbose_name_plural = _("ledger syncs")

    def __str__(self) -> str:
        return f"run {self.run_id}"
