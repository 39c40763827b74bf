"""Members without a member service card (SPEC §4: no payment without one): a filter of
the member list, a column of the export, and a panel with a count and a link on the
street's home page."""

import io
import random

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.services import application_approve, application_submit
from membership import fakes
from membership.services import member_bind_card
from tests.applications.conftest import submit_kwargs


@pytest.fixture
def approved_without_card(street_staff_dawangzhuang, dawangzhuang_community):
    application = application_submit(**submit_kwargs(dawangzhuang_community)).application
    return application_approve(application=application, by=street_staff_dawangzhuang,
                               hukou_type="rural").member


@pytest.fixture
def carded(registrar, member_dawangzhuang):
    return member_bind_card(member=member_dawangzhuang, by=registrar,
                            card_number=fakes.card_number(random.Random(15)))


@pytest.mark.django_db
def test_the_member_list_filters_members_without_a_card(client, street_staff_dawangzhuang,
                                                        approved_without_card, carded):
    client.force_login(street_staff_dawangzhuang)
    every = client.get(reverse("membership:member_list")).content.decode()
    assert approved_without_card.member_number in every and carded.member_number in every
    page = client.get(reverse("membership:member_list"), {"no_card": "on"}).content.decode()
    assert approved_without_card.member_number in page
    assert carded.member_number not in page
    assert "无会员服务卡" in page


@pytest.mark.django_db
def test_the_export_says_whether_a_card_is_bound_and_keeps_the_filter(
        client, street_staff_dawangzhuang, approved_without_card, carded):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:member_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]
    column = header.index("是否绑定会员服务卡")
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[approved_without_card.member_number][column] == "否"
    assert rows[carded.member_number][column] == "是"
    response = client.get(reverse("membership:member_export"), {"no_card": "on"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        approved_without_card.member_number]


@pytest.mark.django_db
def test_the_streets_home_counts_members_without_a_card(client, street_staff_dawangzhuang,
                                                        approved_without_card, carded):
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="no-card-count">1<' in page
    assert 'data-testid="no-card-online-count">1<' in page
    assert approved_without_card.member_number in page
    assert "?status=active&amp;no_card=on" in page


@pytest.mark.django_db
def test_the_panel_survives_no_member_at_all(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="no-card-count">0<' in page
    assert 'data-testid="no-card-latest"' not in page
