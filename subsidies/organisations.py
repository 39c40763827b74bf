"""Organisation programmes of SPEC §6.2 (plan §三.(二)): who is due what, in exact yuan."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import (
    EmploymentForm,
    FoundingStatus,
    FoundingStep,
    IndustryFederation,
    Member,
    Street,
    Union,
    UnionForm,
    UnitKind,
)
from subsidies import rules
from subsidies.models import (
    Entitlement,
    EntitlementState,
    ModelHomeSelection,
    ProgrammeCode,
    SocialWorker,
)
from subsidies.services import _require_admin, programme_year

MODEL_HOME_TARGET_SHARE = Fraction(30, 100)  # "由10%提高到30%"
REBATE_YEARS = (2019, 2020, 2021)


@dataclass(frozen=True)
class DevelopmentDue:
    recipient: object  # a Street or an IndustryFederation
    members: int
    amount: Decimal


def development_due(year):
    """会员发展工作补贴: 100 yuan for each whole-unit informal or scattered member who joined in
    the year, to the industry federation whose union they joined, else to the street
    federation of their street; 10,000 at most per federation (plan §三.(二)2)."""
    settings = programme_year(ProgrammeCode.DEVELOPMENT, year)
    counted = Member.objects.filter(joined_on__year=year).filter(
        Q(worker__whole_unit_informal=True)
        | Q(worker__employment_form=EmploymentForm.SCATTERED))
    by_industry = dict(counted.filter(union__industry_federation__isnull=False)
                       .values_list("union__industry_federation").annotate(n=Count("pk")))
    by_street = dict(counted.filter(Q(union__isnull=True)
                                    | Q(union__industry_federation__isnull=True))
                     .values_list("worker__street").annotate(n=Count("pk")))
    dues = []
    for street in Street.objects.order_by("position"):
        n = by_street.get(street.pk, 0)
        dues.append(DevelopmentDue(street, n, min(settings.amount * n, settings.cap)))
    for federation in IndustryFederation.objects.order_by("pk"):
        n = by_industry.get(federation.pk, 0)
        dues.append(DevelopmentDue(federation, n, min(settings.amount * n, settings.cap)))
    return dues


def development_open(year):
    """Whether the development subsidy of `year` can be made: once the year has ended."""
    return year < timezone.localdate().year


@transaction.atomic
def development_entitlements_create(*, year, by):
    """Draft entitlements for the development subsidy of a year that has ended (it counts
    the members who joined in the whole year); running again creates nothing new."""
    _require_admin(by)
    if not development_open(year):
        raise ValidationError(_(
            "The development subsidy counts the members who joined in the whole year: the "
            "subsidy for %(year)d is made from 1 January %(next)d.") % {
                "year": year, "next": year + 1})
    settings = programme_year(ProgrammeCode.DEVELOPMENT, year, lock=True)
    created = 0
    for due in development_due(year):
        if not due.amount:
            continue
        target = {"street": due.recipient} if isinstance(due.recipient, Street) else {
            "industry_federation": due.recipient}
        if Entitlement.objects.filter(programme_id=ProgrammeCode.DEVELOPMENT, year=year,
                                      **target).exclude(state__in=["rejected", "cancelled"]
                                                        ).exists():
            continue
        money = rules.split(due.amount, settings.city_share)
        Entitlement.objects.create(
            programme_id=ProgrammeCode.DEVELOPMENT, year=year, amount=money.amount,
            city_amount=money.city, district_amount=money.district, created_by=by,
            note=_("%(n)d members developed") % {"n": due.members}, **target)
        created += 1
    return created


@transaction.atomic
def industry_grant_create(*, federation, year, amount, by):
    """行业工会经费补助: 30,000 to 50,000 yuan a federation a year; anything else is refused."""
    _require_admin(by)
    settings = programme_year(ProgrammeCode.INDUSTRY_GRANT, year)
    amount = Decimal(amount)
    if not settings.minimum <= amount <= settings.cap:
        raise ValidationError({"amount": _("The grant must be between %(low)s and %(high)s "
                                           "yuan.") % {"low": f"{settings.minimum:,.0f}",
                                                       "high": f"{settings.cap:,.0f}"}})
    money = rules.split(amount, settings.city_share)
    try:
        with transaction.atomic():
            return Entitlement.objects.create(
                programme_id=ProgrammeCode.INDUSTRY_GRANT, year=year,
                industry_federation=federation, amount=money.amount, city_amount=money.city,
                district_amount=money.district, state=EntitlementState.PENDING, created_by=by)
    except IntegrityError:
        raise ValidationError({"amount": _("This federation already has its grant for "
                                           "%(year)s.") % {"year": year}}) from None


def founding_rebate_due():
    """工会经费回拨: private enterprises that founded their union in 2019 get the city's retained
    share back for 2019, 2020 and 2021. Returns (union, [years]) for each."""
    steps = FoundingStep.objects.filter(
        status=FoundingStatus.FOUNDED, union__founded_on__year=2019,
        unit__kind=UnitKind.NON_PUBLIC_ENTERPRISE,
    ).select_related("union", "unit").order_by("union__name")
    seen, due = set(), []
    for step in steps:
        if step.union_id not in seen:
            seen.add(step.union_id)
            due.append((step.union, list(REBATE_YEARS)))
    return due


@transaction.atomic
def founding_rebate_record(*, union, year, amount, by):
    """Record the rebate amount from the finance data for a union due it."""
    _require_admin(by)
    if year not in REBATE_YEARS:
        raise ValidationError({"year": _("The rebate is for 2019, 2020 and 2021 only.")})
    if union.pk not in {u.pk for u, _years in founding_rebate_due()}:
        raise ValidationError({"union": _("This union did not found in 2019 at a private "
                                          "enterprise.")})
    settings = programme_year(ProgrammeCode.FOUNDING_REBATE, year)
    money = rules.split(Decimal(amount), settings.city_share)
    if money.amount <= 0:
        raise ValidationError({"amount": _("Enter the amount from the finance data.")})
    try:
        with transaction.atomic():
            return Entitlement.objects.create(
                programme_id=ProgrammeCode.FOUNDING_REBATE, year=year, union=union,
                amount=money.amount, city_amount=money.city, district_amount=money.district,
                state=EntitlementState.PENDING, created_by=by)
    except IntegrityError:  # recorded a moment ago (one_organisation_entitlement_per_union_year)
        raise ValidationError({"amount": _("This union's rebate for %(year)s is already "
                                           "recorded.") % {"year": year}}) from None


def model_home_share(year):
    """The non-public share of the year's model-home selections, exact, and whether it
    reaches 30%."""
    # Non-public as the award sees it: a home without a chosen union by its tick, one with
    # a union by that union (a tick on another union, made before the list was limited,
    # does not count).
    non_public = Q(non_public=True) & (
        Q(union__isnull=True) | Q(union__in=non_public_enterprise_unions().values("pk")))
    counts = ModelHomeSelection.objects.filter(year=year).aggregate(
        total=Count("pk"), non_public=Count("pk", filter=non_public))
    if not counts["total"]:
        return None, False
    share = Fraction(counts["non_public"], counts["total"])
    return share, share >= MODEL_HOME_TARGET_SHARE


def non_public_enterprise_unions():
    """The unions of non-public enterprises (an enterprise union whose own unit is one):
    those that receive the model-home award (SPEC §6.2)."""
    return Union.objects.filter(form=UnionForm.ENTERPRISE,
                                own_units__kind=UnitKind.NON_PUBLIC_ENTERPRISE).distinct()


@transaction.atomic
def model_home_selection_add(*, year, name, by, union=None, non_public=False):
    """Record one of the year's model-home selections (all of them, for the share). A
    selection with a union is non-public when, and only when, the union is a non-public
    enterprise's; `non_public` tells it of a selection without one."""
    _require_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the name of the selected home.")})
    if union is not None:
        if not non_public_enterprise_unions().filter(pk=union.pk).exists():
            raise ValidationError({"union": _(
                "Only the union of a non-public enterprise receives the award: choose one "
                "from the list, or leave the union out.")})
        non_public = True
    try:
        with transaction.atomic():
            return ModelHomeSelection.objects.create(year=year, name=name, union=union,
                                                     non_public=non_public)
    except IntegrityError:
        raise ValidationError({"name": _("This home is already selected for %(year)s.")
                               % {"year": year}}) from None


