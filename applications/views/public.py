"""The public pages, phone first and without an account (SPEC §5): the application form,
what happens next, the status lookup and the employer search of the form.

Posts are rate-limited per client address (per user for signed-in staff) in the shared
cache (django-ratelimit; Redis in production), the lookup also per application number; bodies over
APPLICATIONS_MAX_BODY_BYTES are refused before they are read; a hidden honeypot field
turns simple bots away.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from applications import selectors, services
from applications.consent import CONSENT_VERSION, DECLARATION_TEXT, consent_text
from applications.forms import ApplyForm, StatusLookupForm
from hedong_union.forms import apply_errors
from hedong_union.public import client_ip, over_limits, public_page, retry_after, too_many
from membership.identifiers import normalise_text
from membership.models import Community, Street
from membership.pii import mask_card

SESSION_OUTCOME = "applications.outcome"


def client_key(group, request):
    """Signed-in staff (a reviewer's correction form searches employers here; a service
    counter may fill the form in for a worker) are counted each on their own, since an
    office's staff share one address; everyone else by client address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return client_ip(group, request)


def _number_key(group, request):
    match = request.resolver_match
    typed = request.POST.get("number") or (match.kwargs.get("number", "") if match else "")
    return normalise_text(typed).upper()[:20] or "none"


# The limits of each group of public requests: per client address (or per signed-in user),
# the lookup also per application number.
RATE_LIMITS = {
    "submit": [("applications-submit", client_key, "APPLICATIONS_PUBLIC_RATE")],
    "lookup": [("applications-lookup", client_key, "APPLICATIONS_PUBLIC_RATE"),
               ("applications-lookup-number", _number_key,
                "APPLICATIONS_LOOKUP_RATE_PER_NUMBER")],
    "search": [("applications-search", client_key, "APPLICATIONS_SEARCH_RATE")],
}


def rate_limited(request, group):
    """Count this request against the address's or the user's limit (the lookup also the
    number's)."""
    return over_limits(request, RATE_LIMITS[group])


def body_too_large(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.APPLICATIONS_MAX_BODY_BYTES


def too_large(request):
    return render(request, "applications/too_large.html", status=413)


def _initial_place(request):
    """The community (and its street) a poster's link carries, or a street alone."""
    initial = {}
    community = request.GET.get("community", "")
    street = request.GET.get("street", "")
    if community.isdigit() and len(community) < 10:
        found = Community.objects.filter(pk=community).first()
        if found:
            initial = {"community": found.pk, "street": found.street_id}
    elif street.isdigit() and len(street) < 10:
        found = Street.objects.filter(pk=street).first()
        if found:
            initial = {"street": found.pk}
    return initial


@public_page
def apply(request):
    if request.method == "POST":
        if body_too_large(request):
            return too_large(request)
        if rate_limited(request, "submit"):
            return too_many(request)
        form = ApplyForm(request.POST)
        if form.is_valid():
            try:
                outcome = services.application_submit(**form.submission())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                request.session[SESSION_OUTCOME] = {
                    "kind": outcome.kind, "union": outcome.union_name,
                    "number": outcome.application.number if outcome.application else ""}
                return redirect("applications:submitted")
    else:
        form = ApplyForm(initial=_initial_place(request))
    return render(request, "applications/apply.html", {
        "form": form, "consent_text": consent_text(CONSENT_VERSION),
        "consent_version": CONSENT_VERSION, "declaration_text": DECLARATION_TEXT})


@public_page
def submitted(request):
    outcome = request.session.get(SESSION_OUTCOME)
    if not outcome:
        return redirect("applications:apply")
    return render(request, "applications/submitted.html", {"outcome": outcome})


@public_page
def status(request):
    result = None
    form = StatusLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if body_too_large(request):
            return too_large(request)
        if rate_limited(request, "lookup"):
            return too_many(request)
        if form.is_valid():
            result = selectors.status_lookup(number=form.cleaned_data["number"],
                                             id_last6=form.cleaned_data["id_last6"])
            if result is None:
                form.add_error(None, not_found_message())
    member = result.member if result is not None else None
    return render(request, "applications/status.html", {
        "form": form, "result": result,
        "card": mask_card(member.card_number) if member is not None else ""})


def not_found_message():
    return _("No application matches this number and these ID characters. Check both and "
             "try again.")


@require_GET
def employers(request):
    """Known units by name or credit code for the form's employer search (JSON)."""
    if rate_limited(request, "search"):
        return JsonResponse({"results": []}, status=429,
                            headers={"Retry-After": str(retry_after(request))})
    return JsonResponse({"results": selectors.employer_search(q=request.GET.get("q", ""))},
                        json_dumps_params={"ensure_ascii": False})
