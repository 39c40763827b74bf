"""Ten-day periods and the campaign's straight line (SPEC §7.2, §7.3)."""

from datetime import date
from fractions import Fraction

import pytest

from reporting.campaigns import campaign_for, days_left, expected_rate, on_track_from, shortfall
from reporting.periods import last_closed_period, period_of, periods_between
from reporting.rates import EMPTY, Rate


def on_track(*, rate, start_rate, campaign, day):
    """Whether a scope's rate is on the straight line today, as the dashboard judges it."""
    return on_track_from(shortfall(rate=rate, start_rate=start_rate, campaign=campaign,
                                   day=day))


@pytest.mark.parametrize("day,start,end", [
    (date(2024, 2, 21), date(2024, 2, 21), date(2024, 2, 29)),  # leap year
    (date(2026, 2, 28), date(2026, 2, 21), date(2026, 2, 28)),  # common year
    (date(2026, 4, 30), date(2026, 4, 21), date(2026, 4, 30)),  # 30-day month
    (date(2026, 7, 31), date(2026, 7, 21), date(2026, 7, 31)),  # 31-day month
    (date(2026, 7, 10), date(2026, 7, 1), date(2026, 7, 10)),
    (date(2026, 7, 11), date(2026, 7, 11), date(2026, 7, 20)),
    (date(2026, 7, 20), date(2026, 7, 11), date(2026, 7, 20)),
])
def test_ten_day_periods(day, start, end):
    period = period_of(day)
    assert (period.start, period.end) == (start, end)


def test_the_narrative_is_due_the_day_after_and_reminded_two_days_before():
    period = period_of(date(2024, 2, 25))
    assert period.due == date(2024, 3, 1)
    assert period.reminder == date(2024, 2, 28)


def test_a_snapshot_on_the_eleventh_covers_the_first_ten_days():
    assert last_closed_period(date(2026, 7, 11)) == period_of(date(2026, 7, 1))
    assert last_closed_period(date(2026, 3, 1)) == period_of(date(2026, 2, 28))
    assert last_closed_period(date(2026, 1, 1)).start == date(2025, 12, 21)


def test_periods_between_run_without_gaps():
    periods = periods_between(date(2026, 2, 1), date(2026, 3, 31))
    assert len(periods) == 6
    assert all(a.end.toordinal() + 1 == b.start.toordinal() for a, b in zip(periods, periods[1:]))


def test_the_plans_milestones():
    campaign = campaign_for(2026)
    assert [(m.on, m.target) for m in campaign.milestones] == [
        (date(2026, 7, 31), Fraction(4, 5)), (date(2026, 10, 31), Fraction(1))]
    assert campaign.next_milestone(date(2026, 8, 1)).on == date(2026, 10, 31)
    assert days_left(campaign, date(2026, 7, 1)) == 30
    assert days_left(campaign, date(2026, 11, 1)) is None


def test_the_straight_line_to_the_july_milestone():
    campaign = campaign_for(2026)
    milestone = campaign.milestones[0]
    # From 50% on 4-1 to 80% on 7-31: 121 days; halfway in days is 65% of the way.
    assert expected_rate(start_rate=Fraction(1, 2), push_start=date(2026, 4, 1),
                         milestone=milestone, day=date(2026, 4, 1)) == Fraction(1, 2)
    middle = expected_rate(start_rate=Fraction(1, 2), push_start=date(2026, 4, 1),
                           milestone=milestone, day=date(2026, 5, 31))
    assert middle == Fraction(1, 2) + Fraction(3, 10) * Fraction(60, 121)


def test_on_track_against_the_line_and_empty_scopes():
    campaign = campaign_for(2026)
    start = Rate(50, 100)
    day = date(2026, 7, 31)
    assert on_track(rate=Rate(80, 100), start_rate=start, campaign=campaign, day=day) is True
    assert on_track(rate=Rate(7999, 10000), start_rate=start, campaign=campaign,
                    day=day) is False
    assert on_track(rate=EMPTY, start_rate=start, campaign=campaign, day=day) is None
