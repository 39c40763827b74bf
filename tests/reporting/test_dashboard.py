"""The dashboards (issue 6 item 6): figures read from stored snapshots and equal to the
`rates` command, standing against the campaign, scoping, query counts, the panels."""

import io
import json
import re
import uuid
from datetime import date
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from membership.demo import seed_registry
from membership.models import Community, Member, Unit
from reporting import dashboard, live
from reporting.campaigns import campaign_for, shortfall
from reporting.models import ScopeFigure, Snapshot
from reporting.rates import Rate

DAY = date(2026, 6, 15)  # in the push; the next milestone is 07-31 (80%)
NOW = "2026-06-15 10:00 +0800"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """The 'refresh queued' flag lives in the shared Redis cache: a key prefix per test."""
    settings.CACHES = {**settings.CACHES, "default": {
        **settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def today():
    with time_machine.travel(NOW, tick=False):
        yield DAY


@pytest.fixture
def registry(organisation_structure, today):
    seed_registry(seed=7, workers=1200, units=200)


@pytest.fixture
def figures(registry):
    """The refresh task's work: current figures, the push's baseline, the year's periods."""
    return live.live_figures_refresh(DAY)


def _rates_command(by="street"):
    out = io.StringIO()
    call_command("rates", "--as-of", DAY.isoformat(), "--by", by, "--json", stdout=out)
    return json.loads(out.getvalue())


def _cell(html, scope_key, rate):
    row = re.search(rf'<tr data-scope="{re.escape(scope_key)}">(.*?)</tr>', html, re.S)
    assert row, scope_key
    return re.search(rf'data-rate="{rate}">([^<]*)<', row.group(1)).group(1)


def _display(as_json):
    return "—" if as_json["pct"] is None else f"{as_json['pct']}%"


# --- Figures -------------------------------------------------------------------------------
def test_the_leadership_dashboard_shows_the_figures_of_the_rates_command(
        client, leader, figures):
    client.force_login(leader)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    html = response.content.decode()
    expected = _rates_command("street")
    district, streets = expected[0], expected[1:]
    rates = re.search(r'data-testid="district-rates">(.*?)</section>', html, re.S).group(1)
    assert f'data-testid="rate-migrant">{_display(district["migrant"])}<' in rates
    assert f'data-testid="rate-founding">{_display(district["founding"])}<' in rates
    lines = {line.name: line.key for line in dashboard.district_dashboard().streets}
    for street in streets:
        key = lines[street["scope"]]
        assert _cell(html, key, "migrant") == _display(street["migrant"])
        assert _cell(html, key, "founding") == _display(street["founding"])
    assert "数据截至 2026-06-15" in html


def test_a_street_dashboard_shows_its_communities_as_the_rates_command(
        client, leader, figures, dawangzhuang):
    client.force_login(leader)
    html = client.get(reverse("dashboard:street", args=[dawangzhuang.pk])).content.decode()
    communities = {c["scope"]: c for c in _rates_command("community")[1:]}
    for community in Community.objects.filter(street=dawangzhuang):
        expected = communities[community.name]
        assert _cell(html, str(community.pk), "migrant") == _display(expected["migrant"])
        assert _cell(html, str(community.pk), "founding") == _display(expected["founding"])


def test_the_data_comes_from_the_snapshot_not_the_registry(leader, figures):
    """A member enrolled after the figures were taken shows at the next refresh, not before."""
    data = dashboard.district_dashboard()
    before = data.district.migrant
    stored = ScopeFigure.objects.get(snapshot=figures, kind="district")
    stored.migrant_num += 1
    stored.save()
    assert dashboard.district_dashboard().district.migrant == Rate(before.num + 1, before.den)


def test_the_page_says_plainly_when_no_figures_were_taken_and_queues_them(
        client, leader, organisation_structure):
    client.force_login(leader)
    with mock.patch("reporting.tasks.live_figures_refresh_task.delay_on_commit") as queued:
        response = client.get(reverse("dashboard:index"))
        client.get(reverse("dashboard:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "尚未取数" in html
    assert "%" not in re.search(r'data-testid="no-figures">(.*?)</div>', html, re.S).group(1)
    assert queued.call_count == 1  # the second visit finds it queued


def test_refreshing_queues_one_task_however_often_it_is_pressed(client, leader, figures):
    client.force_login(leader)
    url = reverse("dashboard:refresh")
    with mock.patch("reporting.tasks.live_figures_refresh_task.delay_on_commit") as queued:
        first = client.post(url, {"next": reverse("dashboard:index")})
        second = client.post(url, {"next": "https://elsewhere.example/"})
    assert first.status_code == 302 and first["Location"] == reverse("dashboard:index")
    assert second["Location"] == reverse("dashboard:index")  # never off the site
    assert queued.call_count == 1


def test_the_refresh_task_takes_the_figures_and_frees_the_queue(registry, today):
    from django.core.cache import cache

    from reporting.tasks import live_figures_refresh_task

    cache.set(live.QUEUED_KEY, 1)
    pk = live_figures_refresh_task.run()
    snapshot = Snapshot.objects.get(pk=pk)
    assert snapshot.kind == Snapshot.Kind.LIVE and snapshot.as_of == DAY
    assert cache.get(live.QUEUED_KEY) is None
    # The push's baseline (03-31) and every closed period of the year were taken once.
    ten_day = Snapshot.objects.filter(kind=Snapshot.Kind.TEN_DAY)
    assert ten_day.filter(as_of=date(2026, 3, 31)).exists()
    assert ten_day.count() == 16  # 2026-01-10 .. 2026-06-10
    live_figures_refresh_task.run()
    assert ten_day.count() == 16


# --- Standing and ranking ------------------------------------------------------------------
PLAN = campaign_for(2026)


def _standing(rate, start_rate):
    return dashboard.standing_from(shortfall(rate=rate, start_rate=start_rate, campaign=PLAN,
                                             day=DAY))


@pytest.mark.parametrize("num,standing", [
    (81, "on"), (80, "on"),  # on or above the line
    (76, "near"), (75, "near"),  # at most 5 points below it
    (74, "behind"),  # more than 5 points below
])
def test_standing_against_the_straight_line(num, standing):
    """From 80% at the push's start the straight line to 07-31 (80%) stays at 80%."""
    result = _standing(Rate(num, 100), Rate(80, 100))
    assert result.code == standing


def test_an_empty_scope_has_no_standing_and_says_so():
    standing = _standing(Rate(0, 0), Rate(0, 0))
    assert standing.code == "none"
    assert str(standing.label) == "无数据"  # the portal speaks Chinese; a text, not a colour


def test_a_line_judges_each_rate_against_the_straight_line_once():
    """The standing and the bulletin's on-track come from one judgement per rate."""
    figure = ScopeFigure(kind="street", key="1", name="s", migrant_num=76, migrant_den=100,
                         founding_num=1, founding_den=1)
    context = dashboard.Context(snapshot=None, campaign=None, plan=PLAN,
                                baseline={("street", "1"): (Rate(80, 100), Rate(0, 1))},
                                day=DAY)
    with mock.patch("reporting.campaigns.shortfall", wraps=shortfall) as judged:
        line = context.line(figure)
    assert judged.call_count == 2
    assert (line.migrant_standing.code, line.founding_standing.code) == ("near", "on")


def test_streets_rank_on_the_migrant_rate_then_founding_equal_rates_share_a_rank():
    def line(name, migrant, founding):
        figure = ScopeFigure(kind="street", key=name, name=name)
        none = dashboard.Standing("none")
        return dashboard.ScopeLine(figure, migrant, founding, none, none, 0, 0)

    ranked = dashboard.rank_lines([
        line("a", Rate(1, 2), Rate(1, 4)), line("b", Rate(0, 0), Rate(1, 1)),
        line("c", Rate(2, 3), Rate(0, 1)), line("d", Rate(2, 4), Rate(1, 4)),
        line("e", Rate(1, 2), Rate(3, 4)),
    ])
    assert [(l.name, l.rank) for l in ranked] == [
        ("c", 1), ("e", 2), ("a", 3), ("d", 3), ("b", None)]


# --- Scoping -------------------------------------------------------------------------------
@pytest.mark.parametrize("role,status", [
    ("admin_user", 200), ("leader", 200), ("community_staff_dawangzhuang", 403),
    ("industry_staff_property", 403), ("liaison_zhujianwei", 403),
])
def test_the_leadership_dashboard_is_the_office_and_leadership_group_s(
        client, request, figures, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("dashboard:index")).status_code == status


def test_street_staff_are_taken_to_their_own_street(client, street_staff_dawangzhuang,
                                                     dawangzhuang, figures):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("dashboard:index"))
    assert response["Location"] == reverse("dashboard:street", args=[dawangzhuang.pk])
    assert client.get(response["Location"]).status_code == 200


def test_street_staff_of_another_street_get_404(client, street_staff_dazhigu, dawangzhuang,
                                                 dawangzhuang_community, figures):
    client.force_login(street_staff_dazhigu)
    assert client.get(reverse("dashboard:street", args=[dawangzhuang.pk])).status_code == 404
    assert client.get(reverse("dashboard:community",
                              args=[dawangzhuang_community.pk])).status_code == 404


def test_only_dashboard_users_may_ask_for_a_refresh(client, community_staff_dawangzhuang):
    client.force_login(community_staff_dawangzhuang)
    assert client.post(reverse("dashboard:refresh")).status_code == 403


# --- Query counts --------------------------------------------------------------------------
def test_query_counts_of_the_dashboard_pages(client, leader, figures, dawangzhuang,
                                             django_assert_num_queries):
    client.force_login(leader)
    community = Unit.objects.filter(community__street=dawangzhuang).values_list(
        "community", flat=True).first()
    client.get(reverse("dashboard:index"))  # the campaign exists from here on
    # session, user, snapshot, campaign, baseline, figures, trend, application backlog
    with django_assert_num_queries(8):
        assert client.get(reverse("dashboard:index")).status_code == 200
    # ... and the chosen street's trend comes in the same query as the district's
    with django_assert_num_queries(8):
        client.get(reverse("dashboard:index"), {"street": dawangzhuang.pk})
    # session, user, street, snapshot, campaign, baseline, figures, trend
    with django_assert_num_queries(8):
        client.get(reverse("dashboard:street", args=[dawangzhuang.pk]))
    # session, user, community, snapshot, campaign, baseline, figure, unit count, units
    with django_assert_num_queries(9):
        response = client.get(reverse("dashboard:community", args=[community]))
    assert response.context["page"].object_list


# --- The unit level ------------------------------------------------------------------------
def test_the_unit_level_lists_a_community_s_units_with_their_members(leader, figures):
    community = Community.objects.filter(units__isnull=False).first()
    units = list(dashboard.community_units(user=leader, community=community, day=DAY))
    assert units and all(u.community_id == community.pk for u in units)
    assert [u.employee_count for u in units] == sorted(
        (u.employee_count for u in units), reverse=True)
    for unit in units[:5]:
        assert unit.members == Member.objects.active_on(DAY).filter(
            worker__employer=unit).count()


# --- Panels --------------------------------------------------------------------------------
def test_the_backlog_counts_pending_applications_by_street(client, leader, figures,
                                                           dawangzhuang_community):
    from applications.services import application_submit
    from tests.applications.conftest import submit_kwargs

    with time_machine.travel("2026-06-01 10:00 +0800", tick=False):
        application_submit(**submit_kwargs(dawangzhuang_community))
    with time_machine.travel("2026-06-14 10:00 +0800", tick=False):
        application_submit(**submit_kwargs(dawangzhuang_community))
        data = dashboard.district_dashboard()
        client.force_login(leader)
        html = client.get(reverse("dashboard:index")).content.decode()
    backlog = {line.name: (line.pending, line.overdue) for line in data.backlog}
    assert backlog[dawangzhuang_community.street.name] == (2, 1)
    assert len(backlog) == 12 and sum(p for p, _ in backlog.values()) == 2
    assert 'data-chart="chart-backlog"' in html


def test_subsidy_money_is_stored_with_the_figures_by_funding_source(registry, today, client,
                                                                    leader):
    from subsidies.models import Entitlement

    live.live_figures_refresh(DAY)
    client.force_login(leader)
    html = client.get(reverse("dashboard:index")).content.decode()
    # No entitlement yet this year: said in words, not an empty chart.
    assert 'data-testid="no-subsidies"' in html and 'data-chart="chart-subsidies"' not in html
    member = Member.objects.first()
    Entitlement.objects.create(
        programme_id="SKILL_SENIOR", year=2026, member=member, amount=500, city_amount=200,
        district_amount=300, state="paid", certificate_level="senior",
        certificate_number="JN-0001", certificate_date=date(2026, 1, 10))
    live.live_figures_refresh(DAY)
    data = dashboard.district_dashboard()
    total = data.subsidy_total
    assert (total.entitled_city, total.entitled_district) == (200, 300)
    assert (total.paid_city, total.paid_district) == (200, 300)
    html = client.get(reverse("dashboard:index")).content.decode()
    assert 'data-chart="chart-subsidies"' in html and 'data-testid="no-subsidies"' not in html


def test_the_trend_holds_the_year_s_periods_then_the_current_figures(figures, dawangzhuang):
    data = dashboard.district_dashboard(street_id=dawangzhuang.pk)
    points = data.trend.points
    assert [p.as_of for p in points][-3:] == [date(2026, 5, 31), date(2026, 6, 10), DAY]
    assert points[-1].current and not points[-2].current
    assert [p.as_of for p in data.street_trend.points] == [p.as_of for p in points]
    # New members by group: every closed period's, and the current one's.
    total = sum(data.trend.new_members_by_group.values())
    assert total == Member.objects.filter(joined_on__range=(date(2026, 1, 1), DAY)).count()


# --- The `rates` command's engine ----------------------------------------------------------
@pytest.mark.parametrize("by", [None, "street", "community", "industry", "sector", "group"])
@pytest.mark.parametrize("day", [date(2026, 4, 1), DAY])
def test_the_command_s_one_pass_rates_equal_each_kind_counted_alone(registry, by, day):
    """The command counts the district with the scopes of `by`, summing it from their
    groups; that gives what each kind counted on its own gives."""
    from reporting.rates import rates_as_of

    expected = rates_as_of(day, "district") + (rates_as_of(day, by) if by else [])
    assert rates_as_of(day, "district", *([by] if by else [])) == expected
