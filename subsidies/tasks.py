"""Celery tasks of the subsidies app: thin doors onto the services (STYLE habit 4).

Each task is safe to run twice: the services are idempotent and each run claims its work
with a conditional update. `acks_late` with `task_reject_on_worker_lost` (settings) puts a
task back on the queue if its worker dies; time limits are set per task.
"""

from celery import shared_task
from django.utils import timezone

from accounts.models import User
from subsidies import services
from subsidies.models import Batch


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def batch_payment_file_task(batch_id, user_id):
    services.batch_payment_file(batch=Batch.objects.get(pk=batch_id),
                                by=User.objects.get(pk=user_id))


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def result_upload_apply_task(upload_id):
    services.result_upload_apply(upload_id=upload_id)


@shared_task(name="subsidies.result_uploads_fail_stale")
def result_uploads_fail_stale_task():
    """Every five minutes: bank result uploads whose worker died are marked failed."""
    return services.result_uploads_fail_stale()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def universal_run_task(year, user_id):
    return services.universal_run(year=year, by=User.objects.get(pk=user_id))


@shared_task(name="subsidies.universal_run_scheduled", acks_late=True,
             reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def universal_run_scheduled_task(year=None):
    """January (SPEC §7.5): the year's UNIVERSAL run as draft entitlements, which wait for
    the office's approval and a second admin's batch approval before any money moves. It
    acts as the office's longest-standing active admin; without one it does nothing."""
    from accounts.models import Role

    year = year or timezone.localdate().year
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("date_joined",
                                                                           "pk").first()
    if admin is None:
        return None
    return services.universal_run(year=year, by=admin)
