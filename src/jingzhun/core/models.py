"""Model parts more than one app shares (abstract: no table of their own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def stored_path(folder: str, owner: int, sha256: str, filename: str) -> str:
    """Where an uploaded file is kept: not the uploaded name (that is kept in ``name``), a path nobody can steer,
    grouped by owner (a problem, a sample unit)."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{folder}/{owner // 1000:04d}/{owner}/{sha256[:16]}.{suffix}"


class StoredFile(models.Model):
    """An uploaded file's record: its name as uploaded, kind (checked from the content), size, SHA-256, who and
    when. Subclasses add the ``file`` field (with their own ``upload_to``) and what the file belongs to."""

    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name
