"""Writes of the subsidies app (SPEC §6.3): rule runs, claims, decisions, batches and the
bank's results. Every service is one transaction; constraints in the database back each
rule against double payment."""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role
from accounts.services import history_baseline_ensure
from hedong_union.templatetags.money import format_yuan
from membership.models import Member
from membership.pii import decrypted_rows, pii_scratch, stored
from subsidies import bulk, rules
from subsidies.models import (
    LIVE_STATES,
    REJECTABLE_STATES,
    Batch,
    BatchLine,
    BatchState,
    Entitlement,
    EntitlementState,
    LineStatus,
    Programme,
    ProgrammeCode,
    ProgrammeYear,
)

CHUNK = 5000


class QuotaFull(Exception):
    """名额已满: the year's seats are all taken."""


def _require_admin(user):
    if user is None or user.role != Role.ADMIN:
        raise PermissionDenied


def programme_year(code, year, *, lock=False):
    queryset = ProgrammeYear.objects.select_for_update() if lock else ProgrammeYear.objects
    try:
        return queryset.get(programme_id=code, year=year)
    except ProgrammeYear.DoesNotExist:
        raise ValidationError(_("No settings for %(programme)s in %(year)s; the district "
                                "office adds them first.") % {"programme": code, "year": year}
                              ) from None


INDUSTRY_GRANT_RANGE = (Decimal("30000"), Decimal("50000"))
PROGRAMME_YEAR_FIELDS = ("amount", "minimum", "cap", "city_share", "quota", "spring_festival",
                         "window_start", "window_end")


@transaction.atomic
def programme_year_update(*, programme_year, by, **fields):
    """Change a programme's settings for a year (the district office), with history.
    The quota never goes below the seats already taken."""
    _require_admin(by)
    settings = ProgrammeYear.objects.select_for_update().get(pk=programme_year.pk)
    history_baseline_ensure(obj=settings)
    for name, value in fields.items():
        if name not in PROGRAMME_YEAR_FIELDS:
            raise TypeError(name)
        setattr(settings, name, value)
    errors = {}
    code = settings.programme_id
    if settings.amount is None or settings.amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if settings.city_share is None or not 0 <= settings.city_share <= 1:
        errors["city_share"] = _("The city share is a fraction between 0 and 1, e.g. 0.60.")
    if settings.minimum is not None and settings.cap is not None \
            and settings.minimum > settings.cap:
        errors["minimum"] = _("The minimum cannot be above the cap.")
    if code == ProgrammeCode.INDUSTRY_GRANT:
        for name in ("minimum", "cap"):
            value = getattr(settings, name)
            if value is None:
                errors.setdefault(name, _("This programme needs a minimum and a cap."))
            elif not INDUSTRY_GRANT_RANGE[0] <= value <= INDUSTRY_GRANT_RANGE[1]:
                # Plan §三.(二)3: 3万至5万元 per federation per year.
                errors.setdefault(name, _("The plan sets the grant between 30,000 and 50,000 "
                                          "yuan."))
        if settings.minimum is not None and settings.cap is not None \
                and settings.amount is not None \
                and not settings.minimum <= settings.amount <= settings.cap:
            errors.setdefault("amount", _("The usual grant lies between the minimum and the "
                                          "cap."))
    if code == ProgrammeCode.DEVELOPMENT and settings.cap is None:
        errors["cap"] = _("This programme needs a cap per recipient.")
    if code == ProgrammeCode.SPRING_RETURN:
        if settings.quota is None:
            errors["quota"] = _("This programme needs a quota.")
        elif settings.quota < 1:
            errors["quota"] = _("The quota must be at least 1.")
        elif settings.quota < settings.accepted:
            errors["quota"] = _("The quota cannot be below the %(n)d seats already taken.") % {
                "n": settings.accepted}
        for name in ("spring_festival", "window_start", "window_end"):
            if getattr(settings, name) is None:
                errors.setdefault(name, _("This programme needs the Spring Festival date and "
                                          "the return window."))
        if settings.spring_festival and settings.spring_festival.year != settings.year:
            errors["spring_festival"] = _("The Spring Festival must fall in %(year)d.") % {
                "year": settings.year}
        if settings.window_start and settings.window_end \
                and settings.window_start > settings.window_end:
            errors["window_end"] = _("The window cannot end before it starts.")
    elif settings.quota is not None and settings.quota < settings.accepted:
        errors["quota"] = _("The quota cannot be below the %(n)d seats already taken.") % {
            "n": settings.accepted}
    if errors:
        raise ValidationError(errors)
    settings._history_user = by
    settings.save()
    return settings


@transaction.atomic
def programme_update(*, programme, by, name, first_year, last_year=None):
    """A programme's name and the years it runs (the district office), with history. The
    years that already have settings must stay inside."""
    _require_admin(by)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    history_baseline_ensure(obj=programme)
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Enter the programme's name.")
    elif len(name) > Programme._meta.get_field("name").max_length:
        errors["name"] = _("Keep the name under 64 characters.")
    if first_year is None or not 2019 <= first_year <= 2100:
        errors["first_year"] = _("The first year is between 2019 and 2100.")
    if last_year is not None and first_year is not None and last_year < first_year:
        errors["last_year"] = _("The last year cannot be before the first.")
    years = list(ProgrammeYear.objects.filter(programme=programme).values_list("year",
                                                                                flat=True))
    if years and "first_year" not in errors and min(years) < first_year:
        errors["first_year"] = _("There are settings for %(year)d already: the first year "
                                 "cannot be later.") % {"year": min(years)}
    if years and last_year is not None and "last_year" not in errors \
            and max(years) > last_year:
        errors["last_year"] = _("There are settings for %(year)d already: the last year "
                                "cannot be earlier.") % {"year": max(years)}
    if errors:
        raise ValidationError(errors)
    programme.name, programme.first_year, programme.last_year = name, first_year, last_year
    programme._history_user = by
    programme.save()
    return programme


