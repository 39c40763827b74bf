"""Reads of the organisation structure, always scoped by the user (SPEC §1)."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from hedong_union.history import history_of  # noqa: F401 (the membership pages' history)
from membership.models import Community, Department, IndustryFederation, Street, Union


def street_list(*, user):
    return Street.objects.for_user(user).annotate(
        community_count=Count("communities", distinct=True),
        union_count=Count("unions", distinct=True),
    )


def street_get(*, user, pk, write=False):
    return get_object_or_404(Street.objects.for_user(user, write=write), pk=pk)


def community_get(*, user, pk, write=False):
    return get_object_or_404(
        Community.objects.for_user(user, write=write).select_related("street"), pk=pk
    )


def community_list(*, user, street=None):
    qs = Community.objects.for_user(user).select_related("street")
    if street is not None:
        qs = qs.filter(street=street)
    return qs.annotate(union_count=Count("unions"))


def union_list(*, user, street=None, form="", industry_federation=None, search=""):
    qs = Union.objects.for_user(user).select_related(
        "street", "community", "industry_federation"
    )
    if street:
        qs = qs.filter(street=street)
    if form:
        qs = qs.filter(form=form)
    if industry_federation:
        qs = qs.filter(industry_federation=industry_federation)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(chair__icontains=search))
    return qs


def union_get(*, user, pk, write=False):
    return get_object_or_404(
        Union.objects.for_user(user, write=write).select_related(
            "street", "community", "industry_federation"
        ),
        pk=pk,
    )


def federation_list(*, user):
    return IndustryFederation.objects.for_user(user).select_related(
        "leading_department"
    ).annotate(union_count=Count("unions"))


def federation_get(*, user, pk):
    return get_object_or_404(
        IndustryFederation.objects.for_user(user).select_related("leading_department"), pk=pk
    )


def department_list(*, user):
    return Department.objects.for_user(user).prefetch_related("coverages", "led_federations")
