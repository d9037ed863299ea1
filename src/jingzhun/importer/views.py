"""Pages of the web import: upload a registry file, follow the background import, see and download its result."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.audit.chain import client_ip, record
from jingzhun.core.uploads import validate_upload
from jingzhun.importer.access import can_import, get_import_for_user, import_scope, imports_for
from jingzhun.importer.messages import reason_text
from jingzhun.importer.models import REPORT_FORMATS, RegistryImport
from jingzhun.importer.registry_file import REASONS
from jingzhun.importer.tasks import import_registry_task, refresh

UPLOAD_KINDS = {"csv", "xlsx", "xls", "parquet"}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Registry file"), help_text=_(".xlsx, .xls, .csv (UTF-8 or GB18030) or .parquet"))
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.kind = validate_upload(upload, kinds=UPLOAD_KINDS)
        return upload


def _require_import_right(user) -> None:
    if not can_import(user):
        raise PermissionDenied("import")


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The imports the user may see, newest first, with the upload button."""
    _require_import_right(request.user)
    imports = list(imports_for(request.user).select_related(None)[:50])
    for entry in imports:
        refresh(entry)  # one whose process ended is listed as failed, not as running for ever
    return render(request, "importer/list.html", {"imports": imports})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a file: checked (type by content, size), stored under the data directory, queued for the worker."""
    user = request.user
    _require_import_right(user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        entry = _store(upload, form.kind, user, dry_run=form.cleaned_data["dry_run"])
        try:
            result = import_registry_task.enqueue(entry.pk)
        except Exception:
            RegistryImport.objects.filter(pk=entry.pk, status=RegistryImport.Status.QUEUED).update(
                status=RegistryImport.Status.FAILED, refusal=RegistryImport.Refusal.FAILED,
                error="the task could not be queued (see the log)", finished_at=timezone.now(),
            )  # fmt: skip
            raise
        RegistryImport.objects.filter(pk=entry.pk).update(task_id=str(result.id))
        return redirect("importer:detail", import_id=entry.pk)
    return render(request, "importer/new.html", {"form": form}, status=400 if form.errors else 200)


def _store(upload, kind: str, user, *, dry_run: bool) -> RegistryImport:
    """Write the upload to ``DATA_DIR/imports/<folder>/source.<kind>`` and record it (with its SHA-256)."""
    name = PurePath(upload.name or "").name[:255] or f"upload.{kind}"
    entry = RegistryImport(user=user, user_name=user.get_username(), scope=import_scope(user) or "", file_name=name,
                           folder=uuid.uuid4().hex, suffix=f".{kind}", size=upload.size, sha256="",
                           dry_run=dry_run)  # fmt: skip
    entry.directory.mkdir(parents=True, exist_ok=False)
    digest = hashlib.sha256()
    with open(entry.source_path, "wb") as target:
        for chunk in upload.chunks():
            digest.update(chunk)
            target.write(chunk)
    entry.sha256 = digest.hexdigest()
    entry.save()
    return entry


@login_required
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The import: its progress while the worker runs it, then its result (the page survives: it reads the row)."""
    entry = get_import_for_user(request.user, import_id)
    refresh(entry)
    entry.read_progress()
    return render(request, "importer/detail.html", {"entry": entry, "reasons": _reasons(entry)})


@login_required
@require_GET
def import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress indicator alone (htmx polls it every 2 s); a finished import reloads the page to its result."""
    entry = get_import_for_user(request.user, import_id)
    refresh(entry)
    entry.read_progress()
    response = render(request, "importer/_status.html", {"entry": entry})
    if entry.finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def import_report(request: HttpRequest, import_id: int, fmt: str) -> HttpResponse:
    """Download the rejection report (.csv or .xlsx); the download is written to the audit log."""
    entry = get_import_for_user(request.user, import_id)
    if fmt not in REPORT_FORMATS or entry.status != RegistryImport.Status.DONE:
        raise Http404("no report")
    path = entry.report_path(fmt)
    if not path.is_file():
        raise Http404("no report")
    record("export", actor=request.user, obj=entry, region_code=entry.scope, ip=client_ip(request),
           changes={"what": "import rejections", "format": fmt, "file": entry.file_name})  # fmt: skip
    stem = PurePath(entry.file_name).stem
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{stem}.rejected.{fmt}")


def _reasons(entry: RegistryImport) -> list[tuple[str, str, int]]:
    """(code, text in the page's language, count) of each rejection reason of the import, in the docs' order."""
    found = entry.summary.get("reasons", {})
    return [(code, reason_text(code, "…"), found[code]) for code in REASONS if code in found]
