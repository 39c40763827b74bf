"""Street staff add a base union, correct a mistake the form points out, and see it listed
with its history; another street's union stays out of reach."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from membership.demo import seed_demo
from membership.models import Street, Union


@pytest.mark.django_db(transaction=True)
def test_street_staff_add_a_union(organisation_structure, live_server, page, shot):
    seed_demo(seed=2019, password=settings.DEMO_PASSWORD)
    other = Union.objects.filter(street=Street.objects.by_name("大直沽")).first()

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("street_dawangzhuang")
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.locator("[data-feature=organisations]").click()
    page.get_by_role("link", name="新建基层工会").click()
    page.get_by_label("名称").fill("大王庄金桥楼宇工会")
    page.get_by_label("成立日期").fill("2019-05-20")
    # A community union needs a community: the form says so next to it and keeps the name.
    page.get_by_label("组建形式").select_option(label="社区工会")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_community_error")).to_contain_text(
        "社区工会必须属于一个社区")
    expect(page.get_by_label("名称")).to_have_value("大王庄金桥楼宇工会")
    shot(page, "union-form-error")
    page.get_by_label("组建形式").select_option(label="楼宇工会")
    page.get_by_role("button", name="保存").click()

    expect(page.locator("h1")).to_have_text("大王庄金桥楼宇工会")
    expect(page.get_by_test_id("history")).to_contain_text("张街道")
    # A change reads in words: the field's name, the federation's name, never an id.
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("行业工会联合会").select_option(index=1)
    page.get_by_label("工会主席").fill("王主席")
    page.get_by_role("button", name="保存").click()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("工会主席：— → 王主席")
    expect(history).to_contain_text("行业工会联合会：— → ")
    expect(history).not_to_contain_text("industry_federation")
    expect(history).not_to_contain_text("成立日期")  # the edit form kept the date
    shot(page, "union-detail-history")
    page.locator("[data-feature=organisations]").click()
    page.get_by_label("搜索").fill("金桥楼宇")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("union-table").locator("tbody tr")).to_have_count(1)
    shot(page, "union-list-search")

    response = page.goto(f"{live_server.url}/orgs/unions/{other.pk}/")
    assert response.status == 404
    assert other.name not in page.content()
    created = Union.objects.get(name="大王庄金桥楼宇工会")
    assert created.street.short_name == "大王庄"
    assert created.history.earliest("history_date").history_user.username == (
        "street_dawangzhuang")
