"""Celery tasks for exports."""
