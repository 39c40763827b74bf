"""The two rates of SPEC §7.1, as of any date, from dated facts, as exact fractions.

- Migrant membership rate 农民工入会率: migrant workers in the registry on D with an active
  membership on D, over migrant workers in the registry on D.
- 100+ founding rate 百人以上非公企业建会率: non-public enterprises registered by D with 100 or
  more employees that count as founded on D, over all such enterprises.

Each figure is one grouped query per scope kind; no row is loaded into Python.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q

from membership.models import (
    Community,
    District,
    FoundingStatus,
    FoundingStep,
    IndustryFederation,
    Member,
    OccupationGroup,
    Sector,
    Street,
    Unit,
    UnitKind,
    Worker,
)
from reporting.campaigns import percent_text

HUNDRED = 100
SCOPE_KINDS = ("district", "street", "community", "industry", "sector", "group")


@dataclass(frozen=True)
class Rate:
    num: int
    den: int

    @property
    def fraction(self):
        """The exact rate, or None for an empty denominator."""
        return Fraction(self.num, self.den) if self.den else None

    @property
    def pct(self):
        """The percentage to 2 decimals, rounded half-up, as text; None when empty."""
        return None if not self.den else percent_text(self.fraction)

    def display(self):
        """'80.00%', or '—' for an empty denominator (never 0% or 100%)."""
        return "—" if self.pct is None else f"{self.pct}%"

    def meets(self, target):
        """Whether the rate reaches `target` (a Fraction); 以上 includes the bound."""
        return self.den > 0 and Fraction(self.num, self.den) >= target

    def needed_for(self, target):
        """How many more in the numerator reach `target` with the same denominator."""
        if not self.den:
            return 0
        required = -(-target.numerator * self.den // target.denominator)  # ceiling
        return max(0, required - self.num)

    def as_json(self):
        return {"num": self.num, "den": self.den, "pct": self.pct}

    def as_stored(self):
        """How a stored report keeps a rate: as_json and the text it showed."""
        return {**self.as_json(), "display": self.display()}


EMPTY = Rate(0, 0)


def active_member_exists(day):
    """An active membership of the outer worker on `day` (a transfer is still one)."""
    return Exists(Member.objects.active_on(day).filter(worker=OuterRef("pk")))


def founded_exists(day):
    """The outer unit counts as founded on `day`: its own union or the union covering it was
    founded on or before that day (SPEC §3)."""
    return Exists(FoundingStep.objects.filter(
        unit=OuterRef("pk"), status__in=[FoundingStatus.FOUNDED, FoundingStatus.COVERED],
        union__founded_on__lte=day,
    ))


def migrant_base(day):
    return Worker.objects.in_registry_on(day).filter(is_migrant=True)


def founding_base(day):
    return Unit.objects.hundred_plus().filter(kind=UnitKind.NON_PUBLIC_ENTERPRISE).filter(
        Q(registered_on__isnull=True) | Q(registered_on__lte=day))


# How each scope kind groups workers and units: the field holding the scope's key.
_WORKER_KEY = {"district": None, "street": "street_id", "community": "community_id",
               "industry": "employer__sector", "sector": "employer__sector",
               "group": "occupation_group"}
_UNIT_KEY = {"district": None, "street": "street_id", "community": "community_id",
             "industry": "sector", "sector": "sector", "group": None}


def _grouped(queryset, key, numerator_q):
    queryset = queryset.values(key) if key else queryset.values()
    if key:
        rows = queryset.order_by().annotate(den=Count("pk"), num=Count("pk", filter=numerator_q))
        return {row[key]: Rate(row["num"], row["den"]) for row in rows}
    totals = queryset.order_by().aggregate(den=Count("pk"), num=Count("pk", filter=numerator_q))
    return {None: Rate(totals["num"], totals["den"])}


def migrant_rates(day, by="district", base=None):
    base = migrant_base(day) if base is None else base
    return _grouped(base.annotate(is_member=active_member_exists(day)), _WORKER_KEY[by],
                    Q(is_member=True))


def founding_rates(day, by="district", base=None):
    if _UNIT_KEY[by] is None and by != "district":
        return None
    base = founding_base(day) if base is None else base
    return _grouped(base.annotate(founded=founded_exists(day)), _UNIT_KEY[by], Q(founded=True))


@dataclass(frozen=True)
class ScopeRates:
    kind: str
    key: object
    name: str
    migrant: Rate
    founding: Rate | None  # None where the rate has no meaning (occupation groups)


def scopes(by):
    """(key, name) of every scope of a kind, in the order reports list them."""
    if by == "district":
        return [(None, District.objects.values_list("name", flat=True).first() or "")]
    if by == "street":
        return list(Street.objects.order_by("position").values_list("pk", "name"))
    if by == "community":
        return list(Community.objects.order_by("street__position", "name")
                    .values_list("pk", "name"))
    if by == "industry":
        return list(IndustryFederation.objects.order_by("pk").values_list("sector", "name"))
    if by == "sector":
        return [(value, str(label)) for value, label in Sector.choices]
    if by == "group":
        return [(value, str(label)) for value, label in OccupationGroup.choices]
    raise ValueError(f"unknown scope kind {by!r}")


def rates_as_of(day, by="district"):
    """Both rates for every scope of a kind, every scope listed even when empty."""
    migrant = migrant_rates(day, by)
    founding = founding_rates(day, by)
    return [
        ScopeRates(kind=by, key=key, name=name, migrant=migrant.get(key, EMPTY),
                   founding=None if founding is None else founding.get(key, EMPTY))
        for key, name in scopes(by)
    ]