@transaction.atomic
def programme_year_add(*, programme, year, by):
    """A programme's settings for a new year (the district office), copied from its latest
    earlier year: the amounts, the share and the quota. The spring-return dates change
    every year and are left empty: claims for that year are refused until the office sets
    them (programme_year_update)."""
    _require_admin(by)
    taken = ValidationError({"year": _("%(year)d already has settings; edit them.")
                             % {"year": year}})
    if ProgrammeYear.objects.filter(programme=programme, year=year).exists():
        raise taken
    if programme.last_year and not programme.first_year <= year <= programme.last_year:
        raise ValidationError({"year": _("This programme runs from %(first)d to %(last)d.") % {
            "first": programme.first_year, "last": programme.last_year}})
    if year < programme.first_year:
        raise ValidationError({"year": _("This programme starts in %(first)d.") % {
            "first": programme.first_year}})
    source = ProgrammeYear.objects.filter(programme=programme, year__lt=year).order_by(
        "-year").first()
    if source is None:
        raise ValidationError({"year": _("There is no earlier year to start from.")})
    settings = ProgrammeYear(programme=programme, year=year, amount=source.amount,
                             minimum=source.minimum, cap=source.cap,
                             city_share=source.city_share, quota=source.quota, accepted=0)
    settings._history_user = by
    try:
        with transaction.atomic():
            settings.save()
    except IntegrityError:  # added by someone else a moment ago (programme_year_unique)
        raise taken from None
    return settings, source


def _not_eligible(error):
    return ValidationError({error.field: error.message} if error.field else error.message)


@transaction.atomic
def universal_run(*, year, by, on=None):
    """Create a draft UNIVERSAL entitlement for every eligible member who has none for the
    year. Running it again creates nothing new (SPEC §6.3)."""
    _require_admin(by)
    today = timezone.localdate()
    if year > today.year:
        # Eligibility is membership during the year: a year not begun has none to judge.
        raise ValidationError(_("The rule for %(year)d can be run from 1 January %(year)d.")
                              % {"year": year})
    on = on or min(today, date(year, 12, 31))
    settings = programme_year(ProgrammeCode.UNIVERSAL, year, lock=True)  # one run at a time
    money = rules.split(settings.amount, settings.city_share)
    already = Entitlement.objects.filter(programme_id=ProgrammeCode.UNIVERSAL, year=year,
                                         state__in=LIVE_STATES).values("member_id")
    eligible = rules.universal_members(on).exclude(pk__in=already)
    if bulk.available():
        # One INSERT … SELECT writing the history rows too (subsidies/bulk.py).
        return bulk.insert_for_members(
            members=eligible.order_by().values_list("pk"), by=by, now=timezone.now(),
            values={"programme_id": ProgrammeCode.UNIVERSAL, "year": year,
                    "amount": money.amount, "city_amount": money.city,
                    "district_amount": money.district, "state": EntitlementState.DRAFT,
                    "certificate_level": "", "note": f"rule run {on.isoformat()}",
                    "reject_reason": "", "created_by_id": by.pk})
    member_ids = eligible.values_list("pk", flat=True).order_by("pk")
    created = 0
    batch = []
    for member_id in member_ids.iterator(chunk_size=CHUNK):
        batch.append(Entitlement(
            programme_id=ProgrammeCode.UNIVERSAL, year=year, member_id=member_id,
            amount=money.amount, city_amount=money.city, district_amount=money.district,
            state=EntitlementState.DRAFT, created_by=by, note=f"rule run {on.isoformat()}"))
        if len(batch) == CHUNK:
            created += len(bulk_create_with_history(batch, Entitlement, default_user=by))
            batch = []
    if batch:
        created += len(bulk_create_with_history(batch, Entitlement, default_user=by))
    return created


@transaction.atomic
def entitlements_submit(*, queryset, by):
    """Draft → pending approval, for the office's review."""
    _require_admin(by)
    drafts = queryset.filter(state=EntitlementState.DRAFT)
    if bulk.available():  # with a history row each
        return bulk.update(entitlements=drafts.order_by().values("pk"),
                           values={"state": EntitlementState.PENDING}, by=by,
                           now=timezone.now(), only_state=EntitlementState.DRAFT)
    return drafts.update(state=EntitlementState.PENDING)


