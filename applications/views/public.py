"""The public pages, phone first and without an account (SPEC §5): the application form,
what happens next, the status lookup and the employer search of the form.

Posts are rate-limited per client address (per user for signed-in staff) in the shared
cache (django-ratelimit; Redis in production), failed look-ups also per application number
(a right answer is never refused by that limit); bodies over
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
from hedong_union.public import (
    client_ip,
    limits_reached,
    most_in_a_day,
    over_limits,
    public_page,
    retry_after,
    too_many,
)
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


def _client_number_key(group, request):
    return f"{client_key(group, request)}|{_number_key(group, request)}"


# The limits of each group of public requests, per client address (or per signed-in user).
RATE_LIMITS = {
    "submit": [("applications-submit", client_key, "APPLICATIONS_PUBLIC_RATE")],
    "lookup": [("applications-lookup", client_key, "APPLICATIONS_PUBLIC_RATE")],
    "search": [("applications-search", client_key, "APPLICATIONS_SEARCH_RATE")],
}
# Failed status look-ups only (docs/decisions.md): a right answer is never refused by the
# number's limit, so wrong tries by others never lock the applicant out; the failures of
# one address on one number stop that address's look-ups of the number.
LOOKUP_FAILURES_OF_CLIENT = [("applications-lookup-client-number", _client_number_key,
                              "APPLICATIONS_LOOKUP_FAILURES_PER_ADDRESS")]
LOOKUP_FAILURES = LOOKUP_FAILURES_OF_CLIENT + [
    ("applications-lookup-number", _number_key, "APPLICATIONS_LOOKUP_RATE_PER_NUMBER")]


def rate_limited(request, group):
    """Count this request against the address's or the user's limit."""
    return over_limits(request, RATE_LIMITS[group])


def lookups_per_applicant_per_day():
    """The most status look-ups of one application an outsider at one address (an IPv6
    client: one /64) can have answered in any 24 hours under the settings: every look-up
    counts against the address's rate, each failure against its failures on the number
    (docs/security.md)."""
    return min(most_in_a_day(settings.APPLICATIONS_PUBLIC_RATE),
               most_in_a_day(settings.APPLICATIONS_LOOKUP_FAILURES_PER_ADDRESS))


def lookup_refused(request):
    """Before a status look-up is tried: this address's limit of look-ups, and its failures
    on this number, used up (the wait is kept for Retry-After)."""
    return rate_limited(request, "lookup") or limits_reached(request, LOOKUP_FAILURES_OF_CLIENT)


def lookup_failed(request):
    """Count a failed look-up against the address's failures on the number and the
    number's failures; the seconds to wait when either is now exceeded (then the answer
    is a 429 that tells the true wait), else 0."""
    return over_limits(request, LOOKUP_FAILURES)


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
            submission = form.submission()
            try:
                outcome = services.application_submit(**submission)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                # "referred" names the federation of the street the applicant chose, their
                # own choice, so the answer is the same whoever the ID number belongs to.
                request.session[SESSION_OUTCOME] = {
                    "kind": outcome.kind, "union": outcome.union_name,
                    "number": outcome.application.number if outcome.application else "",
                    "federation": (submission["street"].federation_name
                                   if submission["street"] else "")}
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
        if lookup_refused(request):
            return too_many(request)
        if form.is_valid():
            result = selectors.status_lookup(number=form.cleaned_data["number"],
                                             id_last6=form.cleaned_data["id_last6"])
            if result is None:
                if lookup_failed(request):
                    return too_many(request)
                form.add_error(None, not_found_message())
    member = result.member if result is not None else None
    return render(request, "applications/status.html", {
        "form": form, "result": result,
        "card": mask_card(member.card_number) if member is not None else ""})


def referred_message(street):
    """The API's answer when the ID number is known with another phone (outcome
    "referred"): what to do, and nothing about whose the number is."""
    federation = street.federation_name if street is not None else ""
    if federation:
        return _("This ID number cannot be used for a new online application with this "
                 "phone number. If you have applied before, check that application with its "
                 "number and the last 6 characters of your ID number; if you are already a "
                 "member, or your phone number has changed, go to the %(federation)s with "
                 "your ID card.") % {"federation": federation}
    return _("This ID number cannot be used for a new online application with this phone "
             "number. If you have applied before, check that application with its number "
             "and the last 6 characters of your ID number; if you are already a member, or "
             "your phone number has changed, go to the union federation of your street with "
             "your ID card.")


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
