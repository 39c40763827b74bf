"""Writes of units, their founding steps and progress notes (SPEC §3)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from membership.identifiers import clean_credit_code
from membership.models import (
    COVERING_FORMS,
    FoundingStatus,
    FoundingStep,
    ProgressNote,
    Unit,
    Union,
    UnionForm,
)

UNIT_FIELDS = (
    "name", "credit_code", "kind", "sector", "street", "community", "employee_count",
    "migrant_count", "is_key_enterprise", "is_shuangwan", "is_chamber_member",
    "paid_preparation_fund", "registered_on", "source",
)

# The steps a unit may take from each founding state (SPEC §3).
ALLOWED_STEPS = {
    FoundingStatus.NONE: {FoundingStatus.PREPARING, FoundingStatus.FOUNDED,
                          FoundingStatus.COVERED},
    FoundingStatus.PREPARING: {FoundingStatus.FOUNDED, FoundingStatus.COVERED,
                               FoundingStatus.NONE},
    FoundingStatus.FOUNDED: set(),
    FoundingStatus.COVERED: {FoundingStatus.FOUNDED},
}


def check_unit_scope(*, by, street, sector):
    """A unit must lie inside the scope of the user who writes it."""
    if not Unit.objects.role_may_write(by):
        raise PermissionDenied
    if by.role == Role.STREET and street.pk != by.street_id:
        raise ValidationError({"street": _("You can only manage units of your own street.")})
    if by.role == Role.INDUSTRY and sector != by.industry_federation.sector:
        raise ValidationError({"sector": _("You can only manage units of your own industry.")})


def validate_unit_fields(unit):
    """Field rules of SPEC §3 beyond the model's own: check digits, community, counts."""
    errors = {}
    try:
        unit.credit_code = clean_credit_code(unit.credit_code)
    except ValidationError as error:
        errors["credit_code"] = error.messages
    if unit.community_id and unit.community.street_id != unit.street_id:
        errors["community"] = [_("The community %(community)s is not in %(street)s.") % {
            "community": unit.community.name, "street": unit.street.name}]
    if unit.migrant_count > unit.employee_count:
        errors["migrant_count"] = [_("There cannot be more migrant workers than employees.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def unit_create(*, by, **fields):
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown unit fields: {sorted(unknown)}")
    unit = Unit(**fields)
    check_unit_scope(by=by, street=unit.street, sector=unit.sector)
    validate_unit_fields(unit)
    unit.full_clean()
    unit._history_user = by
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit, by, **changes):
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_unit_scope(by=by, street=unit.street, sector=unit.sector)
    for field, value in changes.items():
        if field not in UNIT_FIELDS:
            raise ValueError(f"unit field {field!r} cannot be changed here")
        setattr(unit, field, value)
    check_unit_scope(by=by, street=unit.street, sector=unit.sector)
    validate_unit_fields(unit)
    unit.full_clean()
    unit._history_user = by
    unit.save()
    return unit


@transaction.atomic
def founding_step_add(*, unit, by, status, on, union=None, new_union_name="", chair="",
                      members_at_founding=None, note=""):
    """Record a dated founding step and move the unit's current state with it.

    A founded unit names its own union (an existing one of its street, or a new enterprise
    union made here); a covered unit names a founded joint, building, park or project union.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_unit_scope(by=by, street=unit.street, sector=unit.sector)
    status = FoundingStatus(status)
    if status not in ALLOWED_STEPS[FoundingStatus(unit.founding_status)]:
        raise ValidationError({"status": _("A unit that is “%(current)s” cannot become "
                                           "“%(new)s”.") % {
            "current": FoundingStatus(unit.founding_status).label, "new": status.label}})
    last = unit.founding_steps.order_by("-on", "-pk").first()
    if last is not None and on < last.on:
        raise ValidationError({"on": _("The date cannot be before the previous step (%(date)s).")
                               % {"date": last.on.isoformat()}})
    if status == FoundingStatus.FOUNDED:
        if union is None and new_union_name.strip():
            union = Union(name=new_union_name.strip(), form=UnionForm.ENTERPRISE,
                          street=unit.street, community=unit.community, founded_on=on,
                          chair=chair.strip())
            union.full_clean()
            union._history_user = by
            union.save()
        if union is None:
            raise ValidationError({"union": _("Name the unit's union, or give the name of a "
                                              "new one.")})
        if union.founded_on is None:
            first = union.first_member_before(on)
            if first is not None:
                raise ValidationError({"on": union.founded_after_members(first)})
            union.founded_on = on
            union._history_user = by
            union.save(update_fields=["founded_on"])
        unit.union, unit.covering_union = union, None
    elif status == FoundingStatus.COVERED:
        if union is None or union.form not in COVERING_FORMS:
            raise ValidationError({"union": _("Choose the joint, building, park or project "
                                              "union that covers the unit.")})
        if union.founded_on is None or union.founded_on > on:
            raise ValidationError({"union": _("The covering union must be founded by that "
                                              "date.")})
        unit.covering_union = union
    else:
        union = None
    step = FoundingStep.objects.create(
        unit=unit, status=status, on=on, union=union, chair=chair.strip(),
        members_at_founding=members_at_founding, note=note.strip(), recorded_by=by,
    )
    unit.founding_status = status
    unit._history_user = by
    unit.save(update_fields=["founding_status", "union", "covering_union"])
    return step


@transaction.atomic
def progress_note_add(*, unit, by, text):
    """Department liaisons and staff note the progress of a unit in their scope."""
    if not Unit.objects.for_user(by).filter(pk=unit.pk).exists():
        raise PermissionDenied
    if not ProgressNote.objects.role_may_write(by):
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    return ProgressNote.objects.create(unit=unit, author=by, text=text)
