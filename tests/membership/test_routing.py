"""Where a new member goes and the transfer once the employer founds its union (SPEC §4;
plan §二.1, §二.5(2)): the employer's union, else the community union of the worker's
community, else of the employer's; the street moves a unit's members out of the community
union in one action (转会), without a gap and without changing the rates."""

import random
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from membership import fakes
from membership.models import (
    Community,
    FoundingStatus,
    Member,
    Union,
    UnionForm,
    UnionSpan,
    Worker,
)
from membership.selectors import unit_members_to_transfer, units_with_members_to_transfer
from membership.services import (
    community_unions_of,
    founding_step_add,
    member_enroll,
    route_refusal,
    route_union,
    unit_members_transfer,
    worker_create,
)
from reporting.rates import SCOPE_KINDS, rates_as_of

RNG = random.Random(2_5_2)
TODAY = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-06-30 10:00 +0800", tick=False):
        yield


def _community_union(community):
    return Union.objects.get(community=community, form=UnionForm.COMMUNITY)


def _second_community(street, not_this):
    return Community.objects.filter(street=street).exclude(pk=not_this.pk).order_by("pk")[0]


# -- route_union ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_employer_with_its_own_or_a_covering_union_keeps_its_workers(
        unit_dawangzhuang_property, union_dawangzhuang_property, dawangzhuang):
    unit = unit_dawangzhuang_property
    unit.founding_status, unit.union = FoundingStatus.FOUNDED, union_dawangzhuang_property
    assert route_union(Worker(employer=unit, community=unit.community)) == \
        union_dawangzhuang_property
    park = Union.objects.create(name="大王庄科技园区工会", form=UnionForm.PARK, street=dawangzhuang,
                                founded_on=date(2025, 1, 1))
    unit.founding_status, unit.union, unit.covering_union = FoundingStatus.COVERED, None, park
    assert route_union(Worker(employer=unit, community=unit.community)) == park


@pytest.mark.django_db
def test_a_unit_without_a_union_sends_its_workers_to_the_worker_s_community_union(
        unit_dawangzhuang_property, dawangzhuang):
    """Plan §二.5(2): 吸收所辖区域内未建会单位职工加入属地社区工会; the worker's community wins
    over the employer's (docs/decisions.md)."""
    unit = unit_dawangzhuang_property
    home = _second_community(dawangzhuang, unit.community)
    assert route_union(Worker(employer=unit, community=home)) == _community_union(home)
    assert route_union(Worker(employer=unit)) == _community_union(unit.community)
    unit.founding_status = FoundingStatus.PREPARING  # preparing is not founded yet
    assert route_union(Worker(employer=unit)) == _community_union(unit.community)


@pytest.mark.django_db
def test_a_scattered_worker_goes_to_the_community_union(dawangzhuang_community):
    assert route_union(Worker(community=dawangzhuang_community)) == \
        _community_union(dawangzhuang_community)


@pytest.mark.django_db
def test_no_community_known_is_refused_with_what_to_fill(unit_dawangzhuang_property):
    unit = unit_dawangzhuang_property
    unit.community = None
    worker = Worker(employer=unit)
    assert route_union(worker) is None
    assert route_refusal(worker) == (
        "职工和所在单位都没有所属社区，无法确定接收会员的社区工会：请填写职工的所属社区，"
        "或手动选择基层工会。")
    assert route_union(Worker()) is None


@pytest.mark.django_db
def test_a_community_without_its_union_falls_back_to_the_employer_s(unit_dawangzhuang_property,
                                                                   dawangzhuang):
    unit = unit_dawangzhuang_property
    home = _second_community(dawangzhuang, unit.community)
    Union.objects.filter(community=home, form=UnionForm.COMMUNITY).delete()
    assert route_union(Worker(employer=unit, community=home)) == \
        _community_union(unit.community)
    assert route_union(Worker(community=home)) is None
    assert route_refusal(Worker(community=home)) == (
        "该社区还没有社区工会：请在基层工会页面建立，或手动选择基层工会。")


@pytest.mark.django_db
def test_routing_many_workers_loads_the_community_unions_once(
        dawangzhuang, django_assert_num_queries):
    communities = list(Community.objects.filter(street=dawangzhuang))
    unions = community_unions_of(c.pk for c in communities)
    with django_assert_num_queries(0):
        routed = [route_union(Worker(community=c), community_unions=unions)
                  for c in communities]
    assert routed == [_community_union(c) for c in communities]


