"""Celery tasks of the accounts app: thin doors onto services (STYLE habit 4)."""

from celery import shared_task

from accounts import retention


@shared_task(name="accounts.access_log_archive", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=60 * 25, time_limit=60 * 30)
def access_log_archive_task():
    """Daily: access-log rows past their retention move to the yearly archive table."""
    return retention.access_log_archive()
