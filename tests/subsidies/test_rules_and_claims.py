"""Programme rules against the plan's words (plan §三.(一), SPEC §6.1)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from subsidies.models import Entitlement, EntitlementState, ProgrammeYear
from subsidies.rules import split
from subsidies.services import (
    QuotaFull,
    entitlement_reject,
    entitlements_approve,
    entitlements_submit,
    skill_claim,
    spring_return_claim,
    universal_run,
)
from tests.subsidies.conftest import make_members

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLAIM_TIME = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)  # 2026 festival: 2-17


def test_the_universal_split_is_90_city_and_60_district():
    """Plan §三.(一)1: 市总工会负担60%、区总工会负担40%."""
    money = split(Decimal("150"), Decimal("0.60"))
    assert (money.amount, money.city, money.district) == (
        Decimal("150.00"), Decimal("90.00"), Decimal("60.00"))


def test_a_split_always_adds_up_to_the_cent():
    money = split(Decimal("0.05"), Decimal("0.60"))
    assert money.city + money.district == money.amount


@pytest.mark.django_db
def test_migrate_created_the_programmes_and_their_years(organisation_structure):
    spring = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026)
    assert (spring.quota, spring.amount) == (10000, Decimal("300.00"))
    assert spring.spring_festival == date(2026, 2, 17)
    universal = ProgrammeYear.objects.get(programme_id="UNIVERSAL", year=2019)
    assert (universal.amount, universal.city_share) == (Decimal("150.00"), Decimal("0.60"))
    assert not ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2019).exists()


@pytest.mark.django_db
def test_the_universal_run_covers_active_migrant_members_once(admin_user,
                                                              dawangzhuang_community):
    migrants = make_members(3, community=dawangzhuang_community, seed=1)
    make_members(2, community=dawangzhuang_community, rural=False, seed=2)
    assert universal_run(year=2026, by=admin_user, on=date(2026, 1, 10)) == 3
    assert universal_run(year=2026, by=admin_user, on=date(2026, 1, 10)) == 0
    rows = Entitlement.objects.filter(programme_id="UNIVERSAL", year=2026)
    assert {e.member_id for e in rows} == {m.pk for m in migrants}
    assert {(e.amount, e.city_amount, e.district_amount) for e in rows} == {
        (Decimal("150.00"), Decimal("90.00"), Decimal("60.00"))}
    assert all(e.history.count() == 1 for e in rows)


@pytest.mark.django_db
def test_the_database_refuses_a_second_universal_for_the_same_year(admin_user,
                                                                  dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community)
    universal_run(year=2026, by=admin_user, on=date(2026, 1, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(programme_id="UNIVERSAL", year=2026, member=member,
                                   amount=150, city_amount=90, district_amount=60)


@pytest.mark.django_db
def test_eligibility_is_checked_again_at_approval(admin_user, dawangzhuang_community):
    first, second = make_members(2, community=dawangzhuang_community)
    universal_run(year=2026, by=admin_user, on=date(2026, 1, 10))
    second.status, second.ended_on, second.end_reason, second.union = (
        "ended", date(2026, 1, 20), "left_job", None)
    second.save()
    queryset = Entitlement.objects.filter(year=2026)
    entitlements_submit(queryset=queryset, by=admin_user)
    assert entitlements_approve(queryset=queryset, by=admin_user, on=date(2026, 2, 1)) == (1, 1)
    rejected = Entitlement.objects.get(member=second)
    assert rejected.state == EntitlementState.REJECTED
    assert "2026-02-01" in rejected.reject_reason


@pytest.mark.django_db
def test_a_spring_return_claim_is_capped_at_300(dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community)
    claim = spring_return_claim(member=member, fare=Decimal("356.50"), ticket_number="g1234x",
                                trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    assert claim.amount == Decimal("300.00") and claim.state == EntitlementState.PENDING
    assert claim.ticket_number == "G1234X"
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 1


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"trip_date": date(2026, 3, 25)}, "trip_date", "返程日期须在"),
    ({"fare": Decimal("-5")}, "fare", "票价须大于0元。"),
    ({"fare": Decimal("0")}, "fare", "票价须大于0元。"),
    ({"fare": Decimal("0.001")}, "fare", "请填写票价（元），最多两位小数。"),
    ({"ticket_number": " "}, "ticket_number", "车票号"),
])
def test_bad_spring_return_claims_are_refused(dawangzhuang_community, change, field, message):
    (member,) = make_members(1, community=dawangzhuang_community)
    claim = {"fare": Decimal("120"), "ticket_number": "T1", "trip_date": date(2026, 2, 25),
             "received_at": CLAIM_TIME, **change}
    with pytest.raises(ValidationError) as error:
        spring_return_claim(member=member, **claim)
    assert message in error.value.message_dict[field][0]
    assert not Entitlement.objects.exists()
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 0


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs,message", [
    ({"out_of_town": False}, "这项补助面向户籍在天津市以外"),
    ({"joined_on": date(2026, 2, 17)}, "春节"),
    ({"with_card": False}, "会员服务卡"),
])
def test_spring_return_eligibility(dawangzhuang_community, kwargs, message):
    (member,) = make_members(1, community=dawangzhuang_community, **kwargs)
    with pytest.raises(ValidationError) as error:
        spring_return_claim(member=member, fare=Decimal("100"), ticket_number="T9",
                            trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    assert message in " ".join(error.value.messages)


@pytest.mark.django_db
def test_a_ticket_is_paid_once_and_a_member_claims_once_a_year(dawangzhuang_community):
    first, second = make_members(2, community=dawangzhuang_community)
    spring_return_claim(member=first, fare=100, ticket_number="T1",
                        trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    with pytest.raises(ValidationError) as error:
        spring_return_claim(member=second, fare=100, ticket_number="t1",
                            trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    assert error.value.message_dict["ticket_number"] == ["这张车票已经申领过。"]
    with pytest.raises(ValidationError) as error:
        spring_return_claim(member=first, fare=100, ticket_number="T2",
                            trip_date=date(2026, 2, 26), received_at=CLAIM_TIME)
    assert error.value.message_dict["ticket_number"] == ["您今年已经申领过这项补助。"]
    # The refused claims took no seat.
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 1


@pytest.mark.django_db
def test_a_full_quota_says_so_and_a_rejection_frees_the_seat(admin_user,
                                                             dawangzhuang_community):
    ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2026).update(quota=1)
    first, second = make_members(2, community=dawangzhuang_community)
    claim = spring_return_claim(member=first, fare=100, ticket_number="T1",
                                trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    with pytest.raises(QuotaFull) as full:
        spring_return_claim(member=second, fare=100, ticket_number="T2",
                            trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    assert str(full.value) == "名额已满。"
    entitlement_reject(entitlement=claim, by=admin_user, reason="车票与身份不符")
    spring_return_claim(member=second, fare=100, ticket_number="T2",
                        trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 1


@pytest.mark.django_db
def test_skill_rewards_by_level_and_certificate(dawangzhuang_community):
    """Plan §三.(一)2: 高级工 500, 技师/高级技师 1000, once per level, a certificate once."""
    first, second = make_members(2, community=dawangzhuang_community)
    senior = skill_claim(member=first, level="senior", certificate_number="ZS-001",
                         certificate_date=date(2026, 5, 1), on=date(2026, 6, 1))
    assert (senior.programme_id, senior.amount, senior.year) == (
        "SKILL_SENIOR", Decimal("500.00"), 2026)
    tech = skill_claim(member=first, level="senior_technician", certificate_number="ZS-002",
                       certificate_date=date(2026, 5, 2), on=date(2026, 6, 1))
    assert (tech.programme_id, tech.amount) == ("SKILL_TECH", Decimal("1000.00"))
    with pytest.raises(ValidationError) as error:
        skill_claim(member=first, level="technician", certificate_number="ZS-003",
                    certificate_date=date(2026, 5, 3), on=date(2026, 6, 1))
    assert error.value.message_dict["certificate_level"] == ["该会员已领取过这一等级的奖励。"]
    with pytest.raises(ValidationError) as error:
        skill_claim(member=second, level="senior", certificate_number="zs-001",
                    certificate_date=date(2026, 5, 1), on=date(2026, 6, 1))
    assert error.value.message_dict["certificate_number"] == ["这本证书已经奖励过。"]


@pytest.mark.django_db
def test_a_skill_reward_refused_out_of_tianjin_speaks_of_a_reward(dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community, out_of_town=False)
    with pytest.raises(ValidationError) as error:
        skill_claim(member=member, level="senior", certificate_number="ZS-9",
                    certificate_date=date(2026, 5, 1), on=date(2026, 6, 1))
    assert error.value.messages == ["这项奖励面向户籍在天津市以外的外来务工会员。"]


@pytest.mark.django_db
def test_certificates_before_2019_are_not_rewarded(dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community)
    with pytest.raises(ValidationError) as error:
        skill_claim(member=member, level="senior", certificate_number="OLD-1",
                    certificate_date=date(2018, 12, 31), on=date(2026, 6, 1))
    assert "2019年1月1日" in error.value.message_dict["certificate_date"][0]
