"""The DRF authentication of outside systems by their API key (accounts.models.ApiKey).

A client sends `Authorization: Api-Key <key>`; djangorestframework-api-key reads the
header, finds the key by its prefix and checks its hash. The check is an authentication
class, not the package's permission alone, so that DRF answers 401 with
`WWW-Authenticate: Api-Key` (it answers 403 when no authentication class names a scheme),
request.auth is the key, and the OpenAPI document shows the scheme.
"""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework_api_key.permissions import KeyParser

from accounts.models import ApiKey

LAST_USED_EVERY = timedelta(hours=1)  # how often a key's "last used" is written


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`; request.auth is the ApiKey, request.user anonymous."""

    key_parser = KeyParser()

    def authenticate(self, request):
        key = self.key_parser.get(request)
        if not key:
            return None  # HasApiKey turns the request away: 401, not_authenticated
        # The package's prefixes are letters and digits; anything else (a NUL, which
        # PostgreSQL refuses in a query) is no key.
        prefix = key.partition(".")[0]
        try:
            found = ApiKey.objects.get_from_key(key) if prefix.isalnum() else None
        except ApiKey.DoesNotExist:
            found = None
        if found is None or found.has_expired:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_EVERY:
            # Not a write on every call: "when last used" to the hour is what the office
            # needs to see whether a client still calls.
            ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
        return AnonymousUser(), found

    def authenticate_header(self, request):
        return KeyParser.keyword  # makes DRF answer 401 (not 403) when the key is missing


class HasApiKey(permissions.BasePermission):
    """The request came with a valid key (ApiKeyAuthentication checked it, once)."""

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI document (/api/schema/)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`; keys are made in the Django admin."}
