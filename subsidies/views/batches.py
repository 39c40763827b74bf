"""Disbursement batches (SPEC §6.3): made from approved entitlements, approved by a second
admin, a payment file for the card bank made in a Celery task, the bank's result imported
back, failed lines put into a new batch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import AccessLog, Role
from accounts.services import access_log_record
from hedong_union.downloads import as_download
from reporting.xlsx import XLSX_CONTENT_TYPE
from subsidies import selectors, services
from subsidies.forms import BatchCreateForm, ResultUploadForm
from subsidies.models import BatchState, Entitlement, LineStatus, ResultUpload
from subsidies.tasks import batch_payment_file_task
from subsidies.views.access import office_page

LINES_PAGE_SIZE = 100
FAILED_SHOWN = 50
FILE_QUEUED_SECONDS = 60 * 60  # how long the page says "being made" without news


def _file_queued_key(batch):
    return f"subsidies:batch:{batch.pk}:payment-file-queued"


def _file_queued(batch):
    return batch.state == BatchState.APPROVED and bool(cache.get(_file_queued_key(batch)))


def _may_download(user, batch):
    """The office only; a member batch's file holds full card numbers, so it also needs the
    permission to see them (an organisation batch's transfer list holds none)."""
    return user.role == Role.ADMIN and (user.can_see_full_pii or batch.pays_organisations)


@office_page()
@require_GET
def batch_list(request):
    years = selectors.entitlement_years()
    # ?programme=&year= (kept after a refusal): the form and the card count show that one.
    chosen = BatchCreateForm(request.GET, years=years) if request.GET else None
    if chosen is not None and chosen.is_valid():
        programme, year = chosen.cleaned_data["programme"], chosen.cleaned_data["year"]
        form = chosen
    else:
        programme, year = "", None
        form = BatchCreateForm(years=years)
    waiting = selectors.batch_waiting_for_card(user=request.user, programme=programme,
                                               year=year)
    return render(request, "subsidies/batch_list.html", {
        "batches": selectors.batch_list(user=request.user),
        "form": form,
        "waiting": waiting,
        "waiting_total": sum(row["waiting"] for row in waiting),
        "can_act": request.user.role == Role.ADMIN,
    })


def _waiting_message(batch):
    """The part of a success message about entitlements left out for want of a card."""
    n = batch.waiting_for_card  # set by services.batch_create
    if not n:
        return ""
    return " " + ngettext(
        "%(n)d approved entitlement waits for the member to bind a member service card "
        "and is left for a later batch.",
        "%(n)d approved entitlements wait for their members to bind a member service card "
        "and are left for a later batch.", n) % {"n": n}


@office_page(write=True)
@require_POST
def batch_create(request):
    form = BatchCreateForm(request.POST, years=selectors.entitlement_years())
    if not form.is_valid():
        messages.error(request, _("Choose the programme and the year."))
        return redirect("subsidies:batch_list")
    data = form.cleaned_data
    try:
        batch = services.batch_create(by=request.user, queryset=Entitlement.objects.filter(
            programme_id=data["programme"], year=data["year"]))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("subsidies:batch_list") + "?" + urlencode(
            {"programme": data["programme"], "year": data["year"]}))
    messages.success(request, _("Batch %(number)s made; another admin approves it.")
                     % {"number": batch.number} + _waiting_message(batch))
    return redirect("subsidies:batch_detail", pk=batch.pk)


def _batch_state(batch):
    queued = _file_queued(batch)
    return {
        "number": batch.number,
        "state": batch.state,
        "state_label": batch.get_state_display(),
        "file_queued": queued,
        "file_ready": bool(batch.payment_file) and batch.state in (BatchState.SENT,
                                                                  BatchState.SETTLED),
        "finished": not queued,
    }


