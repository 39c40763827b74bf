"""Settings for `make run` on a developer's or a demo machine."""

from .base import *  # noqa: F401,F403
from .base import env
from .published import DEV_PII_ENCRYPTION_KEY, DEV_PII_HMAC_KEY, DEV_SECRET_KEY

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
# Finders instead of collectstatic, so a fresh clone serves assets at once.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Fixed, non-secret PII keys so demo data survives restarts; never used in production.
PII_ENCRYPTION_KEYS = env.list(
    "PII_ENCRYPTION_KEYS", default=[DEV_PII_ENCRYPTION_KEY]
)
PII_HMAC_KEY = env("PII_HMAC_KEY", default=DEV_PII_HMAC_KEY)