@transaction.atomic
def entitlements_approve(*, queryset, by, on=None):
    """Approve pending entitlements, checking eligibility again (SPEC §6.3); those no longer
    eligible are rejected with the reason. Returns (approved, rejected) counts."""
    _require_admin(by)
    on = on or timezone.localdate()
    if bulk.available():
        return _approve_in_bulk(queryset, by=by, on=on)
    pending = list(queryset.select_for_update(of=("self",)).filter(state=EntitlementState.PENDING)
                   .select_related("member__worker"))
    approved, rejected = [], []
    for entitlement in pending:
        try:
            _recheck(entitlement, on)
        except rules.NotEligible as error:
            entitlement.state, entitlement.reject_reason = EntitlementState.REJECTED, \
                error.message
            rejected.append(entitlement)
        else:
            entitlement.state = EntitlementState.APPROVED
            approved.append(entitlement)
        entitlement.decided_by = by
    changed = approved + rejected
    bulk_update_with_history(changed, Entitlement, ["state", "reject_reason", "decided_by"],
                             batch_size=CHUNK, default_user=by)
    _free_seats([e for e in rejected if e.programme_id == ProgrammeCode.SPRING_RETURN])
    return len(approved), len(rejected)


def _approve_in_bulk(queryset, *, by, on):
    """The same decisions in a few statements: the yearly benefit's eligibility is one query
    for all its members; claims are checked one by one as before (they are few)."""
    pending = queryset.filter(state=EntitlementState.PENDING).order_by()
    locked = list(pending.select_for_update(of=("self",)).values_list(
        "pk", "programme_id", "member_id", "year"))
    universal = [(pk, member) for pk, code, member, _y in locked
                 if code == ProgrammeCode.UNIVERSAL and member is not None]
    # Everyone eligible on the day, in one plain query, matched here.
    eligible = set(rules.universal_members(on).order_by().values_list("pk", flat=True)) \
        if universal else set()
    approved = [pk for pk, member in universal if member in eligible]
    rejected = {}  # reason: [pk]
    if len(approved) < len(universal):
        rejected[rules.universal_refusal(on)] = [pk for pk, member in universal
                                                 if member not in eligible]
    spring_rejected = {}
    others = [pk for pk, code, member, _y in locked
              if not (code == ProgrammeCode.UNIVERSAL and member is not None)]
    for entitlement in Entitlement.objects.filter(pk__in=others).select_related(
            "member__worker"):
        try:
            _recheck(entitlement, on)
        except rules.NotEligible as error:
            rejected.setdefault(error.message, []).append(entitlement.pk)
            if entitlement.programme_id == ProgrammeCode.SPRING_RETURN:
                spring_rejected[entitlement.year] = spring_rejected.get(entitlement.year, 0) + 1
        else:
            approved.append(entitlement.pk)
    now = timezone.now()
    bulk.update_ids(ids=approved, values={"state": EntitlementState.APPROVED,
                                          "reject_reason": "", "decided_by_id": by.pk},
                    by=by, now=now)
    for reason, ids in rejected.items():
        bulk.update_ids(ids=ids, values={"state": EntitlementState.REJECTED,
                                         "reject_reason": reason, "decided_by_id": by.pk},
                        by=by, now=now)
    for year, count in spring_rejected.items():
        ProgrammeYear.objects.filter(programme_id=ProgrammeCode.SPRING_RETURN, year=year) \
            .update(accepted=F("accepted") - count)
    return len(approved), sum(len(ids) for ids in rejected.values())


def _recheck(entitlement, on):
    if entitlement.member_id is None:
        return
    code = entitlement.programme_id
    if code == ProgrammeCode.UNIVERSAL:
        rules.universal_check(entitlement.member, on)
    elif code in (ProgrammeCode.SKILL_SENIOR, ProgrammeCode.SKILL_TECH):
        rules.skill_check(entitlement.member, level=entitlement.certificate_level,
                          certificate_date=entitlement.certificate_date, on=on)
    elif code == ProgrammeCode.SPRING_RETURN:
        settings = programme_year(code, entitlement.year)
        rules.spring_return_check(entitlement.member, settings=settings,
                                  trip_date=entitlement.trip_date, fare=entitlement.fare,
                                  on=entitlement.received_at.date() if entitlement.received_at
                                  else on)


def _free_seats(entitlements):
    """A spring-return claim rejected on review gives its seat back (SPEC §6.1)."""
    years = {}
    for entitlement in entitlements:
        years[entitlement.year] = years.get(entitlement.year, 0) + 1
    for year, count in years.items():
        ProgrammeYear.objects.filter(programme_id=ProgrammeCode.SPRING_RETURN, year=year) \
            .update(accepted=F("accepted") - count)


