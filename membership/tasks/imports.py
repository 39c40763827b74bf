"""Celery tasks for imports: thin doors onto membership.imports.services (STYLE habit 4).
Both services are safe to run twice; acks_late (settings) redelivers after a crash."""

from celery import shared_task

from membership.imports import services

__all__ = ["import_run_apply_task", "import_run_validate_task", "import_runs_fail_stale_task"]


@shared_task(name="membership.import_run_validate")
def import_run_validate_task(run_id):
    services.import_run_validate(run_id=run_id)


@shared_task(name="membership.import_run_apply")
def import_run_apply_task(run_id):
    services.import_run_apply(run_id=run_id)


@shared_task(name="membership.import_runs_fail_stale")
def import_runs_fail_stale_task():
    """Every five minutes (settings.CELERY_BEAT_SCHEDULE): runs whose process died."""
    return services.import_runs_fail_stale()
