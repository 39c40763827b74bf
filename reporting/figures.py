"""The figures of every scope as of a date, in a handful of grouped queries (SPEC §7.1, §7.3).

A snapshot needs both rates and the period's counts for every scope of every kind at
once: the rates come from reporting.rates.rates_by_scope for every kind; the members and
the unions are each read once, grouped by the finest key any scope needs (street,
community, sector, occupation group), and the few thousand groups are summed up into
every scope in Python (reporting.rates.scope_keys). No row of a worker, member or unit is
loaded into Python.

Online applications (issue 4) add their counts grouped by the same fine key
(applications.selectors.application_counts_by_scope).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from membership.models import Member, Union
from reporting.rates import (
    SCOPE_KINDS,
    WORKER_KEY,
    Rate,
    rates_by_scope,
    scope_keys,
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


def _add(totals, fine_key, kinds, **amounts):
    for kind, key in scope_keys(*fine_key).items():
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


MEMBER_KEY = tuple(f"worker__{k}" for k in WORKER_KEY)
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

    migrant, founding = rates_by_scope(day, KINDS)
    for kind in KINDS:
        for key, rate in migrant[kind].items():
            counts = totals[kind][key]
            counts.migrant_num, counts.migrant_den = rate.num, rate.den
        for key, rate in founding[kind].items():
            counts = totals[kind][key]
            counts.founding_num, counts.founding_den = rate.num, rate.den

    members = Member.objects.filter(joined_on__lte=day)
    for *fine, total, new in _rows(
        members, MEMBER_KEY,
        total=Count("pk", filter=Q(ended_on__isnull=True) | Q(ended_on__gt=day)),
        new=Count("pk", filter=Q(joined_on__gte=start)),
    ):
        by_group = {fine[3]: new} if new else {}
        _add(totals, fine, ALL_KINDS, members_total=total, new_members=new,
             new_members_by_group=by_group)

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
