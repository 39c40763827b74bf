"""Ten-day periods 旬 (SPEC §7.3): 1–10, 11–20, 21 to the month's end."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, order=True)
class TenDayPeriod:
    start: date
    end: date

    @property
    def index(self):
        """1, 2 or 3: 上旬, 中旬, 下旬."""
        return {1: 1, 11: 2, 21: 3}[self.start.day]

    @property
    def due(self):
        """The narrative is due the day after the period ends."""
        return self.end + timedelta(days=1)

    @property
    def reminder(self):
        """Reminders go out two days before the narrative is due."""
        return self.due - timedelta(days=2)

    def next(self):
        return period_of(self.end + timedelta(days=1))

    def previous(self):
        return period_of(self.start - timedelta(days=1))

    def __str__(self):
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


def period_of(day):
    """The ten-day period that contains `day`."""
    if day.day <= 10:
        return TenDayPeriod(day.replace(day=1), day.replace(day=10))
    if day.day <= 20:
        return TenDayPeriod(day.replace(day=11), day.replace(day=20))
    last = calendar.monthrange(day.year, day.month)[1]
    return TenDayPeriod(day.replace(day=21), day.replace(day=last))


def last_closed_period(today):
    """The latest period that has ended before `today` (what a snapshot on `today` covers)."""
    return period_of(today).previous()


def periods_between(first, last):
    """Every period from the one holding `first` through the one holding `last`."""
    period, out = period_of(first), []
    while period.start <= last:
        out.append(period)
        period = period.next()
    return out
