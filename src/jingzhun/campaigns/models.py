"""Verification campaigns (排查): self-check, re-check and spot-check of households, item by item.

A campaign covers a region. Its units are drawn once (``jingzhun.campaigns.service.draw``) under a stored design:
the seed, the frame's hash and size, the design and sample-size computation are kept with the draw so anyone can
re-draw the same sample. Checkers record an observation per item on their units; reconciliation turns every
inconsistency into a ledger problem; the estimates follow the design (``jingzhun.campaigns.results``).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingzhun.core import deferred, liveness, progress
from jingzhun.core.models import StoredFile, stored_path

# What a campaign may verify: the items of the standard the field can see, and the household's members.
ITEM_LABELS = {
    "members": _("members"),
    "income": _("income"),
    "food": _("food"),
    "clothing": _("clothing"),
    "education": _("education"),
    "medical": _("medical care"),
    "housing": _("housing"),
    "water": _("drinking water"),
}
ITEMS = tuple(ITEM_LABELS)


class Level(models.TextChoices):  # 核查层级
    SELF_CHECK = "self_check", _("self-check (every household)")  # 县级自查
    RE_CHECK = "re_check", _("re-check (sample)")  # 市州复查
    SPOT_CHECK = "spot_check", _("spot-check (sample)")  # 省级抽查


class Population(models.TextChoices):  # 核查对象
    ALL = "all", _("all registered households")
    EXITED = "exited", _("exited households")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    DRAWN = "drawn", _("sample drawn")
    CLOSED = "closed", _("closed")


class Campaign(models.Model):  # 核查任务
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="campaigns"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    population = models.CharField(_("households"), max_length=8, choices=Population.choices, default=Population.ALL)
    reference_date = models.DateField(_("reference date"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    items = models.JSONField(_("items to verify"), default=list)
    # The campaign this one re-checks (a city re-check of a county self-check): the level comparison reads both.
    parent = models.ForeignKey(
        "self", verbose_name=_("re-checks"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    # The draw, stored for audit and reproduction: design (sampling.Design.as_dict), the sample size computation,
    # the seed, the frame's size and hash, and what the draw reported (strata, clusters, interval, …).
    design = models.JSONField(_("design"), default=dict, blank=True)
    size = models.JSONField(_("sample size"), default=dict, blank=True)
    seed = models.BigIntegerField(_("seed"), null=True, blank=True)
    frame_size = models.PositiveIntegerField(_("frame size"), default=0)
    frame_hash = models.CharField(_("frame hash"), max_length=64, blank=True)
    outside_size = models.PositiveIntegerField(_("outside households listed"), default=0)
    details = models.JSONField(_("draw details"), default=dict, blank=True)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("verification campaign")
        verbose_name_plural = _("verification campaigns")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sample(self) -> bool:
        return self.level != Level.SELF_CHECK


class OutsideHousehold(models.Model):  # 非建档立卡户 (outside frame for the omission rate)
    """A rural household outside the registry, listed for the campaign (e.g. from the village's residents' list)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="outside")
    village = models.ForeignKey("registry.Region", verbose_name=_("village"), on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    head_name = models.CharField(_("head of household"), max_length=50)
    persons = models.PositiveSmallIntegerField(_("persons"), default=1)
    reference = models.CharField(_("reference"), max_length=60, blank=True)  # the list's own number for it

    class Meta:
        verbose_name = _("outside household")
        verbose_name_plural = _("outside households")
        ordering = ["campaign", "village", "id"]

    def __str__(self) -> str:
        return self.head_name


class UnitStatus(models.TextChoices):
    PENDING = "pending", _("not started")
    STARTED = "started", _("in progress")
    DONE = "done", _("done")


class SampleUnit(models.Model):  # 样本户
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    outside = models.ForeignKey(
        OutsideHousehold, verbose_name=_("outside household"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    region_code = models.CharField(_("village"), max_length=12)
    stratum = models.CharField(_("stratum"), max_length=12, blank=True)
    cluster = models.CharField(_("cluster"), max_length=12, blank=True)
    probability = models.FloatField(_("inclusion probability"))
    weight = models.FloatField(_("design weight"))
    persons = models.PositiveSmallIntegerField(_("persons"), default=0)  # at the draw (registry or outside list)
    exited = models.BooleanField(_("exited household"), default=False)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checker"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="campaign_units",
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=8, choices=UnitStatus.choices, default=UnitStatus.PENDING)
    version = models.PositiveIntegerField(default=0)
    # The idempotency token of the last submission: the same form sent twice is recognised and not applied twice.
    last_token = models.CharField(max_length=64, blank=True)
    # Exited households: does the household stably meet the standard (no → 错退)? Outside households: persons who
    # met the standard yet were never registered (漏评). Every household: does it approve (认可)?
    standard_met = models.BooleanField(_("stably meets the standard"), null=True, blank=True)
    omitted_persons = models.PositiveSmallIntegerField(_("persons omitted"), null=True, blank=True)
    satisfied = models.BooleanField(_("approves"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("sample unit")
        verbose_name_plural = _("sample units")
        ordering = ["campaign", "region_code", "id"]
        indexes = [
            models.Index(fields=["campaign", "checker", "status"], name="unit_campaign_checker"),
            models.Index(fields=["campaign", "region_code"], name="unit_campaign_region"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="unit_once_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.household_id or 'outside ' + str(self.outside_id)}"

    @property
    def is_outside(self) -> bool:
        return self.outside_id is not None


class Result(models.TextChoices):
    CONSISTENT = "consistent", _("consistent")
    INCONSISTENT = "inconsistent", _("inconsistent")
    UNVERIFIABLE = "unverifiable", _("could not verify")


class Observation(models.Model):  # 核查结果 (one per unit and item)
    unit = models.ForeignKey(SampleUnit, on_delete=models.CASCADE, related_name="observations")
    item = models.CharField(_("item"), max_length=12)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    observed = models.CharField(_("observed value"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    problem = models.ForeignKey(
        "ledger.Problem", verbose_name=_("ledger problem"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["unit", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "item"], name="observation_once_per_item")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.item} {self.result}"


def photo_path(instance: Photo, filename: str) -> str:
    return stored_path(f"campaigns/{instance.unit.campaign_id}", instance.unit_id, instance.sha256, filename)


class Photo(StoredFile):  # 佐证照片
    unit = models.ForeignKey(SampleUnit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["unit", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "sha256"], name="photo_once_per_unit")]


class Reconciliation(models.Model):  # 录入台账 (one run of "enter the inconsistencies in the ledger")
    """A run of ``service.reconcile`` queued from the campaign page and done by the task worker (``tasks.py``).

    The campaign page follows it: queued, running ("n of N", read from ``progress_path``: the run's transaction
    is open meanwhile, so the count is not on this row), then done (the problems created) or failed (nothing
    entered). At most one run of a campaign is queued or running at a time (the constraint refuses a second), whether
    the web queued it or ``jingzhun campaign reconcile`` runs it (no task then: ``task_id`` is empty). A run whose
    process ended without saying so (its heartbeat stopped: ``jingzhun.core.liveness``) is marked failed, "stopped",
    which releases the campaign for a new run.

    What a failed run says is kept untranslated (``failure``, and a refusal's message in ``refusal``) and put in
    the reader's language when the page is shown (``failure_message``); ``error`` is the detail for administrators.
    """

    class Failure(models.TextChoices):
        REFUSED = "refused", _("refused")  # a refusal (CampaignError, TransitionError): its own words, in refusal
        ERROR = "error", _("error")  # anything else: the log and error have it
        NOT_QUEUED = "not_queued", _("not queued")
        STOPPED = "stopped", _("stopped")  # its process ended (a worker killed, a machine restarted, Ctrl+C)

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reconciliations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)  # inconsistencies to enter, for the progress bar
    done = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)  # ledger problems created
    failure = models.CharField(max_length=16, choices=Failure.choices, blank=True)  # why it failed
    refusal = models.JSONField(default=dict, blank=True)  # a refusal's message (core.deferred), shown translated
    error = models.TextField(blank=True)  # the detail for administrators (the log has the traceback)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"], condition=models.Q(status__in=["queued", "running"]),
                name="reconciliation_one_active_per_campaign",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.campaign_id} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def progress_path(self) -> Path:
        """The "done total" of a running run (written by the task outside its transaction; see tasks.py)."""
        return Path(settings.DATA_DIR) / "reconciliations" / f"{self.pk}.progress"

    def read_progress(self) -> None:
        """Take "n of N" from the progress file while the run is running (the row has it once done)."""
        if self.status == self.Status.RUNNING:
            numbers = progress.read(self.progress_path)
            if numbers and len(numbers) == 2:
                done, self.total = numbers
                self.done = max(self.done, done)

    @property
    def heartbeat_path(self) -> Path:
        """Touched every few seconds while the run's process lives (see jingzhun.core.liveness)."""
        return Path(settings.DATA_DIR) / "reconciliations" / f"{self.pk}.alive"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def no_worker(self) -> bool:
        """Queued while no task worker runs: the page says so rather than wait silently."""
        return self.status == self.Status.QUEUED and not liveness.worker_running()

    @property
    def failure_message(self) -> str:
        """What the campaign page says about the failed run, in the active language."""
        F = self.Failure
        if self.failure == F.STOPPED:
            return gettext(
                "Entering the inconsistencies in the ledger stopped unexpectedly (its process ended: the worker or "
                "the command was stopped, or the server restarted); nothing was entered. Start it again."
            )
        if self.failure == F.NOT_QUEUED:
            return gettext("The run could not be queued; nothing was entered. Ask the administrator.")
        if self.failure == F.REFUSED:
            reason = deferred.render(self.refusal)
        elif self.failure == F.ERROR:
            reason = gettext("The error is recorded; ask the administrator.")
        else:  # a run failed before runs kept their failure (its message, in the language of the day)
            return self.error
        return gettext("Entering the inconsistencies in the ledger failed; nothing was entered. %(reason)s") % {
            "reason": reason
        }

    @property
    def percent(self) -> int:
        return min(100, 100 * self.done // self.total) if self.total else 0
