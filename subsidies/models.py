"""Subsidies and payments to member cards (SPEC §6): programmes as data, entitlements with
database constraints against double payment, batches with a second approver."""

import operator
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.scoping import ScopedQuerySet
from membership.pii import EncryptedPIIFileField


class OfficeQuerySet(ScopedQuerySet):
    """Records of the district office: it writes them, the leadership group reads them,
    other roles see nothing (a 404)."""

    scope_paths: dict = {}


class ProgrammeCode(models.TextChoices):
    UNIVERSAL = "UNIVERSAL", _("Migrant member benefit (普惠)")
    SKILL_SENIOR = "SKILL_SENIOR", _("Skill reward: senior worker")
    SKILL_TECH = "SKILL_TECH", _("Skill reward: technician or senior technician")
    SPRING_RETURN = "SPRING_RETURN", _("Safe return to Tianjin after Spring Festival")
    DEVELOPMENT = "DEVELOPMENT", _("Member development subsidy")
    INDUSTRY_GRANT = "INDUSTRY_GRANT", _("Industry federation grant")
    FOUNDING_REBATE = "FOUNDING_REBATE", _("Union fund rebate to 2019 founders")
    MODEL_HOME = "MODEL_HOME", _("Model workers' home award")


INDIVIDUAL_PROGRAMMES = (ProgrammeCode.UNIVERSAL, ProgrammeCode.SKILL_SENIOR,
                         ProgrammeCode.SKILL_TECH, ProgrammeCode.SPRING_RETURN)
SKILL_PROGRAMMES = (ProgrammeCode.SKILL_SENIOR, ProgrammeCode.SKILL_TECH)


class Programme(models.Model):
    code = models.CharField(_("code"), max_length=16, choices=ProgrammeCode.choices,
                            unique=True)
    name = models.CharField(_("name"), max_length=64)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    history = HistoricalRecords()

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ProgrammeYear(models.Model):
    """A programme's settings for one year, editable by the district office."""

    programme = models.ForeignKey(Programme, to_field="code", db_column="programme_code",
                                  on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 help_text=_("The fixed amount, or the cap where the amount "
                                             "varies."))
    minimum = models.DecimalField(_("minimum (yuan)"), max_digits=12, decimal_places=2,
                                  null=True, blank=True)
    cap = models.DecimalField(_("cap per recipient per year (yuan)"), max_digits=12,
                              decimal_places=2, null=True, blank=True)
    city_share = models.DecimalField(_("city share"), max_digits=4, decimal_places=2,
                                     default=Decimal("0"),
                                     help_text=_("The part paid by the city federation, "
                                                 "e.g. 0.60; the district pays the rest."))
    quota = models.PositiveIntegerField(_("quota"), null=True, blank=True)
    accepted = models.PositiveIntegerField(_("seats taken"), default=0)
    spring_festival = models.DateField(_("Spring Festival"), null=True, blank=True)
    window_start = models.DateField(_("return window from"), null=True, blank=True)
    window_end = models.DateField(_("return window until"), null=True, blank=True)
    history = HistoricalRecords()

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="programme_year_unique"),
            models.CheckConstraint(condition=Q(city_share__gte=0, city_share__lte=1),
                                   name="programme_city_share_fraction"),
            # The quota is never exceeded, whatever the code does (SPEC §6.1).
            models.CheckConstraint(condition=Q(quota__isnull=True)
                                   | Q(accepted__lte=F("quota")),
                                   name="programme_quota_never_exceeded"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="programme_amount_positive"),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.year}"


class EntitlementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    IN_BATCH = "in_batch", _("In a batch")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    REJECTED = "rejected", pgettext_lazy("entitlement", "Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# States that hold a claim on the money: the unique constraints count only these.
LIVE_STATES = [s for s in EntitlementState.values if s not in ("rejected", "cancelled")]
_LIVE = Q(state__in=LIVE_STATES)


class SkillLevel(models.TextChoices):
    SENIOR = "senior", _("Senior worker (高级工)")
    TECHNICIAN = "technician", _("Technician (技师)")
    SENIOR_TECHNICIAN = "senior_technician", _("Senior technician (高级技师)")


# An approved (or failed, to be paid again) entitlement is "in a batch" while it has a line
# awaiting the bank: the line holds that fact, the entitlement row is not rewritten when it
# joins a batch (docs/decisions.md). The line's unique constraint keeps it in one batch.
# `shown_in` below is the rule's one definition: the queryset's filters, its annotation,
# Entitlement.shown_state and the rule-run page's counts all go through it.
BATCHABLE_STATES = ["approved", "failed"]
# What the office may still reject, by the state people see: not yet in a batch, nor decided.
REJECTABLE_STATES = ["draft", "pending", "approved"]


def shown_in(states):
    """The Q of the entitlements people see in one of `states` (SPEC §6.3): approved or
    failed with a line awaiting the bank is "in a batch", not its own state; any other
    entitlement is seen in its state.

    Each part is a plain `state IN (...)` beside EXISTS or NOT EXISTS, so PostgreSQL still
    plans a (semi/anti) join and the (programme, year, state) index serves."""
    open_line = Exists(BatchLine.objects.filter(entitlement=OuterRef("pk"),
                                                status=LineStatus.PENDING))
    states = set(states)
    own = [s for s in BATCHABLE_STATES if s in states]
    others = sorted(states - {*BATCHABLE_STATES, EntitlementState.IN_BATCH})
    parts = []
    if EntitlementState.IN_BATCH in states:
        # The state first: PostgreSQL then skips the subquery for any other state.
        parts.append(Q(state__in=BATCHABLE_STATES) & Q(open_line))
    if own:
        parts.append(Q(~open_line, state__in=own))
    if others:
        parts.append(Q(state__in=others))
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def _shown_state():
    """The state people see, as SQL (see shown_in)."""
    return Case(When(shown_in([EntitlementState.IN_BATCH]),
                     then=Value(EntitlementState.IN_BATCH)),
                default=F("state"), output_field=models.CharField())


# A member's entitlement is paid to the member's own card (plan §三): without a bound card
# (Member.card_hmac empty) it waits, still approved, for a later batch.
def _member_without_card():
    """The entitlement's member, if it has no bound card: as an anti-join, a batch of all
    of a year's entitlements looks only at the few cardless members, not at every one."""
    from membership.models import Member

    return Member.objects.filter(pk=OuterRef("member_id"), card_hmac__isnull=True)


class EntitlementQuerySet(ScopedQuerySet):
    # Staff see the entitlements of the members in their scope (skill-reward claims).
    scope_paths = {
        Role.STREET: "member__worker__street",
        Role.COMMUNITY: "member__worker__community",
        Role.INDUSTRY: "member__union__industry_federation",
    }

    def with_batch_state(self):
        """Annotate `state_shown`, the state people see (Entitlement.shown_state reads it)."""
        return self.annotate(state_shown=_shown_state())

    def in_state(self, state):
        """Entitlements shown in `state`, "in a batch" included."""
        return self.filter(shown_in([state]))

    def payable(self):
        """Approved or failed, and in no open batch: what a new batch may take."""
        return self.filter(shown_in(BATCHABLE_STATES))

    def for_members(self):
        """Entitlements of the individual programmes, paid to the member's own card."""
        return self.filter(programme_id__in=INDIVIDUAL_PROGRAMMES)

    def for_organisations(self):
        """Entitlements of the organisation programmes, paid by transfer."""
        return self.exclude(programme_id__in=INDIVIDUAL_PROGRAMMES)

    def card_bound(self):
        """Members' entitlements whose member has a bound member service card: the only
        ones a batch may pay (plan §三: 发放至本人会员服务卡)."""
        return self.for_members().exclude(Exists(_member_without_card()))

    def waiting_for_card(self):
        """Members' entitlements whose member has no bound card yet (待绑卡)."""
        return self.for_members().filter(member__card_hmac__isnull=True)


class Entitlement(models.Model):
    """Money due (应发) to a member or an organisation under one programme and year."""

    # Not indexed alone: the (programme, year, state) index leads with it.
    programme = models.ForeignKey(Programme, to_field="code", db_column="programme_code",
                                  on_delete=models.PROTECT, related_name="entitlements",
                                  db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    member = models.ForeignKey("membership.Member", verbose_name=_("member"), null=True,
                               blank=True, on_delete=models.PROTECT,
                               related_name="entitlements")
    # Organisation programmes pay a street federation, an industry federation or a union.
    # Indexed only where set (partial indexes in Meta): members' rows leave them empty.
    street = models.ForeignKey("membership.Street", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="entitlements",
                               db_index=False)
    industry_federation = models.ForeignKey("membership.IndustryFederation", null=True,
                                            blank=True, on_delete=models.PROTECT,
                                            related_name="entitlements", db_index=False)
    union = models.ForeignKey("membership.Union", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="entitlements",
                              db_index=False)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    city_amount = models.DecimalField(_("city share (yuan)"), max_digits=12, decimal_places=2)
    district_amount = models.DecimalField(_("district share (yuan)"), max_digits=12,
                                          decimal_places=2)
    state = models.CharField(_("state"), max_length=16, choices=EntitlementState.choices,
                             default=EntitlementState.DRAFT)
    # Evidence of claims.
    certificate_level = models.CharField(_("certificate level"), max_length=20,
                                         choices=SkillLevel.choices, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, null=True,
                                          blank=True)
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True)
    ticket_number = models.CharField(_("ticket number"), max_length=40, null=True, blank=True)
    trip_date = models.DateField(_("return trip date"), null=True, blank=True)
    fare = models.DecimalField(_("fare (yuan)"), max_digits=8, decimal_places=2, null=True,
                               blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=255, blank=True)
    # Not indexed: only a user's deletion (refused, PROTECT) would look them up.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # History rows are found by the entitlement's id and date; the copies of its foreign
    # keys need no index of their own. The acting user is kept without a foreign-key check
    # per history row: Django's deletion sets the column to NULL as before (SET_NULL); only
    # a raw SQL delete of a user could leave a dangling id in the log.
    history = HistoricalRecords(no_db_index=["programme", "member", "street",
                                             "industry_federation", "union", "created_by",
                                             "decided_by"], user_db_constraint=False)

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(fields=["programme", "year", "state"]),
            models.Index(fields=["street"], condition=Q(street__isnull=False),
                         name="entitlement_street_set"),
            models.Index(fields=["industry_federation"],
                         condition=Q(industry_federation__isnull=False),
                         name="entitlement_federation_set"),
            models.Index(fields=["union"], condition=Q(union__isnull=False),
                         name="entitlement_union_set"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount=F("city_amount") + F("district_amount")),
                                   name="entitlement_shares_add_up"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="entitlement_amount_positive"),
            models.UniqueConstraint(fields=["member", "year"],
                                    condition=_LIVE & Q(programme="UNIVERSAL"),
                                    name="one_universal_per_member_year"),
            models.UniqueConstraint(fields=["member", "programme"],
                                    condition=_LIVE & Q(programme__in=SKILL_PROGRAMMES),
                                    name="one_skill_reward_per_member_level"),
            models.UniqueConstraint(fields=["certificate_number"],
                                    condition=_LIVE & Q(certificate_number__isnull=False),
                                    name="one_reward_per_certificate"),
            models.UniqueConstraint(fields=["member", "year"],
                                    condition=_LIVE & Q(programme="SPRING_RETURN"),
                                    name="one_spring_return_per_member_year"),
            models.UniqueConstraint(fields=["ticket_number"],
                                    condition=_LIVE & Q(ticket_number__isnull=False),
                                    name="one_payment_per_ticket"),
            models.UniqueConstraint(fields=["programme", "year", "street"],
                                    condition=_LIVE & Q(street__isnull=False),
                                    name="one_organisation_entitlement_per_street_year"),
            models.UniqueConstraint(fields=["programme", "year", "industry_federation"],
                                    condition=_LIVE & Q(industry_federation__isnull=False),
                                    name="one_organisation_entitlement_per_federation_year"),
            models.UniqueConstraint(fields=["programme", "year", "union"],
                                    condition=_LIVE & Q(union__isnull=False),
                                    name="one_organisation_entitlement_per_union_year"),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.year} {self.amount}"

    @property
    def shown_state(self):
        """The state as people see it (shown_in): read from with_batch_state()'s annotation,
        else asked of the database."""
        shown = getattr(self, "state_shown", None)
        if shown is not None:
            return shown
        if self.pk is None or self.state not in BATCHABLE_STATES:
            return self.state  # no other state is ever shown otherwise: no query needed
        return (type(self).objects.filter(pk=self.pk).with_batch_state()
                .values_list("state_shown", flat=True).get())

    def get_state_display(self):
        return EntitlementState(self.shown_state).label

    @property
    def recipient_organisation(self):
        """The name of the organisation an organisation programme pays, as the portal
        names it elsewhere: the street federation (大王庄街道总工会), the industry
        federation or the union; "" for a member's entitlement."""
        if self.street_id:
            return self.street.federation_name
        if self.industry_federation_id:
            return self.industry_federation.name
        if self.union_id:
            return self.union.name
        return ""

    @property
    def number(self):
        """The number a claimant is given, e.g. SP2026-0000042."""
        return f"{self.programme_id[:2]}{self.year}-{self.pk:07d}" if self.pk else ""


