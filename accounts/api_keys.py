"""API keys of outside systems (accounts.models.ApiKey) and their DRF authentication.

A client sends `Authorization: Api-Key <key>`. The key is `<prefix>.<secret>`; the prefix
finds the row and the SHA-256 of the whole key is compared in constant time.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from accounts.models import ApiKey

KEYWORD = "Api-Key"
LAST_USED_EVERY = timedelta(hours=1)  # how often a key's "last used" is written


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_fill(api_key):
    """Give the unsaved ApiKey a new key (its prefix and hash); returns the key, to be
    shown once."""
    while True:
        prefix = secrets.token_hex(4)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    api_key.prefix, api_key.key_hash = prefix, _hash(key)
    return key


def api_key_create(*, name):
    """Make a key for the client `name`; returns (ApiKey, the key), the key shown once."""
    api_key = ApiKey(name=name)
    key = api_key_fill(api_key)
    api_key.save()
    return api_key, key


def api_key_check(key):
    """The active ApiKey of `key`, or None."""
    prefix, dot, _secret = (key or "").partition(".")
    if not dot or len(prefix) != 8:
        return None
    found = ApiKey.objects.filter(prefix=prefix, is_active=True).first()
    if found is None or not hmac.compare_digest(found.key_hash, _hash(key)):
        return None
    return found


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`; request.auth is the ApiKey, request.user anonymous."""

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        found = api_key_check(words[1].decode("latin-1"))
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_EVERY:
            # Not a write on every call: "when last used" to the hour is what the office
            # needs to see whether a client still calls.
            ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
        return AnonymousUser(), found

    def authenticate_header(self, request):
        return KEYWORD  # makes DRF answer 401 (not 403) when the key is missing


class HasApiKey(permissions.BasePermission):
    message = _("An API key is required.")

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI document (/api/schema/)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`; keys are made in the Django admin."}
