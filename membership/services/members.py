"""Writes of memberships (SPEC §4): enrollment, routing, transfer, ending, cards, dues."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from membership.identifiers import age_on, clean_card_number
from membership.models import (
    MONTHLY_DUES_YUAN,
    DuesPayment,
    EmploymentForm,
    EndReason,
    FoundingStatus,
    Member,
    MemberNumberCounter,
    MemberStatus,
    Source,
    Union,
    UnionForm,
    UnionSpan,
    Unit,
    UnitKind,
)
from membership.pii import pii_hmac
from membership.services.workers import check_worker_scope, worker_create, worker_find

MINIMUM_AGE = 16  # plan §一.(一)1


def member_numbers_reserve(*, year, count):
    """Reserve `count` consecutive member numbers of `year` (HD2026000123), one row lock."""
    MemberNumberCounter.objects.get_or_create(year=year)
    counter = MemberNumberCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    MemberNumberCounter.objects.filter(year=year).update(last=F("last") + count)
    return [f"HD{year}{n:06d}" for n in range(first, first + count)]


def employer_union(employer):
    """The employer's own founded union, or the union covering it (SPEC §3), else None."""
    if employer is None:
        return None
    if employer.founding_status == FoundingStatus.FOUNDED and employer.union_id:
        return employer.union
    if employer.founding_status == FoundingStatus.COVERED and employer.covering_union_id:
        return employer.covering_union
    return None


def community_unions_of(community_ids):
    """The community union of each community, in one query: community id → union."""
    ids = {pk for pk in community_ids if pk}
    if not ids:
        return {}
    unions = {}
    for union in Union.objects.filter(form=UnionForm.COMMUNITY, community_id__in=ids
                                      ).order_by("-pk"):
        unions[union.community_id] = union  # the oldest wins when a community has two
    return unions


def _route_communities(worker):
    """The communities routing asks, in order: the worker's, then the employer's."""
    employer = worker.employer
    ids = [worker.community_id, employer.community_id if employer is not None else None]
    return [pk for i, pk in enumerate(ids) if pk and pk not in ids[:i]]


def route_union(worker, *, community_unions=None):
    """Where a new member goes (SPEC §4; plan §二.1, §二.5(2)): the employer's own union, or
    the union covering it; else (a scattered worker, or an employer without a union) the
    community union of the worker's community, else of the employer's community. None
    when no community is known, or none of them has a community union: `route_refusal`
    says what to fill. Staff may still choose another union by hand.

    A construction crew goes to its project or subcontract-team union through its
    employer (covered by the project union, or founded as the team's own union); without
    either it goes to the community union like any other worker (docs/decisions.md).

    `community_unions` (from `community_unions_of`) lets a caller that routes many
    workers load the community unions once; without it, one query."""
    own = employer_union(worker.employer)
    if own is not None:
        return own
    communities = _route_communities(worker)
    if community_unions is None:
        community_unions = community_unions_of(communities)
    for community_id in communities:
        union = community_unions.get(community_id)
        if union is not None:
            return union
    return None


def route_refusal(worker):
    """Why `route_union` found no union, naming what to fill (SPEC §4)."""
    if not _route_communities(worker):
        return _("Neither the worker nor the employer has a community, so no community union "
                 "can take this member: enter the worker's community, or choose the base "
                 "union by hand.")
    return _("The community has no community union yet: create it on the unions page, or "
             "choose the base union by hand.")


def check_eligibility(*, worker, union, joined_on):
    """Who may join (plan §一.(一)1), as errors keyed by the field to fix."""
    errors = eligibility_errors(worker=worker, union=union, joined_on=joined_on)
    active = worker.memberships.filter(status=MemberStatus.ACTIVE).select_related("union")
    if active.exists():
        errors["worker"] = [_("This worker is already an active member of %(union)s.")
                            % {"union": active[0].union.name}]
    if errors:
        raise ValidationError(errors)


def founded_after(union, day):
    """The union's founding date when `day` is before it, else None: nobody joins a union
    before it exists. A union whose founding date is not recorded refuses no day."""
    if union is not None and union.founded_on is not None and day < union.founded_on:
        return union.founded_on
    return None


