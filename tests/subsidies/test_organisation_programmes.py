"""Organisation programmes of SPEC §6.2 against the plan's words (plan §三.(二))."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.core.exceptions import ValidationError

from membership.models import Member, Union, UnionForm, Worker
from subsidies.models import Entitlement, ModelHomeSelection, SocialWorker
from subsidies.organisations import (
    development_due,
    development_entitlements_create,
    industry_grant_create,
    model_home_awards_create,
    model_home_share,
    social_worker_gaps,
)
from tests.subsidies.conftest import make_members


@pytest.mark.django_db
def test_development_subsidy_is_100_a_head_capped_at_10000(admin_user, dawangzhuang,
                                                           dawangzhuang_community,
                                                           dazhigu_community):
    make_members(7, community=dawangzhuang_community, joined_on=date(2026, 3, 1), seed=1)
    make_members(130, community=dazhigu_community, joined_on=date(2026, 4, 1), seed=2)
    make_members(5, community=dawangzhuang_community, joined_on=date(2025, 4, 1), seed=3)
    due = {d.recipient.name: (d.members, d.amount) for d in development_due(2026)}
    assert due["大王庄街道"] == (7, Decimal("700.00"))
    assert due["大直沽街道"] == (130, Decimal("10000.00"))
    assert due["中山门街道"] == (0, Decimal("0.00"))
    with time_machine.travel(date(2026, 12, 31)), pytest.raises(ValidationError) as early:
        development_entitlements_create(year=2026, by=admin_user)
    assert early.value.messages == [
        "会员发展工作补贴按全年入会人数计算：2026年的补贴自2027年1月1日起生成。"]
    with time_machine.travel(date(2027, 1, 1)):
        assert development_entitlements_create(year=2026, by=admin_user) == 2
        assert development_entitlements_create(year=2026, by=admin_user) == 0
    assert Entitlement.objects.get(street=dawangzhuang).amount == Decimal("700.00")


@pytest.mark.django_db
def test_only_whole_unit_informal_and_scattered_members_count(admin_user,
                                                             dawangzhuang_community):
    members = make_members(3, community=dawangzhuang_community, joined_on=date(2026, 3, 1))
    Worker.objects.filter(pk=members[0].worker_id).update(employment_form="contract")
    Worker.objects.filter(pk=members[1].worker_id).update(employment_form="contract",
                                                          whole_unit_informal=True)
    due = {d.recipient.name: d.members for d in development_due(2026)}
    assert due["大王庄街道"] == 2


@pytest.mark.django_db
def test_members_of_an_industry_union_count_for_the_industry_federation(
        admin_user, dawangzhuang_community, property_federation):
    members = make_members(4, community=dawangzhuang_community, joined_on=date(2026, 3, 1))
    union = Union.objects.create(name="物业项目工会", form=UnionForm.PROJECT,
                                 street=dawangzhuang_community.street,
                                 industry_federation=property_federation)
    Member.objects.filter(pk__in=[m.pk for m in members[:3]]).update(union=union)
    due = {d.recipient.name: d.members for d in development_due(2026)}
    assert due[property_federation.name] == 3
    assert due["大王庄街道"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["29999.99", "50000.01", "0"])
def test_an_industry_grant_outside_30000_to_50000_is_refused(admin_user, property_federation,
                                                             amount):
    with pytest.raises(ValidationError) as error:
        industry_grant_create(federation=property_federation, year=2026, amount=amount,
                              by=admin_user)
    assert error.value.message_dict["amount"] == ["补助金额须在30,000至50,000元之间。"]
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_an_industry_grant_once_a_year(admin_user, property_federation):
    grant = industry_grant_create(federation=property_federation, year=2026, amount="30000",
                                  by=admin_user)
    assert grant.amount == Decimal("30000.00")
    with pytest.raises(ValidationError):
        industry_grant_create(federation=property_federation, year=2026, amount="40000",
                              by=admin_user)


@pytest.mark.django_db
def test_model_home_awards_and_the_non_public_share(admin_user, non_public_union,
                                                    community_union):
    union_dawangzhuang_property = non_public_union
    for i in range(6):
        ModelHomeSelection.objects.create(year=2026, name=f"机关职工之家{i}")
    ModelHomeSelection.objects.create(year=2026, name=union_dawangzhuang_property.name,
                                      union=union_dawangzhuang_property, non_public=True)
    ModelHomeSelection.objects.create(year=2026, name="非公小家", non_public=True)
    # Ticked non-public before the union list was limited: neither counted nor awarded.
    ModelHomeSelection.objects.create(year=2026, name=community_union.name,
                                      union=community_union, non_public=True)
    share, meets = model_home_share(2026)
    assert share == Fraction(2, 9) and not meets
    assert model_home_awards_create(year=2026, by=admin_user) == 1
    assert model_home_awards_create(year=2026, by=admin_user) == 0
    award = Entitlement.objects.get(programme_id="MODEL_HOME")
    assert (award.amount, award.union) == (Decimal("10000.00"), union_dawangzhuang_property)
    ModelHomeSelection.objects.filter(union=community_union).delete()
    ModelHomeSelection.objects.create(year=2026, name="机关职工之家6")
    assert model_home_share(2026) == (Fraction(2, 9), False)
    ModelHomeSelection.objects.create(year=2026, name="非公小家2", non_public=True)
    assert model_home_share(2026) == (Fraction(3, 10), True)  # 30% is met, bound included
    assert model_home_share(2025) == (None, False)


@pytest.mark.django_db
def test_streets_and_federations_without_a_social_worker(dawangzhuang, property_federation):
    SocialWorker.objects.create(name="社工甲", street=dawangzhuang, since=date(2026, 1, 1))
    SocialWorker.objects.create(name="社工乙", industry_federation=property_federation,
                                since=date(2026, 1, 1), until=date(2026, 6, 30))
    streets, federations = social_worker_gaps(on=date(2026, 7, 1))
    assert dawangzhuang not in streets and len(streets) == 11
    assert property_federation in federations and len(federations) == 4
    streets, federations = social_worker_gaps(on=date(2026, 6, 30))
    assert property_federation not in federations
