"""The production settings refuse keys that protect nothing (SPEC §8: secrets come from the
environment; docs/pii-keys.md).

Errors, not warnings: an empty, short or published SECRET_KEY, Fernet key of
PII_ENCRYPTION_KEYS or PII_HMAC_KEY, a malformed Fernet key, and one key used for two
purposes. "Published" means committed here (hedong_union/settings/published.py). The check
runs with `manage.py check --deploy` everywhere, and with every command and at the start of
gunicorn and Celery where the settings say KEY_CHECKS_AT_START (the prod settings).
"""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

from hedong_union.settings import published

KEYS_TAG = "keys"
# As Django's own security.W009 measures a secret key.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
HMAC_KEY_MIN_LENGTH = 32
FERNET_KEY_BYTES = 32
# 32 random bytes hold about 30 different values; fewer than this is a key typed by hand.
FERNET_KEY_MIN_UNIQUE_BYTES = 12

HINT = "Make new keys as docs/pii-keys.md says and set them in the environment."


def _secret_key_errors(name, value):
    if not value:
        return [Error(f"{name} is empty.", hint=HINT, id="hedong.E001")]
    if value in published.PUBLISHED:
        return [Error(f"{name} is a key published in this repository.", hint=HINT,
                      id="hedong.E002")]
    if (len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE
            or value.startswith("django-insecure-")):
        return [Error(f"{name} is too short or too simple: at least {SECRET_KEY_MIN_LENGTH} "
                      f"characters, {SECRET_KEY_MIN_UNIQUE} of them different.", hint=HINT,
                      id="hedong.E003")]
    return []


def _fernet_key_errors(position, key):
    name = f"PII_ENCRYPTION_KEYS[{position}]"
    if not key:
        return [Error(f"{name} is empty.", hint=HINT, id="hedong.E011")]
    if key in published.PUBLISHED:
        return [Error(f"{name} is a key published in this repository.", hint=HINT,
                      id="hedong.E012")]
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = None
    if raw is None or len(raw) != FERNET_KEY_BYTES:
        return [Error(f"{name} is not a Fernet key (32 bytes in url-safe base64).",
                      hint=HINT, id="hedong.E013")]
    if len(set(raw)) < FERNET_KEY_MIN_UNIQUE_BYTES:
        return [Error(f"{name} is not random enough to be a generated Fernet key.",
                      hint=HINT, id="hedong.E014")]
    return []


def _hmac_key_errors(key):
    if not key:
        return [Error("PII_HMAC_KEY is empty.", hint=HINT, id="hedong.E021")]
    if key in published.PUBLISHED:
        return [Error("PII_HMAC_KEY is a key published in this repository.", hint=HINT,
                      id="hedong.E022")]
    if len(key) < HMAC_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE:
        return [Error(f"PII_HMAC_KEY is too short or too simple: at least "
                      f"{HMAC_KEY_MIN_LENGTH} characters.", hint=HINT, id="hedong.E023")]
    return []


def key_errors():
    """Every error of the configured keys (the values themselves never in a message)."""
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own refusal of an empty one
        secret_key = ""
    errors = _secret_key_errors("SECRET_KEY", secret_key)
    for position, fallback in enumerate(getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        errors += _secret_key_errors(f"SECRET_KEY_FALLBACKS[{position}]", fallback)
    encryption_keys = list(settings.PII_ENCRYPTION_KEYS or [])
    if not encryption_keys:
        errors.append(Error("PII_ENCRYPTION_KEYS is empty.", hint=HINT, id="hedong.E010"))
    for position, key in enumerate(encryption_keys):
        errors += _fernet_key_errors(position, key)
    hmac_key = settings.PII_HMAC_KEY
    errors += _hmac_key_errors(hmac_key)
    if hmac_key and hmac_key in encryption_keys:
        errors.append(Error("PII_HMAC_KEY equals one of PII_ENCRYPTION_KEYS: each needs a key "
                            "of its own.", hint=HINT, id="hedong.E030"))
    if secret_key and secret_key in {*encryption_keys, hmac_key}:
        errors.append(Error("SECRET_KEY equals a personal-information key: each needs a key "
                            "of its own.", hint=HINT, id="hedong.E031"))
    return errors


def keys_check(app_configs=None, **kwargs):
    return key_errors()


def keys_check_register():
    """Register the check: with every command where the settings say KEY_CHECKS_AT_START,
    else with `check --deploy` only (dev and test run on published keys)."""
    from django.core import checks

    checks.register(keys_check, KEYS_TAG, checks.Tags.security,
                    deploy=not getattr(settings, "KEY_CHECKS_AT_START", False))


def keys_refused_at_start():
    """For processes that run no system checks (gunicorn, Celery): refuse to start on a bad
    key where the settings say KEY_CHECKS_AT_START."""
    if not getattr(settings, "KEY_CHECKS_AT_START", False):
        return
    errors = key_errors()
    if errors:
        raise ImproperlyConfigured("Refusing to start: " + " ".join(
            f"{error.id}: {error.msg}" for error in errors) + " " + HINT)
