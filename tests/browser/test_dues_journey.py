"""A community's clerk enters a month's dues of its scattered members in one form (SPEC §4,
plan §三.(一)1), from the community's home."""

import random
from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership import fakes
from membership.models import Community, DuesPayment, Street, Union, UnionForm
from membership.services import member_enroll, worker_create
from tests.browser.helpers import log_in

PASSWORD = "Browser-test-2026"


@pytest.mark.django_db(transaction=True)
def test_a_community_clerk_records_a_months_dues_in_one_form(organisation_structure,
                                                            live_server, page, shot):
    community = Community.objects.filter(street=Street.objects.by_name("大王庄")).order_by(
        "pk").first()
    clerk = user_upsert(username="community_liu", role=Role.COMMUNITY, password=PASSWORD,
                        full_name="刘社区", organisation=community)
    union = Union.objects.get(community=community, form=UnionForm.COMMUNITY)
    rng = random.Random(15)
    members = []
    for name in ("张三", "李四", "王五"):
        worker = worker_create(
            by=clerk, name=name, id_number=fakes.resident_id(rng, birth_date=date(1990, 5, 1)),
            phone=fakes.phone(rng), hukou_type="rural", hukou_province="",
            employment_form="scattered", occupation_group="courier", employer=None,
            street=community.street, community=community, identified_on=date(2025, 2, 1),
            source="staff")
        members.append(member_enroll(by=clerk, worker=worker, union=union,
                                     joined_on=date(2025, 3, 1)))

    log_in(page, live_server.url, "community_liu", PASSWORD)
    page.get_by_test_id("dues-entry").click()
    expect(page.get_by_test_id("dues-row")).to_have_count(3)
    page.get_by_label("李四").check()
    shot(page, "dues-entry-one-ticked")
    page.get_by_role("button", name="登记勾选的缴费").click()
    expect(page.locator(".alert-success")).to_contain_text("1")
    assert DuesPayment.objects.get().member == members[1]

    page.get_by_role("button", name="勾选全部未缴会员").click()
    page.get_by_role("button", name="登记勾选的缴费").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert DuesPayment.objects.count() == 3
    expect(page.get_by_role("button", name="勾选全部未缴会员")).to_have_count(0)
    shot(page, "dues-entry-all-paid")