@transaction.atomic
def entitlement_reject(*, entitlement, by, reason):
    """Reject an entitlement not yet in a batch, with the reason. A draft (the office's
    working copy of a rule run, never submitted nor shown to the member) is withdrawn
    instead: cancelled, the reason kept, and the member's own page never shows it."""
    _require_admin(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _batching_lock()
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if entitlement.shown_state not in REJECTABLE_STATES:
        raise ValidationError(_("Only an entitlement not yet in a batch can be rejected."))
    entitlement.state = (EntitlementState.CANCELLED if entitlement.state == EntitlementState.DRAFT
                         else EntitlementState.REJECTED)
    entitlement.reject_reason, entitlement.decided_by = reason, by
    entitlement._history_user = by
    entitlement.save(update_fields=["state", "reject_reason", "decided_by"])
    if entitlement.programme_id == ProgrammeCode.SPRING_RETURN:
        _free_seats([entitlement])
    return entitlement


def _create_claim(entitlement, *, duplicate_messages):
    """Insert a claim; a unique constraint refusing it becomes the user's message. Called
    inside the claim's own transaction, which the message's exception rolls back whole (the
    seat included), so no savepoint is needed."""
    try:
        entitlement.save()
    except IntegrityError as error:
        _duplicate_refusal(error, duplicate_messages)
        raise
    return entitlement


def _duplicate_refusal(error, duplicate_messages):
    """Raise the user's message for a unique constraint's refusal, if it is one of them."""
    text = str(error)
    for constraint, (field_name, message) in duplicate_messages.items():
        if constraint in text or _names_columns_of(constraint, text):
            raise ValidationError({field_name: message}) from None


def _names_columns_of(constraint, text):
    """SQLite (`make run`) names the columns of a failed unique constraint, not the
    constraint: "UNIQUE constraint failed: subsidies_entitlement.ticket_number"."""
    table = Entitlement._meta.db_table
    (fields,) = [c.fields for c in Entitlement._meta.constraints if c.name == constraint]
    failed = text.partition("UNIQUE constraint failed:")[2]
    named = {part.strip() for part in failed.split(",")}
    return bool(failed) and named == {f"{table}.{Entitlement._meta.get_field(f).column}"
                                      for f in fields}


SPRING_RETURN_DUPLICATES = {
    "one_spring_return_per_member_year": (
        "ticket_number", gettext_lazy("You have already claimed this year's subsidy.")),
    "one_payment_per_ticket": (
        "ticket_number", gettext_lazy("This ticket has already been claimed.")),
}


def spring_return_claim(*, member, fare, ticket_number, trip_date, received_at=None):
    """The member's spring-return claim (SPEC §6.1): checked, then a seat taken first come,
    first served by the server's time of receipt; '名额已满' when full.

    On PostgreSQL a claim is one statement (subsidies/bulk.py claim_insert): the rules'
    checks run here first on the year's settings as this process last read them, then the
    statement asks whether the membership is active, takes the seat, inserts the claim and
    its history row, only if those settings are still current. Whatever that way cannot
    decide (a refusal, changed settings, the quota full when last read) goes the way of
    _spring_return_claim_checked, which gives the same answers in several statements."""
    received_at = received_at or timezone.now()
    if bulk.available():
        claim = _spring_return_claim_in_one(member=member, fare=fare,
                                            ticket_number=ticket_number, trip_date=trip_date,
                                            received_at=received_at)
        if claim is not None:
            return claim
    return _spring_return_claim_checked(member=member, fare=fare, ticket_number=ticket_number,
                                        trip_date=trip_date, received_at=received_at)


# The spring-return settings of a year as this process last read them, with the values of
# SPRING_SETTINGS_CHECKED by column; the claim's statement checks they are still current, so
# an edit is never missed.
_spring_settings = {}
SPRING_SETTINGS_CHECKED = ("amount", "city_share", "spring_festival", "window_start",
                           "window_end")


def _spring_settings_read(year):
    """The year's spring-return settings, read now and kept for the next claims of this
    process with the values the statement checks (ValidationError if the year has none)."""
    settings = programme_year(ProgrammeCode.SPRING_RETURN, year)
    as_read = {ProgrammeYear._meta.get_field(name).column: getattr(settings, name)
               for name in SPRING_SETTINGS_CHECKED}
    _spring_settings[year] = settings, as_read
    return settings, as_read


def _spring_return_values(*, member, settings, amount, ticket_number, trip_date, fare,
                          received_at):
    """The claim's fields by attname, as both ways store it (the fare as stored: neither
    reads the claim back); the others take their defaults."""
    money = rules.split(amount, settings.city_share)
    return {"programme_id": ProgrammeCode.SPRING_RETURN, "year": settings.year,
            "member_id": member.pk, "amount": money.amount, "city_amount": money.city,
            "district_amount": money.district, "state": EntitlementState.PENDING,
            "ticket_number": ticket_number, "trip_date": trip_date,
            "fare": Decimal(fare).quantize(rules.CENT), "received_at": received_at}


def _spring_return_claim_in_one(*, member, fare, ticket_number, trip_date, received_at):
    on = timezone.localtime(received_at).date()
    try:
        settings, as_read = (_spring_settings.get(on.year)
                             or _spring_settings_read(on.year))
    except ValidationError:
        return None
    if settings.quota is None or settings.accepted >= settings.quota:
        # Full when last read: the statement would find no seat. The checked way reads the
        # seats again, so it still takes one a rejection has freed since, and says 名额已满
        # otherwise; its read also refreshes this process's view for the next claims.
        return None
    ticket_number = (ticket_number or "").strip().upper()
    if not ticket_number:
        return None
    try:
        amount = rules.spring_return_terms(member, settings=settings, trip_date=trip_date,
                                           fare=fare, on=on)
    except rules.NotEligible:
        return None  # the checked way gives the refusal, the membership's first
    values = _spring_return_values(
        member=member, settings=settings, amount=amount, ticket_number=ticket_number,
        trip_date=trip_date, fare=fare, received_at=received_at)
    try:
        # One statement is atomic by itself; inside a caller's transaction, a savepoint.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            # None without a seat: the membership not active, the settings edited or the
            # quota full; the checked way, reading the settings again, tells which.
            claim = bulk.claim_insert(
                values=values, active=_active_membership_sql(member, on),
                seat=settings.pk, settings_as_read=as_read)
    except IntegrityError as error:
        _duplicate_refusal(error, SPRING_RETURN_DUPLICATES)
        raise
    if claim is not None:
        claim.member = member  # the claimant, as the checked way's claim holds it
    return claim


_active_sql = {}


def _active_membership_sql(member, on):
    """The SQL and parameters of rules.active_membership(member, on), compiled by the ORM
    once per process: the text does not depend on the values, only the parameters do. The
    first compilation records which parameter is the date and which the member; if that
    cannot be told, every call compiles."""
    cached = _active_sql.get("sql")
    if cached is not None:
        sql, slots = cached
        return sql, [on if slot == "on" else member.pk for slot in slots]
    sql, params = rules.active_membership(member, on).query.sql_with_params()
    slots = ["on" if param == on and isinstance(param, date) else
             "pk" if param == member.pk and isinstance(param, int) else None
             for param in params]
    if None not in slots and "pk" in slots and "on" in slots:
        _active_sql["sql"] = (sql, slots)
    return sql, list(params)


@transaction.atomic
def _spring_return_claim_checked(*, member, fare, ticket_number, trip_date, received_at):
    on = timezone.localtime(received_at).date()
    settings, _as_read = _spring_settings_read(on.year)  # also for this process's next claims
    ticket_number = (ticket_number or "").strip().upper()
    if not ticket_number:
        raise ValidationError({"ticket_number": _("Enter the ticket number.")})
    try:
        amount = rules.spring_return_check(member, settings=settings, trip_date=trip_date,
                                           fare=fare, on=on)
    except rules.NotEligible as error:
        raise _not_eligible(error) from None
    # The seat: a conditional update, so concurrent claims never exceed the quota.
    taken = ProgrammeYear.objects.filter(pk=settings.pk, accepted__lt=F("quota")).update(
        accepted=F("accepted") + 1)
    if not taken:
        raise QuotaFull(_("The quota is full."))
    entitlement = Entitlement(**_spring_return_values(
        member=member, settings=settings, amount=amount, ticket_number=ticket_number,
        trip_date=trip_date, fare=fare, received_at=received_at))
    entitlement.member = member
    return _create_claim(entitlement, duplicate_messages=SPRING_RETURN_DUPLICATES)


@transaction.atomic
def skill_claim(*, member, level, certificate_number, certificate_date, by=None, on=None):
    """A skill reward: entered by staff from the certificate, or claimed by the member."""
    on = on or timezone.localdate()
    certificate_number = (certificate_number or "").strip().upper()
    if not certificate_number:
        raise ValidationError({"certificate_number": _("Enter the certificate number.")})
    try:
        code, year = rules.skill_check(member, level=level, certificate_date=certificate_date,
                                       on=on)
    except rules.NotEligible as error:
        raise _not_eligible(error) from None
    settings = programme_year(code, year)
    money = rules.split(settings.amount, settings.city_share)
    return _create_claim(Entitlement(
        programme_id=code, year=year, member=member, amount=money.amount,
        city_amount=money.city, district_amount=money.district,
        state=EntitlementState.PENDING, certificate_level=level,
        certificate_number=certificate_number, certificate_date=certificate_date,
        received_at=timezone.now(), created_by=by,
    ), duplicate_messages={
        "one_skill_reward_per_member_level": (
            "certificate_level", _("This member has already been rewarded for this level.")),
        "one_reward_per_certificate": (
            "certificate_number", _("This certificate has already been rewarded.")),
    })


@transaction.atomic
def batch_create(*, by, queryset):
    """A draft batch of approved entitlements (and failed ones paid again), one line each.

    A batch holds one kind: members' entitlements (the individual programmes, paid to the
    member's own card by the card bank, plan §三) or organisations' (paid by the district
    finance by transfer). A member's entitlement is taken only once the member has a bound
    card; the others stay approved and wait for a later batch (待绑卡): the batch's
    `waiting_for_card` says how many. A selection holding both kinds takes the members';
    the organisations' wait for a batch of their own (the pages never mix them).

    The entitlement rows are not rewritten: the line awaiting the bank is what puts an
    entitlement "in a batch" (Entitlement.shown_state), and the line's unique constraint
    (one pending or paid line per entitlement) makes a second payment impossible."""
    _require_admin(by)
    _batching_lock()
    payable = queryset.payable().order_by()
    if payable.for_members().exists():
        chosen, waiting = payable.card_bound(), payable.waiting_for_card().count()
    else:
        chosen, waiting = payable.for_organisations(), 0
    if bulk.available():
        # The lines in one INSERT … SELECT (subsidies/bulk.py).
        batch = _batch_new(by)
        made = bulk.batch_lines_insert(batch=batch, entitlements=chosen.values("pk", "amount"))
    else:
        chosen = list(chosen.select_for_update(of=("self",)).order_by("pk"))
        made = len(chosen)
        if made:
            batch = _batch_new(by)
            BatchLine.objects.bulk_create([
                BatchLine(batch=batch, entitlement=e, amount=e.amount) for e in chosen
            ], batch_size=CHUNK)
    if not made:
        _nothing_to_batch(waiting)
    batch.waiting_for_card = waiting
    return batch


def _nothing_to_batch(waiting):
    """The refusal of a batch that would be empty: every approved entitlement waiting for a
    bound card says so (code "waiting_for_card"), else there is nothing ("nothing")."""
    if waiting:
        raise ValidationError(ngettext(
            "There is no entitlement to pay now: %(n)d approved entitlement waits for the "
            "member to bind a member service card.",
            "There is no entitlement to pay now: %(n)d approved entitlements wait for their "
            "members to bind a member service card.", waiting) % {"n": waiting},
            code="waiting_for_card")
    raise ValidationError(_("There is no approved entitlement to pay."), code="nothing")


def _batching_lock():
    """Batches are made one at a time, and never while an entitlement is being rejected:
    what a batch takes is then exactly what was payable when it started (PostgreSQL; on
    SQLite a write locks the whole database anyway)."""
    if bulk.available():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BATCHING_LOCK])


