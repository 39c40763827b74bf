"""Reads of online applications: the street's queue, one application with its possible
duplicates, the public status lookup, the counts of the home pages and navigation."""

import hmac
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from applications.models import Application, ApplicationStatus, overdue_q
from membership.identifiers import normalise_text
from membership.models import Member, Street, Unit, UnitKind, Worker
from membership.selectors import unit_search_q

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


def applications_for_review(*, user, pks):
    """The applications `user` may review among `pks`, in the queue's order; 404 when one
    is not in the user's scope (SPEC §1: another scope's id is not found)."""
    pks = set(pks)
    applications = list(Application.objects.for_user(user, write=True)
                        .select_related("street", "employer").filter(pk__in=pks))
    if len(applications) != len(pks):
        raise Http404
    return applications


def card_taken(application):
    """The card the applicant gave is bound to a member now (the flag stored at submission
    may be out of date by the review): approval would refuse it (SPEC §4)."""
    if application.status != ApplicationStatus.PENDING or not application.card_hmac:
        return application.card_flag
    return Member.objects.filter(card_hmac=application.card_hmac).exists()


def pending_count(*, user):
    """Pending applications in the user's scope, for the navigation badge."""
    return Application.objects.for_user(user).pending().count()


def street_figures(*, user):
    """Pending and overdue counts of the user's street, for the street's home page."""
    return Application.objects.for_user(user).aggregate(
        pending=Count("pk", filter=Q(status=ApplicationStatus.PENDING)),
        overdue=Count("pk", filter=overdue_q()),
    )


def overdue_by_street(*, user):
    """Streets with applications pending over ten days, for the leadership's page."""
    overdue = Application.objects.for_user(user).overdue()
    # The count follows the filter's join, so it counts the overdue applications only.
    return (Street.objects.filter(applications__in=overdue)
            .annotate(overdue=Count("applications")).order_by("position"))


@dataclass(frozen=True)
class Duplicate:
    kind: str  # "worker", "member" or "application"
    match: str  # "id" or "phone"
    record: object
    in_scope: bool  # outside the reviewer's scope only the kind and the street are shown


def possible_duplicates(application, *, user):
    """Workers, members and other applications with the same ID number or phone (by their
    keyed hashes), for the reviewer; records outside the reviewer's scope are named by
    their street only (SPEC §1)."""
    by_id = Q(id_hmac=application.id_hmac)
    by_phone = Q(phone_hmac=application.phone_hmac)
    found = [
        ("worker", Worker.objects.filter(by_id | by_phone).select_related("street")[:20],
         Worker, lambda r: r.id_hmac),
        ("member", Member.objects.filter(Q(worker__id_hmac=application.id_hmac)
                                         | Q(worker__phone_hmac=application.phone_hmac))
         .select_related("worker__street", "union")[:20], Member, lambda r: r.worker.id_hmac),
        ("application", Application.objects.filter(by_id | by_phone).exclude(pk=application.pk)
         .select_related("street")[:20], Application, lambda r: r.id_hmac),
    ]
    duplicates = []
    for kind, records, model, id_hmac_of in found:
        records = list(records)
        visible = set(model.objects.for_user(user).filter(
            pk__in=[r.pk for r in records]).values_list("pk", flat=True))
        duplicates += [Duplicate(kind, "id" if id_hmac_of(r) == application.id_hmac
                                 else "phone", r, r.pk in visible) for r in records]
    return duplicates


def status_lookup(*, number, id_last6):
    """The application with this number whose ID number ends with these 6 characters, or
    None; the same None whatever did not match."""
    number = normalise_text(number).upper()
    last6 = normalise_text(id_last6).upper()
    if not (number.isascii() and number.isalnum() and len(number) <= 16) or len(last6) != 6:
        return None
    application = (Application.objects.filter(number=number)
                   .select_related("member__union", "street").first())
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
    units = (Unit.objects.exclude(kind=UnitKind.OTHER).filter(unit_search_q(q))
             .order_by("name")[:PUBLIC_EMPLOYER_RESULTS])
    return [{"id": u.pk, "label": f"{u.name}（{u.credit_code}）"} for u in units]



# ---------------------------------------------------------------------------
# For the reports (issue 6): counts grouped like reporting.figures' fine key
# ---------------------------------------------------------------------------
def _day_bounds(first, last):
    """Aware datetimes from the start of `first` to the end of `last`, in Asia/Shanghai."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    zone = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))


def application_counts_by_scope(start, day):
    """[((street_id, community_id, sector, group), received, approved)] for the days
    `start`..`day`: applications submitted in them and applications approved in them."""
    since, until = _day_bounds(start, day)
    received = Q(created_at__gte=since, created_at__lt=until)
    approved = Q(status=ApplicationStatus.APPROVED, reviewed_at__gte=since,
                 reviewed_at__lt=until)
    rows = (Application.objects.filter(received | approved).order_by()
            .values("street_id", "community_id", "employer__sector", "occupation_group")
            .annotate(received=Count("pk", filter=received),
                      approved=Count("pk", filter=approved)))
    return [((r["street_id"], r["community_id"], r["employer__sector"], r["occupation_group"]),
             r["received"], r["approved"]) for r in rows]


def pending_counts_by_street():
    """{street_id: (pending, pending over ten days)} now, for the leadership's dashboard."""
    rows = (Application.objects.pending().order_by().values("street_id")
            .annotate(pending=Count("pk"), overdue=Count("pk", filter=overdue_q())))
    return {r["street_id"]: (r["pending"], r["overdue"]) for r in rows}
