"""The office's own pages in Chromium (SPEC §1, §6.3): an office user makes a payment batch,
creates a second office user in the portal's user page, and that user, after changing the
temporary password, approves the batch the first made; the first cannot approve its own."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from accounts.services import user_upsert
from membership.models import Community, Street
from subsidies.models import Batch, BatchState
from tests.browser.helpers import log_in, set_up_second_factor
from tests.subsidies.conftest import make_members, universal_approved

PASSWORD = "journey-secret-2026"
NEW_PASSWORD = "Hedong-Checker-2027"


def _logout(page):
    page.get_by_role("button", name=re.compile("退出")).click()


@pytest.mark.django_db(transaction=True)
def test_a_second_office_user_made_in_the_portal_approves_the_first_ones_batch(
        organisation_structure, live_server, page, shot):
    community = Community.objects.filter(street=Street.objects.by_name("大王庄")).first()
    make_members(3, community=community)
    # The entitlements were run and approved before: the maker only makes the batch.
    registrar = user_upsert(username="office_registrar", role=Role.ADMIN, password=PASSWORD,
                            full_name="刘登记")
    universal_approved(registrar)
    user_upsert(username="office_wang", role=Role.ADMIN, password=PASSWORD,
                full_name="王制单")

    log_in(page, live_server.url, "office_wang", PASSWORD)
    expect(page.locator('[data-feature="admin"]')).to_have_count(0)  # no Django admin
    page.goto(f"{live_server.url}/subsidies/batches/")
    page.get_by_label("项目", exact=True).select_option("UNIVERSAL")
    page.get_by_label("年度").select_option("2026")
    page.get_by_role("button", name="用已审批的应发生成批次").click()
    batch = Batch.objects.get()
    expect(page.get_by_test_id("batch-number")).to_have_text(batch.number)
    page.get_by_role("button", name="审批本批次").click()
    expect(page.get_by_role("alert")).to_contain_text("制单人不能审批自己制作的批次。")

    # The second office user, made in the portal's own page.
    page.locator('[data-feature="office"]').click()
    expect(page.get_by_test_id("user-table")).to_contain_text("office_wang")
    shot(page, "office-users")
    page.get_by_role("link", name="新建用户").click()
    page.get_by_label("登录名").fill("office_zhang")
    page.get_by_label("姓名").fill("张复核")
    page.get_by_label("角色").select_option("admin")
    expect(page.get_by_label("街道")).to_be_hidden()  # no organisation for the office role
    page.get_by_label("角色").select_option("street")
    expect(page.get_by_label("街道")).to_be_visible()
    expect(page.get_by_label("社区")).to_be_hidden()
    shot(page, "office-user-form")
    page.get_by_label("角色").select_option("admin")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_role("heading", name="账号已创建")).to_be_visible()
    temporary = page.get_by_test_id("temporary-password").inner_text().strip()
    shot(page, "office-temporary-password")
    page.get_by_role("link", name="查看账号").click()
    expect(page.get_by_test_id("account-status")).to_contain_text("临时密码")
    expect(page.get_by_test_id("history")).to_contain_text("王制单")
    shot(page, "office-user-detail")
    checker = User.objects.get(username="office_zhang")
    assert checker.role == Role.ADMIN and not checker.is_superuser
    _logout(page)

    # The second user logs in with the temporary password and must change it first.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office_zhang")
    page.get_by_label("密码").fill(temporary)
    page.get_by_role("button", name="登录").click()
    # An office user sets up the second factor first (accounts/second_factor.py).
    page.goto(f"{live_server.url}/subsidies/batches/")
    assert len(set_up_second_factor(page, "office_zhang")) == 10
    page.get_by_test_id("second-factor-continue").click()
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.goto(f"{live_server.url}/subsidies/batches/")  # nothing else opens before the change
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.locator("#id_old_password").fill(temporary)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    shot(page, "office-password-change")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("alert")).to_contain_text("密码已修改。")
    expect(page.get_by_test_id("home-title")).to_be_visible()

    page.goto(f"{live_server.url}/subsidies/batches/")
    page.get_by_role("link", name=batch.number).click()
    page.get_by_role("button", name="审批本批次").click()
    expect(page.get_by_role("alert")).to_contain_text("批次已审批。")
    shot(page, "office-second-user-approves")
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED and batch.approved_by == checker
    assert batch.created_by.username == "office_wang"

    # The rest of the office's settings: a key for the city platform, a programme's years.
    page.locator('[data-feature="office"]').click()
    page.get_by_role("link", name="接口密钥").click()
    page.get_by_label("调用方").fill("市总工会平台")
    page.get_by_role("button", name="生成密钥").click()
    expect(page.get_by_test_id("api-key")).to_be_visible()
    shot(page, "office-api-key-shown")
    page.get_by_role("link", name="返回接口密钥").click()
    expect(page.get_by_test_id("api-key-table")).to_contain_text("张复核")
    shot(page, "office-api-keys")
    page.get_by_role("link", name="项目年度设置").click()
    page.get_by_test_id("programme-table").get_by_role("link", name="编辑").first.click()
    page.get_by_label("截止年度").fill("2020")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("截止年度不能早于该年。")
    shot(page, "office-programme-edit")