BATCHING_LOCK = 5_000_001  # an arbitrary advisory-lock key of the subsidies app


def _batch_new(by):
    now = timezone.localtime()
    count = Batch.objects.filter(created_at__date=now.date()).count() + 1
    return Batch.objects.create(number=f"PB{now:%Y%m%d}-{count:03d}", created_by=by)


@transaction.atomic
def batch_approve(*, batch, by):
    """The second person approves (SPEC §6.3: the creator cannot)."""
    _require_admin(by)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id == by.pk:
        raise ValidationError(_("The person who made the batch cannot approve it."))
    if batch.state != BatchState.DRAFT:
        raise ValidationError(_("This batch is already approved."))
    batch.state, batch.approved_by, batch.approved_at = BatchState.APPROVED, by, timezone.now()
    batch._history_user = by
    batch.save()
    return batch


PAYMENT_FILE_COLUMNS = ("明细编号", "会员服务卡号", "姓名", "金额")
RESULT_OK, RESULT_FAILED = "成功", "失败"


TRANSFER_FILE_COLUMNS = ("明细编号", "收款单位", "金额")


def batch_payment_rows(batch, *, without_card):
    """The payment file's rows: line id, full card number, name, amount (for the bank); the
    cards read as stored and decrypted in worker processes while the file is written
    (membership.pii.decrypted_rows). A line whose member has no bound card (unbound since
    the batch was made) is left out and its key added to the list `without_card`. (The
    file is made once, while the batch is approved: every line then awaits the bank.)"""
    lines = batch.lines.order_by("pk").values_list(
        "pk", stored("entitlement__member__card_number"), "entitlement__member__worker__name",
        "amount")
    card_field = Member._meta.get_field("card_number")
    for pk, card, name, amount in decrypted_rows(lines.iterator(chunk_size=CHUNK),
                                                 {1: card_field}):
        if not card:
            without_card.append(pk)
            continue
        yield [BatchLine.line_id_of(batch.number, pk), card, name or "", amount]


