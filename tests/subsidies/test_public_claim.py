"""The member's own pages (SPEC §6.1, §8; issue 5 §4, §7): identification with the ID number
and the card's last 6 digits, the spring-return claim with its outcomes, the member's
entitlements and payments, rate limits, the honeypot, nothing personal in URLs."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from membership.pii import mask_card
from subsidies.models import Entitlement, EntitlementState, ProgrammeYear
from subsidies.selectors import member_identify
from subsidies.services import (
    batch_result_apply,
    entitlement_reject,
    entitlements_submit,
    universal_run,
)
from subsidies.views.public import SESSION_MEMBER, SESSION_TYPED_CLAIM
from tests.subsidies.conftest import batch_sent, make_members, universal_approved
from tests.subsidies.pages import empty_cache  # noqa: F401

CLAIM = reverse("subsidies:public_spring_return")
MINE = reverse("subsidies:public_self_service")


@pytest.fixture(autouse=True)
def _frozen_today(empty_cache, spring_day):
    return spring_day


@pytest.fixture
def member(dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community, seed=21)
    return member


def _identify(client, member, *, id_number=None, last6=None, **extra):
    return client.post(CLAIM if "url" not in extra else extra.pop("url"), {
        "step": "identify", "id_number": id_number or member.worker.id_number,
        "card_last6": last6 or member.card_number[-6:], "website": "", **extra})


def _claim(client, **fields):
    data = {"step": "claim", "fare": "235.50", "ticket_number": "g1234-0567",
            "trip_date": "2026-02-25", "website": ""}
    data.update(fields)
    return client.post(CLAIM, data)


def _spring():
    return ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026)


# --- Identification ---------------------------------------------------------------------

@pytest.mark.django_db
def test_the_selector_finds_the_member_by_id_and_card_digits(member):
    assert member_identify(id_number=member.worker.id_number.lower(),
                           card_last6=member.card_number[-6:]) == member
    assert member_identify(id_number=member.worker.id_number, card_last6="000000") is None
    assert member_identify(id_number="not an id", card_last6=member.card_number[-6:]) is None


@pytest.mark.django_db
def test_an_ended_membership_or_an_unbound_card_does_not_identify(dawangzhuang_community):
    from membership.models import Member

    (ended,) = make_members(1, community=dawangzhuang_community, seed=22)
    Member.objects.filter(pk=ended.pk).update(status="ended", ended_on=date(2026, 2, 1),
                                              end_reason="left_job", union=None)
    assert member_identify(id_number=ended.worker.id_number,
                           card_last6=ended.card_number[-6:]) is None
    (cardless,) = make_members(1, community=dawangzhuang_community, seed=23, with_card=False)
    assert member_identify(id_number=cardless.worker.id_number, card_last6="123456") is None


@pytest.mark.django_db
def test_a_member_identifies_and_nothing_personal_goes_in_the_url(client, member):
    response = _identify(client, member)
    assert response.status_code == 302 and response["Location"] == CLAIM
    assert client.session[SESSION_MEMBER]["id"] == member.pk
    page = client.get(CLAIM).content.decode()
    assert 'data-testid="claim-form"' in page
    assert f"卡号{mask_card(member.card_number)}" in page
    assert member.worker.id_number not in page and member.card_number not in page


@pytest.mark.django_db
def test_a_failed_identification_says_nothing_about_whether_the_id_exists(client, member,
                                                                          dawangzhuang):
    import random

    from membership import fakes

    unknown_id = fakes.resident_id(random.Random(99), birth_date=date(1991, 1, 1))
    wrong_card = _identify(client, member, last6="000000")
    unknown = _identify(client, member, id_number=unknown_id)
    message = "无法核实您的身份。请检查身份证号和会员服务卡号后6位。"
    for response in (wrong_card, unknown):
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [message]
        assert list(response.context["form"].errors) == ["__all__"]
    assert SESSION_MEMBER not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("id_number", "", "请填写身份证号。"),
    ("id_number", "12345", "身份证号应为18位"),
    ("card_last6", "12a456", "请填写会员服务卡号的后6位数字。"),
    ("card_last6", "1234567", "请填写会员服务卡号的后6位数字。"),
])
def test_badly_typed_identification_is_told_next_to_the_field(client, member, field, value,
                                                              message):
    data = {"step": "identify", "id_number": member.worker.id_number,
            "card_last6": member.card_number[-6:], field: value}
    response = client.post(CLAIM, data)
    assert message in " ".join(response.context["form"].errors[field])
    if value:
        assert f'value="{value}"' in response.content.decode()
    assert SESSION_MEMBER not in client.session


@pytest.mark.django_db
def test_the_identification_lasts_ten_minutes(client, member, _frozen_today):
    _identify(client, member)
    assert 'data-testid="claim-form"' in client.get(CLAIM).content.decode()
    _frozen_today.shift(11 * 60)
    assert 'data-testid="identify-form"' in client.get(CLAIM).content.decode()


@pytest.mark.django_db
def test_a_claim_posted_after_the_identification_ran_out_keeps_what_was_typed(
        client, member, _frozen_today):
    _identify(client, member)
    client.get(CLAIM)
    _frozen_today.shift(11 * 60)
    response = _claim(client)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="identify-form"' in page
    assert 'data-testid="identification-timed-out"' in page and "已经过期，申请未提交" in page
    assert not Entitlement.objects.exists()
    kept = client.session[SESSION_TYPED_CLAIM]
    assert kept == {"fare": "235.50", "ticket_number": "g1234-0567", "trip_date": "2026-02-25",
                    "member": member.pk}
    stored = str(dict(client.session.items()))
    assert member.worker.id_number not in stored and member.card_number[-6:] not in stored

    assert _identify(client, member).status_code == 302
    page = client.get(CLAIM).content.decode()
    assert 'data-testid="claim-form"' in page
    for typed in ("235.50", "g1234-0567", "2026-02-25"):
        assert f'value="{typed}"' in page
    assert SESSION_TYPED_CLAIM not in client.session
    assert _claim(client).status_code == 302 and Entitlement.objects.count() == 1


@pytest.mark.django_db
def test_what_one_member_typed_is_not_shown_to_the_next_on_the_same_phone(
        client, member, dawangzhuang_community, _frozen_today):
    (other,) = make_members(1, community=dawangzhuang_community, seed=22)
    _identify(client, member)
    client.get(CLAIM)
    _frozen_today.shift(11 * 60)
    _claim(client)  # ran out: the fare, ticket and date kept for this member
    assert _identify(client, other).status_code == 302
    page = client.get(CLAIM).content.decode()
    assert 'data-testid="claim-form"' in page
    for typed in ("235.50", "g1234-0567"):
        assert f'value="{typed}"' not in page
    assert SESSION_TYPED_CLAIM not in client.session


@pytest.mark.django_db
def test_a_claim_posted_without_ever_identifying_keeps_nothing(client, member):
    response = _claim(client)
    page = response.content.decode()
    assert 'data-testid="identify-form"' in page
    assert 'data-testid="identification-timed-out"' not in page
    assert SESSION_TYPED_CLAIM not in client.session


@pytest.mark.django_db
def test_leaving_forgets_the_member(client, member):
    _identify(client, member)
    client.post(reverse("subsidies:public_leave"))
    assert SESSION_MEMBER not in client.session
    assert 'data-testid="identify-form"' in client.get(MINE).content.decode()


# --- The claim --------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_claim_is_received_pending_with_its_number(client, member):
    _identify(client, member)
    response = _claim(client)
    assert response.status_code == 302 and response["Location"] == CLAIM
    claim = Entitlement.objects.get()
    assert (claim.state, claim.amount, claim.ticket_number, claim.member) == (
        EntitlementState.PENDING, Decimal("235.50"), "G1234-0567", member)
    page = client.get(CLAIM).content.decode()
    assert f'data-testid="claim-number">{claim.number}<' in page
    assert 'data-testid="claim-state">待审批<' in page
    assert _spring().accepted == 1


@pytest.mark.django_db
def test_the_form_shows_the_years_own_amount_and_window_before_claiming(client, member):
    ProgrammeYear.objects.filter(pk=_spring().pk).update(
        amount=Decimal("280.00"), window_start=date(2026, 2, 10), window_end=date(2026, 3, 15))
    _identify(client, member)
    page = client.get(CLAIM).content.decode()
    terms = page.split('data-testid="claim-terms">')[1].split("</p>")[0]
    assert "最高280.00元" in terms and "300" not in terms
    window = page.split('data-testid="claim-window">')[1].split("</p>")[0]
    assert window == "返程日期须在2026-02-10至2026-03-15之间。"
    assert 'data-testid="claim-form"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("settings_missing", ["no_year", "no_dates"])
def test_without_the_years_settings_the_page_says_claims_are_not_open(client, member,
                                                                       settings_missing):
    if settings_missing == "no_year":
        ProgrammeYear.objects.filter(pk=_spring().pk).delete()
    else:
        ProgrammeYear.objects.filter(pk=_spring().pk).update(window_start=None, window_end=None)
    _identify(client, member)
    response = client.get(CLAIM)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="claims-not-open"' in page and "2026年的申领尚未开放。" in page
    assert 'data-testid="claim-form"' not in page and 'data-testid="claim-window"' not in page
    assert _claim(client).status_code == 200 and not Entitlement.objects.exists()


@pytest.mark.django_db
def test_the_ticket_number_says_what_to_enter(client, member):
    _identify(client, member)
    page = client.get(CLAIM).content.decode()
    assert "请填写车票上印的票号或购票订单号，不要填车次。" in page


@pytest.mark.django_db
def test_an_out_of_tianjin_refusal_speaks_of_a_subsidy(client, dawangzhuang_community):
    (local,) = make_members(1, community=dawangzhuang_community, seed=27, out_of_town=False)
    _identify(client, local)
    response = _claim(client)
    assert response.context["form"].non_field_errors() == [
        "这项补助面向户籍在天津市以外的外来务工会员。"]
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_a_fare_above_300_is_capped(client, member):
    _identify(client, member)
    _claim(client, fare="356.50")
    assert Entitlement.objects.get().amount == Decimal("300.00")


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("fare", "", "请填写车票上的票价。"),
    ("fare", "abc", "请以元为单位填写票价，例如235.50。"),
    ("fare", "0", "票价须大于0元。"),
    ("fare", "-5", "票价须大于0元。"),
    ("fare", "12.345", "请填写票价（元），最多两位小数。"),
    ("ticket_number", "", "请填写车票号。"),
    ("trip_date", "", "请填写返程日期。"),
    ("trip_date", "2026-02-30", "请按“年-月-日”填写日期，例如2026-02-25。"),
    ("trip_date", "2026-03-25", "返程日期须在"),
    ("trip_date", "2026-02-10", "返程日期须在"),
])
def test_bad_claims_are_told_next_to_the_field_and_keep_what_was_typed(client, member, field,
                                                                      value, message):
    _identify(client, member)
    response = _claim(client, **{field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert f'id="error_1_id_{field}"' in page  # crispy puts it under the field
    kept = {"fare": "235.50", "ticket_number": "g1234-0567", "trip_date": "2026-02-25"}
    for other, typed in kept.items():
        if other != field:
            assert f'value="{typed}"' in page
    assert not Entitlement.objects.exists() and _spring().accepted == 0


@pytest.mark.django_db
def test_a_fare_with_three_decimals_is_told_once(client, member):
    _identify(client, member)
    response = _claim(client, fare="0.001")
    assert response.context["form"].errors["fare"] == ["请填写票价（元），最多两位小数。"]


@pytest.mark.django_db
def test_a_membership_begun_after_the_festival_is_refused(client, dawangzhuang_community):
    (late,) = make_members(1, community=dawangzhuang_community, seed=24,
                           joined_on=date(2026, 2, 20))
    _identify(client, late)
    response = _claim(client)
    assert "须在今年春节（2026-02-17）之前入会。" in response.content.decode()
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_one_claim_a_year_and_one_per_ticket(client, member, dawangzhuang_community):
    _identify(client, member)
    _claim(client, ticket_number="T-1")
    response = _claim(client, ticket_number="T-2")
    assert response.context["form"].errors["ticket_number"] == ["您今年已经申领过这项补助。"]
    (other,) = make_members(1, community=dawangzhuang_community, seed=25)
    other_client = type(client)()
    _identify(other_client, other)
    response = _claim(other_client, ticket_number="t-1")
    assert response.context["form"].errors["ticket_number"] == ["这张车票已经申领过。"]
    assert Entitlement.objects.count() == 1 and _spring().accepted == 1


@pytest.mark.django_db
def test_a_full_quota_says_so_and_keeps_what_was_typed(client, member):
    ProgrammeYear.objects.filter(pk=_spring().pk).update(quota=0)
    _identify(client, member)
    response = _claim(client)
    page = response.content.decode()
    assert response.status_code == 200 and response.context["quota_full"]
    assert 'data-testid="quota-full"' in page and "名额已满" in page
    assert 'value="235.50"' in page and 'value="g1234-0567"' in page
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_the_honeypot_stores_nothing(client, member):
    response = _identify(client, member, website="http://spam.example")
    assert SESSION_MEMBER not in client.session
    assert response.context["form"].non_field_errors() == [
        "无法核实您的身份。请检查身份证号和会员服务卡号后6位。"]
    _identify(client, member)
    response = _claim(client, website="http://spam.example")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["申请未能受理，请重试。"]
    assert not Entitlement.objects.exists() and _spring().accepted == 0


@pytest.mark.django_db
def test_the_honeypot_is_hidden_from_people(client):
    page = client.get(CLAIM).content.decode()
    assert 'id="div_id_website"' in page and 'tabindex="-1"' in page
    with open("static/css/portal.css") as css:
        assert "#div_id_website { position: absolute; left: -10000px" in css.read()


# --- Rate limits ------------------------------------------------------------------------

@pytest.mark.django_db
def test_identification_is_rate_limited_by_address_with_a_readable_429(client, member,
                                                                      settings):
    settings.SUBSIDIES_PUBLIC_RATE = "3/m"
    for _ in range(3):
        assert _identify(client, member, last6="000000").status_code == 200
    response = _identify(client, member)  # even the right digits now wait
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="rate-limited"' in page and "操作过于频繁" in page
    seconds = int(response["Retry-After"])  # the seconds left in the minute's window
    assert 1 <= seconds <= 60 and ("秒" in page or "1分钟" in page)
    assert SESSION_MEMBER not in client.session


@pytest.mark.django_db
def test_guessing_card_digits_for_one_id_is_limited_across_addresses(client, member, settings):
    settings.SUBSIDIES_IDENTIFY_RATE_PER_ID = "2/h"
    for address in ("10.0.0.1", "10.0.0.2"):
        assert _identify(client, member, last6="000000",
                         REMOTE_ADDR=address).status_code == 200
    assert _identify(client, member, REMOTE_ADDR="10.0.0.3").status_code == 429


@pytest.mark.django_db
def test_a_malformed_identification_uses_up_none_of_the_ids_tries(client, member, settings):
    settings.SUBSIDIES_IDENTIFY_RATE_PER_ID = "2/h"
    for _ in range(3):  # card digits that are not 6 digits: the form refuses, nothing counted
        assert _identify(client, member, last6="12ab").status_code == 200
    assert _identify(client, member, last6="000000").status_code == 200  # counted: 1
    response = _identify(client, member)  # counted: 2, within the limit
    assert response.status_code == 302


@pytest.mark.django_db
def test_claims_are_rate_limited(client, member, settings):
    _identify(client, member)
    settings.SUBSIDIES_PUBLIC_RATE = "2/m"
    assert _claim(client, fare="abc").status_code == 200
    assert _claim(client, fare="abc").status_code == 200
    assert _claim(client).status_code == 429
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_the_limit_lifts_after_a_minute(client, member, settings, _frozen_today):
    settings.SUBSIDIES_PUBLIC_RATE = "1/m"
    _identify(client, member, last6="000000")
    assert _identify(client, member).status_code == 429
    _frozen_today.shift(61)
    assert _identify(client, member).status_code == 302


# --- The member's own entitlements and payments ------------------------------------------

@pytest.mark.django_db
def test_the_member_sees_entitlements_and_payments_with_the_card_masked(
        client, member, admin_user, second_admin):
    batch = batch_sent(universal_approved(admin_user), maker=admin_user, checker=second_admin)
    line = batch.lines.get()
    batch_result_apply(batch=batch, by=second_admin, rows=[(3, line.line_id, "成功", "", None)])

    assert 'data-testid="identify-form"' in client.get(MINE).content.decode()
    _identify(client, member, url=MINE)
    page = client.get(MINE).content.decode()
    entitlements = page.split('data-testid="my-entitlements"')[1].split("</ul>")[0]
    payments = page.split('data-testid="my-payments"')[1].split("</ul>")[0]
    assert "农民工会员普惠 2026" in entitlements and "已发放" in entitlements
    assert "150.00" in payments and "已发放" in payments
    assert mask_card(member.card_number) in page
    assert member.card_number not in page and member.worker.id_number not in page


@pytest.mark.django_db
def test_the_member_never_sees_a_draft(client, member, admin_user):
    universal_run(year=2026, by=admin_user)  # the office's drafts
    _identify(client, member, url=MINE)
    response = client.get(MINE)
    page = response.content.decode()
    draft = Entitlement.objects.get(member=member)
    assert draft.state == EntitlementState.DRAFT
    assert response.context["data"].entitlements == []
    assert draft.number not in page and "草稿" not in page and "农民工会员普惠" not in page
    entitlements_submit(queryset=Entitlement.objects.all(), by=admin_user)
    page = client.get(MINE).content.decode()
    assert draft.number in page and "待审批" in page


@pytest.mark.django_db
def test_a_withdrawn_draft_is_never_shown_but_a_rejected_entitlement_is(client, member,
                                                                       admin_user):
    universal_run(year=2026, by=admin_user)
    draft = Entitlement.objects.get(member=member)
    withdrawn = entitlement_reject(entitlement=draft, by=admin_user, reason="内部核查：重复登记")
    assert (withdrawn.state, withdrawn.reject_reason) == (EntitlementState.CANCELLED,
                                                         "内部核查：重复登记")
    assert draft.history.latest().history_type == "~"
    _identify(client, member, url=MINE)
    page = client.get(MINE).content.decode()
    assert draft.number not in page and "内部核查" not in page and "已取消" not in page
    # Run again: the member gets a new draft, submitted, then rejected on review: shown.
    universal_run(year=2026, by=admin_user)
    again = Entitlement.objects.get(member=member, state=EntitlementState.DRAFT)
    entitlements_submit(queryset=Entitlement.objects.filter(pk=again.pk), by=admin_user)
    rejected = entitlement_reject(entitlement=again, by=admin_user, reason="会籍已终止")
    assert rejected.state == EntitlementState.REJECTED
    page = client.get(MINE).content.decode()
    assert again.number in page and "已驳回" in page and "会籍已终止" in page
    assert draft.number not in page


@pytest.mark.django_db
def test_another_members_data_is_never_shown(client, member, dawangzhuang_community,
                                             admin_user):
    (other,) = make_members(1, community=dawangzhuang_community, seed=26)
    universal_run(year=2026, by=admin_user)
    entitlements_submit(queryset=Entitlement.objects.all(), by=admin_user)
    _identify(client, member, url=MINE)
    response = client.get(MINE)
    numbers = [e.number for e in response.context["data"].entitlements]
    assert numbers == [Entitlement.objects.get(member=member).number]
    assert Entitlement.objects.get(member=other).number not in response.content.decode()
