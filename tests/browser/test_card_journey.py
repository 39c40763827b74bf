"""The card after an online approval, in Chromium (SPEC §4, §5): a worker applies on a
phone with the member service card number; the street ticks several applications and
approves them at once (one, whose card was bound to another member meanwhile, is refused
alone); the worker's status page shows the member number and the card bound, masked; a
member approved without a card reads where to bind it, and the street's home counts them."""

import random
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from applications.models import Application
from applications.services import application_submit
from membership import fakes
from membership.models import Community, Member, Street
from membership.services import member_bind_card
from tests.applications.conftest import new_id, new_phone, submit_kwargs
from tests.browser.helpers import log_in

PASSWORD = "journey-secret-2026"


def _phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _lookup(phone, url, number, id_number):
    phone.goto(f"{url}/join/status/")
    phone.get_by_label("申请编号").fill(number)
    phone.get_by_label("身份证号后6位").fill(id_number[-6:])
    phone.get_by_role("button", name="查询", exact=True).click()
    expect(phone.get_by_test_id("status-result")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_with_a_card_and_the_street_approves_several_at_once(
        organisation_structure, live_server, browser, page, shot):
    rng = random.Random(15_04)
    street = Street.objects.by_name("大王庄")
    community = Community.objects.filter(street=street).order_by("pk")[1]
    reviewer = user_upsert(username="street_sun", role=Role.STREET, password=PASSWORD,
                           full_name="孙审核", organisation=street)
    office = user_upsert(username="office_he", role=Role.ADMIN, password=PASSWORD,
                         full_name="何办公")
    card, id_number = fakes.card_number(rng), new_id()
    context, phone = _phone(browser)
    try:
        # The worker applies on a phone, typing the card in groups of four.
        phone.goto(f"{live_server.url}/join/?community={community.pk}")
        phone.get_by_label("姓名").fill("刘卫东")
        phone.get_by_label("身份证号").fill(id_number)
        phone.get_by_label("手机号").fill(new_phone())
        phone.get_by_label("零散就业（没有固定单位）").check()
        phone.get_by_label("职业群体").select_option("food_delivery")
        phone.get_by_label("会员服务卡号（选填）").fill(
            " ".join(card[i:i + 4] for i in range(0, len(card), 4)))
        phone.get_by_label("我确认以上声明属实。").check()
        phone.get_by_label("我已阅读个人信息的使用说明，并同意。").check()
        _fits(phone)
        shot(phone, "card-phone-apply")
        phone.get_by_role("button", name="提交申请").click()
        expect(phone.get_by_test_id("application-done")).to_be_visible()
        number = phone.get_by_test_id("application-number").inner_text().strip()
        assert Application.objects.get(number=number).card_number == card

        # Three more of the same street: one with a card, one without, and one whose card
        # another member gets before the review.
        with_card = application_submit(**submit_kwargs(
            community, name="周小红", card_number=fakes.card_number(rng))).application
        without = application_submit(**submit_kwargs(community, name="吴大勇")).application
        taken = fakes.card_number(rng)
        clash = application_submit(**submit_kwargs(
            community, name="郑海波", card_number=taken)).application
        holder = application_submit(**submit_kwargs(community, name="王持卡")).application
        from applications.services import application_approve

        application_approve(application=holder, by=office, hukou_type="rural")
        member_bind_card(member=Member.objects.get(application=holder), by=office,
                         card_number=taken)

        # The street ticks all pending applications and approves them at once; an
        # application without a card asks for it on its own approval form.
        log_in(page, live_server.url, "street_sun", PASSWORD)
        page.goto(f"{live_server.url}/join/review/{without.pk}/")
        expect(page.get_by_test_id("approve-form")).to_contain_text("申请人没有填写卡号")
        shot(page, "card-street-detail-no-card")
        page.goto(f"{live_server.url}/join/review/{clash.pk}/")
        expect(page.get_by_test_id("card-flag")).to_be_visible()
        expect(page.get_by_test_id("application-card")).to_contain_text(f"****{taken[-4:]}")
        shot(page, "card-street-detail-flag")
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name=re.compile("网上申请入会")).first.click()
        expect(page.get_by_test_id("bulk-review-form")).to_be_visible()
        page.locator("[data-select-all]").check()
        expect(page.get_by_test_id("bulk-select")).to_have_count(4)
        for box in page.get_by_test_id("bulk-select").all():
            expect(box).to_be_checked()
        page.locator("select[name=hukou_type]").select_option("rural")
        shot(page, "card-street-bulk-ticked")
        page.get_by_test_id("bulk-approve").click()
        expect(page.get_by_test_id("bulk-summary")).to_have_text("批准：3。未处理：1。")
        expect(page.get_by_test_id("bulk-result")).to_have_count(4)
        refused = page.locator(".table-danger")
        expect(refused).to_contain_text("郑海波")
        expect(refused).to_contain_text(f"****{taken[-4:]}")
        shot(page, "card-street-bulk-results")
        decided = {a.name: a for a in Application.objects.filter(
            pk__in=[with_card.pk, without.pk, clash.pk]).select_related("member")}
        assert decided["周小红"].status == decided["吴大勇"].status == "approved"
        assert decided["郑海波"].status == "pending"
        assert all(a.reviewed_by == reviewer for a in decided.values() if a.member)
        member_number = Application.objects.get(number=number).member.member_number

        # The worker's status page: the member number and the card bound, masked.
        _lookup(phone, live_server.url, number, id_number)
        expect(phone.get_by_test_id("status-member-number")).to_have_text(member_number)
        expect(phone.get_by_test_id("status-card")).to_have_text(f"已绑定（****{card[-4:]}）")
        assert card not in phone.content()
        _fits(phone)
        shot(phone, "card-phone-status-bound")

        # Approved without a card: the status page says where to take it.
        _lookup(phone, live_server.url, without.number, without.id_number)
        expect(phone.get_by_test_id("status-no-card")).to_contain_text("大王庄街道总工会")
        _fits(phone)
        shot(phone, "card-phone-status-no-card")

        # The street's home counts members without a card and links to them.
        page.goto(f"{live_server.url}/")
        expect(page.get_by_test_id("no-card-count")).to_have_text("1")
        shot(page, "card-street-home")
        page.get_by_test_id("no-card-link").click()
        expect(page.get_by_test_id("member-table")).to_contain_text("吴大勇")
        expect(page.get_by_test_id("member-table")).not_to_contain_text("周小红")
        shot(page, "card-member-list-no-card")
    finally:
        context.close()