def batch_transfer_rows(batch):
    """The transfer list's rows of an organisation batch, for the district finance: line
    id, the recipient organisation's name, amount."""
    lines = batch.lines.order_by("pk").select_related(
        "entitlement__street", "entitlement__industry_federation", "entitlement__union")
    for line in lines.iterator(chunk_size=CHUNK):
        yield [line.line_id, line.entitlement.recipient_organisation, line.amount]


@transaction.atomic
def batch_payment_file(*, batch, by, request=None):
    """Write the approved batch's payment file: for the card bank, with full card numbers,
    for members; a transfer list for the district finance for organisations. Logged as an
    export. Idempotent: a batch has one file, and a batch already sent is left as it is (a
    task delivered twice changes nothing).

    A member whose card was unbound after the batch was made cannot be paid by the bank:
    the line is not sent, it fails with that reason, and the entitlement waits for the card
    to be bound for a later batch."""
    import io

    from accounts.models import AccessLog
    from accounts.services import access_log_record
    from reporting.xlsx import Column, write_xlsx

    _require_admin(by)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.state in (BatchState.SENT, BatchState.SETTLED):  # sent with its one file
        return batch
    if batch.state != BatchState.APPROVED:
        raise ValidationError(_("Only an approved batch has a payment file."))
    stream = io.BytesIO()
    without_card = []
    if batch.pays_organisations:  # the district finance pays these by transfer
        title, rows = _("Transfer list"), batch_transfer_rows(batch)
        columns = [Column(TRANSFER_FILE_COLUMNS[0], 24), Column(TRANSFER_FILE_COLUMNS[1], 36),
                   Column(TRANSFER_FILE_COLUMNS[2], 14, "money")]
    else:
        title, rows = _("Payment file"), batch_payment_rows(batch, without_card=without_card)
        columns = [Column(PAYMENT_FILE_COLUMNS[0], 24),
                   Column(PAYMENT_FILE_COLUMNS[1], 24, "code"),
                   Column(PAYMENT_FILE_COLUMNS[2], 12),
                   Column(PAYMENT_FILE_COLUMNS[3], 14, "money")]
    # Put together in memory and a memory file system, stored encrypted with the personal
    # data keys: whole card numbers never reach a disk in clear (docs/decisions.md).
    with pii_scratch():
        write_xlsx(stream, title=title, scope=batch.number, as_of=timezone.localdate(),
                   sheet_name="转账清单" if batch.pays_organisations else "发放明细",
                   columns=columns, rows=rows)
    batch.payment_file.save_encrypted(f"{batch.number}.xlsx.fernet", stream.getvalue(),
                                      save=False)
    batch.state = BatchState.SENT
    if without_card:
        _lines_fail(without_card, reason=_("The member has no bound member service card."),
                    by=by)
        _settled_when_done(batch)
    batch._history_user = by
    batch.save()
    access_log_record(user=by, action=AccessLog.Action.EXPORT, target_type="subsidies.batch",
                      target_id=batch.pk, description=f"payment file {batch.number}",
                      request=request)
    return batch


