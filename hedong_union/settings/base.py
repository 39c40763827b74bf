"""Settings shared by every environment; values come from the environment.

Embedded defaults (SQLite, a filesystem Celery broker) let `make run` work on a bare
machine; `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from hedong_union.client_address import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
ROOT_URLCONF = "hedong_union.urls"
WSGI_APPLICATION = "hedong_union.wsgi.application"
ASGI_APPLICATION = "hedong_union.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "simple_history",
    "axes",
    # The second factor at login (accounts/second_factor.py): TOTP apps, recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "rest_framework_api_key",  # accounts.ApiKey is built on its abstract model
    "drf_spectacular",
]
LOCAL_APPS = [
    "accounts",
    "membership",
    "subsidies",
    "reporting",
    "applications",
    # Above every other app: the person's rights (PIPL Art. 44-47) and the append-only
    # audit trail over every app's history tables.
    "privacy",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The office and full-PII users give the second factor before anything else...
    "accounts.middleware.SecondFactorRequiredMiddleware",
    # ... then a temporary password given by the office is changed.
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it turns locked-out logins into its response.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
            # `yuan`, the one format of an amount on screen, in every template.
            "builtins": ["hedong_union.templatetags.money"],
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hedong_union.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# The spring-return claim's statement is PREPAREd once per connection (subsidies/bulk.py).
# Behind a pooler that hands out a connection per transaction (PgBouncer's transaction
# mode) a prepared statement may be missing on the next one: set this to false there.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)

# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login attempts are limited (SPEC §8): five failures lock that username from that
# address for an hour; twenty failures of one username from all addresses together lock
# the username everywhere for the same hour (accounts/lockout.py), so guesses spread over
# many addresses stop too. The office lifts either lock on the user's page.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.UsernameWideLockoutHandler"
# Every failed login is kept (up to 1,000 per username) for the office's security page.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The second factor (accounts/second_factor.py): the name the authenticator app shows.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Hedong union portal")

# The client's address (SPEC §8), for the login lockout, the rate limits and the access
# log alike: hedong_union/client_address.py. TRUSTED_PROXIES names the reverse proxies in
# front of the portal, by address or network (CIDR), comma-separated, IPv4 or IPv6, e.g.
# "127.0.0.1,::1" for nginx on the same machine; X-Forwarded-For is read only from them.
# Empty (the default): no proxy is trusted and the address is the connection's own.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
parse_networks(TRUSTED_PROXIES)  # a value that is no address refuses to start
AXES_CLIENT_IP_CALLABLE = "hedong_union.client_address.client_address"
# django-ratelimit's own "ip" key reads the same function (IPv6 by its /64).
RATELIMIT_IP_META_KEY = "hedong_union.client_address.client_address"
RATELIMIT_IPV6_MASK = 64

# ---------------------------------------------------------------------------
# Internationalisation: Simplified Chinese first, English kept working
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files: every front-end asset comes from npm (node_modules) at install time
# ---------------------------------------------------------------------------
NODE_MODULES = BASE_DIR / "node_modules"
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ---------------------------------------------------------------------------
# Redis, cache and Celery
# ---------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hedong",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A broker that needs no server: kombu's filesystem transport under var/.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"

CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule of SPEC §7.5, in Asia/Shanghai (CELERY_TIMEZONE). Every task is safe to
# run twice and late; django-celery-beat copies these entries into its tables at start.
CELERY_BEAT_SCHEDULE: dict = {
    "ten-day snapshots": {"task": "reporting.ten_day_snapshots",
                          "schedule": crontab(minute=15, hour=0, day_of_month="1,11,21")},
    "monthly bulletin draft": {"task": "reporting.bulletin_draft",
                               "schedule": crontab(minute=0, hour=2, day_of_month=1)},
    "milestone reports": {"task": "reporting.milestone_reports",
                          "schedule": crontab(minute=30, hour=2, day_of_month=1,
                                              month_of_year="8,11")},
    "dashboard current figures": {"task": "reporting.live_figures_refresh",
                                  "schedule": crontab(minute="*/10")},
    "ten-day narrative reminders": {"task": "reporting.narrative_reminders",
                                    "schedule": crontab(minute=0, hour=9)},
    "yearly UNIVERSAL rule run": {"task": "subsidies.universal_run_scheduled",
                                  "schedule": crontab(minute=0, hour=3, day_of_month=2,
                                                      month_of_year=1)},
    "personal data file retention": {"task": "reporting.files_purge",
                                     "schedule": crontab(minute=30, hour=3)},
    # every five minutes: imports, exports and bank results whose process died, failed
    "stale import runs": {"task": "membership.import_runs_fail_stale",
                          "schedule": crontab(minute="*/5")},
    "stale export jobs": {"task": "reporting.export_jobs_fail_stale",
                          "schedule": crontab(minute="*/5")},
    "stale bank result uploads": {"task": "subsidies.result_uploads_fail_stale",
                                  "schedule": crontab(minute="*/5")},
    # At 04:00 daily: access-log rows past ACCESS_LOG_RETENTION_DAYS move to the archive.
    "access log retention": {"task": "accounts.access_log_archive",
                             "schedule": crontab(minute=0, hour=4)},
}

# ---------------------------------------------------------------------------
# Security (SPEC §8)
# ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A form sent without its token gets the portal's page, in Chinese (hedong_union/errors.py).
CSRF_FAILURE_VIEW = "hedong_union.errors.csrf_failure"
# No inline script anywhere: scripts and styles come from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# ---------------------------------------------------------------------------
# Logging: never log personal data (SPEC §8); request bodies are not logged.
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Axes announces itself at every start; failed logins still log as warnings.
        "axes.apps": {"level": "WARNING"},
    },
}

# ---------------------------------------------------------------------------
# API (Django REST framework, OpenAPI at /api/schema/ by drf-spectacular)
# ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["hedong_union.api_parsers.BoundedJSONParser"],
    # Closed by default: an endpoint open to the public says so itself.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "hedong_union.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hedong union portal API",
    "DESCRIPTION": "JSON endpoints for the city federation's platform. Errors: "
                   '{"errors": [{"field", "code", "message"}]}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# ---------------------------------------------------------------------------
# Uploads, request bodies and long jobs (SPEC §7.4, §8; docs/security.md)
# ---------------------------------------------------------------------------
# A workbook is refused before any parser reads it (hedong_union/uploads.py) when its zip
# has more entries, inflates to more bytes in all or in shared strings (which openpyxl
# holds in memory whole), or has one entry packed more tightly, than these.
UPLOAD_MAX_ZIP_ENTRIES = env.int("UPLOAD_MAX_ZIP_ENTRIES", default=500)
UPLOAD_MAX_UNCOMPRESSED_BYTES = env.int("UPLOAD_MAX_UNCOMPRESSED_BYTES",
                                        default=200 * 1024 * 1024)
UPLOAD_MAX_SHARED_STRINGS_BYTES = env.int("UPLOAD_MAX_SHARED_STRINGS_BYTES",
                                          default=64 * 1024 * 1024)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=100)
# Rows of one sheet, blank rows included: twice the largest batch of SPEC §10.
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=200_000)
# A workbook larger than this is read by a Celery worker, never in the web request.
UPLOAD_INLINE_MAX_BYTES = env.int("UPLOAD_INLINE_MAX_BYTES", default=256 * 1024)
# JSON bodies of the API (hedong_union/api_parsers.py): larger or deeper is a 400.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
# An import, export or bank-result run whose heartbeat is older than this is taken for
# dead (its process was killed) and marked failed, so that it can be started again.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=15 * 60)

# ---------------------------------------------------------------------------
# Rate limits of the members' public pages and the API (django-ratelimit on the default
# cache: Redis in production and tests). Posts per client address, and identification
# attempts per ID number, so six card digits cannot be guessed.
# ---------------------------------------------------------------------------
SUBSIDIES_PUBLIC_RATE = env("SUBSIDIES_PUBLIC_RATE", default="10/m")
SUBSIDIES_IDENTIFY_RATE_PER_ID = env("SUBSIDIES_IDENTIFY_RATE_PER_ID", default="10/h")
SUBSIDIES_API_RATE = env("SUBSIDIES_API_RATE", default="600/m")  # per API key
SUBSIDIES_IDENTIFIED_SECONDS = 10 * 60  # a member's identification lasts ten minutes
# The online application (SPEC §5): submissions and status look-ups per client address;
# failed look-ups (only those, so a right answer is never refused by them) per address and
# application number, and per application number, so six ID characters cannot be guessed;
# the form's employer search; bodies over the limit get HTTP 413. docs/security.md gives
# the look-ups an outsider can try per applicant per day under these.
APPLICATIONS_PUBLIC_RATE = env("APPLICATIONS_PUBLIC_RATE", default="10/m")
APPLICATIONS_LOOKUP_FAILURES_PER_ADDRESS = env("APPLICATIONS_LOOKUP_FAILURES_PER_ADDRESS",
                                               default="5/h")
APPLICATIONS_LOOKUP_RATE_PER_NUMBER = env("APPLICATIONS_LOOKUP_RATE_PER_NUMBER",
                                          default="10/h")
APPLICATIONS_SEARCH_RATE = env("APPLICATIONS_SEARCH_RATE", default="60/m")
APPLICATIONS_MAX_BODY_BYTES = 64 * 1024
# The address the QR posters point at (e.g. https://gonghui.example.cn); empty: the address
# the poster page was opened with.
APPLICATIONS_PUBLIC_BASE_URL = env("APPLICATIONS_PUBLIC_BASE_URL", default="")

# ---------------------------------------------------------------------------
# Change history (django-simple-history, SPEC §8)
# ---------------------------------------------------------------------------
# History is read one object at a time, through its `id` index; an index on the change
# date alone served no query and cost every write (the bulk paths write a history row for
# each row they change: docs/decisions.md).
SIMPLE_HISTORY_DATE_INDEX = False

# ---------------------------------------------------------------------------
# Portal
# ---------------------------------------------------------------------------
# The office's telephone on the help page (使用说明), e.g. "022-12345678"; not shown
# while empty.
HELP_CONTACT_PHONE = env("HELP_CONTACT_PHONE", default="")
# Password of the demo users made by `seed_demo` (never used in production).
DEMO_PASSWORD = env("DEMO_PASSWORD", default="hedong-demo-2026")
# Whether `seed_demo` and the other demo data paths may run: the prod settings say no.
DEMO_DATA_ALLOWED = True
# The TOTP secret (base32) of the demo office user's second factor, as published in
# docs/decisions.md: add it to an authenticator app to log in as `admin` after `make run`.
DEMO_TOTP_SECRET = env("DEMO_TOTP_SECRET", default="HEDONGDEMOTOTPSECRETKEYA")

# ---------------------------------------------------------------------------
# Personal information (SPEC §8): Fernet keys (newest first) and a separate HMAC key.
# docs/pii-keys.md tells how to make and rotate them. Production must set both.
# ---------------------------------------------------------------------------
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS", default=[])
PII_HMAC_KEY = env("PII_HMAC_KEY", default="")
# The key checks (accounts/checks.py) run with `check --deploy` only; the prod settings run
# them with every command and at the start of gunicorn and Celery, which then refuse to
# start on an empty, short or published key.
KEY_CHECKS_AT_START = False
# Where the bank's payment file is put together before it is encrypted (openpyxl writes a
# sheet through a temporary file): a memory file system, so the whole card numbers never
# reach a disk. Empty: /dev/shm where it exists, else the system's temporary folder.
PII_SCRATCH_DIR = env("PII_SCRATCH_DIR", default="")
# Worker processes decrypting the personal data of a big file (the bank's payment file):
# 1 decrypts in the task's own process (membership/decryption.py).
PII_DECRYPT_PROCESSES = env.int("PII_DECRYPT_PROCESSES", default=min(4, os.cpu_count() or 1))
# Uploaded import files and export files (they hold personal data) are deleted after this.
PII_FILE_RETENTION_DAYS = env.int("PII_FILE_RETENTION_DAYS", default=30)
# The access log stays in its live table this many days, then moves to a yearly archive
# table (accounts.retention); it is never deleted. Three years by default.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=3 * 365)
