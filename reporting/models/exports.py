"""Export jobs (SPEC §7.4): a large export runs in Celery and is downloaded when ready."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


# The `error` of a job whose worker died; other failures keep the exception's class name.
INTERRUPTED = "interrupted"


class ExportJob(models.Model):
    """One export asked for by one user, run in the background; only that user may
    download its file (the file holds what their scope and permissions gave them)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.PROTECT, related_name="export_jobs")
    kind = models.CharField(_("export"), max_length=32)
    # The list filters, as ids and plain values; a searched ID or phone number is kept as
    # its keyed hash only (SPEC §8).
    parameters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The lease of the worker writing the file: set when it claims the job and touched
    # with every progress update; a running job whose heartbeat is older than
    # JOB_STALE_SECONDS is dead (docs/security.md) and is marked failed.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def was_interrupted(self):
        return self.status == self.Status.FAILED and self.error == INTERRUPTED

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
