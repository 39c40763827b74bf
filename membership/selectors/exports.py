"""Reads behind the registry's exports: the list pages' selectors, scoped by the user
(SPEC §1), with what a row of the export needs beside the list's columns."""

from django.db.models import FilteredRelation, OuterRef, Q, Subquery

from membership.models import FoundingStep, MemberStatus
from membership.selectors.members import member_list
from membership.selectors.organisations import union_list
from membership.selectors.units import unit_list
from membership.selectors.workers import worker_list


def unit_export_queryset(*, user, **filters):
    """The unit list's records; 建会日期 is the date of the step that gave the unit its
    present founding state (founded, or covered by a joint union)."""
    founding_date = FoundingStep.objects.filter(
        unit=OuterRef("pk"), status=OuterRef("founding_status"),
        status__in=["founded", "covered"],
    ).order_by("-on", "-pk").values("on")[:1]
    return unit_list(user=user, **filters).annotate(
        founding_date=Subquery(founding_date)).order_by("street__position", "name", "pk")


def worker_export_queryset(*, user, id_hmac=None, phone_hmac=None, **filters):
    """The worker list's records, with the active membership joined (at most one a
    worker, by constraint); `id_hmac` / `phone_hmac` are an exact search by keyed hash."""
    qs = worker_list(user=user, **filters).alias(active_membership=FilteredRelation(
        "memberships", condition=Q(memberships__status=MemberStatus.ACTIVE)))
    if id_hmac:
        qs = qs.filter(id_hmac=id_hmac)
    if phone_hmac:
        qs = qs.filter(phone_hmac=phone_hmac)
    return qs.order_by("street__position", "name", "pk")


def member_export_queryset(*, user, **filters):
    return member_list(user=user, **filters).order_by("member_number")


def union_export_queryset(*, user, **filters):
    """The base-union list's records, in the list's order."""
    return union_list(user=user, **filters).order_by("street__position", "name", "pk")
