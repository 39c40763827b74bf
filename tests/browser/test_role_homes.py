"""First journey: every demo role logs in and sees its own home page and navigation."""

import re
from base64 import b32encode

import pytest
from django.conf import settings
from playwright.sync_api import expect

from membership.demo import seed_demo
from tests.browser.helpers import pass_second_factor, second_factor_ready

# What each demo role must see: its home title and the navigation entries of its role.
EXPECTED = {
    "admin": ("区总工会办公室", {"home", "organisations", "units", "workers", "imports",
                                "applications", "subsidies", "reports", "dashboard", "office"}),
    "leader": ("领导小组", {"home", "organisations", "units", "workers", "subsidies",
                          "applications", "reports", "dashboard"}),
    "street_dawangzhuang": ("大王庄街道总工会", {"home", "organisations", "units", "workers",
                                           "imports", "applications", "reports", "dashboard",
                                           "subsidies"}),
    "community_dawangzhuang01": ("大王庄第01社区", {"home", "organisations", "units",
                                                 "workers", "imports", "subsidies"}),
    "industry_property": ("河东区物业行业工会联合会", {"home", "organisations", "units",
                                              "workers", "imports", "reports", "subsidies"}),
    "liaison_zhujianwei": ("区住建委", {"home", "organisations", "units"}),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_demo_role_logs_in_and_sees_its_home(organisation_structure, live_server, page,
                                                  shot, username):
    seed_demo(seed=2019, password=settings.DEMO_PASSWORD)
    title, features = EXPECTED[username]

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    device = second_factor_ready(username)  # the office's: the demo secret seed_demo gave
    page.get_by_role("button", name="登录").click()
    if device is not None:
        assert b32encode(device.bin_key).decode() == settings.DEMO_TOTP_SECRET
        pass_second_factor(page, device)

    expect(page.get_by_test_id("home-title")).to_have_text(title)
    shown = set(page.locator("[data-testid=nav] a").evaluate_all(
        "links => links.map(a => a.dataset.feature)"))
    assert shown == features
    # Features not built yet say so and show no figures.
    unavailable = page.locator("[data-testid=nav] a.nav-unavailable")
    for i in range(unavailable.count()):
        expect(unavailable.nth(i)).to_contain_text("尚未开放")
    shot(page, f"home-{username}")

    page.get_by_role("button", name=re.compile("退出")).click()
    expect(page).to_have_url(re.compile(r"/login/"))
