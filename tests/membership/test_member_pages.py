"""The member pages (SPEC §4): list and search, the member page, transfer without a gap,
ending with a reason, the card (shown as its last 4), dues of 2 yuan a month with arrears."""

import random
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from membership import fakes
from membership.models import DuesPayment, Member, MemberStatus, UnionSpan
from membership.pii import mask_id
from membership.services import member_enroll, worker_create
from tests.conftest import REGISTRY

RNG = random.Random(7_1999)
TODAY = "2026-11-28 10:00 +0800"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def scattered_member(street_staff_dawangzhuang, dawangzhuang_community, community_union):
    worker = worker_create(
        by=street_staff_dawangzhuang, name="钱六",
        id_number=fakes.resident_id(RNG, birth_date=date(1992, 8, 8)), phone=fakes.phone(RNG),
        hukou_type="rural", employment_form="scattered", occupation_group="food_delivery",
        community=dawangzhuang_community, street=dawangzhuang_community.street,
        identified_on=date(2026, 3, 20))
    return member_enroll(by=street_staff_dawangzhuang, worker=worker, union=community_union,
                         joined_on=date(2026, 8, 15))


def _listed(client, **params):
    response = client.get(reverse("membership:member_list"), params)
    assert response.status_code == 200
    return {m.member_number for m in response.context["page"]}


# --- The list ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_list_shows_masked_ids_only(client, admin_user, member_dawangzhuang):
    client.force_login(admin_user)
    page = client.get(reverse("membership:member_list")).content.decode()
    assert member_dawangzhuang.member_number in page and "王建国" in page
    assert mask_id(REGISTRY["id_a"]) in page
    assert REGISTRY["id_a"] not in page


@pytest.mark.django_db
def test_search_by_member_number_or_name(client, admin_user, member_dawangzhuang,
                                         member_dazhigu):
    client.force_login(admin_user)
    a, b = member_dawangzhuang.member_number, member_dazhigu.member_number
    assert _listed(client, q=a) == {a}
    assert _listed(client, q=a.lower()) == {a}
    assert _listed(client, q="HD2024") == {a, b}
    assert _listed(client, q="秀英") == {b}


@pytest.mark.django_db
def test_filters_by_street_union_and_status(client, admin_user, member_dawangzhuang,
                                            member_dazhigu, dazhigu,
                                            union_dawangzhuang_property):
    client.force_login(admin_user)
    a, b = member_dawangzhuang.member_number, member_dazhigu.member_number
    assert _listed(client, street=dazhigu.pk) == {b}
    assert _listed(client, union=union_dawangzhuang_property.pk) == {a}
    client.post(reverse("membership:member_end", args=[member_dazhigu.pk]),
                {"on": "2026-06-30", "reason": "left_job"})
    assert _listed(client, status="ended") == {b}
    assert _listed(client, status="active") == {a}


@pytest.mark.django_db
def test_the_list_query_count_does_not_grow_with_rows(client, street_staff_dawangzhuang,
                                                      dawangzhuang_community, community_union,
                                                      django_assert_max_num_queries):
    for i in range(30):
        worker = worker_create(
            by=street_staff_dawangzhuang, name=f"会员{i}", id_number=fakes.resident_id(RNG),
            hukou_type="rural", employment_form="scattered", community=dawangzhuang_community,
            street=dawangzhuang_community.street, identified_on=date(2026, 3, 20))
        member_enroll(by=street_staff_dawangzhuang, worker=worker, union=community_union,
                      joined_on=date(2026, 4, 1), card_number=fakes.card_number(RNG))
    client.force_login(street_staff_dawangzhuang)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("membership:member_list"))
    assert len(response.context["page"]) == 30


# --- The member page --------------------------------------------------------------------

