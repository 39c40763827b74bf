"""What the portal holds about one person, found by their ID number through its keyed hash
(SPEC §8: never by the plain number), and the office's view of the access log."""

from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import AccessLog, AuditTrailRewrite
from applications.models import Application
from membership.models import Member, Worker
from membership.pii import pii_hmac
from privacy.models import DataRequest
from subsidies.models import Entitlement

# How the access log names the records of a person (accounts.services.access_log_record's
# target_type at the full-record views).
WORKER_TARGET = "membership.worker"
APPLICATION_TARGET = "applications.application"


@dataclass
class PersonRecords:
    workers: list = field(default_factory=list)
    applications: list = field(default_factory=list)
    members: list = field(default_factory=list)
    entitlements: list = field(default_factory=list)

    @property
    def found(self):
        return bool(self.workers or self.applications)

    def access_log_q(self):
        return access_log_about_q(worker_ids=[w.pk for w in self.workers],
                                  application_ids=[a.pk for a in self.applications])


def person_records(*, id_number=None, worker=None, application=None):
    """The records of the person with `id_number` (already cleaned), or of the person of a
    request (its worker or application, whose ID is found through them)."""
    workers = Worker.objects.select_related("street", "community", "employer")
    applications = Application.objects.select_related("street", "community", "employer")
    if id_number is not None:
        digest = pii_hmac("id", id_number)
        workers, applications = (workers.filter(id_hmac=digest),
                                 applications.filter(id_hmac=digest))
    else:
        q_workers, q_applications = Q(pk__in=[]), Q(pk__in=[])
        if worker is not None:
            q_workers |= Q(pk=worker.pk)
            q_applications |= Q(id_hmac=worker.id_hmac)
        if application is not None:
            q_applications |= Q(pk=application.pk)
            q_workers |= Q(id_hmac=application.id_hmac)
        workers, applications = workers.filter(q_workers), applications.filter(q_applications)
    records = PersonRecords(workers=list(workers.order_by("pk")),
                            applications=list(applications.order_by("pk")))
    records.members = list(Member.objects.filter(worker__in=records.workers)
                           .select_related("union").order_by("joined_on", "pk"))
    records.entitlements = list(Entitlement.objects.filter(member__in=records.members)
                                .select_related("programme").order_by("year", "pk"))
    return records


def access_log_about_q(*, worker_ids=(), application_ids=()):
    q = Q(pk__in=[])
    if worker_ids:
        q |= Q(target_type=WORKER_TARGET, target_id__in=[str(i) for i in worker_ids])
    if application_ids:
        q |= Q(target_type=APPLICATION_TARGET,
               target_id__in=[str(i) for i in application_ids])
    return q


def person_ids(id_number):
    """The ids of the records of the person with `id_number` (cleaned), found by its keyed
    hash: what a filter keeps instead of the number (an export job stores its filters)."""
    digest = pii_hmac("id", id_number)
    workers = Worker.objects.filter(id_hmac=digest)
    return {"worker_ids": list(workers.values_list("pk", flat=True)),
            "application_ids": list(Application.objects.filter(id_hmac=digest)
                                    .values_list("pk", flat=True))}


def access_log_list(*, user_id=None, action="", worker_ids=None, application_ids=None,
                    date_from=None, date_to=None):
    """The access log, newest first, filtered: by the user who saw, the action, the person
    whose records were seen (`worker_ids` and `application_ids` from `person_ids`; both
    None: anyone) and the dates (local days, both included)."""
    entries = AccessLog.objects.select_related("user").order_by("-created_at", "-pk")
    if user_id:
        entries = entries.filter(user_id=user_id)
    if action:
        entries = entries.filter(action=action)
    if worker_ids is not None or application_ids is not None:
        entries = entries.filter(access_log_about_q(worker_ids=worker_ids or (),
                                                    application_ids=application_ids or ()))
    if date_from is not None:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(created_at__date__lte=date_to)
    return entries


def data_request_list():
    return DataRequest.objects.select_related("worker", "application", "created_by",
                                              "done_by").order_by("-received_on", "-pk")


def audit_rewrite_list(*, limit=20):
    """The latest uses of the privileged path (accounts.audit): archives and erasures."""
    return AuditTrailRewrite.objects.select_related("by").order_by("-created_at", "-pk")[:limit]
