"""Keeping the current figures the dashboards read (issue 6 item 6).

A Celery task calls `live_figures_refresh` every few minutes: it takes a LIVE snapshot of
every scope with the year's subsidy money beside it, and makes sure the snapshots the
dashboards judge and draw against exist (the push's starting point and the closed
ten-day periods of the year), so that a page never has to compute them.
"""

import logging
from datetime import date

from django.core.cache import cache
from django.utils import timezone

from reporting.progress import baseline_snapshot, campaign_get
from reporting.snapshots import live_snapshot_refresh, ten_day_snapshots_catch_up

logger = logging.getLogger(__name__)

# Set while a refresh is queued or running, so that pressing "refresh" many times (or
# many people pressing it) queues one.
QUEUED_KEY = "reporting:live-figures-refresh-queued"
QUEUED_TIMEOUT = 15 * 60


def subsidy_totals_rows(year):
    """The year's subsidy money by programme, as the current figures keep it."""
    from subsidies.selectors import totals_stored

    return totals_stored(year=year)["rows"]


def live_figures_refresh(today=None):
    """Take the current figures, then any missing snapshot of the year the dashboards
    need. Safe to run twice or late: ten-day snapshots are taken once, and only the
    latest few current-figure snapshots are kept."""
    today = today or timezone.localdate()
    # The money read first; the figures and the money appear together, in one row.
    snapshot = live_snapshot_refresh(today, subsidy_totals=subsidy_totals_rows(today.year))
    campaign = campaign_get(today.year)
    baseline_snapshot(campaign)
    made = ten_day_snapshots_catch_up(today, since=date(today.year, 1, 1))
    logger.info("current figures taken in %s ms; %s ten-day snapshots caught up",
                snapshot.took_ms, len(made))
    return snapshot


def live_figures_refresh_queue():
    """Queue a refresh after the commit unless one is already queued; True if queued."""
    from reporting.tasks import live_figures_refresh_task

    if not cache.add(QUEUED_KEY, 1, timeout=QUEUED_TIMEOUT):
        return False
    live_figures_refresh_task.delay_on_commit()
    return True
