"""Pieces of the public (no account) pages and the API shared by the apps."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

RETRY_AFTER = "60"  # seconds; the Retry-After of every 429, page or API


def client_ip(group, request):
    """A django-ratelimit key: the same client address the login lockout sees, trusted
    proxies taken into account."""
    return get_client_ip_address(request) or "unknown"


def _setting_rate(setting):
    # Read at each request, so a changed setting (tests, an override) applies at once.
    return lambda group, request: getattr(settings, setting)


def over_limits(request, limits, *, method=is_ratelimited.ALL):
    """Count the request against every limit, (django-ratelimit group, key function,
    rate setting) each, and say whether any is exceeded. Every limit counts the request,
    even once another is exceeded."""
    exceeded = [is_ratelimited(request, group=group, key=key, rate=_setting_rate(setting),
                               method=method, increment=True)
                for group, key, setting in limits]
    return any(exceeded)


def too_many(request):
    """HTTP 429 with a page a worker can read, when a rate limit turned the request away."""
    response = render(request, "rate_limited.html", status=429)
    response["Retry-After"] = RETRY_AFTER
    return response
