"""Celery tasks for exports: the registry exports run as export jobs of the reporting app
(reporting.tasks.export_job_run), so nothing is defined here."""
