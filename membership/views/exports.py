"""Excel exports of the unit, worker and member lists (SPEC §7.4), with the filters of
the list pages. A small export comes straight back; a large one becomes a background job
whose progress page the user is sent to."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from membership import exports
from membership.form_parts.members import MemberFilterForm
from membership.form_parts.units import UnitFilterForm
from membership.form_parts.workers import WorkerFilterForm
from membership.models import Union
from membership.views.organisations import union_filters
from reporting import services
from reporting.xlsx import xlsx_response


def _export(request, kind, parameters):
    outcome = services.export_request(user=request.user, kind=kind, parameters=parameters,
                                      request=request)
    if outcome.job is not None:
        return redirect("reporting:export_job_detail", pk=outcome.job.pk)
    return xlsx_response(outcome.filename, outcome.content, fallback=outcome.fallback)


@login_required
@require_GET
def unit_export(request):
    form = UnitFilterForm(request.GET or None, user=request.user)
    return _export(request, "units", exports.export_parameters(form.filters()))


@login_required
@require_GET
def worker_export(request):
    form = WorkerFilterForm(request.GET or None, user=request.user)
    return _export(request, "workers", exports.worker_export_parameters(form.filters()))


@login_required
@require_GET
def member_export(request):
    form = MemberFilterForm(request.GET or None, user=request.user,
                            unions=Union.objects.for_user(request.user))
    return _export(request, "members", exports.export_parameters(form.filters()))


@login_required
@require_GET
def union_export(request):
    _form, filters = union_filters(request)
    return _export(request, "unions", exports.export_parameters(filters))