@pytest.mark.django_db
def test_the_member_page(client, street_staff_dawangzhuang, member_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:member_detail", args=[member_dawangzhuang.pk]))
    page = response.content.decode()
    assert member_dawangzhuang.member_number in page
    assert mask_id(REGISTRY["id_a"]) in page and REGISTRY["id_a"] not in page
    assert "大王庄安居物业有限公司工会" in page and "2024-04-01" in page
    # Dues are for scattered workers only; a contract worker's page offers none.
    assert reverse("membership:member_dues", args=[member_dawangzhuang.pk]) not in page


@pytest.mark.django_db
def test_another_streets_member_is_404(client, street_staff_dawangzhuang, member_dazhigu):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:member_detail", args=[member_dazhigu.pk]))
    assert response.status_code == 404
    assert member_dazhigu.member_number not in response.content.decode()


# --- Transfer ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_transfer_keeps_one_member_without_a_gap(client, street_staff_dawangzhuang,
                                                   member_dawangzhuang, community_union):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_transfer", args=[member_dawangzhuang.pk]),
                           {"union": community_union.pk, "on": "2026-06-01"})
    assert response.status_code == 302
    member = Member.objects.get()  # still one member, same number
    assert member.member_number == member_dawangzhuang.member_number
    assert member.union == community_union
    spans = list(UnionSpan.objects.filter(member=member).order_by("started_on"))
    assert [(s.started_on, s.ended_on) for s in spans] == [
        (date(2024, 4, 1), date(2026, 6, 1)), (date(2026, 6, 1), None)]
    assert _listed(client) == {member.member_number}
    page = client.get(response["Location"]).content.decode()
    assert "已转会" in page


@pytest.mark.django_db
def test_a_transfer_to_a_union_outside_the_scope_is_refused(client, street_staff_dawangzhuang,
                                                            member_dawangzhuang,
                                                            union_dazhigu_education):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_transfer", args=[member_dawangzhuang.pk]),
                           {"union": union_dazhigu_education.pk, "on": "2026-06-01"})
    assert response.context["form"].errors["union"] == ["这个工会不在您的管理范围内。"]
    assert Member.objects.get().union.name == "大王庄安居物业有限公司工会"


@pytest.mark.django_db
def test_a_transfer_dated_before_the_span_is_refused(client, street_staff_dawangzhuang,
                                                     member_dawangzhuang, community_union):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_transfer", args=[member_dawangzhuang.pk]),
                           {"union": community_union.pk, "on": "2024-03-01"})
    assert response.context["form"].errors["on"] == ["转会日期须在2024-04-01至今天之间。"]
    assert UnionSpan.objects.count() == 1


# --- Ending -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_ending_needs_a_reason(client, street_staff_dawangzhuang, member_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:member_end", args=[member_dawangzhuang.pk])
    response = client.post(url, {"on": "2026-06-30", "reason": "", "note": "调离本区"})
    assert response.context["form"].errors["reason"] == ["请选择原因。"]
    assert "请选择原因。" in response.content.decode()
    assert response.context["form"]["note"].value() == "调离本区"
    assert Member.objects.get().status == MemberStatus.ACTIVE
    response = client.post(url, {"on": "2026-06-30", "reason": "left_job", "note": "调离本区"})
    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.status, member.ended_on, member.union) == ("ended", date(2026, 6, 30), None)
    page = client.get(response["Location"]).content.decode()
    assert "已终止" in page and "离职或离开本区" in page
    # An ended membership offers no more actions.
    assert reverse("membership:member_transfer", args=[member.pk]) not in page


@pytest.mark.django_db
def test_ending_twice_is_refused(client, street_staff_dawangzhuang, member_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:member_end", args=[member_dawangzhuang.pk])
    client.post(url, {"on": "2026-06-30", "reason": "withdrew"})
    response = client.post(url, {"on": "2026-07-30", "reason": "withdrew"})
    assert response.context["form"].errors["reason"] == ["该会籍已经终止。"]


# --- The card ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_binding_a_card_shows_only_its_last_four(client, street_staff_dawangzhuang,
                                                 member_dawangzhuang):
    card = fakes.card_number(RNG)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_card", args=[member_dawangzhuang.pk]),
                           {"card_number": " ".join([card[:6], card[6:]])})
    assert response.status_code == 302
    assert Member.objects.get().card_number == card
    page = client.get(response["Location"]).content.decode()
    assert f"****{card[-4:]}" in page and card not in page
    assert card not in client.get(reverse("membership:member_list")).content.decode()


@pytest.mark.django_db
def test_a_card_failing_luhn(client, street_staff_dawangzhuang, member_dawangzhuang):
    card = fakes.card_number(RNG)
    bad = card[:-1] + str((int(card[-1]) + 1) % 10)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_card", args=[member_dawangzhuang.pk]),
                           {"card_number": bad})
    assert response.context["form"].errors["card_number"] == [
        "会员服务卡号校验不通过，请再核对一遍。"]
    assert response.context["form"]["card_number"].value() == bad
    assert Member.objects.get().card_number is None