def eligibility_errors(*, worker, union, joined_on):
    """The rules of `check_eligibility` that need no query (the roster import checks the
    active memberships of a whole chunk at once); errors keyed by the field to fix.
    `union` is where the worker joins (None: not chosen yet, so not checked)."""
    errors = {}
    if age_on(worker.birth_date, joined_on) < MINIMUM_AGE:
        errors.setdefault("joined_on", []).append(
            _("The worker is under 16 on the join date (born %(birth)s).")
            % {"birth": worker.birth_date.isoformat()})
    founded_on = founded_after(union, joined_on)
    if founded_on is not None:
        errors.setdefault("joined_on", []).append(
            _("The join date cannot be before %(union)s was founded (%(date)s).")
            % {"union": union.name, "date": founded_on.isoformat()})
    if joined_on > timezone.localdate():
        errors["joined_on"] = [_("The join date cannot be in the future.")]
    if worker.employer_id is None:
        if worker.employment_form != EmploymentForm.SCATTERED:
            errors["employer"] = [_("A worker without an employer must be in scattered "
                                    "employment.")]
    elif worker.employer.kind == UnitKind.OTHER:
        errors["employer"] = [_("The employer is neither a non-public enterprise nor a social "
                                "organisation.")]
    if worker.left_on is not None and worker.left_on <= joined_on:
        errors["joined_on"] = [_("The worker had left before the join date.")]
    return errors


def _card_fields(card_number, *, exclude_member=None):
    if not card_number:
        return None, None
    card = clean_card_number(card_number)
    digest = pii_hmac("card", card)
    clash = Member.objects.filter(card_hmac=digest)
    if exclude_member is not None:
        clash = clash.exclude(pk=exclude_member.pk)
    if clash.exists():
        raise ValidationError({"card_number": _("This card is already bound to another "
                                                "member.")})
    return card, digest


@transaction.atomic
def member_enroll(*, by, worker, union, joined_on, card_number="", declared=True,
                  source=Source.STAFF):
    """Enroll a worker in a base union: one transaction, one member number."""
    if not Member.objects.role_may_write(by):
        raise PermissionDenied
    if not declared:
        raise ValidationError({"declared": _("The worker must declare that wages are the main "
                                             "income or that there is a labour relationship.")})
    if union is None:
        raise ValidationError({"union": _("Choose the base union.")})
    if not Union.objects.for_user(by).filter(pk=union.pk).exists():
        raise ValidationError({"union": _("This union is not in your scope.")})
    worker = type(worker).objects.select_for_update().get(pk=worker.pk)
    check_worker_scope(by=by, worker=worker)
    check_eligibility(worker=worker, union=union, joined_on=joined_on)
    try:
        card, card_hmac = _card_fields(card_number)
    except ValidationError as error:
        raise ValidationError({"card_number": error.messages}) from None
    (number,) = member_numbers_reserve(year=joined_on.year, count=1)
    member = Member(worker=worker, member_number=number, union=union, joined_on=joined_on,
                    card_number=card, card_hmac=card_hmac, source=source)
    member._history_user = by
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # Two enrollments of one worker at the same moment: the constraint decides.
        raise ValidationError({"worker": _("This worker is already an active member.")}) \
            from None
    UnionSpan.objects.create(member=member, union=union, started_on=joined_on)
    return member


def check_transfer_date(*, started_on, union, on):
    """A transfer on `on` closes a span that started on `started_on` and opens one in
    `union` (SPEC §4): not before the span began, not after today, not before the union
    was founded."""
    if on < started_on or on > timezone.localdate():
        raise ValidationError({"on": _("The transfer date must be between %(start)s and "
                                       "today.") % {"start": started_on.isoformat()}})
    founded_on = founded_after(union, on)
    if founded_on is not None:
        raise ValidationError({"on": _("The transfer date cannot be before %(union)s was "
                                       "founded (%(date)s).") % {
            "union": union.name, "date": founded_on.isoformat()}})


