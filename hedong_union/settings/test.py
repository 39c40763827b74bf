"""Settings for the test suite: fast hashing, in-memory mail, real PostgreSQL and Redis
when `make test` provides them (DATABASE_URL, REDIS_URL)."""

import os
import sys

from .base import *  # noqa: F401,F403
from .base import env
from .published import TEST_PII_ENCRYPTION_KEY, TEST_PII_HMAC_KEY, TEST_SECRET_KEY

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default=TEST_SECRET_KEY)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]

PII_ENCRYPTION_KEYS = env.list(
    "PII_ENCRYPTION_KEYS", default=[TEST_PII_ENCRYPTION_KEY]
)
PII_HMAC_KEY = env("PII_HMAC_KEY", default=TEST_PII_HMAC_KEY)

# Under pytest-xdist each worker process has its own test database (pytest-django) and
# its own Redis database, so one worker's Celery tasks never reach another's.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist_worker.startswith("gw"):  # noqa: F405
    REDIS_URL = f"{REDIS_URL.rsplit('/', 1)[0]}/{int(_xdist_worker[2:]) + 1}"  # noqa: F405
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL

# The suite runs on the real parts (PostgreSQL, Redis) that `make test` starts.
if not (env("DATABASE_URL", default="").startswith("postgres") and REDIS_URL):  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "The tests need PostgreSQL and Redis: run them with `make test` "
        "(or scripts/with-test-services .venv/bin/python -m pytest)."
    )

# Each process names itself to PostgreSQL (pg_stat_activity.application_name), so that a
# session left open at the end of the run (tests/conftest.py) says whose it is.
DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = (  # noqa: F405
    f"test {os.path.basename(sys.argv[0])[:30]} {_xdist_worker or 'main'} pid {os.getpid()}")
