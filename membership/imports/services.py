"""Writes of roster imports (SPEC §7.4, §11): the web page's runs and the
`import_roster` command go through the same importers.

A run: upload → `import_run_create` stores the file and checks every row (in a Celery
task when the file is large) → the user reads the report → `import_run_start` imports the
good rows (in a task when large) → done. Each step is safe to run twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from membership.imports.columns import COLUMNS
from membership.imports.engine import WrittenRowTurnedBad
from membership.imports.reader import ImportFileError, RosterReader, check_file, original_name
from membership.imports.units import UnitImporter
from membership.imports.workers import WorkerImporter
from membership.models import ImportKind, ImportRun, ImportStatus

logger = logging.getLogger(__name__)

IMPORTERS = {ImportKind.UNITS: UnitImporter, ImportKind.WORKERS: WorkerImporter}
ASYNC_ROWS = 5000  # more rows are checked and imported in a Celery task


def async_rows():
    return getattr(settings, "IMPORT_ASYNC_ROWS", ASYNC_ROWS)


def importer_for(kind, *, by, progress=None):
    return IMPORTERS[ImportKind(kind)](by=by, progress=progress)


def may_import(user, kind):
    return IMPORTERS[ImportKind(kind)].model.objects.role_may_write(user)


def district_office():
    """Whom `import_roster` acts for without --user: the district office (all scope).

    Not a stored account: history rows of such an import name no user.
    """
    return User(username="import_roster", role=Role.ADMIN, is_active=True)


def roster_import(*, kind, source, by, dry_run=False):
    """Check every row and, unless `dry_run`, import the good ones in one transaction.

    Without `dry_run` the rows are checked and written chunk by chunk in one read of the
    file; the outcome is that of checking first and importing after (the page's way), to
    which it falls back when a later row makes a written one bad (a duplicate across
    chunks). `source` is a path or a binary file; raises ImportFileError for a file that
    cannot be read as a roster.
    """
    importer = importer_for(kind, by=by)
    if dry_run:
        return importer.validate(source)
    try:
        with transaction.atomic():
            return importer.check_and_apply(source)
    except WrittenRowTurnedBad:
        pass
    checked = importer.validate(_rewound(source))
    if not checked.good_rows:
        return checked
    with transaction.atomic():
        return importer.apply(_rewound(source), errors=checked.errors)


def _rewound(source):
    if hasattr(source, "seek"):
        source.seek(0)
    return source


# -- runs of the web page ----------------------------------------------------------------

def _progress_key(run_pk):
    return f"membership:import-run:{run_pk}:progress"


def import_run_progress(run):
    """Rows done and expected in the running phase: the cache while it runs (the import's
    transaction hides the run row's updates), the row itself afterwards."""
    live = cache.get(_progress_key(run.pk)) if run.is_running else None
    if live:
        return {"done": live["done"], "total": live["total"]}
    total = run.total_rows
    return {"done": run.progress if run.is_running else total, "total": total}


def _progress_writer(run_pk):
    """Called after every chunk: the live progress, and the run's heartbeat (seen by
    others at once while checking; while importing, the row lock says the run is alive)."""
    def write(done, total):
        cache.set(_progress_key(run_pk), {"done": done, "total": total}, timeout=6 * 3600)
        ImportRun.objects.filter(pk=run_pk).update(heartbeat_at=timezone.now())
    return write


def _result_fields(result):
    return {
        "errors": result.errors, "total_rows": result.total_rows,
        "good_rows": result.good_rows, "bad_rows": result.bad_rows,
        "created_count": result.created, "updated_count": result.updated,
        "unchanged_count": result.unchanged, "members_count": result.members,
        "progress": result.total_rows,
    }


def _inline(size):
    """Small enough to be read in the web request (UPLOAD_INLINE_MAX_BYTES)."""
    return size <= settings.UPLOAD_INLINE_MAX_BYTES


def import_run_create(*, by, kind, upload):
    """Store an uploaded roster and check it: now when small, in a task when large.

    Every file is first checked without parsing (size, type, its zip: hedong_union.uploads);
    one refused there is refused here with a ValidationError on "file" and nothing is
    stored. A small file is also opened here, so a wrong template is refused at once; a
    file larger than UPLOAD_INLINE_MAX_BYTES is never parsed in the request: a Celery task
    reads it, and a refusal shows on the run's page.
    """
    kind = ImportKind(kind)
    if not may_import(by, kind):
        raise PermissionDenied
    inline = _inline(upload.size)
    estimate = None
    try:
        check_file(upload, size=upload.size)
        if inline:
            with RosterReader(upload, COLUMNS[kind]) as reader:
                estimate = reader.estimated_rows
    except ImportFileError as error:
        raise ValidationError({"file": error.message}) from None
    upload.seek(0)
    run = ImportRun.objects.create(
        user=by, kind=kind, file=upload, original_name=original_name(upload.name),
        status=ImportStatus.VALIDATING, total_rows=estimate or 0,
    )
    if not inline or (estimate or 0) > async_rows():
        from membership.tasks.imports import import_run_validate_task

        import_run_validate_task.delay_on_commit(run.pk)
    else:
        import_run_validate(run_id=run.pk)
        run.refresh_from_db()
    return run


def _stale_before(now):
    return now - timedelta(seconds=settings.JOB_STALE_SECONDS)


def import_run_validate(*, run_id):
    """Check every row of a stored run and keep the report; writes no record.

    The run is claimed by a conditional update of its heartbeat, so that two deliveries of
    the task do not both check it; a claim whose heartbeat went stale may be taken over.
    """
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.VALIDATING).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before(now)),
    ).update(heartbeat_at=now)
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    if not claimed:
        return run
    importer = importer_for(run.kind, by=run.user, progress=_progress_writer(run.pk))
    try:
        with run.file.open("rb") as source:
            result = importer.validate(source)
    except ImportFileError as error:
        return _fail(run, error.message, refused=True)
    ImportRun.objects.filter(pk=run.pk, status=ImportStatus.VALIDATING).update(
        status=ImportStatus.VALIDATED, validated_at=timezone.now(),
        heartbeat_at=timezone.now(), **_result_fields(result))
    run.refresh_from_db()
    return run


