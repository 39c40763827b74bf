"""Import runs of rosters (SPEC §7.4): one uploaded workbook, its check and its import.

A run belongs to the user who uploaded it; nobody else sees it (the uploaded file and
the bad rows hold personal information).
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ImportKind", "ImportRun", "ImportStatus", "import_upload_to"]


class ImportKind(models.TextChoices):
    UNITS = "units", _("Unit list (单位名录)")
    WORKERS = "workers", _("Worker roster (职工花名册)")


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("Checking the rows")
    VALIDATED = "validated", _("Checked, waiting for import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


def import_upload_to(run, filename):
    """MEDIA_ROOT/imports/YYYY/MM/<random>.xlsx: the stored name never carries the
    uploader's file name (it may hold names of people); that is kept in `original_name`."""
    suffix = PurePosixPath(filename).suffix.lower() or ".xlsx"
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportRunQuerySet(models.QuerySet):
    def for_user(self, user):
        """A run is seen by the user who uploaded it, and by nobody else."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user=user)


class ImportRun(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                             on_delete=models.PROTECT, related_name="import_runs")
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    good_rows = models.PositiveIntegerField(_("good rows"), default=0)
    bad_rows = models.PositiveIntegerField(_("bad rows"), default=0)
    created_count = models.PositiveIntegerField(_("added"), default=0)
    updated_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    members_count = models.PositiveIntegerField(_("members enrolled"), default=0)
    # [{"row": 3, "column": "身份证号", "message": "..."}], row numbers as Excel shows them.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    file_error = models.CharField(_("file error"), max_length=255, blank=True)
    # Rows processed in the current phase; live progress of a running import is in the
    # cache (the import's transaction hides this row's updates until it commits).
    progress = models.PositiveIntegerField(_("progress"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    validated_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("import started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The lease of the process working on the run: set when it claims the run, touched
    # after every chunk of the check; a running run whose heartbeat is older than
    # JOB_STALE_SECONDS, and whose row no import holds locked, is dead (docs/security.md).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return self.original_name

    @property
    def name(self):
        return self.original_name

    @property
    def is_running(self):
        return self.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)

    @property
    def can_start(self):
        """Checked with good rows, or checked and then interrupted or failed while
        importing (the import's transaction rolled back: nothing of it was kept)."""
        return self.good_rows > 0 and (
            self.status == ImportStatus.VALIDATED
            or (self.status == ImportStatus.FAILED and self.validated_at is not None))

    def bad_row_numbers(self):
        return {error["row"] for error in self.errors}
