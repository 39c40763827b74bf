"""The figures of every scope as of a date, in a handful of grouped queries (SPEC §7.1, §7.3).

`rates.py` states each rate as one grouped query per scope kind; that is the definition
and the reference the tests hold this module to. A snapshot needs both rates and the
period's counts for every scope of every kind at once, so here each fact table is read
once, grouped by the finest key any scope needs (street, community, sector, occupation
group), and the few thousand groups are summed up into every scope in Python. No row of
a worker, member or unit is loaded into Python.

Online applications (issue 4) add their counts grouped by the same fine key
(applications.selectors.application_counts_by_scope).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from membership.models import Member, Union
from reporting.rates import (
    SCOPE_KINDS,
    Rate,
    active_member_exists,
    founded_exists,
    founding_base,
    migrant_base,
    scopes,
)

# Scope kinds in the order reports list them; the first rate only for occupation groups.
KINDS = SCOPE_KINDS


@dataclass
class ScopeCounts:
    """What a snapshot keeps for one scope."""

    migrant_num: int = 0
    migrant_den: int = 0
    founding_num: int = 0
    founding_den: int = 0
    members_total: int = 0
    new_members: int = 0
    unions_total: int = 0
    new_unions: int = 0
    applications_received: int = 0
    applications_approved: int = 0
    new_members_by_group: dict = field(default_factory=dict)

    @property
    def migrant(self):
        return Rate(self.migrant_num, self.migrant_den)

    @property
    def founding(self):
        return Rate(self.founding_num, self.founding_den)


@dataclass(frozen=True)
class ScopeFigures:
    kind: str
    key: str  # "" for the district, else the street/community pk or the sector/group value
    name: str
    position: int
    street_id: int | None  # a community's street, for drill-down
    counts: ScopeCounts


def _keys(street_id, community_id, sector, group):
    """The scope of each kind a fine group falls in (None: in no scope of that kind)."""
    return {
        "district": "",
        "street": None if street_id is None else str(street_id),
        "community": None if community_id is None else str(community_id),
        "industry": sector or None,
        "sector": sector or None,
        "group": group or None,
    }


def _add(totals, fine_key, kinds, **amounts):
    for kind, key in _keys(*fine_key).items():
        if key is None or kind not in kinds:
            continue
        counts = totals[kind][key]
        for name, amount in amounts.items():
            if name == "new_members_by_group":
                for group, value in amount.items():
                    counts.new_members_by_group[group] = (
                        counts.new_members_by_group.get(group, 0) + value)
            else:
                setattr(counts, name, getattr(counts, name) + amount)


WORKER_KEY = ("street_id", "community_id", "employer__sector", "occupation_group")
MEMBER_KEY = tuple(f"worker__{k}" for k in WORKER_KEY)
UNIT_KEY = ("street_id", "community_id", "sector")
UNION_KEY = ("street_id", "community_id", "industry_federation__sector")
ALL_KINDS = frozenset(KINDS)
UNIT_KINDS = ALL_KINDS - {"group"}


def _rows(queryset, key, **aggregates):
    return queryset.order_by().values(*key).annotate(**aggregates).values_list(
        *key, *aggregates)


def collect(day, start=None):
    """Counts of every scope as of `day`; period counts cover `start`..`day` inclusive.

    Returns {kind: {key: ScopeCounts}} for the scopes that have any fact.
    """
    start = start or day
    totals = {kind: defaultdict(ScopeCounts) for kind in KINDS}

    workers = migrant_base(day).annotate(is_member=active_member_exists(day))
    for *fine, den, num in _rows(workers, WORKER_KEY, den=Count("pk"),
                                 num=Count("pk", filter=Q(is_member=True))):
        _add(totals, fine, ALL_KINDS, migrant_den=den, migrant_num=num)

    members = Member.objects.filter(joined_on__lte=day)
    for *fine, total, new in _rows(
        members, MEMBER_KEY,
        total=Count("pk", filter=Q(ended_on__isnull=True) | Q(ended_on__gt=day)),
        new=Count("pk", filter=Q(joined_on__gte=start)),
    ):
        by_group = {fine[3]: new} if new else {}
        _add(totals, fine, ALL_KINDS, members_total=total, new_members=new,
             new_members_by_group=by_group)

    units = founding_base(day).annotate(founded=founded_exists(day))
    for *fine, den, num in _rows(units, UNIT_KEY, den=Count("pk"),
                                 num=Count("pk", filter=Q(founded=True))):
        _add(totals, (*fine, None), UNIT_KINDS, founding_den=den, founding_num=num)

    unions = Union.objects.filter(founded_on__lte=day)
    for *fine, total, new in _rows(unions, UNION_KEY, total=Count("pk"),
                                   new=Count("pk", filter=Q(founded_on__gte=start))):
        _add(totals, (*fine, None), UNIT_KINDS, unions_total=total, new_unions=new)

    for fine, received, approved in application_facts(start, day):
        _add(totals, fine, ALL_KINDS, applications_received=received,
             applications_approved=approved)
    return totals


def application_facts(start, day):
    """Grouped counts of online applications received and approved in the period."""
    from applications.selectors import application_counts_by_scope

    return application_counts_by_scope(start, day)


def figures_as_of(day, start=None, kinds=KINDS):
    """Every scope of `kinds`, listed even when empty, in report order."""
    totals = collect(day, start)
    out = []
    for kind in kinds:
        street_of = _community_streets() if kind == "community" else {}
        for position, (key, name) in enumerate(scopes(kind)):
            key = "" if key is None else str(key)
            counts = totals[kind].get(key) or ScopeCounts()
            out.append(ScopeFigures(kind=kind, key=key, name=name, position=position,
                                    street_id=street_of.get(key), counts=counts))
    return out


def _community_streets():
    from membership.models import Community

    return {str(pk): street_id
            for pk, street_id in Community.objects.values_list("pk", "street_id")}


# ---------------------------------------------------------------------------
# Both rates alone, for the `rates` command: the workers and the units each counted in two
# grouped queries (all, and those meeting the numerator), grouped only by what the scope
# kind needs; the district is summed from the same counts. Held equal to
# rates.rates_as_of by tests/reporting/test_dashboard.py.
# ---------------------------------------------------------------------------
_WORKER_FIELDS = {"district": (), "street": ("street_id",), "community": ("community_id",),
                  "industry": ("employer__sector",), "sector": ("employer__sector",),
                  "group": ("occupation_group",)}
_UNIT_FIELDS = {"district": (), "street": ("street_id",), "community": ("community_id",),
                "industry": ("sector",), "sector": ("sector",), "group": ()}


def _counted(queryset, fields):
    """{values of `fields`: count}, one grouped query."""
    queryset = queryset.order_by()
    if not fields:
        return {(): queryset.count()}
    return {tuple(row[:-1]): row[-1] for row in queryset.values(*fields).annotate(
        n=Count("pk")).values_list(*fields, "n")}


def _pass(queryset, full_key, fields, condition):
    """[(fine key, den, num)] of `queryset` grouped by `fields` (a part of `full_key`): the
    base, then the part meeting `condition` (an Exists) as a filter, which PostgreSQL runs
    as one hashed semi-join; inside COUNT(…) FILTER it would be a look-up per row."""
    dens = _counted(queryset, fields)
    nums = _counted(queryset.filter(condition), fields)
    out = []
    for values, den in dens.items():
        found = dict(zip(fields, values))
        out.append((tuple(found.get(f) for f in full_key), den, nums.get(values, 0)))
    return out


def rates_collect(day, by="district"):
    """{kind: {key: ScopeCounts}} with both rates of the district and of every scope of
    `by` (the period counts left at zero)."""
    kinds = frozenset({"district", by})
    totals = {kind: defaultdict(ScopeCounts) for kind in KINDS}
    for fine, den, num in _pass(migrant_base(day), WORKER_KEY, _WORKER_FIELDS[by],
                                active_member_exists(day)):
        _add(totals, fine, kinds, migrant_den=den, migrant_num=num)
    # Occupation groups have no founding rate: the units then give the district's alone.
    for fine, den, num in _pass(founding_base(day), UNIT_KEY, _UNIT_FIELDS[by],
                                founded_exists(day)):
        _add(totals, (*fine, None), kinds & UNIT_KINDS, founding_den=den, founding_num=num)
    return totals


def scope_rates(day, by=None):
    """What rates.rates_as_of gives for the district, then for every scope of `by`, from
    rates_collect's four counts (the `rates` command)."""
    from reporting.rates import ScopeRates

    totals = rates_collect(day, by or "district")
    out = []
    for kind in ("district", by) if by else ("district",):
        for key, name in scopes(kind):
            counts = totals[kind].get("" if key is None else str(key)) or ScopeCounts()
            out.append(ScopeRates(kind=kind, key=key, name=name, migrant=counts.migrant,
                                  founding=None if kind == "group" else counts.founding))
    return out
