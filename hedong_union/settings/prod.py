"""Production: PostgreSQL, Redis, gunicorn behind a TLS-terminating proxy."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Production runs on PostgreSQL and Redis, never on the embedded defaults.
env("DATABASE_URL")
env("REDIS_URL")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address: TRUSTED_PROXIES (settings/base.py) names the proxies in front of
# gunicorn. A count of proxies (DJANGO_TRUSTED_PROXY_COUNT) was read before: refuse it, so
# a deployment that still sets it is not quietly left with no proxy trusted.
if env("DJANGO_TRUSTED_PROXY_COUNT", default=None) is not None:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DJANGO_TRUSTED_PROXY_COUNT is no longer read: name the proxies in TRUSTED_PROXIES "
        "(docs/operations.md, \"The reverse proxy\").")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day

DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405

PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS")
PII_HMAC_KEY = env("PII_HMAC_KEY")
# Bad keys stop every process, not only `check --deploy` (accounts/checks.py), and no
# demo data with its published password is ever made here.
KEY_CHECKS_AT_START = True
DEMO_DATA_ALLOWED = False