@transaction.atomic
def member_transfer(*, member, by, union, on):
    """Move a member to another union on `on`: the old span ends that day, the new one
    starts that day, the member number and card stay (SPEC §4)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not Member.objects.for_user(by, write=True).filter(pk=member.pk).exists():
        raise PermissionDenied
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"union": _("Only an active member can be transferred.")})
    if union.pk == member.union_id:
        raise ValidationError({"union": _("The member is already in this union.")})
    span = member.spans.get(ended_on__isnull=True)
    check_transfer_date(started_on=span.started_on, union=union, on=on)
    span.ended_on, span.closed_by = on, UnionSpan.Closed.TRANSFER
    span.save(update_fields=["ended_on", "closed_by"])
    UnionSpan.objects.create(member=member, union=union, started_on=on)
    member.union = union
    member._history_user = by
    member.save(update_fields=["union"])
    return member


@transaction.atomic
def unit_members_transfer(*, unit, by, on=None):
    """转会 in one action (SPEC §4, plan §二.5(2)): every member of `unit` in a community
    union moves to the unit's own (or covering) union on `on` (default today), by the rule
    of `member_transfer` — the open span ends that day, the next starts that day, the
    member number and card stay — written in bulk with history. Returns the count; a
    second run finds nobody left to move."""
    from membership.selectors.units import unit_members_to_transfer  # selectors import us

    unit = Unit.objects.for_user(by, write=True).select_for_update().filter(
        pk=unit.pk).first()
    if unit is None:
        raise PermissionDenied
    target = employer_union(unit)
    if target is None:
        raise ValidationError({"unit": _("The unit has neither its own union nor a covering "
                                         "one yet.")})
    on = on or timezone.localdate()
    members = list(unit_members_to_transfer(unit).select_for_update(of=("self",))
                   .order_by("pk"))
    if not members:
        return 0
    spans = list(UnionSpan.objects.select_for_update().filter(
        member__in=members, ended_on__isnull=True))
    for span in spans:
        check_transfer_date(started_on=span.started_on, union=target, on=on)
    UnionSpan.objects.filter(pk__in=[span.pk for span in spans]).update(
        ended_on=on, closed_by=UnionSpan.Closed.TRANSFER)
    UnionSpan.objects.bulk_create([UnionSpan(member=m, union=target, started_on=on)
                                   for m in members])
    for member in members:
        member.union = target
    bulk_update_with_history(members, Member, ["union"], default_user=by)
    return len(members)


@transaction.atomic
def member_end(*, member, by, on, reason, note=""):
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not Member.objects.for_user(by, write=True).filter(pk=member.pk).exists():
        raise PermissionDenied
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"reason": _("This membership has already ended.")})
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Choose the reason.")})
    if on < member.joined_on or on > timezone.localdate():
        raise ValidationError({"on": _("The end date must be between %(start)s and today.")
                               % {"start": member.joined_on.isoformat()}})
    member.spans.filter(ended_on__isnull=True).update(ended_on=on,
                                                      closed_by=UnionSpan.Closed.ENDED)
    member.status, member.ended_on, member.end_reason = MemberStatus.ENDED, on, reason
    member.end_note, member.union = note.strip(), None
    member._history_user = by
    member.save()
    return member


@transaction.atomic
def member_bind_card(*, member, by, card_number):
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not Member.objects.for_user(by, write=True).filter(pk=member.pk).exists():
        raise PermissionDenied
    try:
        member.card_number, member.card_hmac = _card_fields(card_number,
                                                            exclude_member=member)
    except ValidationError as error:
        raise ValidationError({"card_number": error.messages}) from None
    member._history_user = by
    member.save(update_fields=["card_number", "card_hmac"])
    return member


def months_between(first, last):
    """First days of the months from `first`'s month through `last`'s, inclusive."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def dues_arrears(member, *, today=None):
    """Months owed by a scattered-worker member, from the join month to this month."""
    if member.worker.employment_form != EmploymentForm.SCATTERED:
        return []
    last = member.ended_on or today or timezone.localdate()
    paid = set(member.dues.values_list("month", flat=True))
    return [m for m in months_between(member.joined_on, last) if m not in paid]


@transaction.atomic
def dues_record(*, member, by, first_month, months, paid_on):
    """Record `months` months of dues from `first_month`: 2 yuan each (plan §三.(一)1)."""
    if not Member.objects.for_user(by, write=True).filter(pk=member.pk).exists():
        raise PermissionDenied
    if member.worker.employment_form != EmploymentForm.SCATTERED:
        raise ValidationError({"months": _("Fixed dues apply to scattered workers only.")})
    if not 1 <= months <= 36:
        raise ValidationError({"months": _("Enter between 1 and 36 months.")})
    start = date(first_month.year, first_month.month, 1)
    if start < date(member.joined_on.year, member.joined_on.month, 1):
        raise ValidationError({"first_month": _("Dues start from the join month.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
    wanted = months_between(start, date(start.year + (start.month + months - 2) // 12,
                                        (start.month + months - 2) % 12 + 1, 1))
    already = set(member.dues.filter(month__in=wanted).values_list("month", flat=True))
    if already:
        raise ValidationError({"first_month": _("Already paid: %(months)s.") % {
            "months": "、".join(m.strftime("%Y-%m") for m in sorted(already))}})
    return DuesPayment.objects.bulk_create([
        DuesPayment(member=member, month=m, amount=Decimal(MONTHLY_DUES_YUAN),
                    paid_on=paid_on, recorded_by=by)
        for m in wanted
    ])


@transaction.atomic
def enrollment_submit(*, by, worker_fields, union, joined_on, card_number="", declared):
    """The staff's one-page enrollment: find the worker by ID number or register them,
    then enroll and bind the card; any failure saves nothing (SPEC §4)."""
    worker = worker_find(id_number=_clean_id_or_raw(worker_fields.get("id_number")))
    if worker is None:
        worker = worker_create(by=by, **worker_fields)
    return member_enroll(by=by, worker=worker, union=union, joined_on=joined_on,
                         card_number=card_number, declared=declared)


def _clean_id_or_raw(value):
    from membership.identifiers import clean_resident_id

    try:
        return clean_resident_id(value).number
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
