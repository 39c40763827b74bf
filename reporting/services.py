"""Writes of the reporting app: running exports (SPEC §7.4).

A small export is written in the request; a large one becomes an ExportJob that a Celery
task runs, with progress the page polls and a file its owner downloads. Every export,
and every download of a job's file, is written to the access log (SPEC §8) without the
data itself.
"""

import logging
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AccessLog
from accounts.services import access_log_record
from reporting.exports import export_get
from reporting.models import ExportJob
from reporting.models.exports import INTERRUPTED
from reporting.xlsx import write_xlsx

logger = logging.getLogger(__name__)

# Up to this many rows an export is written in the request; above, in a background job.
INLINE_MAX_ROWS = 5000
# Rows fetched from PostgreSQL per round trip while streaming.
CHUNK_SIZE = 2000
# The job's progress is saved every this many rows.
PROGRESS_EVERY = 2000
# Excel is in Chinese whatever the language of the page (SPEC §7.4).
EXCEL_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class ExportOutcome:
    """Either the file itself (a small export) or the job that will make it."""

    job: ExportJob | None = None
    content: bytes = b""
    filename: str = ""  # in Chinese, e.g. 职工花名册-20261207.xlsx
    fallback: str = ""  # ASCII, e.g. workers-20261207.xlsx


def export_request(*, user, kind, parameters, request=None):
    """Export the records of `kind` that `user` may see, filtered by `parameters` (the
    list's filters as ids and plain values, ready to be stored on a job)."""
    export = export_get(kind)
    queryset = export.queryset(user=user, **parameters)
    total = queryset.count()
    if total <= INLINE_MAX_ROWS:
        buffer = BytesIO()
        export_render(export=export, user=user, queryset=queryset, stream=buffer)
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target_type=export.target_type,
            description=f"{kind} export, {total} rows{_describe(parameters)}",
            request=request,
        )
        return ExportOutcome(content=buffer.getvalue(), filename=download_name(export),
                             fallback=_filename(export))
    with transaction.atomic():
        job = ExportJob.objects.create(user=user, kind=kind, parameters=parameters,
                                       rows_total=total)
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target_type=export.target_type,
            target_id=job.pk,
            description=f"{kind} export job {job.pk}, {total} rows{_describe(parameters)}",
            request=request,
        )
        from reporting.tasks import export_job_run as task

        task.delay_on_commit(job.pk)
    return ExportOutcome(job=job)


def export_render(*, export, user, queryset, stream, progress=None):
    """Write the workbook of `export` to `stream`: title row (report, scope, date), bold
    frozen Chinese header, rows with PII masked unless the user holds the permission."""
    with translation.override(EXCEL_LANGUAGE):
        rows = export.rows(queryset, full_pii=user.can_see_full_pii)
        if progress is not None:
            rows = _counted(rows, progress)
        write_xlsx(
            stream, title=export.title, scope=str(user.organisation or _("Whole district")),
            as_of=timezone.localdate(), columns=export.columns, rows=rows,
            sheet_name=export.title,
        )


def export_job_run(*, job_id):
    """Run a queued export job; safe to run twice. The job is claimed by a conditional
    update, so a second delivery of the task finds nothing to do. A job whose worker died
    (its heartbeat older than JOB_STALE_SECONDS, or marked interrupted) may be claimed
    again by a later delivery."""
    started = timezone.now()
    stale = started - timedelta(seconds=settings.JOB_STALE_SECONDS)
    claimed = ExportJob.objects.filter(pk=job_id).filter(
        Q(status=ExportJob.Status.QUEUED)
        | Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale)
        | Q(status=ExportJob.Status.RUNNING, heartbeat_at__isnull=True, started_at__lt=stale)
        | Q(status=ExportJob.Status.FAILED, error=INTERRUPTED)
    ).update(status=ExportJob.Status.RUNNING, started_at=started, heartbeat_at=started,
             rows_done=0, error="", finished_at=None)
    if not claimed:
        logger.info("export job %s: already claimed, nothing to do", job_id)
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    mine = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING,
                                    started_at=started)
    try:
        export = export_get(job.kind)
        # The scope and permissions of the user now, not when the job was asked for.
        queryset = export.queryset(user=job.user, **job.parameters)
        total = queryset.count()
        mine.update(rows_total=total, heartbeat_at=timezone.now())
        with tempfile.TemporaryFile() as tmp:
            export_render(export=export, user=job.user, queryset=queryset, stream=tmp,
                          progress=lambda done: mine.update(rows_done=done,
                                                            heartbeat_at=timezone.now()))
            tmp.seek(0)
            job.file.save(_filename(export, job), File(tmp), save=False)
        if not mine.update(status=ExportJob.Status.DONE, file=job.file.name,
                           rows_done=total, finished_at=timezone.now()):
            job.file.delete(save=False)  # another run took the job over meanwhile
            return None
    except Exception as error:
        mine.update(status=ExportJob.Status.FAILED, finished_at=timezone.now(),
                    error=type(error).__name__[:255])
        logger.exception("export job %s failed", job_id)
        raise
    job.refresh_from_db()
    return job


def export_jobs_fail_stale(*, job_ids=None, now=None):
    """Mark failed (interrupted) every running or queued job with no sign of life for
    JOB_STALE_SECONDS: its worker died, or its task was lost. Safe to run twice; returns
    how many it failed. Such a job may be asked for again, and a late delivery of its task
    still claims it."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    jobs = ExportJob.objects.filter(
        Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale)
        | Q(status=ExportJob.Status.RUNNING, heartbeat_at__isnull=True, started_at__lt=stale)
        | Q(status=ExportJob.Status.QUEUED, created_at__lt=stale))
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    failed = jobs.update(status=ExportJob.Status.FAILED, error=INTERRUPTED, finished_at=now)
    if failed:
        logger.warning("%s export jobs with no sign of life since %s marked failed", failed,
                       stale.isoformat())
    return failed


def export_job_fail_if_stale(*, job):
    """`job`, marked failed first if its worker died (the page says so)."""
    if not job.is_finished and export_jobs_fail_stale(job_ids=[job.pk]):
        job.refresh_from_db()
    return job


def export_job_download(*, job, user, request=None):
    """The open file of a finished job, its name in Chinese and its ASCII name, for its
    owner; access-logged."""
    if job.user_id != user.pk or job.status != ExportJob.Status.DONE or not job.file:
        raise PermissionDenied
    export = export_get(job.kind)
    access_log_record(
        user=user, action=AccessLog.Action.EXPORT, target_type=export.target_type,
        target_id=job.pk, description=f"{job.kind} export job {job.pk} downloaded",
        request=request,
    )
    return job.file.open("rb"), download_name(export, job), _filename(export, job)


def _counted(rows, progress):
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)


def _filename(export, job=None):
    """The stored file's name, ASCII; also the download's fallback name."""
    return f"{export.filename}{_stamp(job)}.xlsx"


def download_name(export, job=None):
    """The name the file downloads as: the report's, in Chinese."""
    return f"{export.title}{_stamp(job)}.xlsx"


def _stamp(job):
    suffix = f"-{job.pk}" if job is not None else ""
    return f"-{timezone.localdate():%Y%m%d}{suffix}"


def _describe(parameters):
    """Which filters were used, by name only: a search may be a name or an ID (SPEC §8)."""
    used = sorted(k for k, v in parameters.items() if v not in (None, "", [], False))
    return f" (filters: {', '.join(used)})" if used else ""
