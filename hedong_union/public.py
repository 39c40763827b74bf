"""Pieces of the public (no account) pages shared by the apps."""

from django.shortcuts import render


def too_many(request):
    """HTTP 429 with a page a worker can read, when a rate limit turned the request away."""
    response = render(request, "rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response
