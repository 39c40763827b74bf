"""Routing and the transfer, as the street lives them (SPEC §4; plan §二.1, §二.5(2)): a
roster import makes a worker of a unit without a union a member of the community union;
the unit founds its union (the founding step page); the street transfers the unit's
members in one action (转会); the rates as of the day before and after are unchanged."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import (
    Community,
    Member,
    Street,
    Union,
    UnionForm,
    UnionSpan,
    Unit,
)
from reporting.rates import SCOPE_KINDS, rates_as_of
from tests.browser.helpers import log_in
from tests.membership.rosters import new_code, new_id, roster_bytes, worker_row

PASSWORD = "correct-horse-battery"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _rates(day):
    return [(r.kind, r.key, r.migrant, r.founding) for r in rates_as_of(day, *SCOPE_KINDS)]


@pytest.mark.django_db(transaction=True)
def test_import_found_and_transfer_in_one_action(organisation_structure, live_server, page,
                                                 shot, tmp_path, media):
    page.set_default_timeout(60_000)  # the shared test machine can be slow
    today = date.today()
    street = Street.objects.by_name("大王庄")
    unit_home, worker_home = Community.objects.filter(street=street).order_by("pk")[:2]
    unit = Unit.objects.create(
        name="大王庄顺达快递服务有限公司", credit_code=new_code(), kind="non_public_enterprise",
        sector="logistics", street=street, community=unit_home, employee_count=150,
        migrant_count=90, registered_on=date(2019, 5, 1))
    user_upsert(username="street_zhang", role=Role.STREET, password=PASSWORD,
                full_name="张街道", organisation=street)
    log_in(page, live_server.url, "street_zhang", PASSWORD)

    # 1. The import: one worker with a community of their own, one with none (the unit's).
    page.locator("[data-feature=imports]").click()
    roster = tmp_path / "顺达快递职工花名册.xlsx"
    joined = (today - timedelta(days=30)).isoformat()
    roster.write_bytes(roster_bytes([
        worker_row(身份证号=new_id(), 姓名="周快递", 就业形式="劳动合同",
                   工作单位统一社会信用代码=unit.credit_code, 所属社区=worker_home.name,
                   摸底日期=(today - timedelta(days=60)).isoformat(), 是否会员="是",
                   入会日期=joined),
        worker_row(身份证号=new_id(), 姓名="吴分拣", 就业形式="劳务派遣",
                   工作单位统一社会信用代码=unit.credit_code, 所属社区=None,
                   摸底日期=(today - timedelta(days=60)).isoformat(), 是否会员="是",
                   入会日期=joined),
    ]))
    page.get_by_label("职工花名册").check()
    page.get_by_label("Excel 文件（.xlsx，不超过 20 MB）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("import-no-errors")).to_be_visible()
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("新增2条")
    shot(page, "transfer-1-import-done")
    members = {m.worker.name: m for m in Member.objects.select_related("worker", "union")}
    assert members["周快递"].union == Union.objects.get(community=worker_home,
                                                     form=UnionForm.COMMUNITY)
    assert members["吴分拣"].union == Union.objects.get(community=unit_home,
                                                     form=UnionForm.COMMUNITY)

    # 2. The unit founds its union on the founding step page.
    page.goto(f"{live_server.url}{reverse('membership:unit_detail', args=[unit.pk])}")
    expect(page.get_by_test_id("members-to-transfer")).to_have_count(0)
    page.get_by_role("link", name="登记建会进展").click()
    page.get_by_label("建会状态").select_option("founded")
    page.get_by_label("日期").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("或填写新建工会的名称").fill("大王庄顺达快递服务有限公司工会")
    page.get_by_label("工会主席").fill("周主席")
    page.get_by_role("button", name="登记这一步").click()
    expect(page.get_by_test_id("founding-status")).to_have_text("已建会")
    listed = page.get_by_test_id("members-to-transfer")
    expect(page.get_by_test_id("to-transfer-count")).to_have_text("2")
    expect(listed).to_contain_text(members["周快递"].member_number)
    expect(listed).to_contain_text(members["吴分拣"].member_number)
    shot(page, "transfer-2-unit-founded")
    page.goto(f"{live_server.url}{reverse('home')}")
    expect(page.get_by_test_id("transfers-members")).to_have_text("2")
    expect(page.get_by_test_id("transfers-panel")).to_contain_text(unit.name)
    shot(page, "transfer-3-street-home")

    # 3. The street transfers them in one action, after confirming.
    before = {day: _rates(day) for day in (today - timedelta(days=1), today,
                                           today + timedelta(days=1))}
    page.get_by_test_id("transfers-panel").get_by_role("link", name=unit.name).click()
    page.get_by_test_id("transfer-members-link").click()
    expect(page.get_by_test_id("transfer-confirm")).to_contain_text("2名会员")
    shot(page, "transfer-4-confirm")
    page.get_by_role("button", name="确认转会").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "2名会员已转入大王庄顺达快递服务有限公司工会。")
    expect(page.get_by_test_id("members-to-transfer")).to_have_count(0)
    shot(page, "transfer-5-done")

    unit.refresh_from_db()
    for member in Member.objects.all():
        assert member.union == unit.union
        old, new = UnionSpan.objects.filter(member=member).order_by("started_on", "pk")
        assert (old.ended_on, new.started_on, new.ended_on) == (today, today, None)
    assert {day: _rates(day) for day in before} == before

    # The member's page shows the two spans, the community union closed by the transfer.
    page.goto(f"{live_server.url}"
              f"{reverse('membership:member_detail', args=[members['周快递'].pk])}")
    expect(page.locator("body")).to_contain_text("大王庄顺达快递服务有限公司工会")
    expect(page.locator("body")).to_contain_text(worker_home.name)
    shot(page, "transfer-6-member")
