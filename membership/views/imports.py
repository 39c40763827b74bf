"""Import pages (SPEC §7.4): upload → report of bad rows → import the good rows → done;
the templates and the bad rows as Excel. A run is seen only by the user who uploaded it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import AccessLog
from accounts.services import access_log_record
from membership.imports import selectors, services
from membership.imports.columns import SHEET_TITLES
from membership.imports.forms import ImportUploadForm
from membership.imports.workbooks import bad_rows_write, template_write
from membership.models import ImportKind, ImportStatus
from reporting.xlsx import xlsx_response

ERRORS_PER_PAGE = 200


def _kinds_for(user):
    return [kind for kind in ImportKind if services.may_import(user, kind)]


@login_required
def import_list(request):
    """The user's own runs, the upload form and the templates."""
    kinds = _kinds_for(request.user)
    if request.method == "POST" and not kinds:
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.import_run_create(by=request.user, kind=form.cleaned_data["kind"],
                                             upload=form.cleaned_data["file"])
        except ValidationError as error:
            for message in error.message_dict.get("file", error.messages):
                form.add_error("file", message)
        else:
            return redirect("membership:import_detail", pk=run.pk)
    runs = Paginator(selectors.import_run_list(user=request.user), 20).get_page(
        request.GET.get("page"))
    return render(request, "membership/imports/list.html", {
        "form": form if kinds else None,
        "kinds": [(kind, SHEET_TITLES[kind]) for kind in kinds],
        "page": runs,
    })


@login_required
@require_GET
def import_template(request, kind):
    try:
        kind = ImportKind(kind)
    except ValueError:
        raise Http404 from None
    response = xlsx_response(f"{SHEET_TITLES[kind]}导入模板.xlsx",
                             fallback=f"template-{kind.value}.xlsx")
    template_write(response, kind=kind)
    return response


@login_required
@require_GET
def import_detail(request, pk):
    """The report: counts, every bad row (paged), and the import button."""
    run = services.import_run_fail_if_stale(run=selectors.import_run_get(user=request.user,
                                                                         pk=pk))
    errors = Paginator(run.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "membership/imports/detail.html", {
        "run": run,
        "errors": errors,
        "progress": services.import_run_progress(run),
        "can_start": run.can_start,
    })


@login_required
@require_GET
def import_status(request, pk):
    run = services.import_run_fail_if_stale(run=selectors.import_run_get(user=request.user,
                                                                         pk=pk))
    return JsonResponse(selectors.import_run_status(run),
                        json_dumps_params={"ensure_ascii": False})


@login_required
def import_start(request, pk):
    """GET: ask to confirm; POST: import the good rows."""
    run = selectors.import_run_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            run = services.import_run_start(run=run, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            if run.status == ImportStatus.DONE:
                messages.success(request, _("Imported: %(created)d added, %(updated)d changed, "
                                            "%(unchanged)d unchanged.") % {
                    "created": run.created_count, "updated": run.updated_count,
                    "unchanged": run.unchanged_count})
        return redirect("membership:import_detail", pk=run.pk)
    run = services.import_run_fail_if_stale(run=run)
    return render(request, "membership/imports/confirm.html", {
        "run": run,
        "can_start": run.can_start,
    })


@login_required
@require_GET
def import_bad_rows(request, pk):
    """The bad rows as typed, with a 错误原因 column; personal data, so access-logged."""
    run = selectors.import_run_get(user=request.user, pk=pk)
    if not run.errors:
        raise Http404
    response = xlsx_response(f"导入{run.pk}错误行.xlsx",
                             fallback=f"import-{run.pk}-bad-rows.xlsx")
    with run.file.open("rb") as source:
        bad_rows_write(
            response, kind=run.kind, source=source, errors=run.errors,
            title=_("Rows to fix: %(name)s") % {"name": run.original_name},
            scope=str(request.user.organisation or _("Whole district")),
        )
    access_log_record(
        user=request.user, action=AccessLog.Action.EXPORT, target_type="membership.importrun",
        target_id=run.pk, description=f"bad rows of import run {run.pk} ({run.bad_rows} rows)",
        request=request,
    )
    return response
