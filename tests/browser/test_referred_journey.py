"""SPEC §5 and docs/decisions.md: a pending application's number is told only to whoever
gives its ID number with the phone on record; with another phone, the neutral answer says
what to do. In Chromium on a 390×844 phone."""

import pytest
from playwright.sync_api import expect

from applications.services import application_submit
from membership.models import Community, Street
from tests.applications.conftest import new_id, new_phone, submit_kwargs
from tests.browser.test_application_journey import _fits, _phone


def _fill_and_submit(phone, url, *, id_number, mobile):
    phone.goto(url)
    phone.get_by_label("姓名").fill("李春生")
    phone.get_by_label("身份证号").fill(id_number)
    phone.get_by_label("手机号").fill(mobile)
    phone.get_by_label("零散就业（没有固定单位）").check()
    phone.get_by_label("职业群体").select_option("food_delivery")
    phone.get_by_label("我确认以上声明属实。").check()
    phone.get_by_label("我已阅读个人信息的使用说明，并同意。").check()
    phone.get_by_role("button", name="提交申请").click()


@pytest.mark.django_db(transaction=True)
def test_another_phone_gets_the_neutral_answer_the_phone_on_record_the_number(
        organisation_structure, live_server, browser, shot):
    street = Street.objects.by_name("大王庄")
    community = Community.objects.filter(street=street).order_by("pk").first()
    id_number, on_record = new_id(), new_phone()
    pending = application_submit(**submit_kwargs(community, id_number=id_number,
                                                 phone=on_record)).application
    url = f"{live_server.url}/join/?community={community.pk}"
    context, phone = _phone(browser)
    try:
        _fill_and_submit(phone, url, id_number=id_number, mobile="13700001234")
        referred = phone.get_by_test_id("application-referred")
        expect(referred).to_be_visible()
        expect(referred).to_contain_text("大王庄街道总工会")
        expect(phone.get_by_test_id("application-number")).to_have_count(0)
        _fits(phone)
        shot(phone, "phone-apply-referred")
        _fill_and_submit(phone, url, id_number=id_number, mobile=on_record)
        expect(phone.get_by_test_id("application-number")).to_have_text(pending.number)
    finally:
        context.close()
