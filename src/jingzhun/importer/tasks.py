"""The web import as a background task: the same reader, parser and loader as ``jingzhun import``.

``jingzhun serve`` runs the worker beside the web server; the tests run tasks at once. The RegistryImport row is the
state the pages show: the task moves it from queued to running to done (or refused, or failed) and writes the
counts, the summary and both rejection reports.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter

from django.utils import timezone
from django_tasks import task

from jingzhun.core import liveness, progress
from jingzhun.importer import load, report
from jingzhun.importer.models import RegistryImport
from jingzhun.importer.reading import ReadError, read_table
from jingzhun.importer.registry_file import RefusedFile, open_file
from jingzhun.registry.idnumber import mask

logger = logging.getLogger(__name__)
PROGRESS_SECONDS = 1.0  # how often the progress page's counter is written while reading


@task()
def import_registry_task(import_id: int) -> int:
    """Run the import ``import_id`` (a plain value: the task is stored as JSON until a worker takes it)."""
    run_import(RegistryImport.objects.select_related("user").get(pk=import_id))
    return import_id


def run_import(record: RegistryImport) -> None:
    """Read, validate and (unless a dry run) write the file of ``record``; keep the outcome on it.

    A file that cannot be read or lacks required columns is refused: nothing is written. Any other failure rolls
    the import's one transaction back, marks the record failed, and is raised again so the task fails too; so is an
    interruption (a worker told twice to stop), marked stopped. While it runs, the import touches its heartbeat file
    (``jingzhun.core.liveness``) until its outcome is saved: ``refresh`` marks an import whose process ended stopped.
    """
    Status = RegistryImport.Status
    record.status, record.started_at = Status.RUNNING, timezone.now()
    with liveness.Heartbeat(record.heartbeat_path):
        record.save(update_fields=["status", "started_at"])
        _run(record)


def _run(record: RegistryImport) -> None:
    Status = RegistryImport.Status
    try:
        try:
            table = read_table(record.source_path)
            record.rows_total = table.total
            record.save(update_fields=["rows_total"])
            parsed = open_file(table, load.schema(), _progress(record))
            plan = load.run(
                parsed,
                scope=record.scope or None,
                write=not record.dry_run,
                actor=record.user,
                actor_name=record.user_name,
                source=record.file_name,
                source_sha256=record.sha256,
                before_commit=lambda plan: _write_reports(record, plan),  # a failing report leaves nothing written
            )
        except ReadError as exc:  # also mid-file (a row the reader cannot parse): the transaction is rolled back
            return _refuse(record, RegistryImport.Refusal.UNREADABLE, str(exc))
        except RefusedFile as exc:
            if exc.missing:
                return _refuse(record, RegistryImport.Refusal.MISSING_COLUMNS, "、".join(exc.missing))
            return _refuse(record, RegistryImport.Refusal.NO_HEADER, "")
    except BaseException as exc:
        logger.exception("import %s failed", record.pk)
        # The refusal is what the page says (translated when it is shown); the error, for administrators.
        stopped = not isinstance(exc, Exception)  # KeyboardInterrupt, SystemExit
        record.refusal = RegistryImport.Refusal.STOPPED if stopped else RegistryImport.Refusal.FAILED
        record.status, record.error = Status.FAILED, repr(exc)[:2000]
        record.finished_at = timezone.now()
        record.save()
        raise
    counts = plan.counts()
    assert sum(counts.values()) == parsed.rows_read, "every row read ends in exactly one outcome"
    record.inserted, record.updated = counts[load.INSERTED], counts[load.UPDATED]
    record.unchanged, record.rejected = counts[load.UNCHANGED], counts[load.REJECTED]
    record.rows_read, record.blank_rows, record.rows_done = parsed.rows_read, parsed.blank_rows, record.rows_total
    record.rejections = len(plan.rejections)
    record.encoding, record.header_row = parsed.encoding or "", parsed.header_row
    record.summary = {
        "unknown_columns": parsed.unknown_columns,
        # Personal data masked as on every page; the household number finds the record.
        "moved_out": [
            [person.household, person.name, mask(person.id_number, keep_start=4, keep_end=4)]
            for person in plan.moved_out
        ],
        "regions_created": [[region.code, region.name] for region in plan.new_regions],
        "reasons": dict(Counter(rejection.reason for rejection in plan.rejections)),
    }
    record.status, record.finished_at = Status.DONE, timezone.now()
    record.save()


def _refuse(record: RegistryImport, refusal: str, detail: str) -> None:
    record.status, record.refusal, record.error = RegistryImport.Status.REFUSED, refusal, detail[:2000]
    record.finished_at = timezone.now()
    record.save()


def _write_reports(record: RegistryImport, plan: load.Plan) -> None:
    for fmt in ("csv", "xlsx"):
        report.write(plan.rejections, record.report_path(fmt))


def _progress(record: RegistryImport):
    """A callback for the file's batches that notes the row reached at most once a second.

    The rows are read while the import's transaction is open, so the row reached goes to a file beside the
    source (``RegistryImport.progress_path``) that the progress page reads, not to the record: an update of the
    record would stay invisible until the commit (and SQLite allows no second writer meanwhile).
    """
    return progress.Throttled(record.progress_path, PROGRESS_SECONDS)


def refresh(record: RegistryImport) -> bool:
    """Mark ``record`` failed when it is queued or running but nothing runs it any more; return whether it did.

    Running: its heartbeat has stopped (the worker was killed, the machine restarted). Queued: its task failed
    without saying so, or was taken by a worker that has since ended. The import's transaction was never committed
    then: nothing of the file is in the registry.
    """
    if record.finished:
        return False
    running = record.status == RegistryImport.Status.RUNNING
    why = liveness.ended(running, record.heartbeat_path, record.started_at, record.task_id)
    if why is None:
        return False
    stopped, error = why
    refusal = RegistryImport.Refusal.STOPPED if stopped else RegistryImport.Refusal.FAILED
    now = timezone.now()
    active = [RegistryImport.Status.QUEUED, RegistryImport.Status.RUNNING]
    if not RegistryImport.objects.filter(pk=record.pk, status__in=active).update(
        status=RegistryImport.Status.FAILED, refusal=refusal, error=error[:2000], finished_at=now
    ):
        record.refresh_from_db()  # it ended meanwhile, after all
        return False
    logger.warning("import %s marked failed: %s", record.pk, error)
    record.status, record.refusal, record.error, record.finished_at = RegistryImport.Status.FAILED, refusal, error, now
    with contextlib.suppress(OSError):
        record.heartbeat_path.unlink()
    return True


def release_stopped() -> int:
    """``refresh`` every queued or running import; return how many were marked failed."""
    active = [RegistryImport.Status.QUEUED, RegistryImport.Status.RUNNING]
    return sum(refresh(record) for record in RegistryImport.objects.filter(status__in=active))
