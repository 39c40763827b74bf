"""Campaigns, ten-day narratives, monthly bulletins and milestone reports (SPEC §7.2, §7.3).

What a published report shows is stored with it (its `content`), so it reads the same
whenever it is opened, whatever has changed in the registry since.
"""

from datetime import timedelta
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scoping import ScopedQuerySet
from reporting import campaigns
from reporting.periods import TenDayPeriod


class Campaign(models.Model):
    """The year's drive (plan §四): its phases and its two milestones."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=128)
    mobilisation_start = models.DateField(_("mobilisation from"))
    mobilisation_end = models.DateField(_("mobilisation until"))
    survey_start = models.DateField(_("survey from"))
    survey_end = models.DateField(_("survey until"))
    push_start = models.DateField(_("push from"))
    push_end = models.DateField(_("push until"))
    summary_end = models.DateField(_("summary by"))
    first_milestone_on = models.DateField(_("first milestone"))
    first_target = models.DecimalField(_("first target"), max_digits=5, decimal_places=4,
                                       validators=[MinValueValidator(0),
                                                   MaxValueValidator(1)])
    second_milestone_on = models.DateField(_("second milestone"))
    second_target = models.DecimalField(_("second target"), max_digits=5, decimal_places=4,
                                        validators=[MinValueValidator(0),
                                                    MaxValueValidator(1)])

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(push_start__lt=models.F("first_milestone_on"))
                & Q(first_milestone_on__lt=models.F("second_milestone_on")),
                name="campaign_milestones_in_order"),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def defaults_for(cls, year):
        """The plan's calendar for `year` (plan §四), as model field values."""
        plan = campaigns.campaign_for(year)
        mobilisation, survey, push, summary = plan.phases
        first, second = plan.milestones
        return {
            # Stored data, read by union staff: in Chinese whatever the language of the run.
            "title": f"{year}年农民工入会和两新组织建会集中行动",
            "mobilisation_start": mobilisation.start, "mobilisation_end": mobilisation.end,
            "survey_start": survey.start, "survey_end": survey.end,
            "push_start": push.start, "push_end": push.end, "summary_end": summary.end,
            "first_milestone_on": first.on,
            "first_target": campaigns.fraction_decimal(first.target),
            "second_milestone_on": second.on,
            "second_target": campaigns.fraction_decimal(second.target),
        }

    def plan(self):
        """This campaign as the calculator of reporting.campaigns uses it."""
        return campaigns.Campaign(
            year=self.year,
            phases=(
                campaigns.Phase(str(_("Mobilisation")), self.mobilisation_start,
                                self.mobilisation_end),
                campaigns.Phase(str(_("Survey")), self.survey_start, self.survey_end),
                campaigns.Phase(str(_("Push")), self.push_start, self.push_end),
                campaigns.Phase(str(_("Summary")), self.push_end + timedelta(days=1),
                                self.summary_end),
            ),
            milestones=(
                campaigns.Milestone(self.first_milestone_on, Fraction(self.first_target)),
                campaigns.Milestone(self.second_milestone_on, Fraction(self.second_target)),
            ),
        )


class ReportingOrganisation(models.Model):
    """A report comes from a street federation or an industry federation, never both."""

    street = models.ForeignKey("membership.Street", verbose_name=_("street"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    industry_federation = models.ForeignKey(
        "membership.IndustryFederation", verbose_name=_("industry federation"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    @property
    def organisation(self):
        return self.street or self.industry_federation

    @property
    def organisation_name(self):
        if self.street_id:
            return self.street.federation_name
        return self.industry_federation.name if self.industry_federation_id else ""


def _one_organisation(name):
    return models.CheckConstraint(
        condition=Q(street__isnull=False, industry_federation__isnull=True)
        | Q(street__isnull=True, industry_federation__isnull=False),
        name=name)


class NarrativeQuerySet(ScopedQuerySet):
    scope_paths = {Role.STREET: "street", Role.INDUSTRY: "industry_federation"}
    writer_roles = frozenset({Role.STREET, Role.INDUSTRY})


class Narrative(ReportingOrganisation):
    """A federation's ten-day narrative 旬报告: work done, problems, next steps."""

    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    work_done = models.TextField(_("work done"), max_length=4000)
    problems = models.TextField(_("problems"), max_length=4000)
    next_steps = models.TextField(_("next steps"), max_length=4000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                               on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NarrativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("ten-day narrative")
        verbose_name_plural = _("ten-day narratives")
        ordering = ["-period_end", "street__position", "industry_federation"]
        constraints = [
            _one_organisation("narrative_from_one_organisation"),
            models.UniqueConstraint(fields=["period_end", "street"],
                                    condition=Q(street__isnull=False),
                                    name="one_narrative_per_street_per_period"),
            models.UniqueConstraint(fields=["period_end", "industry_federation"],
                                    condition=Q(industry_federation__isnull=False),
                                    name="one_narrative_per_industry_per_period"),
        ]

    def __str__(self):
        return f"{self.organisation_name} {self.period_start}–{self.period_end}"

    @property
    def period(self):
        """Its ten-day period (due the day after it ends: TenDayPeriod.due)."""
        return TenDayPeriod(self.period_start, self.period_end)

    @property
    def on_time(self):
        """Submitted by the end of the due day, in Asia/Shanghai."""
        return timezone.localdate(self.submitted_at) <= self.period.due


class NarrativeReminder(ReportingOrganisation):
    """A reminder sent two days before a narrative is due; one per period and federation."""

    period_end = models.DateField(_("period until"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("narrative reminder")
        verbose_name_plural = _("narrative reminders")
        ordering = ["-period_end"]
        constraints = [
            _one_organisation("reminder_for_one_organisation"),
            models.UniqueConstraint(fields=["period_end", "street"],
                                    condition=Q(street__isnull=False),
                                    name="one_reminder_per_street_per_period"),
            models.UniqueConstraint(fields=["period_end", "industry_federation"],
                                    condition=Q(industry_federation__isnull=False),
                                    name="one_reminder_per_industry_per_period"),
        ]


class Bulletin(models.Model):
    """The monthly bulletin 月通报. Once published it never changes; a correction is a new
    version that says what changed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    as_of = models.DateField(_("as of"))
    content = models.JSONField(_("content"), default=dict)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    correction_note = models.TextField(_("what changed"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("monthly bulletin")
        verbose_name_plural = _("monthly bulletins")
        ordering = ["-year", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "version"],
                                    name="one_bulletin_per_month_and_version"),
            models.UniqueConstraint(fields=["year", "month"], condition=Q(status="draft"),
                                    name="one_bulletin_draft_per_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12),
                                   name="bulletin_month_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="published_bulletin_has_time"),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored.first() == self.Status.PUBLISHED:
                raise ValidationError(_("A published bulletin never changes."))
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class MilestoneReport(models.Model):
    """Every scope against a milestone's target (督查问责), or the campaign's summary."""

    class Kind(models.TextChoices):
        MILESTONE = "milestone", _("Milestone report")
        SUMMARY = "summary", _("Campaign summary")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"),
                                 on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    as_of = models.DateField(_("as of"))
    target = models.DecimalField(_("target"), max_digits=5, decimal_places=4, null=True,
                                 blank=True)
    content = models.JSONField(_("content"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("milestone report")
        verbose_name_plural = _("milestone reports")
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind", "as_of"],
                                    name="one_report_per_milestone"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.as_of}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A milestone report never changes."))
        super().save(*args, **kwargs)
