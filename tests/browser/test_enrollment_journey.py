"""A street user enrolls one worker by hand on one page, finds the member in the list with
the ID masked (SPEC §8), and a user of another street cannot open that member's page."""

import random
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership import fakes
from membership.models import Member, Street, Union, UnionForm
from membership.services import founding_step_add, unit_create

PASSWORD = "correct-horse-battery"


def _id_ending_in_x():
    """A Tianjin ID number whose check character is X, to see the mask keep it."""
    rng = random.Random(11643)
    while True:
        number = fakes.resident_id(rng, region="120102", birth_date=date(1993, 7, 14))
        if number.endswith("X"):
            return number


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.mark.django_db(transaction=True)
def test_a_street_user_enrolls_a_worker_by_hand(organisation_structure, live_server, page,
                                                shot):
    dawangzhuang = Street.objects.by_name("大王庄")
    street_user = user_upsert(username="street_zhang", role=Role.STREET, password=PASSWORD,
                              full_name="张街道", organisation=dawangzhuang)
    user_upsert(username="street_zhao", role=Role.STREET, password=PASSWORD,
                full_name="赵街道", organisation=Street.objects.by_name("大直沽"))
    unit = unit_create(by=street_user, name="大王庄顺丰速运营业部",
                       credit_code=fakes.credit_code(random.Random(32100)),
                       kind="non_public_enterprise", sector="logistics", street=dawangzhuang,
                       employee_count=130, migrant_count=90)
    union = Union.objects.create(name="大王庄顺丰速运营业部工会", form=UnionForm.ENTERPRISE,
                                 street=dawangzhuang)
    founding_step_add(unit=unit, by=street_user, status="founded", on=date(2021, 5, 1),
                      union=union)
    id_number = _id_ending_in_x()
    card = fakes.card_number(random.Random(2019))

    _login(page, live_server, "street_zhang")
    page.locator("[data-feature=workers]").click()
    page.get_by_role("link", name="职工入会登记").first.click()

    # 1. The ID number first: a typo in the check character is caught at once.
    page.get_by_label("身份证号").fill(id_number[:17] + "0")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#id_id_number_error")).to_contain_text("校验码不对")
    page.get_by_label("身份证号").fill(id_number.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("尚未登记：请填写职工信息。")).to_be_visible()

    # 2. The worker, with the employer found by part of its credit code.
    page.get_by_label("姓名").fill("刘小军")
    page.get_by_label("手机号").fill("13622001234")
    page.get_by_label("户籍类型").select_option(label="农业")
    page.get_by_label("就业形式").select_option(label="劳动合同")
    page.get_by_label("职业群体").select_option(label="快递员")
    page.get_by_test_id("employer-search").fill(unit.credit_code[:12])
    employer = page.locator("select[name=employer]")
    expect(employer).to_have_value(str(unit.pk))
    # The employer's union is preselected (SPEC §4 routing).
    expect(page.locator("select[name=union]")).to_have_value(str(union.pk))

    # 3. The membership: forgetting the declaration is pointed out, what was typed stays.
    page.get_by_label("入会日期").fill("2026-04-01")
    page.get_by_label("会员服务卡号").fill(card)
    page.get_by_role("button", name="办理入会").click()
    expect(page.locator("#id_declared_error")).to_contain_text("职工须声明")
    expect(page.get_by_label("姓名")).to_have_value("刘小军")
    shot(page, "enroll-form-error")
    page.get_by_label("职工声明").check()
    page.get_by_role("button", name="办理入会").click()

    member = Member.objects.get()
    expect(page.get_by_role("alert")).to_contain_text(f"会员编号{member.member_number}")
    expect(page.get_by_test_id("member-number")).to_have_text(member.member_number)
    expect(page.get_by_test_id("member-card")).to_have_text("****" + card[-4:])
    shot(page, "enroll-member-page")
    assert member.union == union and member.worker.employer == unit
    assert id_number not in page.content() and card not in page.content()

    # The member in the list, the ID masked as 12************123X.
    page.locator("[data-feature=workers]").click()
    page.get_by_role("link", name="会员", exact=True).click()
    page.get_by_label("会员编号或姓名").fill("刘小军")
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    masked = rows.first.locator("td").nth(2)
    expect(masked).to_have_text(re.compile(r"^12\*{12}\d{3}X$"))
    expect(masked).to_have_text(id_number[:2] + "*" * 12 + id_number[-4:])
    shot(page, "enroll-member-list")
    assert id_number not in page.content()

    # Another street's user gets 404 on that member's page, and nothing of it.
    page.get_by_role("button", name=re.compile("退出")).click()
    _login(page, live_server, "street_zhao")
    response = page.goto(f"{live_server.url}/orgs/members/{member.pk}/")
    assert response.status == 404
    content = page.content()
    assert member.member_number not in content and "刘小军" not in content