@dataclass
class ResultReport:
    paid: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)  # (row, message)


@transaction.atomic
def batch_result_apply(*, batch, rows, by):
    """Apply the bank's result rows (row number, line id, 成功/失败, reason, amount or None).

    Unknown line ids, duplicates, lines already settled and bad values are reported and
    change nothing; good rows mark their line and entitlement paid or failed. A failed
    entitlement can go into a later batch. Applying the same file again changes nothing.
    """
    from subsidies.bank import NotAnAmount  # as read_result_file_check: openpyxl on demand

    _require_admin(by)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.state not in (BatchState.SENT, BatchState.SETTLED):
        raise ValidationError(_("Import the bank's result after the payment file is made."))
    report = ResultReport()
    lines = {line.line_id: line for line in batch.lines.select_for_update(of=("self",))}
    seen, paid, failed = {}, [], []
    for row, line_id, outcome, reason, amount in rows:
        line_id = (line_id or "").strip()
        line = lines.get(line_id)
        if line is None:
            report.errors.append((row, _("Line %(line)s is not in this batch.")
                                  % {"line": line_id or "—"}))
            continue
        if line_id in seen:
            report.errors.append((row, _("Line %(line)s appears twice (first on row %(first)d).")
                                  % {"line": line_id, "first": seen[line_id]}))
            continue
        seen[line_id] = row
        outcome = (outcome or "").strip()
        if outcome not in (RESULT_OK, RESULT_FAILED):
            report.errors.append((row, _("The result must be 成功 or 失败.")))
            continue
        if isinstance(amount, NotAnAmount):
            report.errors.append((row, _("The amount %(amount)s is not an amount in yuan.")
                                  % {"amount": amount}))
            continue
        if amount is not None and amount != line.amount:
            report.errors.append((row, _("The amount %(amount)s differs from the line's "
                                         "%(expected)s.") % {
                "amount": format_yuan(amount), "expected": format_yuan(line.amount)}))
            continue
        if line.status != LineStatus.PENDING:
            report.errors.append((row, _("Line %(line)s was already settled as %(status)s.")
                                  % {"line": line_id, "status": line.get_status_display()}))
            continue
        line.settled_at = timezone.now()
        if outcome == RESULT_OK:
            line.status, line.failure_reason = LineStatus.PAID, ""
            paid.append(line)
        else:
            line.status, line.failure_reason = LineStatus.FAILED, (reason or "").strip()[:255]
            failed.append(line)
    _settle_in_bulk(paid, failed, by=by)
    report.paid, report.failed = len(paid), len(failed)
    if _settled_when_done(batch):
        batch._history_user = by
        batch.save(update_fields=["state"])
    return report


def _settled_when_done(batch):
    """Mark the batch settled once no line of it awaits the bank; whether it is."""
    if not batch.lines.filter(status=LineStatus.PENDING).exists():
        batch.state = BatchState.SETTLED
    return batch.state == BatchState.SETTLED


def _lines_fail(pks, *, reason, by):
    """Fail the lines `pks` still awaiting the bank, with `reason`; their entitlements
    become failed, to be paid in a later batch."""
    lines = list(BatchLine.objects.select_for_update().filter(pk__in=pks,
                                                              status=LineStatus.PENDING))
    now = timezone.now()
    for line in lines:
        line.status, line.failure_reason, line.settled_at = LineStatus.FAILED, reason, now
    _settle_in_bulk([], lines, by=by)


def _settle_in_bulk(paid, failed, *, by):
    """Lines and their entitlements marked in a few statements, history included."""
    if bulk.available():
        now = timezone.now()
        bulk.lines_settle(paid + failed)
        bulk.update_ids(ids=[line.entitlement_id for line in paid],
                        values={"state": EntitlementState.PAID}, by=by, now=now)
        bulk.update_ids(ids=[line.entitlement_id for line in failed],
                        values={"state": EntitlementState.FAILED}, by=by, now=now)
        return
    BatchLine.objects.bulk_update(paid + failed, ["status", "failure_reason", "settled_at"],
                                  batch_size=CHUNK)
    entitlements = list(Entitlement.objects.filter(
        pk__in=[line.entitlement_id for line in paid + failed]))
    outcome = {line.entitlement_id: line.status for line in paid + failed}
    for entitlement in entitlements:
        entitlement.state = (EntitlementState.PAID if outcome[entitlement.pk] == LineStatus.PAID
                             else EntitlementState.FAILED)
    bulk_update_with_history(entitlements, Entitlement, ["state"], batch_size=CHUNK,
                             default_user=by)


def totals(*, year=None):
    """Money by programme, year and funding source (SPEC §6.3), to the yuan: what is
    entitled (every live entitlement), what is paid, and the city and district parts."""
    from django.db.models import Q, Sum

    queryset = Entitlement.objects.filter(state__in=LIVE_STATES)
    if year is not None:
        queryset = queryset.filter(year=year)
    paid = Q(state=EntitlementState.PAID)
    return list(queryset.values("programme_id", "year").order_by("programme_id", "year")
                .annotate(entitled=Sum("amount"), entitled_city=Sum("city_amount"),
                          entitled_district=Sum("district_amount"),
                          paid=Sum("amount", filter=paid),
                          paid_city=Sum("city_amount", filter=paid),
                          paid_district=Sum("district_amount", filter=paid)))


