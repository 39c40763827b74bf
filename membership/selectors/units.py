"""Reads of units, their founding steps and progress notes, always scoped by the user
(SPEC §1, §3)."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from membership.identifiers import normalise_text
from membership.models import (
    FoundingStatus,
    FoundingStep,
    Member,
    MemberStatus,
    ProgressNote,
    Unit,
    UnitKind,
    UnionForm,
    Worker,
)

# The unit flags a list may filter on, by the model field they name.
UNIT_FLAGS = ("is_key_enterprise", "is_shuangwan", "is_chamber_member",
              "paid_preparation_fund")


def unit_search_q(search):
    """Units whose name contains `search` or whose credit code starts with it."""
    code = normalise_text(search).upper()
    return Q(name__icontains=search.strip()) | Q(credit_code__startswith=code)


def unit_list(*, user, search="", street=None, community=None, sector="", hundred_plus=False,
              founding_status="", flags=()):
    """The units `user` may see, filtered; `flags` names fields of UNIT_FLAGS that must be
    set. Search matches the name, or the start of the credit code."""
    qs = Unit.objects.for_user(user).select_related("street", "community")
    if search:
        qs = qs.filter(unit_search_q(search))
    if street:
        qs = qs.filter(street=street)
    if community:
        qs = qs.filter(community=community)
    if sector:
        qs = qs.filter(sector=sector)
    if hundred_plus:
        qs = qs.hundred_plus()
    if founding_status:
        qs = qs.filter(founding_status=founding_status)
    for flag in flags:
        if flag not in UNIT_FLAGS:
            raise ValueError(f"unknown unit flag {flag!r}")
        qs = qs.filter(**{flag: True})
    return qs


def unit_get(*, user, pk, write=False):
    return get_object_or_404(
        Unit.objects.for_user(user, write=write).select_related(
            "street", "community", "union", "covering_union"),
        pk=pk,
    )


def unit_founding_steps(unit):
    """The founding timeline, oldest first, with who recorded each step."""
    return FoundingStep.objects.filter(unit=unit).select_related("union", "recorded_by")


def founded_exists(day):
    """The outer unit counts as founded on `day`: its own union or the union covering it was
    founded on or before that day (SPEC §3, §7.1). The rates count by it; the pages say by
    it whether a unit shown as founded counts."""
    return Exists(FoundingStep.objects.filter(
        unit=OuterRef("pk"), status__in=[FoundingStatus.FOUNDED, FoundingStatus.COVERED],
        union__founded_on__lte=day,
    ))


@dataclass(frozen=True)
class FoundingRateStanding:
    """Where a unit stands in the 100+ founding rate on `day` (SPEC §7.1)."""

    day: object
    in_rate: bool  # in the rate's denominator
    counted_as_founded: bool  # in its numerator
    reasons: tuple  # why a unit shown as founded or covered does not count as founded

    @property
    def reasons_text(self):
        return pgettext("list separator", ", ").join(self.reasons)


def founding_rate_standing(unit, day, *, counted_as_founded=None):
    """The unit's standing in the 100+ founding rate on `day`, by the rule of
    Unit.objects.in_founding_rate and founded_exists. `counted_as_founded` is that Exists
    when the caller annotated it (no query then); else it is asked for."""
    reasons = []
    if unit.kind != UnitKind.NON_PUBLIC_ENTERPRISE:
        reasons.append(_("not a non-public enterprise"))
    if unit.employee_count < 100:
        reasons.append(_("fewer than 100 employees"))
    if unit.registered_on is not None and unit.registered_on > day:
        reasons.append(_("registered after %(day)s") % {"day": date_format(day, "Y-m-d")})
    in_rate = not reasons
    if counted_as_founded is None:
        counted_as_founded = Unit.objects.filter(pk=unit.pk).filter(founded_exists(day)).exists()
    counted_as_founded = in_rate and counted_as_founded
    shown_founded = unit.founding_status in (FoundingStatus.FOUNDED, FoundingStatus.COVERED)
    if in_rate and shown_founded and not counted_as_founded:
        reasons.append(_("its union's founding date is missing or after %(day)s")
                       % {"day": date_format(day, "Y-m-d")})
    return FoundingRateStanding(day=day, in_rate=in_rate,
                                counted_as_founded=counted_as_founded,
                                reasons=tuple(reasons) if shown_founded else ())


def unit_progress_notes(*, user, unit):
    return ProgressNote.objects.for_user(user).filter(unit=unit).select_related("author")


def unit_worker_counts(unit):
    """How many workers of the unit are in the registry, and how many are active members.

    Counts about a unit the user may see; the workers themselves stay behind their scope.
    """
    return Worker.objects.filter(employer=unit, left_on__isnull=True).aggregate(
        workers=Count("pk", distinct=True),
        members=Count("pk", distinct=True,
                      filter=Q(memberships__status=MemberStatus.ACTIVE)),
    )


def unit_routes(units):
    """Where a new member of each unit goes (SPEC §4): unit id → (its own or covering
    union, the community union of its community), None where there is none; one query
    for the community unions."""
    from membership.services.members import community_unions_of, employer_union

    community_unions = community_unions_of(unit.community_id for unit in units)
    return {unit.pk: (employer_union(unit), community_unions.get(unit.community_id))
            for unit in units}


def unit_search(*, user, q, limit=20):
    """Units in scope by name or credit code, for choosing an employer: each with its own
    or covering union, and its community's union (SPEC §4 routing), when it has them."""
    units = list(unit_list(user=user, search=q).select_related(
        "union", "covering_union")[:limit])
    routes = unit_routes(units)
    results = []
    for unit in units:
        own, community = routes[unit.pk]
        results.append({"id": unit.pk, "label": f"{unit.name}（{unit.credit_code}）",
                        "union": own.pk if own else None,
                        "community_union": community.pk if community else None})
    return results


def unit_members_to_transfer(unit):
    """The active members working for `unit` who sit in a community union while the unit
    has its own or a covering union: they are to be transferred to it (SPEC §4). The
    caller has the unit in the user's write scope."""
    from membership.services.members import employer_union

    if employer_union(unit) is None:
        return Member.objects.none()
    return Member.objects.filter(worker__employer=unit, status=MemberStatus.ACTIVE,
                                 union__form=UnionForm.COMMUNITY)


def units_with_members_to_transfer(*, user):
    """The units `user` may write that have members to transfer, most first, each with
    `to_transfer`: the street's (and the industry federation's) to-do list (SPEC §4)."""
    waiting = Q(workers__memberships__status=MemberStatus.ACTIVE,
                workers__memberships__union__form=UnionForm.COMMUNITY)
    return (Unit.objects.for_user(user, write=True)
            .filter(Q(founding_status=FoundingStatus.FOUNDED, union__isnull=False)
                    | Q(founding_status=FoundingStatus.COVERED, covering_union__isnull=False))
            .annotate(to_transfer=Count("workers__memberships", filter=waiting))
            .filter(to_transfer__gt=0).order_by("-to_transfer", "name"))