@transaction.atomic
def _claim(run, by):
    """Take a checked run for import; a run failed or interrupted after its check may be
    taken again. One conditional update: two requests cannot both take it."""
    now = timezone.now()
    updated = ImportRun.objects.filter(pk=run.pk, user=by, good_rows__gt=0).filter(
        Q(status=ImportStatus.VALIDATED)
        | Q(status=ImportStatus.FAILED, validated_at__isnull=False),
    ).update(status=ImportStatus.IMPORTING, started_at=now, heartbeat_at=now, progress=0,
             file_error="", finished_at=None)
    return bool(updated)


def import_run_start(*, run, by):
    """Import the good rows of a checked run: now when small, in a task when large."""
    if run.user_id != by.pk:
        raise PermissionDenied
    import_run_fail_if_stale(run=run)
    if not _claim(run, by):
        raise ValidationError(_("This import has already started, or it has no good rows."))
    cache.delete(_progress_key(run.pk))
    if run.total_rows > async_rows() or not _inline(run.file.size):
        from membership.tasks.imports import import_run_apply_task

        import_run_apply_task.delay_on_commit(run.pk)
    else:
        import_run_apply(run_id=run.pk)
    run.refresh_from_db()
    return run


def import_run_apply(*, run_id):
    """Write the good rows of a claimed run, all in one transaction.

    Safe to run twice: a run that is not importing, or is held by another worker, is left
    alone; after a crash the transaction rolled back and the run can be applied again.
    The run's row stays locked for the whole import: that lock is its lease.
    """
    try:
        with transaction.atomic():
            run = (ImportRun.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("user").filter(pk=run_id, status=ImportStatus.IMPORTING)
                   .first())
            if run is None:
                return None
            importer = importer_for(run.kind, by=run.user,
                                    progress=_progress_writer(run.pk))
            with run.file.open("rb") as source:
                result = importer.apply(source, errors=run.errors)
            _store(run, result)
            run.status = ImportStatus.DONE
            run.finished_at = run.heartbeat_at = timezone.now()
            run.save()
            return run
    except ImportFileError as error:
        return _fail(ImportRun.objects.get(pk=run_id), error.message)
    except Exception:
        logger.exception("import run %s failed", run_id)
        _fail(ImportRun.objects.get(pk=run_id),
              _("The import failed and nothing was saved; please try again or tell the "
                "district office."))
        raise


def _store(run, result):
    for name, value in _result_fields(result).items():
        setattr(run, name, value)


def _fail(run, message, *, refused=False):
    """Mark the run failed with `message` for its page. A file refused by its check is
    deleted: nothing of a refused upload is kept."""
    run.status = ImportStatus.FAILED
    run.file_error = message[:255]
    run.finished_at = timezone.now()
    fields = ["status", "file_error", "finished_at"]
    if refused and run.file:
        run.file.delete(save=False)
        fields.append("file")
    run.save(update_fields=fields)
    return run


# -- runs whose process died -------------------------------------------------------------

def _stale_message(status):
    if status == ImportStatus.IMPORTING:
        return _("The import was interrupted (its process stopped) and nothing of it was "
                 "saved; you can start it again.")
    return _("The check of this file was interrupted (its process stopped); upload the "
             "file again.")


def import_runs_fail_stale(*, run_ids=None, now=None):
    """Mark failed every running run whose process is gone: its heartbeat (or, never
    claimed, its upload) is older than JOB_STALE_SECONDS and no import holds its row
    locked. Safe to run twice and alongside the imports; returns how many it failed."""
    now = now or timezone.now()
    before = _stale_before(now)
    runs = ImportRun.objects.filter(
        status__in=[ImportStatus.VALIDATING, ImportStatus.IMPORTING],
    ).filter(Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, created_at__lt=before))
    if run_ids is not None:
        runs = runs.filter(pk__in=run_ids)
    failed = 0
    with transaction.atomic():
        for run in runs.select_for_update(skip_locked=True).only("pk", "status"):
            failed += ImportRun.objects.filter(pk=run.pk, status=run.status).update(
                status=ImportStatus.FAILED, file_error=_stale_message(run.status)[:255],
                finished_at=now)
            logger.warning("import run %s: no sign of life since %s, marked failed",
                           run.pk, before.isoformat())
    return failed


def import_run_fail_if_stale(*, run):
    """`run`, marked failed first if its process died (the page shows why)."""
    if run.is_running and import_runs_fail_stale(run_ids=[run.pk]):
        run.refresh_from_db()
    return run
