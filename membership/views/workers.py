"""Worker pages (SPEC §4, §8): list, page, the logged full view, edit. Personal data is
masked on the server; the full ID and phone are shown only to users with the permission,
one worker at a time, and each such view is written to the access log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import AccessLog
from accounts.scoping import user_can_write
from accounts.services import access_log_record
from hedong_union.forms import apply_errors
from membership import selectors, services
from membership.form_parts.workers import WorkerFilterForm, WorkerForm
from membership.models import Member
from membership.pii import mask_id, mask_phone

PAGE_SIZE = 50


@login_required
@require_GET
def worker_list(request):
    form = WorkerFilterForm(request.GET or None, user=request.user)
    workers = selectors.worker_list(user=request.user, **form.filters())
    page = Paginator(workers, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_pii_display(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "membership/worker_list.html", {
        "filter_form": form,
        "page": page,
        "query": query.urlencode(),
        "can_enroll": Member.objects.role_may_write(request.user),
    })


def _worker_page(request, worker, *, full):
    selectors.with_pii_display([worker], full=full)
    return render(request, "membership/worker_detail.html", {
        "worker": worker,
        "full": full,
        "can_see_full": request.user.can_see_full_pii,
        "can_edit": user_can_write(request.user, worker),
        "can_enroll": Member.objects.role_may_write(request.user),
        "memberships": selectors.worker_memberships(user=request.user, worker=worker,
                                                    full=full),
        "history": selectors.masked_history_of(worker),
    })


@login_required
@require_GET
def worker_detail(request, pk):
    worker = selectors.worker_get(user=request.user, pk=pk)
    return _worker_page(request, worker, full=False)


@login_required
@require_GET
def worker_full(request, pk):
    """The full ID number, phone and card numbers, for users with the permission; logged."""
    worker = selectors.worker_get(user=request.user, pk=pk)
    if not request.user.can_see_full_pii:
        raise PermissionDenied
    access_log_record(
        user=request.user, action=AccessLog.Action.VIEW_FULL, target_type="membership.worker",
        target_id=worker.pk, description="worker page: full ID number, phone and cards",
        request=request,
    )
    return _worker_page(request, worker, full=True)


@login_required
def worker_edit(request, pk):
    worker = selectors.worker_get(user=request.user, pk=pk, write=True)
    form = WorkerForm(request.POST or None, user=request.user, worker=worker,
                      masked_id=mask_id(worker.id_number), masked_phone=mask_phone(worker.phone),
                      initial=WorkerForm.initial_from(worker))
    if request.method == "POST" and form.is_valid():
        try:
            services.worker_update(worker=worker, by=request.user, **form.worker_changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("membership:worker_detail", pk=worker.pk)
    return render(request, "membership/worker_edit.html", {"form": form, "worker": worker})
