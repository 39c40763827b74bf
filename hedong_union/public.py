"""Pieces of the public (no account) pages and the API shared by the apps."""

import functools
import re

from django.conf import settings
from django.utils import translation
from django_ratelimit.core import get_usage

from hedong_union.client_address import rate_limit_key

# The wait told when the cache could not say how long the window lasts (it failed, and
# django-ratelimit then turns every request away): a minute, the shortest window we use.
DEFAULT_WAIT_SECONDS = 60


def client_ip(group, request):
    """A django-ratelimit key: the client's address (hedong_union.client_address), the
    same the login lockout and the access log see; an IPv6 client by its /64."""
    return rate_limit_key(request)


_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def most_in_a_day(rate):
    """The most requests a django-ratelimit rate ("5/h", "100/10m") lets through in any 24
    hours: its count in each window a day holds, and one more window across the edges
    (the windows do not start at midnight)."""
    count, multiple, unit = _RATE.fullmatch(rate).groups()
    period = int(multiple or 1) * _UNIT_SECONDS[unit]
    return int(count) * (-(-24 * 60 * 60 // period) + 1)


def _setting_rate(setting):
    # Read at each request, so a changed setting (tests, an override) applies at once.
    return lambda group, request: getattr(settings, setting)


def over_limits(request, limits, *, method=get_usage.ALL):
    """Count the request against every limit, (django-ratelimit group, key function,
    rate setting) each, and return the seconds until every exceeded limit lifts (0: none is
    exceeded, so the answer is usable as a yes/no). Every limit counts the request, even
    once another is exceeded. The wait is kept on the request for the 429's Retry-After
    (`retry_after`)."""
    wait = 0
    for group, key, setting in limits:
        usage = get_usage(request, group=group, key=key, rate=_setting_rate(setting),
                          method=method, increment=True)
        if usage and usage["should_limit"]:
            # time_left is -1 when the cache failed; 0 when the window ends this second.
            left = usage["time_left"]
            wait = max(wait, left + 1 if left >= 0 else DEFAULT_WAIT_SECONDS)
    if wait:
        request.rate_limit_wait = wait
    return wait


def limits_reached(request, limits, *, method=get_usage.ALL):
    """Without counting this request, the seconds until every limit already used up lifts
    (0: none is), for a limit that counts only some requests (failed look-ups) but refuses
    the next one once full. Kept on the request for the 429's Retry-After, as
    `over_limits` does."""
    wait = 0
    for group, key, setting in limits:
        usage = get_usage(request, group=group, key=key, rate=_setting_rate(setting),
                          method=method, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            left = usage["time_left"]
            wait = max(wait, left + 1 if left >= 0 else DEFAULT_WAIT_SECONDS)
    if wait:
        request.rate_limit_wait = wait
    return wait


def retry_after(request):
    """Seconds until the limit that turned this request away lifts (`over_limits`)."""
    return getattr(request, "rate_limit_wait", DEFAULT_WAIT_SECONDS)


def too_many(request):
    """HTTP 429 with a page a worker can read, saying how long to wait, when a rate limit
    turned the request away."""
    from hedong_union.errors import rate_limited  # the error pages' module renders it

    return rate_limited(request)


# ---------------------------------------------------------------------------
# The language of the public pages (docs/decisions.md): the workers' pages are in Chinese
# whatever language the browser asks for; a language chosen with the footer's switch (its
# cookie) still wins.
# ---------------------------------------------------------------------------
def chosen_language(request):
    """The language chosen with the switch (set_language's cookie), or None."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not chosen:
        return None
    try:
        return translation.get_supported_language_variant(chosen)
    except LookupError:
        return None


def use_chinese_unless_chosen(request):
    """Activate the portal's language (Simplified Chinese) for the rest of this request,
    unless the visitor chose one with the switch. LocaleMiddleware's answer reads the
    browser's Accept-Language, which is often English on a worker's phone."""
    language = chosen_language(request) or settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def public_page(view):
    """Mark a view as a public page: in Chinese whatever the browser asks for."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        use_chinese_unless_chosen(request)
        return view(request, *args, **kwargs)
    return wrapper
