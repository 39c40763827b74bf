"""Celery tasks of the subsidies app: thin doors onto the services (STYLE habit 4).

Each task is safe to run twice: the services are idempotent and each run claims its work
with a conditional update. `acks_late` with `task_reject_on_worker_lost` (settings) puts a
task back on the queue if its worker dies; time limits are set per task.
"""

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from subsidies import services
from subsidies.bank import read_result_file
from subsidies.models import Batch, ResultUpload


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def batch_payment_file_task(batch_id, user_id):
    services.batch_payment_file(batch=Batch.objects.get(pk=batch_id),
                                by=User.objects.get(pk=user_id))


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def result_upload_apply_task(upload_id):
    # Claim the upload; a run after a crash finds it "running" and takes it over, since the
    # crashed run's transaction was rolled back and changed nothing.
    claimed = ResultUpload.objects.filter(
        pk=upload_id, status__in=[ResultUpload.Status.QUEUED, ResultUpload.Status.RUNNING]
    ).update(status=ResultUpload.Status.RUNNING)
    if not claimed:
        return  # already done
    upload = ResultUpload.objects.select_related("batch", "uploaded_by").get(pk=upload_id)
    rows = read_result_file(ContentFile(upload.file.read_decrypted()))
    with transaction.atomic():
        report = services.batch_result_apply(batch=upload.batch, rows=rows,
                                             by=upload.uploaded_by)
        ResultUpload.objects.filter(pk=upload_id).update(
            status=ResultUpload.Status.DONE, paid=report.paid, failed=report.failed,
            errors=[{"row": row, "message": str(message)} for row, message in report.errors],
            finished_at=timezone.now())


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