# -- members to transfer ------------------------------------------------------------------------

def _employee(by, unit, community=None):
    return worker_create(
        by=by, name="刘二", id_number=fakes.resident_id(RNG, birth_date=date(1988, 2, 3)),
        phone="", hukou_type="rural", hukou_province="", employment_form="contract",
        occupation_group="security", employer=unit, community=community or unit.community,
        identified_on=date(2026, 3, 1))


@pytest.fixture
def absorbed(street_staff_dawangzhuang, unit_dawangzhuang_property, dawangzhuang):
    """Three members of a unit without a union, in two community unions (plan §二.5(2))."""
    by, unit = street_staff_dawangzhuang, unit_dawangzhuang_property
    home = _second_community(dawangzhuang, unit.community)
    members = []
    for community in (unit.community, unit.community, home):
        worker = _employee(by, unit, community)
        members.append(member_enroll(by=by, worker=worker, union=route_union(worker),
                                     joined_on=date(2026, 4, 1)))
    return members


def _found(unit, by, on=date(2026, 6, 10)):
    founding_step_add(unit=unit, by=by, status=FoundingStatus.FOUNDED, on=on,
                      new_union_name="大王庄安居物业服务有限公司工会", chair="王主席")
    unit.refresh_from_db()
    return unit.union


def _all_rates(day):
    return [(r.kind, r.key, r.migrant, r.founding) for r in rates_as_of(day, *SCOPE_KINDS)]


@pytest.mark.django_db
def test_nothing_is_to_transfer_while_the_unit_has_no_union(absorbed, unit_dawangzhuang_property,
                                                           street_staff_dawangzhuang):
    assert not unit_members_to_transfer(unit_dawangzhuang_property).exists()
    assert not units_with_members_to_transfer(user=street_staff_dawangzhuang).exists()
    with pytest.raises(ValidationError) as refused:
        unit_members_transfer(unit=unit_dawangzhuang_property, by=street_staff_dawangzhuang)
    assert refused.value.messages == ["该单位尚未建立自己的工会，也未被其他工会覆盖。"]


@pytest.mark.django_db
def test_the_street_transfers_a_founded_unit_s_members_in_one_action(
        absorbed, unit_dawangzhuang_property, street_staff_dawangzhuang):
    """SPEC §4 转会: the old span ends and the new one starts the same day, the member number
    and card stay, history is kept, and the rates before and after are unchanged."""
    unit, by = unit_dawangzhuang_property, street_staff_dawangzhuang
    union = _found(unit, by)
    assert set(unit_members_to_transfer(unit)) == set(absorbed)
    [listed] = units_with_members_to_transfer(user=by)
    assert (listed, listed.to_transfer) == (unit, 3)
    before = {day: _all_rates(day) for day in (TODAY - timedelta(days=1), TODAY,
                                               TODAY + timedelta(days=1))}
    numbers = {m.pk: m.member_number for m in absorbed}

    assert unit_members_transfer(unit=unit, by=by) == 3

    for member in Member.objects.filter(pk__in=numbers):
        assert member.union == union and member.member_number == numbers[member.pk]
        old, new = member.spans.order_by("started_on", "pk")
        assert (old.ended_on, old.closed_by) == (TODAY, UnionSpan.Closed.TRANSFER)
        assert old.union.form == UnionForm.COMMUNITY
        assert (new.union, new.started_on, new.ended_on) == (union, TODAY, None)
        latest = member.history.first()
        assert (latest.union_id, latest.history_user) == (union.pk, by)
    assert {day: _all_rates(day) for day in before} == before
    assert not unit_members_to_transfer(unit).exists()
    assert not units_with_members_to_transfer(user=by).exists()
    # A second run finds nobody and writes nothing.
    spans = UnionSpan.objects.count()
    assert unit_members_transfer(unit=unit, by=by) == 0
    assert UnionSpan.objects.count() == spans


@pytest.mark.django_db
def test_a_covered_unit_s_members_go_to_the_covering_union(absorbed, unit_dawangzhuang_property,
                                                          street_staff_dawangzhuang,
                                                          dawangzhuang):
    park = Union.objects.create(name="大王庄科技园区工会", form=UnionForm.PARK, street=dawangzhuang,
                                founded_on=date(2025, 1, 1))
    founding_step_add(unit=unit_dawangzhuang_property, by=street_staff_dawangzhuang,
                      status=FoundingStatus.COVERED, on=date(2026, 6, 1), union=park)
    assert unit_members_transfer(unit=unit_dawangzhuang_property,
                                 by=street_staff_dawangzhuang) == 3
    assert set(Member.objects.values_list("union", flat=True)) == {park.pk}


