"""Writes of roster imports (SPEC §7.4, §11): the web page's runs and the
`import_roster` command go through the same importers.

A run: upload → `import_run_create` stores the file and checks every row (in a Celery
task when the file is large) → the user reads the report → `import_run_start` imports the
good rows (in a task when large) → done. Each step is safe to run twice.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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
ASYNC_ROWS = 5000  # larger files are checked and imported in a Celery task
ASYNC_BYTES_WITHOUT_DIMENSION = 512 * 1024  # a file that does not say its row count


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
        return live
    total = run.total_rows
    return {"done": run.progress if run.is_running else total, "total": total}


def _progress_writer(run_pk):
    def write(done, total):
        cache.set(_progress_key(run_pk), {"done": done, "total": total}, timeout=6 * 3600)
    return write


def _store(run, result):
    run.errors = result.errors
    run.total_rows = result.total_rows
    run.good_rows = result.good_rows
    run.bad_rows = result.bad_rows
    run.created_count = result.created
    run.updated_count = result.updated
    run.unchanged_count = result.unchanged
    run.members_count = result.members
    run.progress = result.total_rows


def _is_large(estimated_rows, size):
    if estimated_rows is None:
        return size > ASYNC_BYTES_WITHOUT_DIMENSION
    return estimated_rows > async_rows()


def import_run_create(*, by, kind, upload):
    """Store an uploaded roster and check it: now when small, in a task when large.

    A file that is not a readable .xlsx of the right template is refused here with a
    ValidationError on "file" and nothing is stored.
    """
    kind = ImportKind(kind)
    if not may_import(by, kind):
        raise PermissionDenied
    try:
        check_file(upload, size=upload.size)
        with RosterReader(upload, COLUMNS[kind]) as reader:
            estimate = reader.estimated_rows
    except ImportFileError as error:
        raise ValidationError({"file": error.message}) from None
    upload.seek(0)
    large = _is_large(estimate, upload.size)
    run = ImportRun.objects.create(
        user=by, kind=kind, file=upload, original_name=original_name(upload.name),
        status=ImportStatus.VALIDATING, total_rows=estimate or 0,
    )
    if large:
        from membership.tasks.imports import import_run_validate_task

        import_run_validate_task.delay_on_commit(run.pk)
    else:
        import_run_validate(run_id=run.pk)
        run.refresh_from_db()
    return run


def import_run_validate(*, run_id):
    """Check every row of a stored run and keep the report; writes no record."""
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    if run.status != ImportStatus.VALIDATING:
        return run
    importer = importer_for(run.kind, by=run.user, progress=_progress_writer(run.pk))
    try:
        with run.file.open("rb") as source:
            result = importer.validate(source)
    except ImportFileError as error:
        return _fail(run, error.message)
    _store(run, result)
    run.status = ImportStatus.VALIDATED
    run.validated_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def _claim(run, by):
    updated = ImportRun.objects.filter(
        pk=run.pk, user=by, status=ImportStatus.VALIDATED, good_rows__gt=0,
    ).update(status=ImportStatus.IMPORTING, started_at=timezone.now(), progress=0)
    return bool(updated)


def import_run_start(*, run, by):
    """Import the good rows of a checked run: now when small, in a task when large."""
    if run.user_id != by.pk:
        raise PermissionDenied
    if not _claim(run, by):
        raise ValidationError(_("This import has already started, or it has no good rows."))
    cache.delete(_progress_key(run.pk))
    if run.total_rows > async_rows():
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
            run.finished_at = timezone.now()
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


def _fail(run, message):
    run.status = ImportStatus.FAILED
    run.file_error = message[:255]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "file_error", "finished_at"])
    return run
