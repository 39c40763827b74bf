"""Taking snapshots (SPEC §7.3): the ten-day snapshot of every scope, and the current
figures the dashboards read.

Every function here is safe to run twice and safe to run late: a ten-day snapshot is
keyed by its period's last day (a database constraint), and its figures are computed as
of that day from dated facts, so the snapshot for the 10th taken on the 12th holds the
figures of the 10th.
"""

import logging
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from reporting.figures import KINDS, figures_as_of
from reporting.models import ScopeFigure, Snapshot
from reporting.periods import last_closed_period, period_of, periods_between

logger = logging.getLogger(__name__)

# Current-figure snapshots kept besides the newest (older ones are deleted).
LIVE_KEEP = 3
# How far back a late ten-day run fills in missing periods (a year of periods).
CATCH_UP_PERIODS = 36


def _figure_rows(snapshot, figures):
    """ScopeFigure rows of `snapshot` (None: rows not to be stored) from figures_as_of's."""
    for figure in figures:
        counts = figure.counts
        yield ScopeFigure(
            snapshot=snapshot, kind=figure.kind, key=figure.key, name=figure.name,
            position=figure.position, street_id_of=figure.street_id,
            migrant_num=counts.migrant_num, migrant_den=counts.migrant_den,
            founding_num=counts.founding_num, founding_den=counts.founding_den,
            members_total=counts.members_total, new_members=counts.new_members,
            unions_total=counts.unions_total, new_unions=counts.new_unions,
            applications_received=counts.applications_received,
            applications_approved=counts.applications_approved,
            new_members_by_group=counts.new_members_by_group,
        )


def _store(kind, period_start, as_of, **extra):
    started = time.monotonic()
    figures = figures_as_of(as_of, period_start)
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            kind=kind, period_start=period_start, as_of=as_of,
            took_ms=int((time.monotonic() - started) * 1000), **extra)
        ScopeFigure.objects.bulk_create(_figure_rows(snapshot, figures), batch_size=1000)
    return snapshot


def ten_day_snapshot_take(period):
    """The snapshot of `period` (a reporting.periods.TenDayPeriod), taken once.

    Returns (snapshot, created). A period that has not ended yet is refused: its figures
    are not final.
    """
    if period.end >= timezone.localdate():
        raise ValueError(f"the period {period} has not ended yet")
    existing = Snapshot.objects.filter(kind=Snapshot.Kind.TEN_DAY, as_of=period.end).first()
    if existing:
        return existing, False
    try:
        snapshot = _store(Snapshot.Kind.TEN_DAY, period.start, period.end)
    except IntegrityError:  # taken at the same moment by another run
        return Snapshot.objects.get(kind=Snapshot.Kind.TEN_DAY, as_of=period.end), False
    logger.info("ten-day snapshot %s taken in %s ms", period, snapshot.took_ms)
    return snapshot, True


def ten_day_snapshots_catch_up(today=None, *, since=None):
    """Take every missing snapshot of the closed periods up to yesterday.

    Run on the 1st, 11th and 21st; run late or twice, it fills in what is missing and
    changes nothing that exists. `since` bounds how far back (default: a year of periods).
    """
    today = today or timezone.localdate()
    last = last_closed_period(today)
    first = since or _periods_back(last, CATCH_UP_PERIODS)
    taken = set(Snapshot.objects.filter(kind=Snapshot.Kind.TEN_DAY, as_of__gte=first)
                .values_list("as_of", flat=True))
    created = []
    for period in periods_between(first, last.end):
        if period.end not in taken:
            snapshot, new = ten_day_snapshot_take(period)
            if new:
                created.append(snapshot)
    return created


def _periods_back(period, count):
    for _ in range(count - 1):
        period = period.previous()
    return period.start


def live_snapshot_refresh(today=None, *, subsidy_totals=()):
    """Take the current figures (as of today, period counts from the period's start), with
    the year's subsidy money stored in the same row, and drop the older current-figure
    snapshots."""
    today = today or timezone.localdate()
    snapshot = _store(Snapshot.Kind.LIVE, period_of(today).start, today,
                      subsidy_totals=list(subsidy_totals))
    stale = (Snapshot.objects.filter(kind=Snapshot.Kind.LIVE)
             .order_by("-taken_at", "-pk").values_list("pk", flat=True)[LIVE_KEEP:])
    Snapshot.objects.filter(pk__in=list(stale)).delete()
    return snapshot


def figures_on(day, *, kinds=KINDS, recompute=False):
    """Every scope of `kinds` on `day`, as ScopeFigure rows in report order: the ten-day
    snapshot's when `day` ends a period (taken when missing), so that a report shows the
    figures the ten-day report showed; else, or with `recompute`, computed for that day
    from the registry as it is now (rows not stored)."""
    period = period_of(day)
    if recompute or period.end != day:
        return list(_figure_rows(None, figures_as_of(day, kinds=kinds)))
    snapshot, _created = ten_day_snapshot_take(period)
    order = {kind: index for index, kind in enumerate(kinds)}
    return sorted(ScopeFigure.objects.filter(snapshot=snapshot, kind__in=kinds),
                  key=lambda f: (order[f.kind], f.position))