class BatchState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Payment file made")
    SETTLED = "settled", _("Bank result imported")


class Batch(models.Model):
    """A disbursement batch 发放批次: approved by a second person, paid through one file."""

    number = models.CharField(_("batch number"), max_length=24, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=BatchState.choices,
                             default=BatchState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("made by"),
                                   on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Encrypted with the personal-data keys: it holds whole card numbers (docs/decisions.md).
    payment_file = EncryptedPIIFileField(_("payment file"), upload_to="batches/", blank=True)
    history = HistoricalRecords()

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at"]
        constraints = [
            # Maker-checker: the creator cannot approve (SPEC §6.3).
            models.CheckConstraint(condition=Q(approved_by__isnull=True)
                                   | ~Q(approved_by=F("created_by")),
                                   name="batch_approved_by_a_second_person"),
        ]

    def __str__(self):
        return self.number

    @cached_property
    def pays_organisations(self):
        """Whether the batch pays organisations (a transfer list for the district finance)
        rather than members (a payment file for the card bank). A batch holds one kind
        (services.batch_create), so any one line tells; one query, kept on the instance."""
        # Unordered: the (batch, entitlement) index finds a line at once.
        codes = list(self.lines.order_by().values_list("entitlement__programme_id",
                                                       flat=True)[:1])
        return bool(codes) and codes[0] not in INDIVIDUAL_PROGRAMMES


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class BatchLine(models.Model):
    # Not indexed alone: the (batch, entitlement) unique index leads with it.
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="lines",
                              db_index=False)
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="lines")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=8, choices=LineStatus.choices,
                              default=LineStatus.PENDING)
    failure_reason = models.CharField(_("reason"), max_length=255, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            # One entitlement is never paid twice: at most one line pending or paid.
            models.UniqueConstraint(fields=["entitlement"],
                                    condition=Q(status__in=["pending", "paid"]),
                                    name="one_live_line_per_entitlement"),
            models.UniqueConstraint(fields=["batch", "entitlement"],
                                    name="entitlement_once_per_batch"),
        ]

    @staticmethod
    def line_id_of(batch_number, pk):
        """A line's id in the payment file and the bank's result: the batch's number and
        the line's own key. Unique by the key, so nothing is stored or indexed for it."""
        return f"{batch_number}-{pk:06d}"

    @property
    def line_id(self):
        return self.line_id_of(self.batch.number, self.pk)


