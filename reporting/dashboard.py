"""Reads of the dashboards (issue 6 item 6): the leadership's and each street's own.

Everything here comes from stored snapshots: the current figures (the latest LIVE
snapshot, refreshed by `reporting.tasks.live_figures_refresh_task`) and the ten-day
snapshots for the trend. No grouped query over workers, members or units runs on a
request; only the unit level of the drill-down reads the registry, one community's units
a page at a time.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from applications.selectors import pending_counts_by_street
from membership.models import Member, OccupationGroup, Unit
from membership.selectors import founded_exists, founding_rate_standing
from reporting import campaigns
from reporting.models import ScopeFigure, Snapshot
from reporting.models.snapshots import ScopeKind
from reporting.progress import baseline_rates, campaign_get, progress_of
from reporting.rates import EMPTY, Rate, rank

# Off the straight line by at most this much is "slightly behind" (amber), more is red.
NEAR_GAP = Fraction(5, 100)
UNITS_PER_PAGE = 25


# ---------------------------------------------------------------------------
# Standing against the campaign: green, amber, red, or none (an empty scope)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Standing:
    code: str  # "on", "near", "behind" or "none"

    LABELS = {"on": pgettext_lazy("dashboard", "On track"),
              "near": pgettext_lazy("dashboard", "Slightly behind"),
              "behind": pgettext_lazy("dashboard", "Behind"),
              "none": pgettext_lazy("dashboard", "No data")}
    STYLES = {"on": "success", "near": "warning", "behind": "danger", "none": "secondary"}
    ORDER = {"none": 0, "on": 1, "near": 2, "behind": 3}

    @property
    def label(self):
        return self.LABELS[self.code]

    @property
    def style(self):
        return self.STYLES[self.code]

    @classmethod
    def worst(cls, *standings):
        return max(standings, key=lambda s: cls.ORDER[s.code])


def standing_from(below):
    """A rate's standing from how far it is below the straight line
    (reporting.campaigns.shortfall; None: an empty scope)."""
    if below is None:
        return Standing("none")
    if below == 0:
        return Standing("on")
    return Standing("near" if below <= NEAR_GAP else "behind")


@dataclass
class ScopeLine:
    """One scope's figures on a dashboard, with its standing and what it still needs."""

    figure: ScopeFigure
    migrant: Rate
    founding: Rate | None
    migrant_standing: Standing
    founding_standing: Standing
    migrant_needed: int
    founding_needed: int
    rank: int | None = None

    @property
    def key(self):
        return self.figure.key

    @property
    def name(self):
        return self.figure.name

    @property
    def standing(self):
        return Standing.worst(self.migrant_standing, self.founding_standing)


@dataclass(frozen=True)
class Context:
    """What every line of one dashboard is judged against."""

    snapshot: Snapshot
    campaign: object  # reporting.models.Campaign
    plan: campaigns.Campaign
    baseline: dict
    day: date

    @property
    def milestone(self):
        return self.plan.next_milestone(self.day)

    @property
    def milestone_label(self):
        return self.milestone.label if self.milestone else ""

    @property
    def milestone_target(self):
        """'80%': the next milestone's target for both rates."""
        return self.milestone.target_label if self.milestone else ""

    @property
    def days_left(self):
        return campaigns.days_left(self.plan, self.day)

    def line(self, figure):
        progress = progress_of(figure, plan=self.plan, baseline=self.baseline, day=self.day)
        return ScopeLine(
            figure=figure, migrant=figure.migrant, founding=figure.founding,
            migrant_standing=standing_from(progress.migrant_below),
            founding_standing=standing_from(progress.founding_below),
            migrant_needed=progress.migrant_needed, founding_needed=progress.founding_needed,
        )


def latest_live_snapshot():
    return (Snapshot.objects.filter(kind=Snapshot.Kind.LIVE)
            .order_by("-taken_at", "-pk").first())


def _context(snapshot, kinds):
    campaign = campaign_get(snapshot.as_of.year)
    return Context(snapshot=snapshot, campaign=campaign, plan=campaign.plan(),
                   baseline=baseline_rates(campaign, kinds=kinds, take=False),
                   day=snapshot.as_of)


def _line_order(line):
    """The migrant membership rate, then the founding rate; an empty rate counts as 0."""
    return (line.migrant.fraction or 0,
            (line.founding.fraction if line.founding else None) or 0)


def rank_lines(lines):
    """Ranked on the migrant membership rate, then the founding rate, exactly; empty last.
    Equal rates share a rank."""
    ordered = []
    for line, position in rank(lines, _line_order,
                               ranked=lambda line: line.migrant.fraction is not None):
        line.rank = position
        ordered.append(line)
    return ordered


# ---------------------------------------------------------------------------
# Trend: the ten-day snapshots of the year, then the current figures
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendPoint:
    as_of: date
    migrant: Rate
    founding: Rate
    new_members: int
    new_unions: int
    current: bool = False  # the current figures, not a closed period


