"""The office's pages of the audit trail and of the person's rights (SPEC §8, PIPL Art.
44-47). Only the office opens them: another role gets a 403, or a 404 on a record's page
(accounts.office_views.office_only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AccessLog
from accounts.office_views import PAGE_SIZE, office_only
from accounts.selectors import readable_history
from accounts.services import access_log_record
from hedong_union.forms import apply_errors
from membership.pii import mask_card, mask_id, mask_phone
from privacy import selectors, services
from privacy.forms import (
    AccessLogFilterForm,
    DataRequestDoneForm,
    DataRequestForm,
    PersonFindForm,
)
from privacy.models import DataRequest
from reporting import services as export_services
from reporting.xlsx import xlsx_response

REQUEST_REASONS = {services.ERASED: gettext_lazy("personal data erased")}


# --- The access log ------------------------------------------------------------------------

def _access_log_filters(form):
    """The form's filters as the selector and an export job take them: a person becomes
    the ids of their records (never the ID number itself)."""
    data = form.cleaned_data
    filters = {"user_id": data["user"].pk if data.get("user") else None,
               "action": data.get("action") or "",
               "date_from": data["date_from"].isoformat() if data.get("date_from") else None,
               "date_to": data["date_to"].isoformat() if data.get("date_to") else None}
    if data.get("id_number"):
        filters.update(selectors.person_ids(data["id_number"]))
    return filters


@office_only()
@require_http_methods(["GET", "POST"])
def access_log(request):
    """Who viewed or exported whose personal data, newest first (SPEC §8); read-only. The
    filters come by POST, since one of them is an ID number."""
    form = AccessLogFilterForm(request.POST if request.method == "POST" else None)
    filtered = form.is_bound and form.is_valid()
    entries = selectors.access_log_list(**_access_log_filters(form)) if filtered else (
        selectors.access_log_list() if not form.is_bound else AccessLog.objects.none())
    page_number = form.cleaned_data.get("page") if filtered else request.GET.get("page")
    page = Paginator(entries, PAGE_SIZE).get_page(page_number)
    return render(request, "privacy/access_log.html", {
        "form": form, "page": page, "filtered": filtered,
        "rewrites": selectors.audit_rewrite_list(),
    }, status=400 if form.is_bound and not filtered else 200)


@office_only()
@require_POST
def access_log_export(request):
    form = AccessLogFilterForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/access_log.html", {
            "form": form, "page": Paginator(AccessLog.objects.none(), PAGE_SIZE).get_page(1),
            "filtered": False}, status=400)
    outcome = export_services.export_request(user=request.user, kind="access_log",
                                             parameters=_access_log_filters(form),
                                             request=request)
    if outcome.job is not None:
        return redirect("reporting:export_job_detail", pk=outcome.job.pk)
    return xlsx_response(outcome.filename, outcome.content, fallback=outcome.fallback)


# --- The person's rights -------------------------------------------------------------------

def _person_rows(records):
    """The person's records for the page, masked: the full values are on the records' own
    pages, whose full view is access-logged."""
    for worker in records.workers:
        worker.id_display, worker.phone_display = (mask_id(worker.id_number),
                                                   mask_phone(worker.phone))
    for member in records.members:
        member.card_display = mask_card(member.card_number)
    for application in records.applications:
        application.id_display = mask_id(application.id_number)
    return records


@office_only()
@require_http_methods(["GET", "POST"])
def people(request):
    """Find a person's records by ID number; the requests recorded so far."""
    form = PersonFindForm(request.POST if request.method == "POST" else None)
    records = None
    if form.is_bound and form.is_valid():
        records = _person_rows(selectors.person_records(id_number=form.cleaned_data["id_number"]))
        if records.found:
            access_log_record(
                user=request.user, action=AccessLog.Action.VIEW_FULL,
                target_type=selectors.WORKER_TARGET if records.workers
                else selectors.APPLICATION_TARGET,
                target_id=(records.workers or records.applications)[0].pk,
                description="person's records looked up by ID number", request=request)
    request_form = None
    if records is not None and records.found:
        request_form = DataRequestForm(initial={
            "id_number": form.cleaned_data["id_number"],
            "received_on": timezone.localdate()})
    page = Paginator(selectors.data_request_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "privacy/people.html", {
        "form": form, "records": records, "request_form": request_form, "page": page,
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@office_only()
@require_POST
def data_request_create(request):
    form = DataRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        records = selectors.person_records(id_number=data["id_number"])
        try:
            created = services.data_request_create(
                by=request.user, kind=data["kind"], received_on=data["received_on"],
                note=data["note"], records=records)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The request is recorded."))
            return redirect("privacy:data_request_detail", pk=created.pk)
    find_form = PersonFindForm()
    page = Paginator(selectors.data_request_list(), PAGE_SIZE).get_page(1)
    return render(request, "privacy/people.html", {
        "form": find_form, "records": None, "request_form": form, "page": page,
        "request_errors": True}, status=400)


def _data_request(pk):
    return get_object_or_404(selectors.data_request_list(), pk=pk)


@office_only(record=True)
@require_GET
def data_request_detail(request, pk):
    return _detail_page(request, pk)


def _detail_page(request, pk, done_form=None):
    data_request = _data_request(pk)
    records = _person_rows(selectors.person_records(worker=data_request.worker,
                                                   application=data_request.application))
    return render(request, "privacy/data_request_detail.html", {
        "data_request": data_request, "records": records,
        "done_form": done_form or DataRequestDoneForm(initial={"done_on": timezone.localdate()}),
        "history": readable_history(data_request, reasons=REQUEST_REASONS),
    }, status=400 if done_form is not None else 200)


@office_only(record=True)
@require_POST
def data_request_done(request, pk):
    data_request = _data_request(pk)
    form = DataRequestDoneForm(request.POST)
    if form.is_valid():
        try:
            services.data_request_done(by=request.user, request=data_request,
                                       **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The request is marked done."))
            return redirect("privacy:data_request_detail", pk=pk)
    return _detail_page(request, pk, done_form=form)


@office_only(record=True)
@require_GET
def data_request_export(request, pk):
    data_request = _data_request(pk)
    filename, content = services.person_export(by=request.user, request=data_request,
                                               http_request=request)
    return xlsx_response(filename, content, fallback=f"personal-data-{data_request.pk}.xlsx")


@office_only(record=True)
@require_POST
def data_request_erase(request, pk):
    data_request = _data_request(pk)
    if request.POST.get("confirm") != "erase":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect("privacy:data_request_detail", pk=pk)
    try:
        rows = services.person_erase(by=request.user, request=data_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The personal data is erased, in the records and in "
                                    "%(rows)d history rows.") % {"rows": rows})
    return redirect("privacy:data_request_detail", pk=pk)
