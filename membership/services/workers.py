"""Writes of workers (SPEC §4): identifiers checked, personal data encrypted and hashed."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from membership.identifiers import clean_phone, clean_resident_id
from membership.models import EmploymentForm, Worker
from membership.pii import pii_hmac

WORKER_FIELDS = (
    "name", "id_number", "phone", "hukou_type", "hukou_province", "employment_form",
    "occupation_group", "employer", "street", "community", "whole_unit_informal",
    "identified_on", "left_on", "source",
)


@dataclass(frozen=True)
class Placement:
    street: object
    community: object


def place_worker(*, employer, street, community):
    """A worker's street is the employer's street when there is one (SPEC §7.4)."""
    if employer is not None:
        return Placement(street=employer.street,
                         community=community or employer.community)
    return Placement(street=street, community=community)


def worker_find(*, id_number):
    """The worker with this ID number, found by its keyed hash, or None."""
    return Worker.objects.filter(id_hmac=pii_hmac("id", id_number)).first()


def check_worker_scope(*, by, worker):
    if not Worker.objects.role_may_write(by):
        raise PermissionDenied
    if by.role == Role.STREET and worker.street_id != by.street_id:
        raise ValidationError({"street": _("This worker is not in your street.")})
    if by.role == Role.COMMUNITY and worker.community_id != by.community_id:
        raise ValidationError({"community": _("This worker is not in your community.")})
    if by.role == Role.INDUSTRY and (
        worker.employer is None or worker.employer.sector != by.industry_federation.sector
    ):
        raise ValidationError({"employer": _("This worker's employer is not in your "
                                             "industry.")})


def prepare_worker(worker, *, today=None):
    """Clean and derive a worker's fields in place; raise ValidationError per field.

    Used by the staff forms and by the roster import alike.
    """
    errors = {}
    worker.name = (worker.name or "").strip()
    if not worker.name:
        errors["name"] = [_("Enter the name.")]
    try:
        rid = clean_resident_id(worker.id_number, today=today)
    except ValidationError as error:
        errors["id_number"] = error.messages
    else:
        worker.id_number = rid.number
        worker.id_hmac = pii_hmac("id", rid.number)
        worker.birth_date, worker.sex = rid.birth_date, rid.sex
        worker.hukou_province = worker.hukou_province or rid.province_code
    if worker.phone:
        try:
            worker.phone = clean_phone(worker.phone)
        except ValidationError as error:
            errors["phone"] = error.messages
        else:
            worker.phone_hmac = pii_hmac("phone", worker.phone)
    else:
        worker.phone, worker.phone_hmac = None, None
    if worker.hukou_province and not (len(worker.hukou_province) == 2
                                      and worker.hukou_province.isdigit()):
        errors["hukou_province"] = [_("The province is the two-digit code of the hukou "
                                      "province, e.g. 12 for Tianjin.")]
    if worker.employer_id is None and worker.employment_form != EmploymentForm.SCATTERED:
        errors["employer"] = [_("Choose the employer, or mark the worker as in scattered "
                                "employment.")]
    if worker.employer_id is None and worker.community_id is None:
        errors["community"] = [_("A worker without an employer needs a community.")]
    if worker.community_id and worker.community.street_id != worker.street_id:
        errors["community"] = [_("The community %(community)s is not in %(street)s.") % {
            "community": worker.community.name, "street": worker.street.name}]
    if worker.left_on and worker.identified_on and worker.left_on < worker.identified_on:
        errors["left_on"] = [_("The leaving date cannot be before the identification date.")]
    if errors:
        raise ValidationError(errors)
    return worker


def _check_duplicate(worker):
    clash = Worker.objects.filter(id_hmac=worker.id_hmac).exclude(pk=worker.pk).first()
    if clash is not None:
        raise ValidationError({"id_number": _("A worker with this ID number is already "
                                              "registered.")}, code="duplicate")


@transaction.atomic
def worker_create(*, by, **fields):
    unknown = set(fields) - set(WORKER_FIELDS)
    if unknown:
        raise ValueError(f"unknown worker fields: {sorted(unknown)}")
    worker = Worker(**fields)
    placement = place_worker(employer=worker.employer, street=fields.get("street"),
                             community=worker.community)
    worker.street, worker.community = placement.street, placement.community
    if worker.street is None:
        raise ValidationError({"street": _("Choose the street.")})
    prepare_worker(worker)
    check_worker_scope(by=by, worker=worker)
    _check_duplicate(worker)
    worker.full_clean(exclude=["id_hmac", "phone_hmac"])
    worker._history_user = by
    worker.save()
    return worker


@transaction.atomic
def worker_update(*, worker, by, **changes):
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    check_worker_scope(by=by, worker=worker)
    for field, value in changes.items():
        if field not in WORKER_FIELDS:
            raise ValueError(f"worker field {field!r} cannot be changed here")
        setattr(worker, field, value)
    placement = place_worker(employer=worker.employer, street=worker.street,
                             community=worker.community)
    worker.street, worker.community = placement.street, placement.community
    prepare_worker(worker)
    check_worker_scope(by=by, worker=worker)
    _check_duplicate(worker)
    worker.full_clean(exclude=["id_hmac", "phone_hmac"])
    worker._history_user = by
    worker.save()
    return worker
