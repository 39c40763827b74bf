import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.dev")

app = Celery("hedong_union")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _keys_refused_at_start(**kwargs):
    """A worker or beat with keys that protect nothing does not start (accounts/checks.py).
    Celery logs an exception raised by a signal's receiver and goes on: hence the exit."""
    from django.core.exceptions import ImproperlyConfigured

    from accounts.checks import keys_refused_at_start

    try:
        keys_refused_at_start()
    except ImproperlyConfigured as refusal:
        raise SystemExit(str(refusal)) from None
