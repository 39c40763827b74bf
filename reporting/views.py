"""Export job pages: progress, its JSON status for static/js/export_progress.js, and the
download. Only the job's owner sees any of them; anyone else gets a 404."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hedong_union.downloads import as_download
from reporting import selectors, services
from reporting.models import ExportJob


def _status(job):
    done = job.status == ExportJob.Status.DONE
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "finished": job.is_finished,
        "download_url": reverse("reporting:export_job_download", args=[job.pk]) if done
        else None,
        "failed_message": _failed_message(job),
    }


def _failed_message(job):
    if job.was_interrupted:
        return _("The export was interrupted (its process stopped). Ask for it again from "
                 "the list; nothing was lost.")
    if job.status == ExportJob.Status.FAILED:
        return _("The export failed. Please try again, or ask the district office if it "
                 "fails again.")
    return ""


@login_required
@require_GET
def export_job_detail(request, pk):
    job = services.export_job_fail_if_stale(job=selectors.export_job_get(user=request.user,
                                                                         pk=pk))
    return render(request, "reporting/export_job.html", {"job": job, "state": _status(job)})


@login_required
@require_GET
def export_job_status(request, pk):
    job = services.export_job_fail_if_stale(job=selectors.export_job_get(user=request.user,
                                                                         pk=pk))
    return JsonResponse(_status(job))


@login_required
@require_GET
def export_job_download(request, pk):
    job = selectors.export_job_get(user=request.user, pk=pk)
    if job.status != ExportJob.Status.DONE:
        raise Http404
    handle, filename, fallback = services.export_job_download(job=job, user=request.user,
                                                              request=request)
    return as_download(FileResponse(handle), filename, fallback=fallback)


@login_required
@require_GET
def export_job_list(request):
    """The user's own recent exports, to come back to a large one when it is ready."""
    return render(request, "reporting/export_job_list.html", {
        "jobs": [(job, _status(job)) for job in selectors.export_job_list(user=request.user)],
    })
