"""A person's requests under PIPL Art. 44-47 (to see, correct or delete what the portal
holds about them), as the consent text promises (SPEC §5, §8)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DataRequest(models.Model):
    class Kind(models.TextChoices):
        SEE = "see", _("See a copy of the data")
        CORRECT = "correct", _("Correct the data")
        DELETE = "delete", _("Delete the data")

    kind = models.CharField(_("request"), max_length=8, choices=Kind.choices)
    # The person, by the records found by their ID number; the ID number itself is not
    # kept here (an erasure must leave no trace of it).
    worker = models.ForeignKey("membership.Worker", verbose_name=_("worker"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey("applications.Application",
                                    verbose_name=_("online application"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(_("received on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   on_delete=models.PROTECT, related_name="+")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"),
                                null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(worker__isnull=False) | models.Q(application__isnull=False),
                name="data_request_names_a_person"),
            models.CheckConstraint(
                condition=models.Q(done_on__isnull=True)
                | models.Q(done_on__gte=models.F("received_on")),
                name="data_request_done_after_received"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.received_on}"
