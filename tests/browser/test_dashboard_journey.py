"""A leadership user opens the dashboard (charts drawn, figures matching the `rates`
command), drills into a street, then into one of its communities (issue 6)."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from membership.demo import seed_demo
from membership.models import Community, Street
from reporting.live import live_figures_refresh


def _display(rate):
    return "—" if rate["pct"] is None else f"{rate['pct']}%"


def _rates(by):
    out = io.StringIO()
    call_command("rates", "--as-of", timezone.localdate().isoformat(), "--by", by, "--json",
                 stdout=out)
    return json.loads(out.getvalue())


def _charts_drawn(page, count):
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(count)
    for i in range(count):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_attached()


@pytest.mark.django_db(transaction=True)
def test_the_leadership_dashboard_and_its_drill_down(organisation_structure, live_server,
                                                     page, shot):
    seed_demo(seed=2019, password=settings.DEMO_PASSWORD)
    live_figures_refresh()
    streets = _rates("street")
    district = streets.pop(0)
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("[data-feature=dashboard]").click()

    expect(page.get_by_test_id("dashboard-title")).to_have_text("领导小组数据看板")
    expect(page.get_by_test_id("figures-taken")).to_contain_text(
        f"数据截至 {timezone.localdate():%Y-%m-%d}")
    _charts_drawn(page, 5)  # streets, trend, groups, sectors, application backlog
    # The demo registry has no subsidy yet: the page says so instead of an empty chart.
    expect(page.get_by_test_id("no-subsidies")).to_be_visible()
    rates = page.get_by_test_id("district-rates")
    expect(rates.get_by_test_id("rate-migrant")).to_have_text(_display(district["migrant"]))
    expect(rates.get_by_test_id("rate-founding")).to_have_text(_display(district["founding"]))
    table = page.get_by_test_id("street-table")
    for street in streets:
        row = table.locator("tbody tr", has=page.get_by_role("link", name=street["scope"],
                                                             exact=True))
        expect(row.locator("[data-rate=migrant]")).to_have_text(_display(street["migrant"]))
        expect(row.locator("[data-rate=founding]")).to_have_text(_display(street["founding"]))
    expect(page.get_by_test_id("backlog").locator("tbody tr")).to_have_count(12)
    shot(page, "dashboard-leadership")

    dawangzhuang = Street.objects.by_name("大王庄")
    table.get_by_role("link", name=dawangzhuang.name, exact=True).click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text(dawangzhuang.federation_name)
    _charts_drawn(page, 3)  # communities, trend, groups
    expected = next(s for s in streets if s["scope"] == dawangzhuang.name)
    expect(page.get_by_test_id("street-rates").get_by_test_id("rate-migrant")).to_have_text(
        _display(expected["migrant"]))
    communities = page.get_by_test_id("community-table").locator("tbody tr")
    expect(communities).to_have_count(Community.objects.filter(street=dawangzhuang).count())
    shot(page, "dashboard-street")

    community = Community.objects.filter(street=dawangzhuang, units__isnull=False).first()
    page.get_by_test_id("community-table").get_by_role("link", name=community.name,
                                                        exact=True).click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text(community.name)
    expect(page.get_by_test_id("figures-taken")).to_contain_text(
        f"数据截至 {timezone.localdate():%Y-%m-%d}")
    expect(page.get_by_test_id("unit-table").locator("tbody tr").first).to_be_visible()
    assert community.units.count() >= 1
    shot(page, "dashboard-community")

    # On a phone the page still reads: the charts fit the screen's width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    width = page.locator("[data-chart=chart-communities]").bounding_box()["width"]
    assert width <= 390
    shot(page, "dashboard-street-phone")
    assert refused == []
