"""Joining online in Chromium on a 390×844 phone (issue 4): a worker opens the poster's
link, applies (a mistake first, told next to the field), gets a number and checks it
(pending); street staff of that street approve it from the queue their navigation counts;
the worker's lookup now shows the member number. A second worker is rejected with a
reason and sees it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from applications.models import Application
from membership.models import Community, Street
from tests.applications.conftest import new_id, new_phone
from tests.browser.helpers import log_in

PASSWORD = "journey-secret-2026"


def _phone(browser, width=390):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _fits(page, width=390):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _apply(phone, url, *, name, id_number, shot=None):
    """From the poster to the form with the community filled in, then submitted."""
    phone.goto(url)
    link = phone.locator(".poster-url").inner_text().strip()
    assert "?community=" in link
    phone.goto(link)
    expect(phone.get_by_test_id("apply-form")).to_be_visible()
    phone.get_by_label("姓名").fill(name)
    phone.get_by_label("身份证号").fill(id_number)
    phone.get_by_label("手机号").fill(new_phone()[:10])  # one digit short
    phone.get_by_label("零散就业（没有固定单位）").check()
    phone.get_by_label("职业群体").select_option("food_delivery")
    phone.get_by_label("我确认以上声明属实。").check()
    phone.get_by_label("我已阅读个人信息的使用说明，并同意。").check()
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator("#error_1_id_phone")).to_contain_text("11位")
    expect(phone.get_by_label("姓名")).to_have_value(name)
    expect(phone.get_by_label("身份证号")).to_have_value(id_number)
    if shot:
        _fits(phone)
        shot(phone, "phone-apply-error")
    phone.get_by_label("手机号").fill(new_phone())
    phone.get_by_label("我确认以上声明属实。").check()
    phone.get_by_label("我已阅读个人信息的使用说明，并同意。").check()
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_test_id("application-done")).to_be_visible()
    return phone.get_by_test_id("application-number").inner_text().strip()


def _lookup(phone, number, id_number):
    phone.get_by_test_id("go-status").click()
    phone.get_by_label("申请编号").fill(number)
    phone.get_by_label("身份证号后6位").fill(id_number[-6:].lower())
    phone.get_by_role("button", name="查询", exact=True).click()
    expect(phone.get_by_test_id("status-result")).to_be_visible()


def _login(page, url, username):
    log_in(page, url, username, PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_on_a_phone_and_street_staff_review(organisation_structure,
                                                              live_server, browser, page,
                                                              shot):
    street = Street.objects.by_name("大王庄")
    community = Community.objects.filter(street=street).order_by("pk")[3]
    user_upsert(username="street_wu", role=Role.STREET, password=PASSWORD,
                full_name="吴审核", organisation=street)
    poster = f"{live_server.url}/join/posters/community/{community.pk}/"
    first_id, second_id = new_id(), new_id()
    context, phone = _phone(browser)
    try:
        # The worker applies from the poster and checks: pending.
        phone.goto(poster)
        expect(phone.get_by_test_id("poster-union")).to_have_text(f"{community.name}工会")
        shot(phone, "phone-poster")
        number = _apply(phone, poster, name="马晓东", id_number=first_id, shot=shot)
        _fits(phone)
        shot(phone, "phone-apply-done")
        assert Application.objects.get(number=number).community == community
        _lookup(phone, number, first_id)
        expect(phone.get_by_test_id("status-value")).to_have_text("待审核")
        _fits(phone)
        shot(phone, "phone-status-pending")

        # Street staff: the navigation counts it; they open and approve it.
        _login(page, live_server.url, "street_wu")
        badge = page.get_by_test_id("nav-pending-applications")
        expect(badge).to_have_text("1")
        page.get_by_role("link", name=re.compile("网上申请入会")).first.click()
        page.get_by_role("link", name=number).click()
        expect(page.get_by_test_id("no-duplicates")).to_be_visible()
        page.get_by_label("农业", exact=True).check()
        shot(page, "staff-application-detail")
        page.get_by_role("button", name="批准并办理入会").click()
        expect(page.get_by_test_id("application-status")).to_have_text("已审批")
        member_number = page.get_by_test_id("member-number").inner_text().split(" ")[0]
        assert member_number.startswith("HD")

        # The worker's lookup now shows the member number and the union.
        phone.reload()
        phone.get_by_label("申请编号").fill(number)
        phone.get_by_label("身份证号后6位").fill(first_id[-6:])
        phone.get_by_role("button", name="查询", exact=True).click()
        expect(phone.get_by_test_id("status-member-number")).to_have_text(member_number)
        expect(phone.get_by_test_id("status-union")).to_have_text(f"{community.name}工会")
        _fits(phone)
        shot(phone, "phone-status-approved")

        # A second worker is rejected with a reason, and reads it.
        second = _apply(phone, poster, name="陈桂兰", id_number=second_id)
        page.goto(f"{live_server.url}/join/review/")
        page.get_by_role("link", name=second).click()
        page.get_by_label("未通过原因").fill("所填信息无法核实，请到社区工会当面办理。")
        page.get_by_role("button", name="驳回").click()
        expect(page.get_by_test_id("reject-reason")).to_contain_text("无法核实")
        phone.goto(f"{live_server.url}/join/status/")
        phone.get_by_label("申请编号").fill(second)
        phone.get_by_label("身份证号后6位").fill(second_id[-6:])
        phone.get_by_role("button", name="查询", exact=True).click()
        expect(phone.get_by_test_id("status-value")).to_have_text("未通过")
        expect(phone.get_by_test_id("status-reason")).to_contain_text("请到社区工会当面办理")
        _fits(phone)
        shot(phone, "phone-status-rejected")
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_an_employee_finds_the_employer_by_name_on_a_phone(organisation_structure, live_server,
                                                            browser, shot):
    """The employer search of the public form (static/js/employer-search.js on the public
    search), on the common 360-pixel screen; the application goes to the employer's street,
    not the home community's."""
    import random
    from datetime import date

    from membership import fakes
    from membership.services import unit_create

    office = user_upsert(username="office_qian", role=Role.ADMIN, password=PASSWORD,
                         full_name="钱办公")
    employer_street = Street.objects.by_name("大直沽")
    unit = unit_create(by=office, name="大直沽顺达快递服务有限公司",
                       credit_code=fakes.credit_code(random.Random(44)),
                       kind="non_public_enterprise", sector="logistics",
                       street=employer_street, employee_count=30, migrant_count=20,
                       registered_on=date(2020, 5, 1))
    home = Community.objects.filter(street=Street.objects.by_name("大王庄")).order_by("pk")[0]
    context, phone = _phone(browser, width=360)
    try:
        phone.goto(f"{live_server.url}/join/?community={home.pk}")
        employer = phone.locator("select[name=employer]")
        expect(employer).to_be_hidden()
        phone.get_by_label("在企业或社会组织工作").check()
        phone.get_by_test_id("employer-search").fill("顺达快递")
        expect(employer).to_have_value(str(unit.pk))
        phone.get_by_label("姓名").fill("黄志强")
        phone.get_by_label("身份证号").fill(new_id())
        phone.get_by_label("手机号").fill(new_phone())
        phone.get_by_label("职业群体").select_option("courier")
        phone.get_by_label("我确认以上声明属实。").check()
        phone.get_by_label("我已阅读个人信息的使用说明，并同意。").check()
        _fits(phone, 360)
        shot(phone, "phone-apply-employer")
        phone.get_by_role("button", name="提交申请").click()
        expect(phone.get_by_test_id("application-done")).to_be_visible()
        application = Application.objects.get()
        assert (application.employer, application.street, application.community) == (
            unit, employer_street, home)
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_corrects_the_community_and_the_application_moves(
        organisation_structure, live_server, browser, page, shot):
    """Issue 4: the applicant chose a community of the wrong street; 大王庄's reviewer
    corrects it on the review page (the community list narrows to the chosen street) and
    the application leaves 大王庄's queue for 大直沽's."""
    from applications.services import application_submit
    from tests.applications.conftest import submit_kwargs

    wangzhuang, zhigu = Street.objects.by_name("大王庄"), Street.objects.by_name("大直沽")
    chosen = Community.objects.filter(street=wangzhuang).order_by("pk")[2]
    right = Community.objects.filter(street=zhigu).order_by("pk")[4]
    application = application_submit(**submit_kwargs(chosen, name="刘海燕")).application
    for username, street in (("street_wu", wangzhuang), ("street_he", zhigu)):
        user_upsert(username=username, role=Role.STREET, password=PASSWORD,
                    full_name="审核员", organisation=street)

    _login(page, live_server.url, "street_wu")
    page.goto(f"{live_server.url}/join/review/")
    page.get_by_role("link", name=application.number).click()
    form = page.get_by_test_id("correction-form")
    expect(form.get_by_label("姓名")).to_have_value("刘海燕")
    expect(form.locator("select[name=employer]")).to_be_hidden()  # scattered
    form.get_by_label("街道").select_option(label=zhigu.name)
    expect(form.get_by_label("社区")).to_have_value("")  # 大王庄's community no longer fits
    expect(form.locator(f"select[name=community] option[value='{chosen.pk}']")).to_be_hidden()
    form.get_by_label("社区").select_option(label=right.name)
    form.get_by_label("更正内容及原因").fill("申请人来电：社区选错，应为大直沽街道的社区")
    shot(page, "staff-application-correction")
    form.get_by_role("button", name="保存更正").click()

    expect(page.get_by_role("alert")).to_contain_text("该申请改由大直沽街道总工会审核")
    expect(page.get_by_role("link", name=application.number)).to_have_count(0)
    shot(page, "staff-queue-after-correction")
    application.refresh_from_db()
    assert (application.street, application.community) == (zhigu, right)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        other = context.new_page()
        other.set_default_timeout(15_000)
        _login(other, live_server.url, "street_he")
        expect(other.get_by_test_id("nav-pending-applications")).to_have_text("1")
        other.goto(f"{live_server.url}/join/review/")
        other.get_by_role("link", name=application.number).click()
        expect(other.get_by_test_id("application-fields")).to_contain_text(right.name)
        expect(other.get_by_test_id("application-fields")).to_contain_text("刘海燕")
    finally:
        context.close()