@login_required
@require_GET
def batch_detail(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    if status not in LineStatus.values:
        status = ""
    page = Paginator(selectors.batch_lines(batch, status=status), LINES_PAGE_SIZE).get_page(
        request.GET.get("page"))
    page.object_list = selectors.with_line_display(list(page.object_list))
    failed = selectors.batch_failed_entitlements(batch).count()
    failed_lines = selectors.with_line_display(list(
        selectors.batch_failed_lines(batch)[:FAILED_SHOWN])) if failed else []
    return render(request, "subsidies/batch_detail.html", {
        "batch": batch, "page": page, "status": status,
        "query": f"status={status}" if status else "",
        "summary": selectors.batch_summary(batch),
        "state": _batch_state(batch),
        "uploads": selectors.result_uploads_of(batch),
        "failed_unpaid": failed,
        "failed_lines": failed_lines,
        "can_act": request.user.role == Role.ADMIN,
        "can_download": _may_download(request.user, batch),
        "line_statuses": LineStatus.choices,
    })


@login_required
@require_GET
def batch_status(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    return JsonResponse(_batch_state(batch))


@login_required
@require_POST
def batch_approve(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk, write=True)
    try:
        services.batch_approve(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Batch approved."))
    return redirect("subsidies:batch_detail", pk=batch.pk)


@login_required
@require_POST
def batch_payment_file(request, pk):
    """Queue the payment file (a Celery task after the commit); the page shows progress."""
    batch = selectors.batch_get(user=request.user, pk=pk, write=True)
    if batch.state != BatchState.APPROVED:
        messages.error(request, _("Only an approved batch has a payment file."))
    else:
        cache.set(_file_queued_key(batch), "1", FILE_QUEUED_SECONDS)
        batch_payment_file_task.delay_on_commit(batch.pk, request.user.pk)
        messages.info(request, _("The payment file is being made; this page shows when it is "
                                 "ready."))
    return redirect("subsidies:batch_detail", pk=batch.pk)


@login_required
@require_GET
def batch_download(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    if not _may_download(request.user, batch):
        raise PermissionDenied
    if not batch.payment_file or batch.state not in (BatchState.SENT, BatchState.SETTLED):
        raise Http404
    content = selectors.batch_payment_file_content(batch)  # decrypted in memory
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT,
                      target_type="subsidies.batch", target_id=batch.pk,
                      description=f"payment file {batch.number} downloaded", request=request)
    name = "转账清单" if batch.pays_organisations else "发放文件"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return as_download(response, f"{name}-{batch.number}.xlsx", fallback=f"{batch.number}.xlsx")


@login_required
def batch_result_upload(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk, write=True)
    form = ResultUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.result_upload_create(batch=batch, file=form.cleaned_data["file"],
                                                   by=request.user)
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return redirect("subsidies:result_upload_detail", pk=upload.pk)
    return render(request, "subsidies/result_upload.html", {"form": form, "batch": batch})


def _upload_state(upload):
    finished = upload.status in (ResultUpload.Status.DONE, ResultUpload.Status.FAILED)
    return {"number": upload.batch.number, "status": upload.status,
            "status_label": upload.get_status_display(), "finished": finished,
            "paid": upload.paid, "failed": upload.failed}


@login_required
@require_GET
def result_upload_detail(request, pk):
    upload = services.result_upload_fail_if_stale(
        upload=selectors.result_upload_get(user=request.user, pk=pk))
    return render(request, "subsidies/result_upload_detail.html", {
        "upload": upload, "state": _upload_state(upload)})


@login_required
@require_GET
def result_upload_status(request, pk):
    return JsonResponse(_upload_state(services.result_upload_fail_if_stale(
        upload=selectors.result_upload_get(user=request.user, pk=pk))))


@login_required
@require_POST
def batch_retry_failed(request, pk):
    """Put this batch's failed, unpaid entitlements into a new batch."""
    batch = selectors.batch_get(user=request.user, pk=pk, write=True)
    try:
        new = services.batch_create(by=request.user,
                                    queryset=selectors.batch_failed_entitlements(batch))
    except ValidationError as error:
        if getattr(error, "code", None) == "waiting_for_card":
            messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, _("No failed line of this batch is waiting to be paid "
                                      "again."))
        return redirect("subsidies:batch_detail", pk=batch.pk)
    messages.success(request, _("Batch %(number)s made from the failed lines of %(old)s.")
                     % {"number": new.number, "old": batch.number} + _waiting_message(new))
    return redirect("subsidies:batch_detail", pk=new.pk)

