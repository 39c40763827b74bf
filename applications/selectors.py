"""Reads of online applications: the street's queue, one application with its possible
duplicates, the public status lookup, the counts of the home pages and navigation."""

import hmac
from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from applications.models import Application, ApplicationStatus
from membership.identifiers import normalise_text
from membership.models import Member, Street, Unit, UnitKind, Worker

PUBLIC_EMPLOYER_RESULTS = 10


def application_list(*, user, status="", overdue=False, search=""):
    qs = Application.objects.for_user(user).select_related("street", "community", "employer")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.overdue()
    if search:
        qs = qs.filter(Q(number__iexact=search.strip()) | Q(name__icontains=search.strip()))
    return qs


def application_get(*, user, pk, write=False):
    return get_object_or_404(
        Application.objects.for_user(user, write=write).select_related(
            "street", "community__street", "employer__union", "employer__covering_union",
            "reviewed_by", "member__union"),
        pk=pk)


def pending_count(*, user):
    """Pending applications in the user's scope, for the navigation badge."""
    return Application.objects.for_user(user).pending().count()


def street_figures(*, user):
    """Pending and overdue counts of the user's street, for the street's home page."""
    return Application.objects.for_user(user).aggregate(
        pending=Count("pk", filter=Q(status=ApplicationStatus.PENDING)),
        overdue=Count("pk", filter=Q(pk__in=Application.objects.overdue().values("pk"))),
    )


def overdue_by_street(*, user):
    """Streets with applications pending over ten days, for the leadership's page."""
    overdue = Application.objects.for_user(user).overdue()
    return (Street.objects.filter(applications__in=overdue)
            .annotate(overdue=Count("applications", filter=Q(applications__in=overdue)))
            .order_by("position"))


@dataclass(frozen=True)
class Duplicate:
    kind: str  # "worker", "member" or "application"
    match: str  # "id" or "phone"
    record: object


def possible_duplicates(application):
    """Workers, members and other applications with the same ID number or phone (by their
    keyed hashes), for the reviewer."""
    found = []
    by_id = Q(id_hmac=application.id_hmac)
    by_phone = Q(phone_hmac=application.phone_hmac)
    for worker in Worker.objects.filter(by_id | by_phone).select_related("street")[:20]:
        found.append(Duplicate("worker", "id" if worker.id_hmac == application.id_hmac
                               else "phone", worker))
    members = (Member.objects.filter(Q(worker__id_hmac=application.id_hmac)
                                     | Q(worker__phone_hmac=application.phone_hmac))
               .select_related("worker", "union")[:20])
    for member in members:
        found.append(Duplicate("member", "id" if member.worker.id_hmac == application.id_hmac
                               else "phone", member))
    others = (Application.objects.filter(by_id | by_phone).exclude(pk=application.pk)
              .select_related("street")[:20])
    for other in others:
        found.append(Duplicate("application", "id" if other.id_hmac == application.id_hmac
                               else "phone", other))
    return found


def status_lookup(*, number, id_last6):
    """The application with this number whose ID number ends with these 6 characters, or
    None; the same None whatever did not match."""
    number = normalise_text(number).upper()
    last6 = normalise_text(id_last6).upper()
    if not (number.isascii() and number.isalnum() and len(number) <= 16) or len(last6) != 6:
        return None
    application = (Application.objects.filter(number=number)
                   .select_related("member__union").first())
    if application is None:
        return None
    if not hmac.compare_digest(application.id_number[-6:].encode(), last6.encode()):
        return None
    return application


def employer_search(*, q):
    """Known units by name or credit code for the public form: names and codes only (both
    are public registration data), eligible kinds only, a few at a time."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    code = normalise_text(q).upper()
    units = (Unit.objects.exclude(kind=UnitKind.OTHER)
             .filter(Q(name__icontains=q) | Q(credit_code__startswith=code))
             .order_by("name")[:PUBLIC_EMPLOYER_RESULTS])
    return [{"id": u.pk, "label": f"{u.name}（{u.credit_code}）", "union": None}
            for u in units]

