"""The two rates of SPEC §7.1, as of any date, from dated facts, as exact fractions.

- Migrant membership rate 农民工入会率: migrant workers in the registry on D with an active
  membership on D, over migrant workers in the registry on D.
- 100+ founding rate 百人以上非公企业建会率: non-public enterprises registered by D with 100 or
  more employees that count as founded on D, over all such enterprises.

One way of counting them, `_grouped`: the workers (or the units) in two grouped queries,
all, then those meeting the numerator. `rates_by_scope` groups them by the finest fields
the scope kinds asked for need and sums the groups into every scope; the `rates` command,
`rates_as_of` and the snapshots (reporting.figures) all read it. No row is loaded into
Python.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef

from membership.models import (
    Community,
    District,
    IndustryFederation,
    Member,
    OccupationGroup,
    Sector,
    Street,
    Unit,
    Worker,
)
# The units' pages say by the same rule whether a unit counts as founded (SPEC §7.1).
from membership.selectors import founded_exists
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

    def __add__(self, other):
        """Two groups' counts together (a street's from its communities, say)."""
        return Rate(self.num + other.num, self.den + other.den)


EMPTY = Rate(0, 0)


def active_member_exists(day):
    """An active membership of the outer worker on `day` (a transfer is still one)."""
    return Exists(Member.objects.active_on(day).filter(worker=OuterRef("pk")))


def migrant_base(day):
    return Worker.objects.in_registry_on(day).filter(is_migrant=True)


def founding_base(day):
    return Unit.objects.in_founding_rate(day)


# The finest grouping any scope needs: street, community, sector, occupation group. A fact
# grouped by a part of it is summed into the scope of each kind it falls in (scope_keys).
WORKER_KEY = ("street_id", "community_id", "employer__sector", "occupation_group")
UNIT_KEY = ("street_id", "community_id", "sector")  # no occupation group: no founding rate
# The field each scope kind groups workers and units by (None: all in one, or no grouping).
_WORKER_FIELD = {"district": None, "street": "street_id", "community": "community_id",
                 "industry": "employer__sector", "sector": "employer__sector",
                 "group": "occupation_group"}
_UNIT_FIELD = {"district": None, "street": "street_id", "community": "community_id",
               "industry": "sector", "sector": "sector", "group": None}


def scope_keys(street_id, community_id, sector, group):
    """The key of the scope of each kind a fine group falls in ("" is the district's; None:
    in no scope of that kind)."""
    return {
        "district": "",
        "street": None if street_id is None else str(street_id),
        "community": None if community_id is None else str(community_id),
        "industry": sector or None,
        "sector": sector or None,
        "group": group or None,
    }


def _fields(field_of, kinds):
    return tuple(dict.fromkeys(field_of[kind] for kind in kinds if field_of[kind]))


def _counted(queryset, fields):
    """{values of `fields`: count}, one grouped query."""
    queryset = queryset.order_by()
    if not fields:
        return {(): queryset.count()}
    return {tuple(row[:-1]): row[-1] for row in queryset.values(*fields).annotate(
        n=Count("pk")).values_list(*fields, "n")}


def _grouped(queryset, fields, condition):
    """{values of `fields`: Rate} of `queryset`, in two grouped queries: the base, then the
    part meeting `condition` (an Exists) as a filter, which PostgreSQL runs as one hashed
    semi-join; inside COUNT(…) FILTER it would be a look-up per row (docs/benchmarks.md)."""
    dens = _counted(queryset, fields)
    nums = _counted(queryset.filter(condition), fields)
    return {values: Rate(nums.get(values, 0), den) for values, den in dens.items()}


def migrant_groups(day, fields=()):
    """{values of `fields` (a part of WORKER_KEY): migrant Rate}."""
    return _grouped(migrant_base(day), fields, active_member_exists(day))


def founding_groups(day, fields=()):
    """{values of `fields` (a part of UNIT_KEY): founding Rate}."""
    return _grouped(founding_base(day), fields, founded_exists(day))


def fine_keys(groups, fields, full_key):
    """[(fine key, value)] of `groups` keyed by values of `fields`, spelled out in the order
    of `full_key` and padded to the four parts scope_keys takes (None where not grouped)."""
    out = []
    for values, value in groups.items():
        found = dict(zip(fields, values))
        fine = tuple(found.get(name) for name in full_key)
        out.append((fine + (None,) * (4 - len(fine)), value))
    return out


def rates_by_scope(day, kinds):
    """({kind: {key: migrant Rate}}, {kind: {key: founding Rate}}) for the scopes of `kinds`
    that have any fact, keyed as scope_keys gives them: the workers and the units each
    counted in two grouped queries (_grouped), by the finest fields `kinds` need, and
    summed into every scope of `kinds`. The founding rate has no occupation groups."""
    out = []
    for field_of, full_key, grouped in ((_WORKER_FIELD, WORKER_KEY, migrant_groups),
                                        (_UNIT_FIELD, UNIT_KEY, founding_groups)):
        fields = _fields(field_of, kinds)
        wanted = {kind for kind in kinds if kind == "district" or field_of[kind]}
        totals = {kind: {} for kind in kinds}
        for fine, rate in fine_keys(grouped(day, fields), fields, full_key):
            for kind, key in scope_keys(*fine).items():
                if key is not None and kind in wanted:
                    totals[kind][key] = totals[kind].get(key, EMPTY) + rate
        out.append(totals)
    return tuple(out)


def rank(items, order, *, ranked=lambda item: True):
    """[(item, rank)], the highest `order(item)` (a tuple of exact fractions, compared in
    turn) first: competition ranks (1, 2, 2, 4), equal orders sharing a rank and keeping
    the order given; the items not `ranked` (empty scopes) follow in the same ordering,
    without a rank."""
    ordered = sorted(items, key=order, reverse=True)  # stable: ties keep the given order
    out, last = [], None
    for item in ordered:
        if ranked(item):
            if last is None or order(item) != last[0]:
                last = (order(item), len(out) + 1)
            out.append((item, last[1]))
    return out + [(item, None) for item in ordered if not ranked(item)]


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


def rates_as_of(day, *kinds):
    """Both rates for every scope of each of `kinds` (default: the district), kind by kind,
    every scope listed even when empty; four grouped queries whatever the kinds
    (rates_by_scope), so the `rates` command's district and streets cost one pass."""
    kinds = kinds or ("district",)
    migrant, founding = rates_by_scope(day, kinds)
    out = []
    for kind in kinds:
        for key, name in scopes(kind):
            found = "" if key is None else str(key)
            out.append(ScopeRates(
                kind=kind, key=key, name=name, migrant=migrant[kind].get(found, EMPTY),
                founding=None if kind == "group" else founding[kind].get(found, EMPTY)))
    return out