@transaction.atomic
def result_upload_create(*, batch, file, by):
    """Store the bank's result file and apply it in a Celery task after the commit.

    The file's zip is checked here (hedong_union.uploads); a small one is also read here,
    so a wrong file is refused at once, while one larger than UPLOAD_INLINE_MAX_BYTES is
    only read by the task (its refusal shows on the upload's page).
    """
    from django.conf import settings

    from subsidies.bank import result_file_check
    from subsidies.models import ResultUpload
    from subsidies.tasks import result_upload_apply_task

    _require_admin(by)
    if batch.state not in (BatchState.SENT, BatchState.SETTLED):
        raise ValidationError(_("Import the bank's result after the payment file is made."))
    if file.size <= settings.UPLOAD_INLINE_MAX_BYTES:
        read_result_file_check(file)
    else:
        result_file_check(file)
    upload = ResultUpload(batch=batch, uploaded_by=by)
    # Stored encrypted, as the payment file (docs/decisions.md).
    file.seek(0)
    upload.file.save_encrypted(f"{batch.number}-result.xlsx.fernet", file.read(), save=False)
    upload.save()
    result_upload_apply_task.delay_on_commit(upload.pk)
    return upload


def read_result_file_check(file):
    """Refuse a file that is not a readable result workbook before storing it."""
    from subsidies.bank import read_result_file

    read_result_file(file)
    file.seek(0)


def result_upload_apply(*, upload_id):
    """Apply a stored bank result file; safe to run twice and after a crash.

    The upload is claimed by a conditional update (queued → running, with a heartbeat),
    then its row is locked for the whole apply: that lock is the lease. A later delivery
    of the task (acks_late) takes over a running upload once no apply holds it: the lock
    of a killed one goes with its session, and one that is alive is waited for and then
    found done. A file refused by its reading fails the upload with the reason, and is
    deleted.
    """
    from django.core.files.base import ContentFile

    from subsidies.bank import read_result_file
    from subsidies.models import ResultUpload

    running = [ResultUpload.Status.QUEUED, ResultUpload.Status.RUNNING]
    ResultUpload.objects.filter(pk=upload_id, status=ResultUpload.Status.QUEUED).update(
        status=ResultUpload.Status.RUNNING, heartbeat_at=timezone.now())
    try:
        with transaction.atomic():
            upload = (ResultUpload.objects.select_for_update(of=("self",))
                      .select_related("batch", "uploaded_by")
                      .filter(pk=upload_id, status__in=running).first())
            if upload is None:
                return None  # done, failed, or held by a live apply
            rows = read_result_file(ContentFile(upload.file.read_decrypted()))
            report = batch_result_apply(batch=upload.batch, rows=rows, by=upload.uploaded_by)
            ResultUpload.objects.filter(pk=upload_id).update(
                status=ResultUpload.Status.DONE, paid=report.paid, failed=report.failed,
                errors=[{"row": row, "message": str(message)} for row, message in report.errors],
                finished_at=timezone.now(), heartbeat_at=timezone.now())
            return upload
    except ValidationError as error:
        upload = ResultUpload.objects.get(pk=upload_id)
        upload.file.delete(save=False)
        ResultUpload.objects.filter(pk=upload_id).update(
            status=ResultUpload.Status.FAILED, file="", finished_at=timezone.now(),
            errors=[{"row": None, "message": str(message)} for message in error.messages])
        return None


def result_uploads_fail_stale(*, upload_ids=None, now=None):
    """Mark failed every queued or running upload with no sign of life for
    JOB_STALE_SECONDS that no apply holds locked: its worker died and its task is lost.
    Safe to run twice; returns how many it failed. The file may be imported again (applying
    a result twice changes nothing the second time)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q

    from subsidies.models import ResultUpload

    now = now or timezone.now()
    before = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    uploads = ResultUpload.objects.filter(
        status__in=[ResultUpload.Status.QUEUED, ResultUpload.Status.RUNNING],
    ).filter(Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, uploaded_at__lt=before))
    if upload_ids is not None:
        uploads = uploads.filter(pk__in=upload_ids)
    message = _("The import of this file was interrupted (its process stopped) and nothing "
                "of it was saved; import the file again.")
    failed = 0
    with transaction.atomic():
        for upload in uploads.select_for_update(skip_locked=True).only("pk"):
            failed += ResultUpload.objects.filter(pk=upload.pk, status__in=[
                ResultUpload.Status.QUEUED, ResultUpload.Status.RUNNING]).update(
                status=ResultUpload.Status.FAILED, finished_at=now,
                errors=[{"row": None, "message": str(message)}])
    return failed


def result_upload_fail_if_stale(*, upload):
    """`upload`, marked failed first if its worker died (the page says why)."""
    from subsidies.models import ResultUpload

    if upload.status in (ResultUpload.Status.QUEUED, ResultUpload.Status.RUNNING) and \
            result_uploads_fail_stale(upload_ids=[upload.pk]):
        upload.refresh_from_db()
    return upload
