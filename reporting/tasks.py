"""Celery tasks of the reporting app: thin doors onto services (STYLE habit 4)."""

from celery import shared_task

from reporting import services

# An export of a million rows takes a few minutes; past these limits the job is failed
# (soft) or its worker killed (hard), and a later run may claim the job again.
EXPORT_SOFT_TIME_LIMIT = 60 * 20
EXPORT_TIME_LIMIT = 60 * 25


@shared_task(name="reporting.export_job_run", acks_late=True,
             soft_time_limit=EXPORT_SOFT_TIME_LIMIT, time_limit=EXPORT_TIME_LIMIT)
def export_job_run(job_id):
    """Make the file of an export job; running it twice does the work once."""
    job = services.export_job_run(job_id=job_id)
    return job.status if job is not None else None


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
