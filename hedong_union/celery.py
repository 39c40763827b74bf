import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.dev")

app = Celery("hedong_union")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
