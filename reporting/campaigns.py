"""The yearly campaign of SPEC §7.2 (plan §四): phases, milestones, on-track status.

Milestones: both rates 80% or more by 7-31 and 100% by 10-31 (以上 includes the bound). A
scope is on track when its rate is at least the straight line from its rate at the start
of the push to the next milestone's target.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Phase:
    name: str
    start: date
    end: date


@dataclass(frozen=True)
class Milestone:
    on: date
    target: Fraction

    @property
    def target_pct(self):
        return percent_text(self.target)

    @property
    def target_label(self):
        """'80%' (the targets are whole percentages; '80.5%' if one is not)."""
        return f"{self.target_pct.rstrip('0').rstrip('.')}%"

    @property
    def label(self):
        """'07-31 80%'."""
        return f"{self.on:%m-%d} {self.target_label}"


def percent_text(fraction):
    """A fraction as a percentage to 2 decimals, rounded half-up: '80.00'."""
    value = Decimal(fraction.numerator * 100) / Decimal(fraction.denominator)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def fraction_decimal(fraction):
    """A target (a Fraction) as the Decimal a model field stores: 0.8000."""
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(
        Decimal("0.0001"))


@dataclass(frozen=True)
class Campaign:
    year: int
    phases: tuple
    milestones: tuple

    @property
    def push_start(self):
        """The start of 全力攻坚, from which the straight line to a milestone is drawn."""
        return self.phases[2].start

    def next_milestone(self, day):
        """The first milestone on or after `day`, or None after the last."""
        return next((m for m in self.milestones if m.on >= day), None)


def campaign_for(year):
    """The plan's calendar applied to a year (plan §四): mobilisation in late March, survey
    3-15 to early April, push from early April to October, summary by 11-30."""
    return Campaign(
        year=year,
        phases=(
            Phase(str(_("Mobilisation")), date(year, 3, 21), date(year, 3, 31)),
            Phase(str(_("Survey")), date(year, 3, 15), date(year, 4, 10)),
            Phase(str(_("Push")), date(year, 4, 1), date(year, 10, 31)),
            Phase(str(_("Summary")), date(year, 11, 1), date(year, 11, 30)),
        ),
        milestones=(Milestone(date(year, 7, 31), Fraction(80, 100)),
                    Milestone(date(year, 10, 31), Fraction(1))),
    )


def expected_rate(*, start_rate, push_start, milestone, day):
    """The straight line from the rate at the push's start to the milestone's target."""
    if day <= push_start:
        return start_rate
    if day >= milestone.on:
        return milestone.target
    span = (milestone.on - push_start).days
    return start_rate + (milestone.target - start_rate) * Fraction((day - push_start).days, span)


def shortfall(*, rate, start_rate, campaign, day):
    """How far a scope's rate (a reporting.rates.Rate) is below the straight line today:
    0 when on or above it; None for an empty scope. After the last milestone the line is
    the last target."""
    if rate.fraction is None:
        return None
    milestone = campaign.next_milestone(day)
    if milestone is None:
        expected = campaign.milestones[-1].target
    else:
        start = start_rate.fraction if start_rate.fraction is not None else Fraction(0)
        expected = expected_rate(start_rate=start, push_start=campaign.push_start,
                                 milestone=milestone, day=day)
    return max(Fraction(0), expected - rate.fraction)


def on_track_from(below):
    """On track from a shortfall: at or above the line; None for an empty scope."""
    return None if below is None else below == 0


def days_left(campaign, day):
    milestone = campaign.next_milestone(day)
    return None if milestone is None else (milestone.on - day).days
