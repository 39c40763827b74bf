"""The person's rights under PIPL Art. 44-47, as the consent text promises (SPEC §5, §8):
the office records each request, gives the person a copy of what the portal holds about
them, corrects it (on the records' own edit pages) or erases it.

Erasure replaces the personal fields (name, ID number, phone, card number, and the keyed
hashes beside them) in the records and in every history row of them. History rows are
append-only (accounts.audit), so that part goes through the one privileged path, which
records its use. What the figures need stays: the birth date, sex and province derived
from the ID and stored apart (SPEC §8), the street, community, employer, dates and
memberships, so the rates of any past date are unchanged; published snapshots and
bulletins are stored figures and are not touched (SPEC §7.3, docs/decisions.md)."""

from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_trail_rewrite
from accounts.models import AccessLog, AuditTrailRewrite, Role
from accounts.services import access_log_record, history_baseline_ensure
from applications.models import Application
from membership.models import Member, Worker
from membership.pii import ERASED as ERASED_VALUE
from membership.pii import ERASED_REASON
from privacy import exports
from privacy.models import DataRequest
from privacy.selectors import person_records
from reporting.models import ExportJob
from reporting.xlsx import write_xlsx_book

# What an erased name or identifier reads as (stored data, shown as it is on every page).
ERASED_NAME = ERASED_VALUE
ERASED = ERASED_REASON  # the change reason of the history row an erasure adds
NOTE_MAX_LENGTH = 255


def _require_office(by):
    if by is None or not by.is_active or by.role != Role.ADMIN:
        raise PermissionDenied


def _erased_hmac(kind, pk):
    """A unique stand-in for a keyed hash (the ID's is unique per worker): it names the
    row, not the person."""
    return f"erased:{kind}:{pk}"


@transaction.atomic
def data_request_create(*, by, kind, received_on, note="", records):
    """Record a request of the person whose `records` (privacy.selectors.person_records)
    were found by their ID number."""
    _require_office(by)
    if kind not in DataRequest.Kind.values:
        raise ValidationError({"kind": _("Choose what the person asks for.")})
    if not records.found:
        raise ValidationError(_("No record holds this ID number."))
    if received_on is None:
        raise ValidationError({"received_on": _("Enter the day the request was received.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The day received cannot be in the "
                                                "future.")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("Keep the note under 255 characters.")})
    request = DataRequest(
        kind=kind, received_on=received_on, note=note, created_by=by,
        worker=records.workers[0] if records.workers else None,
        application=records.applications[0] if records.applications else None)
    request._history_user = by
    request.save()
    return request


@transaction.atomic
def data_request_done(*, by, request, done_on, note=""):
    """The request is answered (a copy given, the records corrected or erased)."""
    _require_office(by)
    request = DataRequest.objects.select_for_update().get(pk=request.pk)
    if request.done_on is not None:
        raise ValidationError(_("This request is already done."))
    if done_on is None:
        raise ValidationError({"done_on": _("Enter the day the request was done.")})
    if done_on < request.received_on:
        raise ValidationError({"done_on": _("The day done cannot be before the day "
                                            "received.")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The day done cannot be in the future.")})
    note = (note or "").strip() or request.note
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("Keep the note under 255 characters.")})
    request.done_on, request.done_by, request.note = done_on, by, note
    request._history_user = by
    request.save()
    return request


def person_export(*, by, request, http_request=None):
    """A copy of everything the portal holds about the person of `request`, as one
    workbook (PIPL Art. 45): (Chinese file name, content). Access-logged."""
    _require_office(by)
    records = person_records(worker=request.worker, application=request.application)
    access_log_record(
        user=by, action=AccessLog.Action.EXPORT, target_type=_target_type(request),
        target_id=_target_id(request),
        description=f"personal data copy for data request {request.pk}",
        request=http_request)
    buffer = BytesIO()
    with translation.override("zh-hans"):
        write_xlsx_book(buffer, title="个人信息副本", scope=f"申请编号 {request.pk}",
                        as_of=timezone.localdate(), sheets=exports.person_sheets(records))
    return f"个人信息副本-{request.pk}-{timezone.localdate():%Y%m%d}.xlsx", buffer.getvalue()


def _target_type(request):
    return "membership.worker" if request.worker_id else "applications.application"