@transaction.atomic
def model_home_awards_create(*, year, by):
    """10,000 yuan to each selected non-public enterprise union; again creates nothing."""
    _require_admin(by)
    settings = programme_year(ProgrammeCode.MODEL_HOME, year, lock=True)
    money = rules.split(settings.amount, settings.city_share)
    created = 0
    for selection in ModelHomeSelection.objects.filter(
            year=year, non_public=True, union__in=non_public_enterprise_unions()):
        exists = Entitlement.objects.filter(
            programme_id=ProgrammeCode.MODEL_HOME, year=year, union=selection.union
        ).exclude(state__in=["rejected", "cancelled"]).exists()
        if not exists:
            Entitlement.objects.create(
                programme_id=ProgrammeCode.MODEL_HOME, year=year, union=selection.union,
                amount=money.amount, city_amount=money.city, district_amount=money.district,
                created_by=by)
            created += 1
    return created


def social_workers_current(on=None):
    """Social union workers in post on `on`, by placement."""
    on = on or timezone.localdate()
    return SocialWorker.objects.filter(since__lte=on).filter(
        Q(until__isnull=True) | Q(until__gte=on))


@transaction.atomic
def social_worker_add(*, name, since, by, street=None, industry_federation=None,
                      until=None):
    """Record a social union worker placed with one street or one industry federation."""
    _require_admin(by)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter the name.")
    if (street is None) == (industry_federation is None):
        errors["street"] = _("Choose either a street federation or an industry federation.")
    if since is not None and since > timezone.localdate():
        errors["since"] = _("The start date cannot be in the future.")
    if until is not None and since is not None and until < since:
        errors["until"] = _("The end cannot be before the start.")
    if errors:
        raise ValidationError(errors)
    return SocialWorker.objects.create(name=name, street=street,
                                       industry_federation=industry_federation, since=since,
                                       until=until)


def social_worker_gaps(on=None):
    """Street federations and industry federations with no social union worker on `on`
    (plan §三.(二)5: at least one each)."""
    active = social_workers_current(on)
    streets = Street.objects.exclude(pk__in=active.filter(street__isnull=False)
                                     .values("street")).order_by("position")
    federations = IndustryFederation.objects.exclude(
        pk__in=active.filter(industry_federation__isnull=False).values("industry_federation"))
    return list(streets), list(federations)
