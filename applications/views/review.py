"""The street's review of online applications (SPEC §5): the queue, one application with
its possible duplicates, the correction of a pending one, approval and rejection. The office
reviews any street's; the leadership group reads with personal data masked."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AccessLog
from accounts.scoping import user_can_write
from accounts.services import access_log_record
from applications import selectors, services
from applications.forms import (
    ApplicationFilterForm,
    ApproveForm,
    BulkReviewForm,
    CorrectionForm,
    RejectForm,
)
from applications.models import Application, ApplicationStatus
from hedong_union.forms import apply_errors
from membership.models import Worker
from membership.pii import mask_card, mask_id, mask_phone
from membership.services import route_union


def _list_page(request, *, query, bulk_form=None, status=200):
    form = ApplicationFilterForm(query or {"status": "pending"})
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.application_list(user=request.user, status=filters.get("status", ""),
                                    overdue=filters.get("overdue", False),
                                    search=filters.get("q", ""))
    page = Paginator(qs, 50).get_page(query.get("page"))
    can_review = Application.objects.role_may_write(request.user)
    ticked = set(bulk_form.cleaned_data.get("applications") or []
                 if bulk_form is not None and hasattr(bulk_form, "cleaned_data") else [])
    return render(request, "applications/list.html", {
        "form": form, "page": page, "can_review": can_review, "ticked": ticked,
        "bulk_form": bulk_form or (BulkReviewForm() if can_review else None)},
        status=status)


@login_required
def application_list(request):
    return _list_page(request, query=request.GET)


@login_required
@require_POST
def application_bulk_review(request):
    """Approve or reject the ticked pending applications, each checked and decided on its
    own; the page tells each one's result (SPEC §5)."""
    if not Application.objects.role_may_write(request.user):
        raise PermissionDenied
    form = BulkReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        applications = selectors.applications_for_review(user=request.user,
                                                         pks=data["applications"])
        if (data["action"] == "approve" and not data["employment_form"]
                and any(a.employer_id for a in applications)):
            form.add_error("employment_form", _("Choose the employment form of the "
                                                "applicants with an employer."))
        else:
            results = services.applications_review_bulk(
                applications=applications, by=request.user, action=data["action"],
                hukou_type=data["hukou_type"], employment_form=data["employment_form"],
                joined_on=data["joined_on"], reason=data["reason"])
            return render(request, "applications/bulk_result.html", {
                "results": results, "action": data["action"],
                "done": sum(r.ok for r in results),
                "refused": sum(not r.ok for r in results)})
    return _list_page(request, query={}, bulk_form=form)


def _routed_union(application):
    """The union approval routes to (SPEC §4): the worker's community counts only inside
    the employer's street, as in services.application_approve."""
    employer, community = application.employer, application.community
    if employer is not None and community.street_id != employer.street_id:
        community = None
    return route_union(Worker(employer=employer, community=community))


def _detail(request, application, *, full=False, approve_form=None, reject_form=None,
            correction_form=None):
    user = request.user
    writable = (application.status == "pending" and user_can_write(user, application))
    routed = _routed_union(application) if writable else None
    if writable:
        approve_form = approve_form or ApproveForm(user=user, application=application,
                                                   routed_union=routed)
        reject_form = reject_form or RejectForm()
        correction_form = correction_form or CorrectionForm(
            application=application, masked_phone=mask_phone(application.phone))
    return render(request, "applications/detail.html", {
        "application": application, "full": full,
        "id_number": application.id_number if full else mask_id(application.id_number),
        "phone": application.phone if full else mask_phone(application.phone),
        "card": application.card_number if full else mask_card(application.card_number),
        "duplicates": selectors.possible_duplicates(application, user=user),
        "card_taken": selectors.card_taken(application),
        "writable": writable, "approve_form": approve_form, "reject_form": reject_form,
        "correction_form": correction_form, "routed_union": routed,
        "can_see_full": user.can_see_full_pii,
    })