def _target_id(request):
    return request.worker_id or request.application_id


_WORKER_ERASED = {"name": ERASED_NAME, "id_number": ERASED_VALUE, "phone": None,
                  "phone_hmac": None}
_MEMBER_ERASED = {"card_number": None, "card_hmac": None}
_APPLICATION_ERASED = {"name": ERASED_NAME, "id_number": ERASED_VALUE, "phone": ERASED_VALUE,
                       "phone_hmac": "",
                       "card_number": None, "card_hmac": None}


def _erase(obj, values, *, by):
    """The record itself, saved with a history row that says it was erased."""
    history_baseline_ensure(obj=obj)
    for name, value in values.items():
        setattr(obj, name, value)
    obj._history_user = by
    obj._change_reason = ERASED
    obj.save()


@transaction.atomic
def person_erase(*, by, request):
    """Erase the personal fields of the person of a delete request (PIPL Art. 47) in
    their records and in every history row of those records, through the privileged path
    (itself recorded). Returns how many history rows were rewritten."""
    _require_office(by)
    request = DataRequest.objects.select_for_update().get(pk=request.pk)
    if request.kind != DataRequest.Kind.DELETE:
        raise ValidationError(_("Only a request to delete erases the data."))
    if request.erased_at is not None:
        raise ValidationError(_("This person's data is already erased."))
    records = person_records(worker=request.worker, application=request.application)
    workers = [Worker.objects.select_for_update().get(pk=w.pk) for w in records.workers]
    members = [Member.objects.select_for_update().get(pk=m.pk) for m in records.members]
    applications = [Application.objects.select_for_update().get(pk=a.pk)
                    for a in records.applications]
    hashes = {h for h in (*(w.id_hmac for w in workers), *(w.phone_hmac for w in workers),
                          *(a.id_hmac for a in applications),
                          *(a.phone_hmac for a in applications),
                          *Worker.history.filter(id__in=[w.pk for w in workers])
                          .values_list("phone_hmac", flat=True)) if h}
    _export_jobs_scrub(hashes=hashes, names={w.name for w in workers}
                       | {a.name for a in applications})
    for worker in workers:
        _erase(worker, {**_WORKER_ERASED, "id_hmac": _erased_hmac("worker", worker.pk)},
               by=by)
    for member in members:
        _erase(member, _MEMBER_ERASED, by=by)
    for application in applications:
        _erase(application, {**_APPLICATION_ERASED,
                             "id_hmac": _erased_hmac("application", application.pk)}, by=by)
    description = (f"data request {request.pk}: workers {[w.pk for w in workers]}, "
                   f"members {[m.pk for m in members]}, "
                   f"applications {[a.pk for a in applications]}")
    with audit_trail_rewrite(kind=AuditTrailRewrite.Kind.ERASE, by=by,
                             description=description) as rewrite:
        for worker in workers:
            rewrite.rows += Worker.history.filter(id=worker.pk).update(
                **_WORKER_ERASED, id_hmac=_erased_hmac("worker", worker.pk))
        for member in members:
            rewrite.rows += Member.history.filter(id=member.pk).update(**_MEMBER_ERASED)
        for application in applications:
            rewrite.rows += Application.history.filter(id=application.pk).update(
                **_APPLICATION_ERASED, id_hmac=_erased_hmac("application", application.pk))
    request.erased_at = timezone.now()
    if request.done_on is None:
        request.done_on, request.done_by = timezone.localdate(), by
    request._history_user = by
    request._change_reason = ERASED
    request.save()
    return rewrite.rows


def _export_jobs_scrub(*, hashes, names):
    """A worker export searched by the person's ID number or phone keeps the number's keyed
    hash among its filters (membership.exports.worker_export_parameters), and a search by
    name keeps the name: those filters are replaced too."""
    for job in ExportJob.objects.select_for_update().filter(
            Q(parameters__id_hmac__in=list(hashes)) | Q(parameters__phone_hmac__in=list(hashes))
            | Q(parameters__search__in=list(names))):
        parameters = dict(job.parameters)
        for key in ("id_hmac", "phone_hmac", "search"):
            if parameters.get(key) in hashes | names:
                parameters[key] = ERASED_VALUE
        ExportJob.objects.filter(pk=job.pk).update(parameters=parameters)
