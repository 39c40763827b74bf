"""Writes to the organisation structure. Each service checks scope, validates and records
history with the acting user inside one transaction (STYLE habits 1 and 3)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from membership.models import Community, Street, Union, UnionForm


def _check_union_scope(*, by, street, industry_federation):
    if not Union.objects.role_may_write(by):
        raise PermissionDenied
    if by.role == Role.STREET and street.pk != by.street_id:
        raise ValidationError({"street": _("You can only manage unions of your own street.")})
    if by.role == Role.INDUSTRY and (
        industry_federation is None or industry_federation.pk != by.industry_federation_id
    ):
        raise ValidationError(
            {"industry_federation": _("You can only manage unions of your own industry.")}
        )


def _check_union_fields(*, form, street, community):
    if form == UnionForm.COMMUNITY and community is None:
        raise ValidationError({"community": _("A community union must belong to a community.")})
    if community is not None and community.street_id != street.pk:
        raise ValidationError(
            {"community": _("The community %(community)s is not in %(street)s.")
             % {"community": community.name, "street": street.name}}
        )


@transaction.atomic
def union_create(*, by, name, form, street, community=None, industry_federation=None,
                 founded_on=None, chair=""):
    _check_union_scope(by=by, street=street, industry_federation=industry_federation)
    _check_union_fields(form=form, street=street, community=community)
    union = Union(
        name=name.strip(), form=form, street=street, community=community,
        industry_federation=industry_federation, founded_on=founded_on, chair=chair.strip(),
    )
    union._history_user = by
    union.full_clean()
    union.save()
    return union


UNION_EDITABLE_FIELDS = (
    "name", "form", "street", "community", "industry_federation", "founded_on", "chair",
)


@transaction.atomic
def union_update(*, union, by, **changes):
    union = Union.objects.select_for_update().get(pk=union.pk)
    # The user must be allowed both the union as it is and as it will be.
    _check_union_scope(by=by, street=union.street, industry_federation=union.industry_federation)
    for field, value in changes.items():
        if field not in UNION_EDITABLE_FIELDS:
            raise ValueError(f"union field {field!r} cannot be changed here")
        setattr(union, field, value)
    _check_union_scope(by=by, street=union.street, industry_federation=union.industry_federation)
    _check_union_fields(form=union.form, street=union.street, community=union.community)
    union._history_user = by
    union.full_clean()
    union.save()
    return union


@transaction.atomic
def community_update(*, community, by, name):
    if not Community.objects.for_user(by, write=True).filter(pk=community.pk).exists():
        raise PermissionDenied
    community = Community.objects.select_for_update().get(pk=community.pk)
    community.name = name.strip()
    community._history_user = by
    community.full_clean()
    community.save()
    return community


@transaction.atomic
def street_update(*, street, by, name, short_name, position):
    if not Street.objects.for_user(by, write=True).filter(pk=street.pk).exists():
        raise PermissionDenied
    street = Street.objects.select_for_update().get(pk=street.pk)
    street.name, street.short_name, street.position = name.strip(), short_name.strip(), position
    street._history_user = by
    street.full_clean()
    street.save()
    return street