@pytest.mark.django_db
def test_a_card_already_bound_to_another_member(client, admin_user, member_dawangzhuang,
                                                member_dazhigu):
    card = fakes.card_number(RNG)
    client.force_login(admin_user)
    client.post(reverse("membership:member_card", args=[member_dazhigu.pk]),
                {"card_number": card})
    response = client.post(reverse("membership:member_card", args=[member_dawangzhuang.pk]),
                           {"card_number": card})
    assert response.context["form"].errors["card_number"] == ["这张会员服务卡已绑定其他会员。"]


# --- Dues -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_dues_and_arrears(client, street_staff_dawangzhuang, scattered_member):
    client.force_login(street_staff_dawangzhuang)
    detail = reverse("membership:member_detail", args=[scattered_member.pk])
    page = client.get(detail).content.decode()
    # Joined 2026-08-15, today 2026-11-28: August to November owed, 2 yuan each.
    assert "欠缴4个月，共8.00元" in page
    response = client.post(reverse("membership:member_dues", args=[scattered_member.pk]),
                           {"first_month": "2026-08", "months": "3", "paid_on": "2026-11-20"})
    assert response.status_code == 302
    assert sorted(DuesPayment.objects.values_list("month", flat=True)) == [
        date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    assert all(p.amount == 2 for p in DuesPayment.objects.all())
    page = client.get(detail).content.decode()
    assert "欠缴1个月，共2.00元" in page and "2026-11" in page


@pytest.mark.django_db
@pytest.mark.parametrize("data,field,message", [
    ({"months": "0"}, "months", "请填写1至36个月。"),
    ({"first_month": "2026-07"}, "first_month", "会费从入会当月开始缴纳。"),
    ({"paid_on": "2026-12-01"}, "paid_on", "缴费日期不能晚于今天。"),
    ({"first_month": "2026-13"}, "first_month", "请按年-月填写月份，如2026-03。"),
])
def test_bad_dues(client, street_staff_dawangzhuang, scattered_member, data, field, message):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_dues", args=[scattered_member.pk]),
                           {"first_month": "2026-08", "months": "1", "paid_on": "2026-11-20",
                            **data})
    assert response.context["form"].errors[field] == [message]
    assert not DuesPayment.objects.exists()


@pytest.mark.django_db
def test_a_month_is_paid_once(client, street_staff_dawangzhuang, scattered_member):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:member_dues", args=[scattered_member.pk])
    client.post(url, {"first_month": "2026-09", "months": "1", "paid_on": "2026-11-20"})
    response = client.post(url, {"first_month": "2026-08", "months": "3",
                                 "paid_on": "2026-11-20"})
    assert response.context["form"].errors["first_month"] == ["以下月份已缴：2026-09。"]
    assert DuesPayment.objects.count() == 1


@pytest.mark.django_db
def test_dues_are_for_scattered_workers_only(client, street_staff_dawangzhuang,
                                             member_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_dues", args=[member_dawangzhuang.pk]),
                           {"first_month": "2024-04", "months": "1", "paid_on": "2026-11-20"})
    assert response.context["form"].errors["months"] == ["定额会费只适用于零散就业人员。"]


# --- Who may change what ----------------------------------------------------------------

@pytest.mark.django_db
def test_community_staff_manage_members_of_their_community(client, community_staff_dawangzhuang,
                                                           scattered_member, member_dazhigu):
    client.force_login(community_staff_dawangzhuang)
    ok = client.post(reverse("membership:member_dues", args=[scattered_member.pk]),
                     {"first_month": "2026-08", "months": "1", "paid_on": "2026-11-20"})
    assert ok.status_code == 302
    other = client.post(reverse("membership:member_end", args=[member_dazhigu.pk]),
                        {"on": "2026-06-30", "reason": "left_job"})
    assert other.status_code == 404
    assert Member.objects.get(pk=member_dazhigu.pk).status == MemberStatus.ACTIVE


@pytest.mark.django_db
def test_the_leadership_reads_members_but_changes_nothing(client, leader, member_dawangzhuang):
    client.force_login(leader)
    assert client.get(reverse("membership:member_detail",
                              args=[member_dawangzhuang.pk])).status_code == 200
    response = client.post(reverse("membership:member_end", args=[member_dawangzhuang.pk]),
                           {"on": "2026-06-30", "reason": "left_job"})
    assert response.status_code == 404
    assert Member.objects.get().status == MemberStatus.ACTIVE
