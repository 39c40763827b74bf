"""Pieces of the public (no account) pages shared by the apps."""

from axes.helpers import get_client_ip_address
from django.shortcuts import render


def client_ip(group, request):
    """A django-ratelimit key: the same client address the login lockout sees, trusted
    proxies taken into account."""
    return get_client_ip_address(request) or "unknown"


def too_many(request):
    """HTTP 429 with a page a worker can read, when a rate limit turned the request away."""
    response = render(request, "rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response
