"""The portal's error pages (400, 403, 404, 429, 500 and the CSRF failure), in its look
and in Chinese unless the visitor chose another language (docs/decisions.md).

They are rendered without the request's context processors: no user, menu or session is
read, so they need no database, and nothing of the request (its path or query, where a
mistyped ID number may sit) is put on the page. The 500 page is static (templates/500.html).
"""

import math

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults

from hedong_union.public import retry_after, use_chinese_unless_chosen


def _render(request, template_name, status, context=None):
    use_chinese_unless_chosen(request)
    # The footer's language switch posts a form: its token comes from the cookie alone.
    page = loader.get_template(template_name).render(
        {"csrf_token": get_token(request), **(context or {})})
    return HttpResponse(page, status=status)


def bad_request(request, exception=None, template_name="400.html"):
    return _render(request, template_name, 400)


def permission_denied(request, exception=None, template_name="403.html"):
    return _render(request, template_name, 403)


def page_not_found(request, exception=None, template_name="404.html"):
    return _render(request, template_name, 404)


def server_error(request, template_name="500.html"):
    """Django's own 500 view (the template rendered without any context), in the
    visitor's language as the other error pages."""
    try:
        use_chinese_unless_chosen(request)
    except Exception:  # the page must come out whatever went wrong
        pass
    return defaults.server_error(request, template_name=template_name)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security token (an old tab, cookies off).
    The reason is for developers and is not shown."""
    return _render(request, "403_csrf.html", 403)


def wait_text(seconds):
    """How long to wait, in words: seconds under a minute, else whole minutes (rounded up)."""
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def rate_limited(request):
    """HTTP 429, when a rate limit turned the request away (hedong_union.public.too_many):
    the page says how long to wait and Retry-After gives the same seconds."""
    seconds = retry_after(request)
    response = _render(request, "429.html", 429, {"wait": wait_text(seconds)})
    response["Retry-After"] = str(seconds)
    return response


def rate_limited_message(request):
    """The API's words for a 429 (hedong_union.api_errors.too_many_requests)."""
    return _("Too many requests. Please wait %(wait)s and try again.") % {
        "wait": wait_text(retry_after(request))}
