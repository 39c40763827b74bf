"""Celery tasks of the reporting app: thin doors onto services (STYLE habit 4).

The scheduled ones (SPEC §7.5, hedong_union/settings/base.py CELERY_BEAT_SCHEDULE) are
each safe to run twice and safe to run late: what they make is keyed by its day in the
database, and figures are computed as of that day.
"""

from celery import shared_task

from reporting import bulletins, milestones, narratives, retention, services, snapshots

# An export of a million rows takes a few minutes; past these limits the job is failed
# (soft) or its worker killed (hard), and a later run may claim the job again.
EXPORT_SOFT_TIME_LIMIT = 60 * 20
EXPORT_TIME_LIMIT = 60 * 25
SCHEDULED = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 60 * 25,
             "time_limit": 60 * 30}


@shared_task(name="reporting.export_job_run", acks_late=True,
             soft_time_limit=EXPORT_SOFT_TIME_LIMIT, time_limit=EXPORT_TIME_LIMIT)
def export_job_run(job_id):
    """Make the file of an export job; running it twice does the work once."""
    job = services.export_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="reporting.export_jobs_fail_stale")
def export_jobs_fail_stale_task():
    """Every five minutes: export jobs whose worker died are marked failed."""
    return services.export_jobs_fail_stale()


@shared_task(name="reporting.ten_day_snapshots", **SCHEDULED)
def ten_day_snapshots_task():
    """On the 1st, 11th and 21st: the snapshot of the period just ended (and any missed)."""
    return [s.as_of.isoformat() for s in snapshots.ten_day_snapshots_catch_up()]


@shared_task(name="reporting.bulletin_draft", **SCHEDULED)
def bulletin_draft_task():
    """On the 1st: the draft bulletin of the month just ended."""
    bulletin, created = bulletins.bulletin_draft_previous_month()
    return {"bulletin": bulletin.pk, "created": created}


@shared_task(name="reporting.milestone_reports", **SCHEDULED)
def milestone_reports_task():
    """On 8-1 and 11-1: the milestone reports (and the campaign summary) now due."""
    return [report.pk for report in milestones.milestone_reports_due()]


@shared_task(name="reporting.narrative_reminders", **SCHEDULED)
def narrative_reminders_task():
    """Daily: reminders two days before a ten-day narrative is due."""
    return len(narratives.narrative_reminders_send())


@shared_task(name="reporting.files_purge", **SCHEDULED)
def files_purge_task():
    """Daily: import and export files past their retention are deleted."""
    return retention.files_purge()


@shared_task(name="reporting.bulletin_correction_compute", **SCHEDULED)
def bulletin_correction_compute_task(bulletin_id):
    """The figures of a correction of a monthly bulletin; running it twice does it once."""
    bulletin = bulletins.bulletin_correction_compute(bulletin_id)
    return None if bulletin is None else bulletin.pk


@shared_task(name="reporting.live_figures_refresh", acks_late=True,
             soft_time_limit=60 * 20, time_limit=60 * 25)
def live_figures_refresh_task():
    """The dashboards' current figures; the beat runs it every 10 minutes."""
    from django.core.cache import cache

    from reporting import live

    try:
        snapshot = live.live_figures_refresh()
    finally:
        cache.delete(live.QUEUED_KEY)
    return snapshot.pk