@pytest.mark.django_db
def test_members_chosen_by_hand_into_another_union_stay(absorbed, unit_dawangzhuang_property,
                                                       street_staff_dawangzhuang, dawangzhuang):
    """Only the members sitting in a community union are moved; a member staff put
    elsewhere by hand (a building union, say) is left there."""
    from membership.services import member_transfer

    building = Union.objects.create(name="大王庄大厦楼宇工会", form=UnionForm.BUILDING,
                                    street=dawangzhuang, founded_on=date(2025, 1, 1))
    member_transfer(member=absorbed[0], by=street_staff_dawangzhuang, union=building,
                    on=date(2026, 5, 1))
    _found(unit_dawangzhuang_property, street_staff_dawangzhuang)
    assert unit_members_transfer(unit=unit_dawangzhuang_property,
                                 by=street_staff_dawangzhuang) == 2
    absorbed[0].refresh_from_db()
    assert absorbed[0].union == building


@pytest.mark.django_db
def test_another_street_cannot_transfer(absorbed, unit_dawangzhuang_property,
                                        street_staff_dawangzhuang, street_staff_dazhigu,
                                        client):
    _found(unit_dawangzhuang_property, street_staff_dawangzhuang)
    with pytest.raises(PermissionDenied):
        unit_members_transfer(unit=unit_dawangzhuang_property, by=street_staff_dazhigu)
    client.force_login(street_staff_dazhigu)
    url = reverse("membership:unit_members_transfer", args=[unit_dawangzhuang_property.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert unit_members_to_transfer(unit_dawangzhuang_property).count() == 3


@pytest.mark.django_db
def test_the_industry_federation_that_writes_the_unit_may_transfer(
        absorbed, unit_dawangzhuang_property, street_staff_dawangzhuang,
        industry_staff_property):
    """The property federation writes the property units (SPEC §1): it sees the list too."""
    _found(unit_dawangzhuang_property, street_staff_dawangzhuang)
    assert [u.to_transfer for u in units_with_members_to_transfer(
        user=industry_staff_property)] == [3]
    assert unit_members_transfer(unit=unit_dawangzhuang_property,
                                 by=industry_staff_property) == 3


# -- the pages ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_unit_page_lists_them_and_the_action_confirms_then_moves_them(
        client, absorbed, unit_dawangzhuang_property, street_staff_dawangzhuang,
        liaison_zhujianwei):
    unit = unit_dawangzhuang_property
    union = _found(unit, street_staff_dawangzhuang)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("membership:unit_detail", args=[unit.pk])).content.decode()
    assert 'data-testid="members-to-transfer"' in page
    assert absorbed[0].member_number in page
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="transfers-members">3<' in home and unit.name in home
    url = reverse("membership:unit_members_transfer", args=[unit.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'data-testid="transfer-form"' in confirm.content.decode()
    assert Member.objects.filter(union=union).count() == 0  # a GET moves nobody
    done = client.post(url, follow=True)
    assert "3名会员已转入大王庄安居物业服务有限公司工会。" in done.content.decode()
    assert Member.objects.filter(union=union).count() == 3
    again = client.post(url, follow=True)
    assert "没有需要转会的会员。" in again.content.decode()
    # A liaison reads the unit, but neither the list nor the action is theirs.
    client.force_login(liaison_zhujianwei)
    page = client.get(reverse("membership:unit_detail", args=[unit.pk])).content.decode()
    assert 'data-testid="members-to-transfer"' not in page
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_street_home_panel_survives_no_transfers(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="transfers-members">0<' in page


@pytest.mark.django_db
def test_the_unit_page_costs_the_same_with_more_members_to_transfer(
        client, absorbed, unit_dawangzhuang_property, street_staff_dawangzhuang,
        django_assert_max_num_queries):
    _found(unit_dawangzhuang_property, street_staff_dawangzhuang)
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:unit_detail", args=[unit_dawangzhuang_property.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        worker = _employee(street_staff_dawangzhuang, unit_dawangzhuang_property)
        member_enroll(by=street_staff_dawangzhuang, worker=worker,
                      union=_community_union(unit_dawangzhuang_property.community),
                      joined_on=date(2026, 6, 20))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