@login_required
def application_detail(request, pk):
    return _detail(request, selectors.application_get(user=request.user, pk=pk))


@login_required
def application_full(request, pk):
    application = selectors.application_get(user=request.user, pk=pk)
    if not request.user.can_see_full_pii:
        raise PermissionDenied
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_FULL,
                      target_type="applications.application", target_id=application.pk,
                      description="application page: full ID number, phone and card",
                      request=request)
    return _detail(request, application, full=True)


def _already_reviewed(request, application, message):
    """The application was decided since the page was shown (by a colleague, or a second
    click): its page, as it now is, says so, since it no longer shows the forms."""
    messages.error(request, message)
    return redirect("applications:detail", application.pk)


def _pending(message):
    """A review view of a pending application in the user's scope, called with the
    application; one decided since the page was shown goes to its page with `message`."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, pk):
            application = selectors.application_get(user=request.user, pk=pk, write=True)
            if application.status != ApplicationStatus.PENDING:
                return _already_reviewed(request, application, message)
            return view(request, application)
        return wrapper
    return decorate


def _decide(request, application, form, act):
    """`act(cleaned_data)` for a valid form. Returns (its result, None); (None, None) with
    the service's refusals put on the form; or (None, a redirect) when the service found
    the application decided under the row's lock (a decision at the same moment)."""
    if not form.is_valid():
        return None, None
    try:
        return act(form.cleaned_data), None
    except ValidationError as error:
        if getattr(error, "code", None) == "reviewed":
            return None, _already_reviewed(request, application, error.message)
        apply_errors(form, error)
        return None, None


@login_required
@require_POST
@_pending(services.REVIEWED)
def application_approve(request, application):
    form = ApproveForm(request.POST, user=request.user, application=application)
    approved, response = _decide(request, application, form, lambda data: (
        services.application_approve(
            application=application, by=request.user, hukou_type=data["hukou_type"],
            employment_form=data.get("employment_form"), union=data.get("union"),
            joined_on=data["joined_on"], card_number=data["card_number"],
            without_card=data.get("without_card", False))))
    if approved is not None:
        messages.success(request, _("Approved: %(name)s is member %(number)s of "
                                    "%(union)s.") % {
            "name": approved.name, "number": approved.member.member_number,
            "union": approved.member.union.name})
        if not approved.member.card_hmac:
            messages.warning(request, _("No member service card is bound yet: bind it on the "
                                        "member's page when the member brings it."))
        return redirect("applications:detail", approved.pk)
    return response or _detail(request, application, approve_form=form)


@login_required
@require_POST
@_pending(services.NOT_CORRECTABLE)
def application_correct(request, application):
    form = CorrectionForm(request.POST, application=application,
                          masked_phone=mask_phone(application.phone))
    street_before = application.street_id
    corrected, response = _decide(request, application, form, lambda data: (
        services.application_correct(application=application, by=request.user,
                                     **form.correction())))
    if corrected is None:
        return response or _detail(request, application, correction_form=form)
    if corrected.street_id == street_before:
        messages.success(request, _("Corrected; the change is in the application's history."))
        return redirect("applications:detail", corrected.pk)
    still_mine = Application.objects.for_user(request.user).filter(pk=corrected.pk).exists()
    messages.success(request, (
        _("Corrected. The application now goes to %(street)s for review and has "
          "left your queue.") if not still_mine
        else _("Corrected. The application now goes to %(street)s for review."))
        % {"street": corrected.street.federation_name})
    return (redirect("applications:detail", corrected.pk) if still_mine
            else redirect("applications:list"))


@login_required
@require_POST
@_pending(services.REVIEWED)
def application_reject(request, application):
    form = RejectForm(request.POST)
    rejected, response = _decide(request, application, form, lambda data: (
        services.application_reject(application=application, by=request.user,
                                    reason=data["reason"])))
    if rejected is not None:
        messages.success(request, _("Rejected; the applicant can read the reason."))
        return redirect("applications:detail", application.pk)
    return response or _detail(request, application, reject_form=form)
