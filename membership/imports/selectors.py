"""Reads of import runs. A run is seen by the user who uploaded it and by nobody else:
another user's run is a 404 (its file and bad rows hold personal information)."""

from django.shortcuts import get_object_or_404

from membership.imports.services import import_run_progress
from membership.models import ImportRun


def import_run_list(*, user):
    return ImportRun.objects.for_user(user).defer("errors")


def import_run_get(*, user, pk):
    return get_object_or_404(ImportRun.objects.for_user(user), pk=pk)


def import_run_status(run):
    """The JSON the progress script polls."""
    return {
        "id": run.pk,
        "name": run.original_name,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "running": run.is_running,
        "progress": import_run_progress(run),
        "total_rows": run.total_rows,
        "good_rows": run.good_rows,
        "bad_rows": run.bad_rows,
        "file_error": run.file_error,
    }