@dataclass
class Trend:
    name: str
    points: list = field(default_factory=list)
    new_members_by_group: dict = field(default_factory=dict)  # summed over the year


def trends(snapshot, scopes):
    """{(kind, key): Trend} for `scopes` [(kind, key, name)], in one query, from the year's
    ten-day snapshots and the current figures when they are later than the last period."""
    year = snapshot.as_of.year
    wanted = Q(pk__in=[])
    for kind, key, _name in scopes:
        wanted |= Q(kind=kind, key=key)
    rows = (ScopeFigure.objects
            .filter(wanted, snapshot__kind=Snapshot.Kind.TEN_DAY,
                    snapshot__as_of__range=(date(year, 1, 1), snapshot.as_of))
            .order_by("snapshot__as_of")
            .values_list("snapshot__as_of", "kind", "key", "migrant_num", "migrant_den",
                         "founding_num", "founding_den", "new_members", "new_unions",
                         "new_members_by_group"))
    out = {(kind, key): Trend(name=name) for kind, key, name in scopes}
    for as_of, kind, key, m_num, m_den, f_num, f_den, members, unions, groups in rows:
        trend = out[(kind, key)]
        trend.points.append(TrendPoint(as_of, Rate(m_num, m_den), Rate(f_num, f_den),
                                       members, unions))
        _add_groups(trend.new_members_by_group, groups)
    return out


def _add_groups(totals, groups):
    for group, count in (groups or {}).items():
        totals[group] = totals.get(group, 0) + count


def _with_current(trend, figure, snapshot):
    """Append the current figures to a trend when they are past its last closed period."""
    last = trend.points[-1].as_of if trend.points else date.min
    if last < snapshot.as_of:
        trend.points.append(TrendPoint(snapshot.as_of, figure.migrant,
                                       figure.founding or EMPTY, figure.new_members,
                                       figure.new_unions, current=True))
    # The current period's new members are in no ten-day snapshot yet.
    if snapshot.period_start > last:
        _add_groups(trend.new_members_by_group, figure.new_members_by_group)
    return trend


# ---------------------------------------------------------------------------
# Panels beside the rates: occupation groups, application backlog, subsidy money
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupLine:
    key: str
    name: str
    migrant: Rate
    new_members_this_year: int


def group_lines(group_figures, new_by_group):
    """The eight groups of plan §二.5(2) (and everyone else), in the plan's order."""
    by_key = {f.key: f for f in group_figures}
    return [GroupLine(value, str(label),
                      by_key[value].migrant if value in by_key else EMPTY,
                      new_by_group.get(value, 0))
            for value, label in OccupationGroup.choices]


@dataclass(frozen=True)
class BacklogLine:
    name: str
    pending: int
    overdue: int  # waiting longer than applications.models.OVERDUE_DAYS


def application_backlog(street_lines):
    """Pending online applications per street, and those pending over ten days."""
    counts = {str(key): value for key, value in pending_counts_by_street().items()}
    return [BacklogLine(line.name, *counts.get(line.key, (0, 0))) for line in street_lines]


MONEY = ("entitled", "entitled_city", "entitled_district", "paid", "paid_city",
         "paid_district")


@dataclass(frozen=True)
class SubsidyLine:
    name: str
    entitled: Decimal
    entitled_city: Decimal
    entitled_district: Decimal
    paid: Decimal
    paid_city: Decimal
    paid_district: Decimal


def subsidy_lines(snapshot):
    """The year's subsidy money by programme as stored with the current figures, and the
    total; by funding source: city and district, entitled and paid."""
    lines = [SubsidyLine(row["name"], *(Decimal(row[k]) for k in MONEY))
             for row in snapshot.subsidy_totals]
    total = SubsidyLine(str(_("Total")), *(sum((getattr(line, k) for line in lines),
                                               Decimal("0.00")) for k in MONEY))
    return lines, total


# ---------------------------------------------------------------------------
# The pages' data
# ---------------------------------------------------------------------------
@dataclass
class DistrictDashboard:
    context: Context
    district: ScopeLine
    streets: list  # ranked
    industries: list
    sectors: list
    groups: list
    trend: Trend
    street_trend: Trend | None
    chosen_street: ScopeLine | None
    backlog: list
    subsidies: list
    subsidy_total: SubsidyLine

    @property
    def snapshot(self):
        return self.context.snapshot


DISTRICT_KINDS = (ScopeKind.DISTRICT, ScopeKind.STREET, ScopeKind.INDUSTRY, ScopeKind.SECTOR,
                  ScopeKind.GROUP)


