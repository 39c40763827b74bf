"""The dues entry of a community's scattered members for one month, in one form
(SPEC §4, plan §三.(一)1: scattered workers pay a fixed 2 yuan a month)."""

import random
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from membership import fakes
from membership.models import DuesPayment, EmploymentForm, Union, UnionForm
from membership.services import dues_record, dues_record_month, member_enroll, worker_create

TODAY = date(2026, 11, 28)
RNG = random.Random(15)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(date(2026, 11, 28), tick=False):
        yield


def _scattered_member(by, community, name, joined_on=date(2026, 3, 1)):
    worker = worker_create(
        by=by, name=name, id_number=fakes.resident_id(RNG, birth_date=date(1990, 5, 1)),
        phone=fakes.phone(RNG), hukou_type="rural", hukou_province="",
        employment_form=EmploymentForm.SCATTERED, occupation_group="courier", employer=None,
        street=community.street, community=community, identified_on=date(2026, 2, 20),
        source="staff")
    union = Union.objects.get(community=community, form=UnionForm.COMMUNITY)
    return member_enroll(by=by, worker=worker, union=union, joined_on=joined_on)


@pytest.fixture
def scattered(registrar, dawangzhuang_community):
    """Three scattered members of 大王庄's first community union; one joined in December
    2025, one in March, one in November 2026."""
    return [_scattered_member(registrar, dawangzhuang_community, "张三", date(2025, 12, 5)),
            _scattered_member(registrar, dawangzhuang_community, "李四", date(2026, 3, 1)),
            _scattered_member(registrar, dawangzhuang_community, "王五", date(2026, 11, 2))]


@pytest.fixture
def scattered_dazhigu(registrar, dazhigu_community):
    return _scattered_member(registrar, dazhigu_community, "赵六")


def _url(community, month=None):
    url = reverse("membership:community_dues", args=[community.pk])
    return f"{url}?month={month}" if month else url


def _post(client, community, members, month="2026-10", paid_on="2026-11-20"):
    return client.post(_url(community), {"month": month, "paid_on": paid_on,
                                         "members": [m.pk for m in members]})


def test_the_page_lists_the_scattered_members_owing_the_month(
        client, community_staff_dawangzhuang, dawangzhuang_community, scattered,
        member_dawangzhuang, django_assert_max_num_queries):
    """A contract worker's membership in a union of the community is not listed; nor is a
    member who joined after the month."""
    dues_record(member=scattered[0], by=community_staff_dawangzhuang,
                first_month=date(2026, 10, 1), months=1, paid_on=date(2026, 10, 9))
    client.force_login(community_staff_dawangzhuang)
    with django_assert_max_num_queries(12):
        response = client.get(_url(dawangzhuang_community, "2026-10"))
    assert response.status_code == 200
    rows = {row.member_number: row for row in response.context["rows"]}
    assert set(rows) == {scattered[0].member_number, scattered[1].member_number}
    assert rows[scattered[0].member_number].paid_on == date(2026, 10, 9)
    assert rows[scattered[1].member_number].paid_on is None
    # 李四 joined in March: March to October is 8 months, none paid.
    assert rows[scattered[1].member_number].owed == 8
    assert rows[scattered[0].member_number].owed == 10  # Dec 2025 to Oct 2026, 1 paid
    page = response.content.decode()
    assert member_dawangzhuang.member_number not in page
    assert "2026-10-09" in page
    # Nobody is ticked by default: only a paid row's box is checked (and disabled).
    assert page.count(" checked") == 1


def test_one_submission_records_the_ticked_members(client, community_staff_dawangzhuang,
                                                   dawangzhuang_community, scattered):
    client.force_login(community_staff_dawangzhuang)
    response = _post(client, dawangzhuang_community, scattered[:2])
    assert response.status_code == 302
    payments = DuesPayment.objects.order_by("member_id")
    assert [(p.member_id, p.month, p.amount, p.paid_on, p.recorded_by_id) for p in payments] == [
        (m.pk, date(2026, 10, 1), Decimal("2.00"), date(2026, 11, 20),
         community_staff_dawangzhuang.pk) for m in scattered[:2]]


