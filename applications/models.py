"""Online applications to join (SPEC §5): what a worker typed on the public form, and the
street's review of it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.scoping import ScopedQuerySet
from membership.models import Community, Member, OccupationGroup, Street, Unit
from membership.pii import EncryptedPIIField

# Pending longer than this is flagged on the street's and the leadership's pages (SPEC §5).
OVERDUE_DAYS = 10
# A reviewer's correction note is the history's change reason, a column of 100 characters.
CORRECTION_NOTE_MAX_LENGTH = 100
REJECT_REASON_MAX_LENGTH = 500


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def overdue_q(now=None):
    """Pending for more than OVERDUE_DAYS days, as a condition (filters and counts)."""
    cutoff = (now or timezone.now()) - timedelta(days=OVERDUE_DAYS)
    return Q(status=ApplicationStatus.PENDING, created_at__lt=cutoff)


class ApplicationQuerySet(ScopedQuerySet):
    # Routed to one street; its staff review, the office and the leadership group read all.
    scope_paths = {Role.STREET: "street"}
    writer_roles = frozenset({Role.ADMIN, Role.STREET})

    def pending(self):
        return self.filter(status=ApplicationStatus.PENDING)

    def overdue(self, *, now=None):
        """Pending for more than OVERDUE_DAYS days."""
        return self.filter(overdue_q(now))


class Application(models.Model):
    number = models.CharField(_("application number"), max_length=16, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    id_number = EncryptedPIIField(_("ID number"), max_length=18)
    id_hmac = models.CharField(max_length=64, editable=False, db_index=True)
    phone = EncryptedPIIField(_("mobile phone"), max_length=11)
    phone_hmac = models.CharField(max_length=64, editable=False, db_index=True)
    # Optional on the form (SPEC §4): bound to the membership on approval.
    card_number = EncryptedPIIField(_("member service card number"), max_length=19,
                                    null=True, blank=True)
    card_hmac = models.CharField(max_length=64, null=True, blank=True, editable=False,
                                 db_index=True)
    employer = models.ForeignKey(Unit, verbose_name=_("employer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="applications")
    occupation_group = models.CharField(_("occupation group"), max_length=16,
                                        choices=OccupationGroup.choices)
    community = models.ForeignKey(Community, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="applications")
    # The street that reviews: the employer's, else the community's (SPEC §5).
    street = models.ForeignKey(Street, verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="applications")
    declared = models.BooleanField(_("eligibility declared"))
    consent_version = models.CharField(_("consent text version"), max_length=16)
    consented_at = models.DateTimeField(_("consent given at"))
    status = models.CharField(_("status"), max_length=8, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING)
    reject_reason = models.CharField(_("reason for rejection"),
                                     max_length=REJECT_REASON_MAX_LENGTH, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # The phone already belongs to another member: shown to the reviewer, not refused.
    phone_flag = models.BooleanField(_("phone used by another member"), default=False)
    # The card is already bound to another member: shown to the reviewer, not refused.
    card_flag = models.BooleanField(_("card bound to another member"), default=False)
    member = models.OneToOneField(Member, verbose_name=_("membership"), null=True,
                                  blank=True, on_delete=models.PROTECT,
                                  related_name="application")
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("online application")
        verbose_name_plural = _("online applications")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["street", "status", "created_at"])]
        constraints = [
            # One pending application per ID number: a second submission, even at the same
            # moment, gets the first one back (applications.services.application_submit).
            models.UniqueConstraint(fields=["id_hmac"], condition=Q(status="pending"),
                                    name="one_pending_application_per_id"),
            models.CheckConstraint(
                condition=(Q(status="pending", reviewed_at__isnull=True)
                           | Q(status="approved", reviewed_at__isnull=False,
                               member__isnull=False)
                           | Q(status="rejected", reviewed_at__isnull=False,
                               reject_reason__gt="")),
                name="application_status_matches_review",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_overdue(self):
        return (self.status == ApplicationStatus.PENDING
                and self.created_at < timezone.now() - timedelta(days=OVERDUE_DAYS))
