"""Members (SPEC §4): membership with its number, card, union and dates; and dues."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.scoping import ScopedQuerySet
from membership.models.organisations import Union
from membership.models.units import Source
from membership.models.workers import Worker
from membership.pii import EncryptedPIIField

# Scattered workers pay a fixed 2 yuan a month (plan §三.(一)1).
MONTHLY_DUES_YUAN = "2.00"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    LEFT_JOB = "left_job", _("Left the job or the district")
    WITHDREW = "withdrew", _("Withdrew")
    DECEASED = "deceased", _("Deceased")
    DUPLICATE = "duplicate", _("Entered twice by mistake")
    OTHER = "other", _("Other")


class MemberQuerySet(ScopedQuerySet):
    scope_paths = {
        Role.STREET: "worker__street",
        Role.COMMUNITY: "worker__community",
        Role.INDUSTRY: "union__industry_federation",
    }
    writer_roles = frozenset({Role.ADMIN, Role.STREET, Role.COMMUNITY, Role.INDUSTRY})

    def active_on(self, day):
        """Members whose membership covers `day` (joined on or before, not ended by it)."""
        return self.filter(joined_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day))


class Member(models.Model):
    """One membership of a worker. A transfer changes the union, not the member: the
    member number and card stay, and the member counts once (SPEC §4)."""

    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="memberships")
    member_number = models.CharField(_("member number"), max_length=16, unique=True)
    union = models.ForeignKey(Union, verbose_name=_("base union"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="members",
                              help_text=_("The current union; empty once the membership ended."))
    joined_on = models.DateField(_("joined on"))
    card_number = EncryptedPIIField(_("member service card number"), max_length=19,
                                    null=True, blank=True)
    card_hmac = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                 editable=False)
    status = models.CharField(_("status"), max_length=8, choices=MemberStatus.choices,
                              default=MemberStatus.ACTIVE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=16,
                                  choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices,
                              default=Source.STAFF)
    history = HistoricalRecords()

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-joined_on", "pk"]
        indexes = [models.Index(fields=["union", "status"]),
                   models.Index(fields=["joined_on"])]
        constraints = [
            # Not an active member already (plan §一.(一)1): one active membership a worker.
            models.UniqueConstraint(fields=["worker"], condition=Q(status="active"),
                                    name="one_active_membership_per_worker"),
            models.CheckConstraint(
                condition=(Q(status="active", ended_on__isnull=True, union__isnull=False)
                           | Q(status="ended", ended_on__isnull=False, end_reason__gt="")),
                name="member_status_matches_dates",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("joined_on")),
                name="member_ends_after_joining",
            ),
        ]

    def __str__(self):
        return self.member_number


class UnionSpan(models.Model):
    """A member's time in one base union; a transfer closes one span and opens the next on
    the same day, so there is never a gap (SPEC §4)."""

    class Closed(models.TextChoices):
        TRANSFER = "transfer", _("Transferred")
        ENDED = "ended", _("Membership ended")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="spans")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="spans")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    closed_by = models.CharField(max_length=16, choices=Closed.choices, blank=True)

    class Meta:
        ordering = ["member", "started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True),
                                    name="one_open_span_per_member"),
        ]


class MemberNumberCounter(models.Model):
    """The last member number given out in a year (HD + year + six digits)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class DuesPayment(models.Model):
    """One month of dues paid by a scattered-worker member (plan §三.(一)1)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="dues")
    month = models.DateField(_("month"), help_text=_("The first day of the month paid for."))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=8, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey("accounts.User", verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_once_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_month_first_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_amount_positive"),
        ]
