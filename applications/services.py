"""Writes of online applications (SPEC §5): the public submission, shared by the page and
the API, the reviewer's correction of a pending application, and the street's approval or
rejection."""

import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.consent import CONSENT_TEXTS
from applications.models import (
    CORRECTION_NOTE_MAX_LENGTH,
    REJECT_REASON_MAX_LENGTH,
    Application,
    ApplicationStatus,
)
from membership.identifiers import (
    age_on,
    clean_card_number,
    clean_phone,
    clean_resident_id,
    normalise_text,
)
from membership.models import (
    EmploymentForm,
    HukouType,
    Member,
    MemberStatus,
    OccupationGroup,
    Source,
    UnitKind,
    Worker,
)
from membership.pii import mask_card, pii_hmac
from membership.services import (
    member_enroll,
    route_refusal,
    route_union,
    worker_create,
    worker_find,
)
from membership.services.members import MINIMUM_AGE

NAME_MAX_LENGTH = 50
# Unambiguous characters for application numbers: no 0/O, 1/I/L.
_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# Dots that join the parts of a name (e.g. 阿依古丽·买买提): kept, not refused.
_NAME_JOINERS = "·•・. "


@dataclass(frozen=True)
class Outcome:
    """What a submission led to. kind: "created" (a new application), "existing" (the
    pending application of this ID number), "member" (already an active member: only the
    union's name is told), or "referred": the ID number is known to the portal (a member,
    a pending application, a worker of the registry) with another phone on record, and
    nothing more is told (docs/decisions.md): the same answer in every such case."""

    kind: str
    application: Application | None = None
    union_name: str = ""


def new_application_number(today=None):
    """SQ + year + six characters, e.g. SQ2026K7M3P9: short to read out, hard to guess."""
    year = (today or timezone.localdate()).year
    return f"SQ{year}" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))