def district_dashboard(*, snapshot=None, street_id=None):
    """The leadership dashboard from the latest current-figures snapshot (None: none has
    been taken yet). `street_id` picks the street whose trend is drawn beside the
    district's."""
    snapshot = snapshot or latest_live_snapshot()
    if snapshot is None:
        return None
    context = _context(snapshot, DISTRICT_KINDS)
    by_kind = {kind: [] for kind in DISTRICT_KINDS}
    for figure in ScopeFigure.objects.filter(snapshot=snapshot, kind__in=DISTRICT_KINDS):
        by_kind[figure.kind].append(context.line(figure))
    district = by_kind[ScopeKind.DISTRICT][0]
    streets = rank_lines(by_kind[ScopeKind.STREET])
    chosen = next((s for s in streets if s.key == str(street_id)), None)
    scopes = [("district", "", district.name)]
    if chosen:
        scopes.append(("street", chosen.key, chosen.name))
    found = trends(snapshot, scopes)
    trend = _with_current(found[("district", "")], district.figure, snapshot)
    street_trend = (_with_current(found[("street", chosen.key)], chosen.figure, snapshot)
                    if chosen else None)
    subsidies, subsidy_total = subsidy_lines(snapshot)
    return DistrictDashboard(
        context=context, district=district, streets=streets,
        industries=by_kind[ScopeKind.INDUSTRY], sectors=by_kind[ScopeKind.SECTOR],
        groups=group_lines([line.figure for line in by_kind[ScopeKind.GROUP]],
                           trend.new_members_by_group),
        trend=trend, street_trend=street_trend, chosen_street=chosen,
        backlog=application_backlog(streets),
        subsidies=subsidies, subsidy_total=subsidy_total,
    )


@dataclass
class StreetDashboard:
    context: Context
    street: ScopeLine
    communities: list  # ranked
    trend: Trend
    groups: list

    @property
    def snapshot(self):
        return self.context.snapshot


def street_dashboard(*, street, snapshot=None):
    """One street's own dashboard: its rates, its communities, its trend and the new
    members of the year by occupation group. The caller has checked the user may see
    `street` (accounts.scoping)."""
    snapshot = snapshot or latest_live_snapshot()
    if snapshot is None:
        return None
    context = _context(snapshot, (ScopeKind.STREET, ScopeKind.COMMUNITY))
    street_figure, communities = None, []
    for figure in ScopeFigure.objects.filter(
        Q(kind=ScopeKind.STREET, key=str(street.pk))
        | Q(kind=ScopeKind.COMMUNITY, street_id_of=street.pk), snapshot=snapshot,
    ):
        if figure.kind == ScopeKind.STREET:
            street_figure = figure
        else:
            communities.append(context.line(figure))
    if street_figure is None:  # a street added after the snapshot was taken
        return None
    line = context.line(street_figure)
    trend = _with_current(trends(snapshot, [("street", line.key, line.name)])[
        ("street", line.key)], street_figure, snapshot)
    return StreetDashboard(
        context=context, street=line, communities=rank_lines(communities), trend=trend,
        groups=[GroupLine(value, str(label), EMPTY, trend.new_members_by_group.get(value, 0))
                for value, label in OccupationGroup.choices],
    )


@dataclass
class CommunityDashboard:
    context: Context
    community: ScopeLine | None  # None: not in the snapshot (added since)

    @property
    def snapshot(self):
        return self.context.snapshot


def community_dashboard(*, community, snapshot=None):
    snapshot = snapshot or latest_live_snapshot()
    if snapshot is None:
        return None
    context = _context(snapshot, (ScopeKind.COMMUNITY,))
    figure = ScopeFigure.objects.filter(snapshot=snapshot, kind=ScopeKind.COMMUNITY,
                                        key=str(community.pk)).first()
    return CommunityDashboard(context=context,
                              community=context.line(figure) if figure else None)


def community_units(*, user, community, day):
    """The units of one community the user may see, with their registered members on
    `day`, largest first: a live query, paginated by the caller; the members are counted
    by a correlated subquery on indexed foreign keys, for the page's rows only."""
    members = (Member.objects.active_on(day).filter(worker__employer=OuterRef("pk"))
               .order_by().values("worker__employer").annotate(n=Count("pk")).values("n"))
    return (Unit.objects.for_user(user).filter(community=community)
            .annotate(members=Coalesce(Subquery(members, output_field=IntegerField()), 0),
                      counted_as_founded=founded_exists(day))
            .only("pk", "name", "kind", "sector", "employee_count", "migrant_count",
                  "founding_status", "registered_on")
            .order_by("-employee_count", "name", "pk"))


def with_founding_rate_standing(units, day):
    """The page's units, each with its standing in the 100+ founding rate on `day`, so
    that a unit shown as founded says why the rate above does not count it, if it does
    not (membership.selectors.founding_rate_standing)."""
    for unit in units:
        unit.founding_rate = founding_rate_standing(
            unit, day, counted_as_founded=unit.counted_as_founded)
    return units
