"""Helpers of the tests that run portal code in a process of its own (a Celery worker, a
`manage.py shell`) on the test PostgreSQL and Redis, and kill it."""

import os
import time

from django.conf import settings
from django.db import connection


def child_env(media_root, **extra):
    """The environment of a child process that uses this test's database, Redis database
    (one per xdist worker) and media folder."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "hedong_union.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_MEDIA_ROOT": str(media_root),
        "REDIS_URL": settings.REDIS_URL,
        **extra,
    })
    return env


def wait_until(predicate, timeout, step=0.05):
    """Poll `predicate` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
