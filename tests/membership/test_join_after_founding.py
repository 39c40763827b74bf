"""Nobody joins a union before it was founded: every path that gives a member a union and
a date (enrollment by staff, the roster import, a transfer) refuses a date before the
union's founding date, and says which date that is. A union whose founding date is not
recorded refuses no date. (The approval of an online application: tests/applications.)"""

import random
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from membership import fakes
from membership.imports.services import district_office, roster_import
from membership.models import Member, MemberNumberCounter, Union, UnionForm, UnionSpan, Worker
from membership.services import member_enroll, member_transfer, worker_create
from tests.membership.rosters import new_id, worker_row, workers_file

RNG = random.Random(2019_0306)
TODAY = "2026-11-28 10:00 +0800"
FOUNDED = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def community_union(community_union):
    """The community union of 大王庄第01社区, founded on 2026-05-01."""
    union = community_union
    union.founded_on = FOUNDED
    union.save(update_fields=["founded_on"])
    return union


@pytest.fixture
def scattered_worker(street_staff_dawangzhuang, dawangzhuang_community):
    return worker_create(
        by=street_staff_dawangzhuang, name="李四",
        id_number=fakes.resident_id(RNG, birth_date=date(1990, 5, 1)), phone=fakes.phone(RNG),
        hukou_type="rural", employment_form="scattered", occupation_group="courier",
        employer=None, street=dawangzhuang_community.street, community=dawangzhuang_community,
        identified_on=date(2026, 3, 20))


def _before_founding(union):
    return f"入会日期不能早于{union.name}的成立日期（2026-05-01）。"


# --- The service ------------------------------------------------------------------------

@pytest.mark.django_db
def test_enrolling_before_the_founding_date_is_refused(street_staff_dawangzhuang,
                                                       scattered_worker, community_union):
    with pytest.raises(ValidationError) as refused:
        member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                      union=community_union, joined_on=date(2026, 4, 30))
    assert refused.value.message_dict == {"joined_on": [_before_founding(community_union)]}
    assert not Member.objects.exists() and not UnionSpan.objects.exists()
    assert not MemberNumberCounter.objects.exists()  # no member number was used up


@pytest.mark.django_db
def test_enrolling_on_the_founding_date_is_allowed(street_staff_dawangzhuang,
                                                   scattered_worker, community_union):
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=community_union, joined_on=FOUNDED)
    assert member.joined_on == FOUNDED and member.spans.get().started_on == FOUNDED


@pytest.mark.django_db
def test_a_union_without_a_founding_date_refuses_no_join_date(street_staff_dawangzhuang,
                                                              scattered_worker,
                                                              dawangzhuang_community):
    union = Union.objects.get(community=dawangzhuang_community, form=UnionForm.COMMUNITY)
    assert union.founded_on is None
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=union, joined_on=date(2010, 1, 4))
    assert member.joined_on == date(2010, 1, 4)


# --- The staff's enrollment page ----------------------------------------------------------

@pytest.mark.django_db
def test_the_enrollment_page_says_when_the_union_was_founded(client, street_staff_dawangzhuang,
                                                             dawangzhuang_community,
                                                             community_union):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:member_enroll"), {
        "step": "enroll", "id_number": fakes.resident_id(RNG, birth_date=date(1990, 5, 1)),
        "name": "孙七", "phone": "138 1234 5678", "hukou_type": "rural", "hukou_province": "",
        "employment_form": "scattered", "occupation_group": "food_delivery", "employer": "",
        "community": dawangzhuang_community.pk, "identified_on": "2026-03-20",
        "union": community_union.pk, "joined_on": "2026-04-01", "card_number": "",
        "declared": "on"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["joined_on"] == [_before_founding(community_union)]
    assert _before_founding(community_union) in response.content.decode()
    assert form["name"].value() == "孙七" and form["joined_on"].value() == "2026-04-01"
    # One transaction: the worker registered on the way is not kept either.
    assert not Worker.objects.exists() and not Member.objects.exists()


# --- The roster import --------------------------------------------------------------------

@pytest.mark.django_db
def test_the_import_reports_a_row_joining_before_the_founding(dawangzhuang_community,
                                                              community_union):
    with time_machine.travel("2026-06-30 10:00 +0800", tick=False):
        result = roster_import(kind="workers", by=district_office(), source=workers_file([
            worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-05-01"),
            worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-30"),
        ]))
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (3, "入会日期", _before_founding(community_union))]
    assert result.as_json()["accepted"] == 1 and result.as_json()["rejected"] == 1
    assert Member.objects.get().joined_on == FOUNDED  # the good row only


# --- A transfer ---------------------------------------------------------------------------

def _before_founding_transfer(union):
    return f"转会日期不能早于{union.name}的成立日期（2026-05-01）。"