def test_the_insert_is_one_statement(community_staff_dawangzhuang, dawangzhuang_community,
                                     scattered, django_assert_num_queries):
    """One bulk insert, not a save per row (the count does not grow with the rows)."""
    with django_assert_num_queries(7):
        dues_record_month(by=community_staff_dawangzhuang, community=dawangzhuang_community,
                          month=date(2026, 10, 1), members=scattered[:2],
                          paid_on=date(2026, 11, 20))


def test_sending_the_form_again_changes_nothing(client, community_staff_dawangzhuang,
                                                dawangzhuang_community, scattered):
    client.force_login(community_staff_dawangzhuang)
    _post(client, dawangzhuang_community, scattered[:2])
    before = list(DuesPayment.objects.order_by("pk").values())
    response = _post(client, dawangzhuang_community, scattered[:2], paid_on="2026-11-27")
    assert response.status_code == 302
    assert list(DuesPayment.objects.order_by("pk").values()) == before
    page = client.get(response["Location"]).content.decode()
    assert "2026-10" in page and "0" in page


def test_a_month_already_paid_is_left_as_recorded(community_staff_dawangzhuang,
                                                  street_staff_dawangzhuang,
                                                  dawangzhuang_community, scattered):
    dues_record(member=scattered[0], by=street_staff_dawangzhuang,
                first_month=date(2026, 10, 1), months=1, paid_on=date(2026, 10, 9))
    recorded, already = dues_record_month(
        by=community_staff_dawangzhuang, community=dawangzhuang_community,
        month=date(2026, 10, 1), members=scattered[:2], paid_on=date(2026, 11, 20))
    assert (recorded, already) == (1, 1)
    first = DuesPayment.objects.get(member=scattered[0])
    assert (first.paid_on, first.recorded_by) == (date(2026, 10, 9), street_staff_dawangzhuang)
    assert DuesPayment.objects.count() == 2


def test_a_future_month_is_refused(client, community_staff_dawangzhuang,
                                   dawangzhuang_community, scattered):
    client.force_login(community_staff_dawangzhuang)
    response = _post(client, dawangzhuang_community, scattered[:2], month="2026-12")
    assert response.status_code == 200
    assert "future month" in response.content.decode() or "未来" in response.content.decode()
    assert not DuesPayment.objects.exists()
    with pytest.raises(ValidationError) as error:
        dues_record_month(by=community_staff_dawangzhuang, community=dawangzhuang_community,
                          month=date(2026, 12, 1), members=scattered[:2], paid_on=TODAY)
    assert "month" in error.value.error_dict
    assert client.get(_url(dawangzhuang_community, "2027-01")).status_code == 200


def test_a_future_payment_date_is_refused(client, community_staff_dawangzhuang,
                                          dawangzhuang_community, scattered):
    client.force_login(community_staff_dawangzhuang)
    response = _post(client, dawangzhuang_community, scattered[:2], paid_on="2026-11-29")
    assert response.status_code == 200
    assert not DuesPayment.objects.exists()


def test_a_non_scattered_member_is_refused_and_nothing_recorded(
        client, community_staff_dawangzhuang, dawangzhuang_community, scattered,
        member_dawangzhuang):
    client.force_login(community_staff_dawangzhuang)
    response = _post(client, dawangzhuang_community, [scattered[0], member_dawangzhuang])
    assert response.status_code == 200
    assert response.context["form"].errors["members"]
    assert not DuesPayment.objects.exists()
    with pytest.raises(ValidationError):
        dues_record_month(by=community_staff_dawangzhuang, community=dawangzhuang_community,
                          month=date(2026, 10, 1), members=[scattered[0], member_dawangzhuang],
                          paid_on=TODAY)
    assert not DuesPayment.objects.exists()


def test_a_member_who_joined_after_the_month_is_refused(community_staff_dawangzhuang,
                                                        dawangzhuang_community, scattered):
    with pytest.raises(ValidationError) as error:
        dues_record_month(by=community_staff_dawangzhuang, community=dawangzhuang_community,
                          month=date(2026, 10, 1), members=scattered, paid_on=TODAY)
    assert "members" in error.value.error_dict
    assert not DuesPayment.objects.exists()


