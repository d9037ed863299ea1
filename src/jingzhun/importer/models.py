"""An import of a registry file from the web (导入记录): who, when, which file, and what it changed.

The uploaded file and its rejection reports are kept under ``DATA_DIR/imports/<folder>/``; the record keeps the
counts and the summary so the result page survives the worker and the file system's clean-ups.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core import liveness, progress

REPORT_FORMATS = ("csv", "xlsx")


class RegistryImport(models.Model):  # 导入记录
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")

    class Refusal(models.TextChoices):
        UNREADABLE = "unreadable", _("The file cannot be read as a table.")
        NO_HEADER = "no_header", _("No header row with the template's columns was found.")
        MISSING_COLUMNS = "missing_columns", _("Required columns are missing.")
        FAILED = "failed", _("The import failed; nothing was written. The error is recorded; ask the administrator.")
        STOPPED = (
            "stopped",
            _(
                "The import stopped unexpectedly (its process ended: the worker was stopped or the server restarted); "
                "nothing was written. Upload the file again."
            ),
        )

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    user_name = models.CharField(max_length=150)
    # The region code whose subtree the import may change ("" for a superuser: everything). Who may see the import
    # is decided by it too: the importer's region and the regions above it.
    scope = models.CharField(max_length=12, blank=True)
    file_name = models.CharField(max_length=255)
    folder = models.CharField(max_length=32, unique=True)
    suffix = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)  # rows in the file, for the progress bar
    rows_done = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    blank_rows = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejections = models.PositiveIntegerField(default=0)  # lines of the rejection report (a row may have several)
    encoding = models.CharField(max_length=32, blank=True)
    header_row = models.PositiveIntegerField(null=True, blank=True)
    # unknown_columns, moved_out ([number, name, masked id]), regions_created ([code, name]).
    summary = models.JSONField(default=dict, blank=True)
    refusal = models.CharField(max_length=24, choices=Refusal.choices, blank=True)
    error = models.TextField(blank=True)  # the reader's words or the missing columns (refused), the error (failed)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The import list of a region is a range on scope ordered by time.
        indexes = [models.Index(fields=["scope", "created_at"], name="import_scope_created")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def directory(self) -> Path:
        return Path(settings.DATA_DIR) / "imports" / self.folder

    @property
    def source_path(self) -> Path:
        return self.directory / f"source{self.suffix}"

    @property
    def progress_path(self) -> Path:
        """The row a running import has reached (written by the task outside its transaction; see tasks.py)."""
        return self.directory / "progress"

    @property
    def heartbeat_path(self) -> Path:
        """Touched every few seconds while the import's process lives (see jingzhun.core.liveness)."""
        return self.directory / "alive"

    @property
    def no_worker(self) -> bool:
        """Queued while no task worker runs: the page says so rather than wait silently."""
        return self.status == self.Status.QUEUED and not liveness.worker_running()

    def read_progress(self) -> None:
        """Take the row reached from the progress file while the import runs (``rows_done`` is set when done)."""
        if self.status == self.Status.RUNNING:
            numbers = progress.read(self.progress_path)
            if numbers:
                self.rows_done = max(self.rows_done, numbers[0])

    def report_path(self, fmt: str) -> Path:
        if fmt not in REPORT_FORMATS:
            raise ValueError(fmt)
        return self.directory / f"rejected.{fmt}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return min(100, 100 * self.rows_done // self.rows_total) if self.rows_total else 0

    def counts(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected}  # fmt: skip
