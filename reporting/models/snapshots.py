"""Snapshots of every scope's figures (SPEC §7.3): stored, never recomputed on view.

A ten-day snapshot is taken once per period, as of the period's last day, and never
changes. The current figures the dashboards read are a snapshot of the same shape, taken
again every few minutes; only the latest few of those are kept.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reporting.rates import Rate


class ScopeKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    INDUSTRY = "industry", _("Industry federation")
    SECTOR = "sector", _("Sector")
    GROUP = "group", _("Occupation group")


class Snapshot(models.Model):
    class Kind(models.TextChoices):
        TEN_DAY = "ten_day", _("Ten-day snapshot")
        LIVE = "live", _("Current figures")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    period_start = models.DateField(_("period from"))
    as_of = models.DateField(_("as of"))
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    took_ms = models.PositiveIntegerField(_("time taken (ms)"), default=0)
    # The year's subsidy money by programme (subsidies.services.totals), kept with the
    # current figures so the dashboard reads it instead of summing entitlements.
    subsidy_totals = models.JSONField(_("subsidy totals"), default=list, blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-as_of", "-taken_at"]
        constraints = [
            # A ten-day snapshot task run twice makes one snapshot.
            models.UniqueConstraint(fields=["as_of"], condition=Q(kind="ten_day"),
                                    name="one_ten_day_snapshot_per_period"),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("as_of")),
                                   name="snapshot_period_in_order"),
        ]
        indexes = [models.Index(fields=["kind", "-as_of", "-taken_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start}–{self.as_of}"

    def save(self, *args, **kwargs):
        if self.pk is not None and self.kind == self.Kind.TEN_DAY:
            raise ValidationError(_("A ten-day snapshot never changes."))
        super().save(*args, **kwargs)


class ScopeFigure(models.Model):
    """One scope's figures in one snapshot."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(_("scope kind"), max_length=16, choices=ScopeKind.choices)
    key = models.CharField(_("scope key"), max_length=32, blank=True)
    name = models.CharField(_("scope"), max_length=64)
    position = models.PositiveIntegerField(default=0)
    # A community's street, so a street's communities are one indexed read.
    street_id_of = models.PositiveIntegerField(null=True, blank=True)
    migrant_num = models.PositiveIntegerField(default=0)
    migrant_den = models.PositiveIntegerField(default=0)
    founding_num = models.PositiveIntegerField(default=0)
    founding_den = models.PositiveIntegerField(default=0)
    members_total = models.PositiveIntegerField(_("members"), default=0)
    new_members = models.PositiveIntegerField(_("new members"), default=0)
    unions_total = models.PositiveIntegerField(_("base unions"), default=0)
    new_unions = models.PositiveIntegerField(_("new base unions"), default=0)
    applications_received = models.PositiveIntegerField(_("applications received"),
                                                        default=0)
    applications_approved = models.PositiveIntegerField(_("applications approved"),
                                                        default=0)
    new_members_by_group = models.JSONField(_("new members by group"), default=dict,
                                            blank=True)

    class Meta:
        verbose_name = _("scope figures")
        verbose_name_plural = _("scope figures")
        ordering = ["snapshot", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "kind", "key"],
                                    name="one_figure_per_scope_per_snapshot"),
        ]
        indexes = [models.Index(fields=["snapshot", "kind", "street_id_of"])]

    def __str__(self):
        return f"{self.name} @ {self.snapshot_id}"

    @property
    def migrant(self):
        return Rate(self.migrant_num, self.migrant_den)

    @property
    def founding(self):
        """None for an occupation group: the founding rate has no meaning there."""
        if self.kind == ScopeKind.GROUP:
            return None
        return Rate(self.founding_num, self.founding_den)
