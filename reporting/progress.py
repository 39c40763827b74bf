"""Each scope against its campaign (SPEC §7.2): on track, days left, and the members or
unions still needed to reach the next milestone.

The straight line starts from the scope's rates at the start of the push: those come from
the ten-day snapshot of the period that ends the day before (3-31 in the plan's calendar),
taken when first needed, so they never change afterwards.
"""

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from django.utils import timezone

from reporting import campaigns
from reporting.models import Campaign, ScopeFigure, Snapshot
from reporting.periods import period_of
from reporting.rates import EMPTY
from reporting.snapshots import ten_day_snapshot_take


def campaign_get(year):
    """The campaign of `year`, made from the plan's calendar when the office has not
    entered one."""
    campaign, _ = Campaign.objects.get_or_create(year=year,
                                                 defaults=Campaign.defaults_for(year))
    return campaign


def _baseline_period(campaign):
    """The ten-day period ending the day before the push, or None if not ended yet."""
    period = period_of(campaign.push_start - timedelta(days=1))
    return None if period.end >= timezone.localdate() else period


def baseline_snapshot(campaign):
    """The snapshot the straight line starts from (taken when missing), or None before the
    push has started."""
    period = _baseline_period(campaign)
    return None if period is None else ten_day_snapshot_take(period)[0]


def baseline_rates(campaign, *, kinds=None, take=True):
    """{(kind, key): (migrant Rate, founding Rate)} at the start of the push, for `kinds`
    (default all). With take=False (a page) the snapshot is read only if it exists; the
    tasks and the bulletins take it when missing."""
    period = _baseline_period(campaign)
    if period is None:
        return {}
    if take:
        ten_day_snapshot_take(period)
    figures = ScopeFigure.objects.filter(snapshot__kind=Snapshot.Kind.TEN_DAY,
                                         snapshot__as_of=period.end)
    if kinds is not None:
        figures = figures.filter(kind__in=kinds)
    return {(f.kind, f.key): (f.migrant, f.founding or EMPTY) for f in figures}


@dataclass(frozen=True)
class Progress:
    # How far each rate is below the straight line (campaigns.shortfall): 0 on or above
    # it, None for an empty scope (or a founding rate that has no meaning).
    migrant_below: Fraction | None
    founding_below: Fraction | None
    migrant_needed: int  # members still needed for the next milestone
    founding_needed: int  # unions (founded 100+ enterprises) still needed

    @property
    def migrant_on_track(self):
        return campaigns.on_track_from(self.migrant_below)

    @property
    def founding_on_track(self):
        return campaigns.on_track_from(self.founding_below)

    @property
    def on_track(self):
        """Off track on either rate is off track; None when neither can be judged."""
        judged = [v for v in (self.migrant_on_track, self.founding_on_track) if v is not None]
        return None if not judged else all(judged)


def progress_of(figure, *, plan, baseline, day):
    """A ScopeFigure against `plan` (a reporting.campaigns.Campaign) on `day`."""
    start_migrant, start_founding = baseline.get((figure.kind, figure.key), (EMPTY, EMPTY))
    milestone = plan.next_milestone(day) or plan.milestones[-1]
    migrant = figure.migrant
    founding = figure.founding
    return Progress(
        migrant_below=campaigns.shortfall(rate=migrant, start_rate=start_migrant,
                                          campaign=plan, day=day),
        founding_below=None if founding is None else campaigns.shortfall(
            rate=founding, start_rate=start_founding, campaign=plan, day=day),
        migrant_needed=migrant.needed_for(milestone.target),
        founding_needed=0 if founding is None else founding.needed_for(milestone.target),
    )