def clean_applicant_name(value):
    name = unicodedata.normalize("NFKC", value or "").strip()
    if not name:
        raise ValidationError(_("Enter your name."), code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(_("A name has at most %(max)d characters.")
                              % {"max": NAME_MAX_LENGTH}, code="max_length")
    if not all(unicodedata.category(c).startswith("L") or c in _NAME_JOINERS for c in name):
        raise ValidationError(_("Enter the name as on your ID card: letters only, no digits "
                                "or symbols."), code="invalid_characters")
    return name


def _check_applicant(*, name, phone, employer, street, community, occupation_group):
    """The checks of who applies and where they work, shared by the submission and the
    reviewer's correction: errors keyed by field, and the cleaned values."""
    errors, clean = {}, {}
    try:
        clean["name"] = clean_applicant_name(name)
    except ValidationError as error:
        errors["name"] = error.error_list
    try:
        clean["phone"] = clean_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.error_list
    if occupation_group not in OccupationGroup.values:
        errors["occupation_group"] = [ValidationError(_("Choose your occupation group."),
                                                      code="required")]
    if employer is not None and employer.kind == UnitKind.OTHER:
        errors["employer"] = [ValidationError(
            _("This unit is neither a non-public enterprise nor a social organisation; its "
              "workers join through their own union."), code="not_eligible")]
    if street is None:
        errors["street"] = [ValidationError(_("Choose your street."), code="required")]
    if community is None:
        errors["community"] = [ValidationError(_("Choose your community."), code="required")]
    elif street is not None and community.street_id != street.pk:
        errors["community"] = [ValidationError(
            _("The community %(community)s is not in %(street)s; choose the street and "
              "community again.") % {"community": community.name, "street": street.name},
            code="street_mismatch")]
    return errors, clean


# The public form's order, so that the API lists refusals as the page shows them.
_SUBMISSION_FIELDS = ("name", "id_number", "phone", "card_number", "occupation_group",
                      "employer", "street", "community", "declared", "consented")


def _check_submission(*, name, id_number, phone, employer, street, community,
                      occupation_group, declared, consented, consent_version, today,
                      card_number=""):
    """Every check of the form, as errors keyed by field; the cleaned values."""
    errors, clean = _check_applicant(name=name, phone=phone, employer=employer, street=street,
                                     community=community, occupation_group=occupation_group)
    clean["card_number"] = None
    if normalise_text(card_number):
        try:
            clean["card_number"] = clean_card_number(card_number)
        except ValidationError as error:
            errors["card_number"] = error.error_list
    try:
        rid = clean_resident_id(id_number, today=today)
    except ValidationError as error:
        errors["id_number"] = error.error_list
    else:
        clean["id_number"] = rid.number
        if age_on(rid.birth_date, today) < MINIMUM_AGE:
            errors["id_number"] = [ValidationError(
                _("Members must be 16 or older; by this ID number you are not yet 16."),
                code="under_age")]
    if not declared:
        errors["declared"] = [ValidationError(_("Please confirm the declaration to apply."),
                                              code="required")]
    if not consented:
        errors["consented"] = [ValidationError(
            _("Please agree to the use of your personal information to apply."),
            code="required")]
    elif consent_version not in CONSENT_TEXTS:
        errors["consented"] = [ValidationError(_("The consent text has changed; please "
                                                 "read it again and agree."),
                                               code="consent_version")]
    if errors:
        raise ValidationError({field: errors[field] for field in _SUBMISSION_FIELDS
                               if field in errors})
    return clean


def _routed_street(*, employer, community):
    """The street that reviews: the employer's, else the community's (SPEC §5)."""
    return employer.street if employer is not None else community.street


def _phone_flag(*, phone_hmac, id_hmac):
    """The phone already belongs to an active member other than this applicant."""
    return (Member.objects.filter(status=MemberStatus.ACTIVE, worker__phone_hmac=phone_hmac)
            .exclude(worker__id_hmac=id_hmac).exists())


def _card_flag(*, card_hmac, id_hmac):
    """The card is already bound to a member who is not this applicant (SPEC §4: one card,
    one member); the approval then refuses it unless another number is typed."""
    if not card_hmac:
        return False
    return (Member.objects.filter(card_hmac=card_hmac)
            .exclude(worker__id_hmac=id_hmac).exists())


def _pending_application(id_hmac):
    """The pending application of this ID number, if any."""
    return Application.objects.pending().filter(id_hmac=id_hmac).first()


REFERRED = Outcome("referred")


def _same_phone(on_record, phone_hmac):
    return bool(on_record) and hmac.compare_digest(on_record, phone_hmac)


def _pending_answer(pending, *, phone_hmac):
    return (Outcome("existing", pending) if _same_phone(pending.phone_hmac, phone_hmac)
            else REFERRED)


def _known_answer(*, id_hmac, phone_hmac):
    """The answer for an ID number the portal already knows, or None to apply anew. Only
    who holds the ID number and the phone on record hears about the record (SPEC §5: the
    union's name, the pending application's number); anyone else gets REFERRED, whether
    the number is a member's, a pending applicant's or a registry worker's."""
    active = (Member.objects.filter(worker__id_hmac=id_hmac, status=MemberStatus.ACTIVE)
              .select_related("union", "worker").first())
    if active is not None:
        if _same_phone(active.worker.phone_hmac, phone_hmac):
            return Outcome("member", union_name=active.union.name)
        return REFERRED
    pending = _pending_application(id_hmac)
    if pending is not None:
        return _pending_answer(pending, phone_hmac=phone_hmac)
    worker = Worker.objects.filter(id_hmac=id_hmac).only("phone_hmac").first()
    if worker is not None and worker.phone_hmac and not _same_phone(worker.phone_hmac,
                                                                    phone_hmac):
        return REFERRED
    return None


def application_submit(*, name, id_number, phone, employer, street, community,
                       occupation_group, declared, consented, consent_version, today=None,
                       card_number=""):
    """A worker's application from the public page or the API (SPEC §5). `card_number`,
    the member service card, is optional: given, it is bound on approval (SPEC §4).

    Invalid input raises ValidationError keyed by field and saves nothing. The same ID
    and phone with an application pending get that application back; the unique
    constraint on pending applications decides between two submissions at the same
    moment. An ID number known with another phone gets the outcome "referred" and saves
    nothing (_known_answer).
    """
    today = today or timezone.localdate()
    clean = _check_submission(
        name=name, id_number=id_number, phone=phone, employer=employer, street=street,
        community=community, occupation_group=occupation_group, declared=declared,
        consented=consented, consent_version=consent_version, today=today,
        card_number=card_number)
    id_hmac = pii_hmac("id", clean["id_number"])
    phone_hmac = pii_hmac("phone", clean["phone"])
    card_hmac = pii_hmac("card", clean["card_number"])

    known = _known_answer(id_hmac=id_hmac, phone_hmac=phone_hmac)
    if known is not None:
        return known

    application = Application(
        name=clean["name"], id_number=clean["id_number"], id_hmac=id_hmac,
        phone=clean["phone"], phone_hmac=phone_hmac, employer=employer,
        occupation_group=occupation_group, community=community,
        street=_routed_street(employer=employer, community=community),
        declared=True, consent_version=consent_version, consented_at=timezone.now(),
        phone_flag=_phone_flag(phone_hmac=phone_hmac, id_hmac=id_hmac),
        card_number=clean["card_number"], card_hmac=card_hmac,
        card_flag=_card_flag(card_hmac=card_hmac, id_hmac=id_hmac),
    )
    for _attempt in range(5):
        application.number = new_application_number(today)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            application.pk = None
            # Another submission of this ID won the race: answer as for a pending one.
            pending = _pending_application(id_hmac)
            if pending is not None:
                return _pending_answer(pending, phone_hmac=phone_hmac)
            continue  # an application number drawn twice: draw again
        return Outcome("created", application)
    raise RuntimeError("could not draw a free application number")


# Why a decision or correction finds the application no longer pending (the views say the
# same when they see it first).
REVIEWED = gettext_lazy("This application has already been reviewed.")
NOT_CORRECTABLE = gettext_lazy("This application has already been reviewed; only a pending "
                               "application can be corrected.")


def _locked_for_review(*, application, by, reviewed_message=REVIEWED):
    """The application, locked, if `by` may review it (the scope is read under the lock,
    so a correction that moved it to another street meanwhile is seen)."""
    application = (Application.objects.for_user(by, write=True)
                   .select_for_update(of=("self",))
                   .select_related("employer", "community", "street")
                   .filter(pk=application.pk).first())
    if application is None:
        raise PermissionDenied
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(reviewed_message, code="reviewed")
    return application


# What a reviewer may correct. Not the ID number: the applicant looks the application up
# with its last 6 characters, and a wrong ID number is a rejection.
CORRECTABLE_FIELDS = frozenset({"name", "phone", "employer", "occupation_group", "street",
                                "community"})


@transaction.atomic
def application_correct(*, application, by, note, **fields):
    """A reviewer corrects a pending application before deciding on it (issue 4).

    `fields` are the values to change, among CORRECTABLE_FIELDS; the others keep theirs
    (`street` is the street the community is chosen in, as on the public form; an
    `employer` of None means scattered employment). The result is checked as a submission
    is; the routed street, the phone's keyed hash and the phone flag are computed again.
    The change goes into the history with the reviewer and the note as its reason.
    """
    unknown = set(fields) - CORRECTABLE_FIELDS
    if unknown:
        raise TypeError(f"application fields that cannot be corrected: {sorted(unknown)}")
    application = _locked_for_review(
        application=application, by=by,
        reviewed_message=NOT_CORRECTABLE)
    values = {"name": application.name, "phone": application.phone,
              "employer": application.employer,
              "occupation_group": application.occupation_group,
              "street": application.community.street, "community": application.community}
    values.update(fields)
    errors, clean = _check_applicant(**values)
    note = (note or "").strip()
    if not note:
        errors["note"] = [ValidationError(_("Say what was corrected and why."),
                                          code="required")]
    elif len(note) > CORRECTION_NOTE_MAX_LENGTH:
        errors["note"] = [ValidationError(
            _("Keep the note to %(max)d characters or fewer.")
            % {"max": CORRECTION_NOTE_MAX_LENGTH}, code="max_length")]
    if errors:
        raise ValidationError(errors)

    employer, community = values["employer"], values["community"]
    changed = (clean["name"] != application.name or clean["phone"] != application.phone
               or values["occupation_group"] != application.occupation_group
               or getattr(employer, "pk", None) != application.employer_id
               or community.pk != application.community_id)
    if not changed:
        raise ValidationError(_("Nothing differs from the application as it is; change a "
                                "value or leave the form."), code="unchanged")
    application.name, application.phone = clean["name"], clean["phone"]
    application.phone_hmac = pii_hmac("phone", clean["phone"])
    application.phone_flag = _phone_flag(phone_hmac=application.phone_hmac,
                                         id_hmac=application.id_hmac)
    application.employer, application.community = employer, community
    application.occupation_group = values["occupation_group"]
    application.street = _routed_street(employer=employer, community=community)
    application._history_user = by
    application._change_reason = note
    application.save()
    return application


def _check_join_date(*, application, joined_on, today):
    """Not after today, not before the day the application was submitted."""
    submitted_on = timezone.localdate(application.created_at)
    if joined_on > today:
        raise ValidationError({"joined_on": ValidationError(
            _("The join date cannot be after today."), code="future")})
    if joined_on < submitted_on:
        raise ValidationError({"joined_on": ValidationError(
            _("The join date cannot be before the application was submitted "
              "(%(date)s).") % {"date": submitted_on.isoformat()}, code="before_submission")})


def _approval_card(*, application, card_number, without_card):
    """The card bound on approval (SPEC §4): the number the reviewer typed, else the one
    the applicant gave unless the reviewer leaves it out; "" for none. The applicant's
    card bound to another member meanwhile is refused here with its own message."""
    if normalise_text(card_number):
        return card_number
    if without_card or not application.card_hmac:
        return ""
    if Member.objects.filter(card_hmac=application.card_hmac).exists():
        raise ValidationError({"card_number": ValidationError(
            _("The card number the applicant gave (%(card)s) is already bound to another "
              "member: type the applicant's own card number, or approve without a card.")
            % {"card": mask_card(application.card_number)}, code="card_taken")})
    return application.card_number


@transaction.atomic
def application_approve(*, application, by, hukou_type, employment_form=None, union=None,
                        joined_on=None, card_number="", without_card=False):
    """Approve: the worker (found by ID number, or registered) and the membership with its
    member number, in one transaction with the application's change (SPEC §4, §5).
    `joined_on` (default today) may be any day from the submission to today. The card
    (`card_number` typed by the reviewer, else the applicant's unless `without_card`) is
    bound by member_enroll's checks: Luhn, and no other member's."""
    application = _locked_for_review(application=application, by=by)
    card = _approval_card(application=application, card_number=card_number,
                          without_card=without_card)
    today = timezone.localdate()
    joined_on = joined_on or today
    _check_join_date(application=application, joined_on=joined_on, today=today)
    if hukou_type not in HukouType.values:
        raise ValidationError({"hukou_type": _("Choose the hukou type.")})
    if application.employer_id is None:
        employment_form = EmploymentForm.SCATTERED
    elif employment_form not in (EmploymentForm.CONTRACT, EmploymentForm.DISPATCH,
                                 EmploymentForm.OUTSOURCE):
        raise ValidationError({"employment_form": _("Choose the employment form.")})
    worker = worker_find(id_number=application.id_number)
    if worker is None:
        employer = application.employer
        # The worker's community lies in the worker's street (the employer's, if any).
        community = application.community
        if employer is not None and community.street_id != employer.street_id:
            community = None
        worker = worker_create(
            by=by, name=application.name, id_number=application.id_number,
            phone=application.phone, hukou_type=hukou_type, employment_form=employment_form,
            occupation_group=application.occupation_group, employer=employer,
            street=application.street, community=community, identified_on=today,
            source=Source.APPLICATION)
    union = union or route_union(worker)  # SPEC §4, plan §二.5(2)
    if union is None:
        raise ValidationError({"union": route_refusal(worker)})
    member = member_enroll(by=by, worker=worker, union=union, joined_on=joined_on,
                           card_number=card, declared=application.declared,
                           source=Source.APPLICATION)
    application.status = ApplicationStatus.APPROVED
    application.member = member
    application.reviewed_by, application.reviewed_at = by, timezone.now()
    application._history_user = by
    application.save()
    return application


@transaction.atomic
def application_reject(*, application, by, reason):
    """Reject with a reason the applicant reads in the status lookup (SPEC §5)."""
    application = _locked_for_review(application=application, by=by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the applicant will read it.")})
    if len(reason) > REJECT_REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    application.status = ApplicationStatus.REJECTED
    application.reject_reason = reason
    application.reviewed_by, application.reviewed_at = by, timezone.now()
    application._history_user = by
    application.save()
    return application


# ---------------------------------------------------------------------------
# Bulk review (SPEC §5): several pending applications approved or rejected at once
# ---------------------------------------------------------------------------
BULK_REVIEW_MAX = 100


@dataclass(frozen=True)
class BulkResult:
    """One application's result in a bulk review: `ok` with the application as decided,
    or refused with the reasons the single review would have given."""

    application: Application
    ok: bool
    reasons: tuple = ()


def applications_review_bulk(*, applications, by, action, hukou_type="",
                             employment_form=None, joined_on=None, reason=""):
    """Approve or reject each of `applications` as its own page would: the same service,
    each in its own transaction, so one refused leaves the others decided. Approval binds
    the card the applicant gave; the hukou type and employment form (for those with an
    employer) apply to all. The caller reads `applications` through
    for_user(by, write=True); the service checks each again under its row lock."""
    if action not in ("approve", "reject"):
        raise ValueError(f"unknown bulk action: {action!r}")
    results = []
    for application in applications:
        try:
            if action == "approve":
                decided = application_approve(
                    application=application, by=by, hukou_type=hukou_type,
                    employment_form=employment_form if application.employer_id else None,
                    joined_on=joined_on)
            else:
                decided = application_reject(application=application, by=by, reason=reason)
        except ValidationError as error:
            results.append(BulkResult(application, False, tuple(error.messages)))
        except PermissionDenied:
            results.append(BulkResult(application, False, (
                _("This application is no longer in your scope."),)))
        else:
            results.append(BulkResult(decided, True))
    return results