def test_another_scopes_member_is_refused(client, community_staff_dawangzhuang,
                                          street_staff_dawangzhuang, dawangzhuang_community,
                                          scattered, scattered_dazhigu):
    for user in (community_staff_dawangzhuang, street_staff_dawangzhuang):
        client.force_login(user)
        response = _post(client, dawangzhuang_community, [scattered[0], scattered_dazhigu])
        assert response.status_code == 200
        assert response.context["form"].errors["members"]
        assert scattered_dazhigu.member_number not in response.content.decode()
    assert not DuesPayment.objects.exists()


def test_another_scopes_community_is_a_404(client, community_staff_dawangzhuang,
                                           street_staff_dawangzhuang, dazhigu_community,
                                           scattered_dazhigu):
    for user in (community_staff_dawangzhuang, street_staff_dawangzhuang):
        client.force_login(user)
        assert client.get(_url(dazhigu_community)).status_code == 404
        assert _post(client, dazhigu_community, [scattered_dazhigu]).status_code == 404
    assert not DuesPayment.objects.exists()


def test_nothing_ticked_is_refused(client, community_staff_dawangzhuang,
                                   dawangzhuang_community, scattered):
    client.force_login(community_staff_dawangzhuang)
    response = _post(client, dawangzhuang_community, [])
    assert response.status_code == 200
    assert response.context["form"].errors["members"]


@pytest.mark.parametrize("month", ["2026-13", "abc", ""])
def test_a_bad_month_is_refused(client, community_staff_dawangzhuang, dawangzhuang_community,
                                scattered, month):
    client.force_login(community_staff_dawangzhuang)
    response = _post(client, dawangzhuang_community, scattered[:1], month=month)
    assert response.status_code == 200
    assert not DuesPayment.objects.exists()
    assert client.get(_url(dawangzhuang_community, month)).status_code == 200


def test_the_unique_constraint_refuses_a_second_payment_of_a_month(
        community_staff_dawangzhuang, scattered):
    from django.db import IntegrityError, transaction

    DuesPayment.objects.create(member=scattered[0], month=date(2026, 10, 1), amount=2,
                               paid_on=TODAY, recorded_by=community_staff_dawangzhuang)
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesPayment.objects.create(member=scattered[0], month=date(2026, 10, 1), amount=2,
                                   paid_on=TODAY, recorded_by=community_staff_dawangzhuang)


def test_the_entry_sends_community_staff_to_their_community(client,
                                                             community_staff_dawangzhuang,
                                                             dawangzhuang_community):
    client.force_login(community_staff_dawangzhuang)
    response = client.get(reverse("membership:dues_entry"))
    assert response.status_code == 302
    assert response["Location"] == _url(dawangzhuang_community, "2026-11")


def test_a_street_chooses_one_of_its_communities(client, street_staff_dawangzhuang,
                                                 dawangzhuang_community, dazhigu_community):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:dues_entry"))
    assert response.status_code == 200
    assert dawangzhuang_community.name in response.content.decode()
    assert dazhigu_community.name not in response.content.decode()
    response = client.get(reverse("membership:dues_entry"),
                          {"community": dawangzhuang_community.pk, "month": "2026-09"})
    assert response["Location"] == _url(dawangzhuang_community, "2026-09")
    response = client.get(reverse("membership:dues_entry"),
                          {"community": dazhigu_community.pk})
    assert response.status_code == 200  # not a choice: the picker again, nothing shown


@pytest.mark.parametrize("role", ["leader", "industry_staff_property", "liaison_zhujianwei"])
def test_roles_that_do_not_enter_dues_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("membership:dues_entry")).status_code == 403


def test_links_from_the_community_home_its_page_and_the_member_list(
        client, community_staff_dawangzhuang, street_staff_dawangzhuang, leader,
        dawangzhuang_community):
    client.force_login(community_staff_dawangzhuang)
    assert _url(dawangzhuang_community) in client.get(reverse("home")).content.decode()
    assert (reverse("membership:dues_entry")
            in client.get(reverse("membership:member_list")).content.decode())
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("membership:community_detail",
                              args=[dawangzhuang_community.pk])).content.decode()
    assert _url(dawangzhuang_community) in page
    client.force_login(leader)
    assert (reverse("membership:dues_entry")
            not in client.get(reverse("membership:member_list")).content.decode())


def test_an_empty_community_renders(client, street_staff_dawangzhuang, dawangzhuang_community):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(_url(dawangzhuang_community))
    assert response.status_code == 200
    assert response.context["rows"] == []