class ModelHomeSelection(models.Model):
    """A union selected as a model workers' home 模范职工之家 / 职工小家 in a year (plan §三.(二)4).

    All selections are recorded, so the non-public share can be shown against 30%; the
    non-public enterprise unions among them receive the award.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=128)
    union = models.ForeignKey("membership.Union", verbose_name=_("base union"), null=True,
                              blank=True, on_delete=models.PROTECT,
                              related_name="model_home_selections")
    non_public = models.BooleanField(_("non-public enterprise union"), default=False)

    class Meta:
        verbose_name = _("model home selection")
        verbose_name_plural = _("model home selections")
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="model_home_once_a_year"),
        ]


class SocialWorker(models.Model):
    """A social union worker 社会化工会工作者 placed with a street or industry federation
    (plan §三.(二)5)."""

    name = models.CharField(_("name"), max_length=50)
    street = models.ForeignKey("membership.Street", verbose_name=_("street federation"),
                               null=True, blank=True, on_delete=models.PROTECT,
                               related_name="social_workers")
    industry_federation = models.ForeignKey("membership.IndustryFederation",
                                            verbose_name=_("industry federation"), null=True,
                                            blank=True, on_delete=models.PROTECT,
                                            related_name="social_workers")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("social union worker")
        verbose_name_plural = _("social union workers")
        constraints = [
            models.CheckConstraint(
                condition=Q(street__isnull=False, industry_federation__isnull=True)
                | Q(street__isnull=True, industry_federation__isnull=False),
                name="social_worker_placed_once"),
        ]


class ResultUpload(models.Model):
    """A bank result file uploaded for a batch, applied by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="result_uploads")
    # Encrypted like the payment file: a bank may send the card numbers back in it.
    file = EncryptedPIIFileField(_("file"), upload_to="bank-results/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    paid = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker claims the upload; while it applies, its row lock is the lease. A
    # queued or running upload older than JOB_STALE_SECONDS and not locked is dead.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
