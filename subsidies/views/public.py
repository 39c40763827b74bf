"""The member's own pages, phone first and without an account (SPEC §6.1, issue 5 §4 and
§7): the spring-return claim and the member's entitlements and payments.

The member identifies with the ID number and the last 6 digits of the member service card;
the identification is kept in the session for a few minutes, never in a URL. Posts are
rate-limited by address (and identification also by ID number) in the shared cache, and a
hidden honeypot field turns bots away.
"""

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hedong_union.forms import apply_errors
from hedong_union.public import client_ip, over_limits, public_page, too_many
from membership.identifiers import normalise_text
from membership.pii import mask_card, pii_hmac
from subsidies import selectors, services
from subsidies.forms import IdentifyForm, SpringReturnClaimForm
from subsidies.services import QuotaFull

SESSION_MEMBER = "subsidies.member"
SESSION_LAST_CLAIM = "subsidies.last_claim"
# The claim typed when the identification had run out, until the member identifies again:
# the fare, ticket number and date only, never the ID number or card digits (SPEC §8).
SESSION_TYPED_CLAIM = "subsidies.typed_claim"
TYPED_CLAIM_FIELDS = ("fare", "ticket_number", "trip_date")


def identify_limited(request, id_number):
    """Count an identification of this ID number against its limit, and say whether it is
    exceeded: the page's and the API's together, so six card digits cannot be guessed from
    many addresses or through the city's platform. Only a well-formed request about to
    identify is counted (a malformed one uses up nobody's tries); the key is the ID's
    HMAC, never the number."""
    key = pii_hmac("id", normalise_text(id_number or "").upper()) or "none"
    return over_limits(request, [("subsidies-identify-id", lambda group, _request: key,
                                  "SUBSIDIES_IDENTIFY_RATE_PER_ID")], method="POST")


def rate_limited(request, group):
    """Count this post against the address's limit."""
    return over_limits(request, [(f"subsidies-{group}", client_ip, "SUBSIDIES_PUBLIC_RATE")],
                       method="POST")


def identification_failed_message():
    return _("We could not confirm who you are. Check the ID number and the last 6 digits of "
             "your member service card.")


def _identification(request):
    """The identified member (None without a current identification), and the member id
    of an identification whose time has run out (else None); the latter is forgotten."""
    data = request.session.get(SESSION_MEMBER)
    if not data:
        return None, None
    if data.get("until", 0) < time.time():
        request.session.pop(SESSION_MEMBER, None)
        return None, data["id"]
    return selectors.member_active_get(data["id"]), None


def _identified(request):
    return _identification(request)[0]


def _remember(request, member):
    request.session.cycle_key()  # a new session id once identified
    request.session[SESSION_MEMBER] = {
        "id": member.pk, "until": time.time() + settings.SUBSIDIES_IDENTIFIED_SECONDS}


def _masked_name(name):
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def _who(member):
    return {"name": _masked_name(member.worker.name), "card": mask_card(member.card_number),
            "member_number": member.member_number}


def _identify(request, *, purpose, timed_out=False):
    """The identification step shared by both pages: a response to send, or None.
    `timed_out`: a claim was posted after the identification ran out; the page says so."""
    posted = request.method == "POST" and request.POST.get("step") == "identify"
    form = IdentifyForm(request.POST if posted else None)
    if posted:
        if rate_limited(request, "identify"):
            return too_many(request)
        if form.is_valid():
            if identify_limited(request, form.cleaned_data["id_number"]):
                return too_many(request)
            member = selectors.member_identify(id_number=form.cleaned_data["id_number"],
                                               card_last6=form.cleaned_data["card_last6"])
            if member is not None:
                _remember(request, member)
                return redirect(request.path)
            form.add_error(None, identification_failed_message())
    return render(request, "subsidies/public/identify.html", {
        "form": form, "purpose": purpose, "timed_out": timed_out,
        "minutes": settings.SUBSIDIES_IDENTIFIED_SECONDS // 60})


@public_page
def spring_return(request):
    member, timed_out = _identification(request)
    posted = request.method == "POST" and request.POST.get("step") == "claim"
    if member is None:
        if timed_out and posted:
            if rate_limited(request, "claim"):
                return too_many(request)
            typed = {name: str(request.POST.get(name, ""))[:40] for name in TYPED_CLAIM_FIELDS}
            # Whose it was: given back only to the same member (a shared phone or kiosk).
            typed["member"] = timed_out
            request.session[SESSION_TYPED_CLAIM] = typed
        return _identify(request, purpose="spring_return",
                         timed_out=bool(timed_out) and posted)
    done = None
    if request.method == "GET" and SESSION_LAST_CLAIM in request.session:
        done = selectors.member_claim_get(member=member,
                                          pk=request.session.pop(SESSION_LAST_CLAIM))
    typed = request.session.pop(SESSION_TYPED_CLAIM, None) if not posted else None
    if typed and typed.pop("member", None) != member.pk:
        typed = None  # typed by someone else before this member identified
    form = SpringReturnClaimForm(request.POST if posted else None, initial=typed)
    quota_full = False
    if posted:
        if rate_limited(request, "claim"):
            return too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = services.spring_return_claim(
                    member=member, fare=data["fare"], ticket_number=data["ticket_number"],
                    trip_date=data["trip_date"])
            except QuotaFull:
                quota_full = True
            except ValidationError as error:
                apply_errors(form, error)
            else:
                request.session[SESSION_LAST_CLAIM] = claim.pk
                return redirect(request.path)
    return render(request, "subsidies/public/spring_return.html", {
        "form": form, "who": _who(member), "quota_full": quota_full, "done": done,
        "year": timezone.localdate().year, "terms": selectors.spring_return_open()})


@public_page
def self_service(request):
    member = _identified(request)
    if member is None:
        return _identify(request, purpose="self_service")
    return render(request, "subsidies/public/self_service.html", {
        "who": _who(member), "data": selectors.member_self_service(member)})


@public_page
@require_POST
def leave(request):
    request.session.pop(SESSION_MEMBER, None)
    request.session.pop(SESSION_LAST_CLAIM, None)
    request.session.pop(SESSION_TYPED_CLAIM, None)
    return redirect("subsidies:public_self_service")