@pytest.mark.django_db
def test_a_transfer_dated_before_the_new_unions_founding_is_refused(
        street_staff_dawangzhuang, member_dawangzhuang, community_union):
    old_union = member_dawangzhuang.union
    with pytest.raises(ValidationError) as refused:
        member_transfer(member=member_dawangzhuang, by=street_staff_dawangzhuang,
                        union=community_union, on=date(2026, 4, 30))
    assert refused.value.message_dict == {"on": [_before_founding_transfer(community_union)]}
    assert Member.objects.get().union == old_union
    assert list(UnionSpan.objects.values_list("union", "ended_on")) == [(old_union.pk, None)]
    member_transfer(member=member_dawangzhuang, by=street_staff_dawangzhuang,
                    union=community_union, on=FOUNDED)
    assert Member.objects.get().union == community_union


@pytest.mark.django_db
def test_the_transfer_page_says_when_the_new_union_was_founded(
        client, street_staff_dawangzhuang, member_dawangzhuang, community_union):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(
        reverse("membership:member_transfer", args=[member_dawangzhuang.pk]),
        {"union": community_union.pk, "on": "2026-04-30"})
    assert response.status_code == 200
    assert response.context["form"].errors["on"] == [
        _before_founding_transfer(community_union)]
    assert UnionSpan.objects.count() == 1


# --- The other way round: a union's founding date after its members joined ---------------

def _founded_after_members(day, union="大王庄安居物业有限公司工会"):
    return f"{union}自{day}起已有会员，成立日期不能晚于这一天。"


@pytest.mark.django_db
def test_a_founding_date_after_the_first_member_joined_is_refused(registrar,
                                                                  member_dawangzhuang):
    from membership.services import union_update

    union = member_dawangzhuang.union  # the member joined on 2024-04-01
    with pytest.raises(ValidationError) as refused:
        union_update(union=union, by=registrar, founded_on=date(2024, 4, 2))
    assert refused.value.message_dict == {"founded_on": [_founded_after_members("2024-04-01")]}
    assert Union.objects.get(pk=union.pk).founded_on is None
    union_update(union=union, by=registrar, founded_on=date(2024, 4, 1))  # that day is fine
    assert Union.objects.get(pk=union.pk).founded_on == date(2024, 4, 1)


@pytest.mark.django_db
def test_a_transfer_counts_as_joining_the_new_union(registrar, member_dawangzhuang,
                                                    community_union):
    from membership.services import union_update

    member_transfer(member=member_dawangzhuang, by=registrar, union=community_union,
                    on=date(2026, 6, 1))
    with pytest.raises(ValidationError) as refused:
        union_update(union=community_union, by=registrar, founded_on=date(2026, 6, 2))
    assert refused.value.message_dict == {"founded_on": [
        _founded_after_members("2026-06-01", community_union.name)]}


@pytest.mark.django_db
def test_the_union_page_says_when_its_first_member_joined(client, registrar,
                                                          member_dawangzhuang):
    union = member_dawangzhuang.union
    client.force_login(registrar)
    response = client.post(reverse("membership:union_edit", args=[union.pk]), {
        "name": "改过的名字", "form": union.form, "street": union.street_id,
        "community": union.community_id, "industry_federation": union.industry_federation_id,
        "founded_on": "2025-01-01", "chair": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["founded_on"] == [  # named as typed
        _founded_after_members("2024-04-01", "改过的名字")]
    assert response.context["form"]["name"].value() == "改过的名字"  # the input is kept
    union.refresh_from_db()
    assert union.name == "大王庄安居物业有限公司工会" and union.founded_on is None


@pytest.mark.django_db
def test_a_founding_step_does_not_date_a_union_after_its_members(registrar,
                                                                 member_dawangzhuang,
                                                                 unit_dawangzhuang_property):
    from membership.services import founding_step_add

    union = member_dawangzhuang.union
    with pytest.raises(ValidationError) as refused:
        founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                          on=date(2026, 5, 8), union=union)
    assert refused.value.message_dict == {"on": [
        f"{union.name}自2024-04-01起已有会员，成立日期不能晚于这一天。"]}
    assert Union.objects.get(pk=union.pk).founded_on is None
    assert not unit_dawangzhuang_property.founding_steps.exists()


@pytest.mark.django_db
def test_both_refusals_of_a_join_date_are_told_together(street_staff_dawangzhuang,
                                                        dawangzhuang_community,
                                                        community_union):
    young = worker_create(
        by=street_staff_dawangzhuang, name="小李",
        id_number=fakes.resident_id(RNG, birth_date=date(2010, 6, 1)), phone=fakes.phone(RNG),
        hukou_type="rural", employment_form="scattered", occupation_group="courier",
        employer=None, street=dawangzhuang_community.street, community=dawangzhuang_community,
        identified_on=date(2026, 3, 20))
    with pytest.raises(ValidationError) as refused:
        member_enroll(by=street_staff_dawangzhuang, worker=young, union=community_union,
                      joined_on=date(2026, 4, 30))
    assert refused.value.message_dict == {"joined_on": [
        "入会日期时该职工未满16周岁（出生于2010-06-01）。", _before_founding(community_union)]}
