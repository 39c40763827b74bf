"""Who a batch pays (SPEC §6, plan §三): the individual subsidies are paid to the member's
own card (发放至本人会员服务卡), so a member without a bound card waits (待绑卡), still
approved; the organisation programmes are paid by the district finance by transfer, from a
transfer list naming the recipient organisations."""

import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from membership import fakes
from membership.services.members import member_bind_card
from subsidies.models import Batch, Entitlement, EntitlementState, LineStatus
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_payment_file,
    batch_result_apply,
)
from tests.subsidies.conftest import make_members, universal_approved

WAITING_2 = "另有2条已审批记录待绑卡，会员绑定会员服务卡后由以后的批次发放。"


pytestmark = pytest.mark.usefixtures("spring_day")


@pytest.fixture
def carded(dawangzhuang_community):
    return make_members(3, community=dawangzhuang_community, seed=11)


@pytest.fixture
def cardless(dawangzhuang_community):
    return make_members(2, community=dawangzhuang_community, with_card=False, seed=12)


def _approve_universal(admin_user):
    queryset = universal_approved(admin_user)
    assert queryset.filter(state=EntitlementState.APPROVED).count() == queryset.count()
    return queryset


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _sheet(batch):
    return load_workbook(io.BytesIO(batch.payment_file.read_decrypted())).active


def _bind(member, admin_user, seed=99):
    return member_bind_card(member=member, by=admin_user,
                            card_number=fakes.card_number(random.Random(seed)))


@pytest.mark.django_db
def test_a_card_unbound_after_the_batch_is_not_sent_and_the_line_fails(admin_user,
                                                                      second_admin, carded):
    universal = _approve_universal(admin_user)
    batch = batch_create(by=admin_user, queryset=universal)
    batch_approve(batch=batch, by=second_admin)
    unbound = carded[1]
    member_bind_card(member=unbound, by=admin_user, card_number="")  # the card was lost
    batch = batch_payment_file(batch=batch, by=second_admin)
    rows = list(_sheet(batch).iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2 and all(row[1] for row in rows)
    line = batch.lines.get(entitlement__member=unbound)
    assert (line.status, line.failure_reason) == (LineStatus.FAILED, "会员未绑定会员服务卡。")
    assert line.line_id not in {row[0] for row in rows}
    assert line.entitlement.state == EntitlementState.FAILED
    assert line.entitlement.history.latest().history_user == second_admin
    assert batch.state == "sent"
    # It waits for the card; once bound, a later batch pays it, and nothing else.
    with pytest.raises(ValidationError):
        batch_create(by=admin_user, queryset=universal)
    _bind(unbound, admin_user)
    again = batch_create(by=admin_user, queryset=universal)
    assert list(again.lines.values_list("entitlement_id", flat=True)) == [line.entitlement_id]


@pytest.mark.django_db
def test_a_batch_with_no_card_left_is_settled_by_its_file(admin_user, second_admin, carded):
    universal = _approve_universal(admin_user)
    batch = batch_create(by=admin_user, queryset=universal)
    batch_approve(batch=batch, by=second_admin)
    for member in carded:
        member_bind_card(member=member, by=admin_user, card_number="")
    batch = batch_payment_file(batch=batch, by=second_admin)
    assert batch.state == "settled"
    assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.FAILED}
    assert list(_sheet(batch).iter_rows(min_row=3, values_only=True)) == []


@pytest.mark.django_db
def test_a_sent_batch_keeps_its_one_file(admin_user, second_admin, carded):
    universal = _approve_universal(admin_user)
    batch = batch_create(by=admin_user, queryset=universal)
    batch_approve(batch=batch, by=second_admin)
    batch = batch_payment_file(batch=batch, by=second_admin)
    first = batch.payment_file.read()
    ids = [line.line_id for line in batch.lines.order_by("pk")]
    batch_result_apply(batch=batch, by=second_admin, rows=[(3, ids[0], "成功", "", None)])
    # A task delivered twice, or run again after the bank's result: nothing changes.
    again = batch_payment_file(batch=batch, by=second_admin)
    assert again.payment_file.name == batch.payment_file.name
    assert again.payment_file.read() == first
    assert AccessLog.objects.filter(action="export", target_type="subsidies.batch").count() == 1


# --- Members: paid to their own card ----------------------------------------------------

@pytest.mark.django_db
def test_a_member_without_a_card_is_left_out_and_the_message_counts_it(
        client, admin_user, carded, cardless):
    universal = _approve_universal(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:batch_create"),
                           {"programme": "UNIVERSAL", "year": 2026}, follow=True)
    batch = Batch.objects.get()
    assert f"已生成批次{batch.number}，须由另一位管理员审批。 {WAITING_2}" in _messages(response)
    assert set(batch.lines.values_list("entitlement__member", flat=True)) == {
        m.pk for m in carded}
    # Not lost: still approved, and what the next batch may take.
    left = universal.filter(member__in=cardless)
    assert {e.shown_state for e in left} == {EntitlementState.APPROVED}
    assert set(Entitlement.objects.payable()) == set(left)


@pytest.mark.django_db
def test_after_binding_the_card_the_next_batch_takes_it(admin_user, carded, cardless):
    universal = _approve_universal(admin_user)
    first = batch_create(by=admin_user, queryset=universal)
    assert (first.lines.count(), first.waiting_for_card) == (3, 2)
    _bind(cardless[0], admin_user)
    second = batch_create(by=admin_user, queryset=universal)
    assert list(second.lines.values_list("entitlement__member", flat=True)) == [cardless[0].pk]
    assert second.waiting_for_card == 1


@pytest.mark.django_db
def test_when_every_approved_entitlement_waits_for_a_card_the_refusal_says_so(
        client, admin_user, cardless):
    _approve_universal(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:batch_create"),
                           {"programme": "UNIVERSAL", "year": 2026}, follow=True)
    assert _messages(response) == [
        "暂无可以发放的记录：2条已审批记录待绑卡（会员尚未绑定会员服务卡）。"]
    assert not Batch.objects.exists()
    # Back on the list with the programme and year kept, and their count shown.
    assert response.redirect_chain[-1][0] == (
        reverse("subsidies:batch_list") + "?programme=UNIVERSAL&year=2026")
    assert [(r["programme_id"], r["ready"], r["waiting"])
            for r in response.context["waiting"]] == [("UNIVERSAL", 0, 2)]


@pytest.mark.django_db
def test_the_batch_list_counts_who_waits_for_a_card_in_two_grouped_queries(
        client, admin_user, carded, cardless, property_federation,
        django_assert_max_num_queries):
    _approve_universal(admin_user)
    Entitlement.objects.create(programme_id="INDUSTRY_GRANT", year=2026,
                               industry_federation=property_federation,
                               amount=Decimal("30000"), city_amount=Decimal("0"),
                               district_amount=Decimal("30000"),
                               state=EntitlementState.APPROVED)
    client.force_login(admin_user)
    url = reverse("subsidies:batch_list")
    client.get(url)  # the session and the user, read once
    # 6, and the office's second-factor device, read at every request (django-otp).
    with django_assert_max_num_queries(7) as queries:
        response = client.get(url)
    waiting = [q["sql"] for q in queries.captured_queries if "card_hmac" in q["sql"]]
    assert len(waiting) == 1  # every programme and year's waiting ones in one grouped query
    assert [(r["programme_id"], r["year"], r["ready"], r["waiting"])
            for r in response.context["waiting"]] == [
        ("UNIVERSAL", 2026, 3, 2), ("INDUSTRY_GRANT", 2026, 1, 0)]
    page = response.content.decode()
    assert 'data-testid="waiting-UNIVERSAL-2026"' in page and "待绑卡" in page
    # The programme and year chosen: that one only.
    response = client.get(url, {"programme": "INDUSTRY_GRANT", "year": 2026})
    assert [r["programme_id"] for r in response.context["waiting"]] == ["INDUSTRY_GRANT"]


@pytest.mark.django_db
def test_the_member_payment_file_is_unchanged_and_has_no_empty_card(
        admin_user, second_admin, carded, cardless):
    batch = batch_create(by=admin_user, queryset=_approve_universal(admin_user))
    batch_approve(batch=batch, by=second_admin)
    batch = batch_payment_file(batch=batch, by=second_admin)
    sheet = _sheet(batch)
    assert sheet["A1"].value.startswith("发放文件")
    assert [c.value for c in sheet[2]] == ["明细编号", "会员服务卡号", "姓名", "金额"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert {r[1] for r in rows} == {m.card_number for m in carded}
    assert {r[2] for r in rows} == {"测试"} and {r[3] for r in rows} == {150}


@pytest.mark.django_db
def test_retrying_failed_lines_keeps_the_card_rule(client, admin_user, second_admin, carded):
    batch = batch_create(by=admin_user, queryset=_approve_universal(admin_user))
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    lines = list(batch.lines.order_by("pk").select_related("entitlement__member"))
    batch_result_apply(batch=batch, by=second_admin, rows=[
        (3 + i, line.line_id, "失败", "卡已注销", None) for i, line in enumerate(lines)])
    # Two of the three cards are unbound (lost cards): only the third can be paid again.
    for line in lines[:2]:
        member_bind_card(member=line.entitlement.member, by=admin_user, card_number="")
    client.force_login(second_admin)
    retry = reverse("subsidies:batch_retry_failed", args=[batch.pk])
    response = client.post(retry, follow=True)
    new = Batch.objects.exclude(pk=batch.pk).get()
    assert list(new.lines.values_list("entitlement", flat=True)) == [lines[2].entitlement_id]
    assert (f"已用{batch.number}的失败明细生成批次{new.number}。 {WAITING_2}"
            in _messages(response))
    # What is left waits for a card, and the refusal says so.
    response = client.post(retry, follow=True)
    assert _messages(response) == [
        "暂无可以发放的记录：2条已审批记录待绑卡（会员尚未绑定会员服务卡）。"]
    assert Batch.objects.count() == 2


# --- Organisations: paid by transfer ----------------------------------------------------

@pytest.fixture
def organisation_entitlements(dawangzhuang, property_federation, union_dawangzhuang_property):
    """An approved entitlement of each kind of recipient organisation."""
    def approved(code, amount, **recipient):
        return Entitlement.objects.create(
            programme_id=code, year=2026, amount=Decimal(amount), city_amount=Decimal("0"),
            district_amount=Decimal(amount), state=EntitlementState.APPROVED, **recipient)

    return [approved("DEVELOPMENT", "700", street=dawangzhuang),
            approved("INDUSTRY_GRANT", "30000", industry_federation=property_federation),
            approved("MODEL_HOME", "10000", union=union_dawangzhuang_property)]


@pytest.mark.django_db
def test_an_organisation_batch_has_a_transfer_list_naming_the_organisations(
        admin_user, second_admin, organisation_entitlements, property_federation,
        union_dawangzhuang_property):
    batch = batch_create(by=admin_user, queryset=Entitlement.objects.all())
    assert batch.pays_organisations and batch.lines.count() == 3
    batch_approve(batch=batch, by=second_admin)
    batch = batch_payment_file(batch=batch, by=second_admin)
    sheet = _sheet(batch)
    assert sheet["A1"].value.startswith("划款清单")
    assert [c.value for c in sheet[2]] == ["明细编号", "收款单位", "金额"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[2]) for r in rows] == [
        ("大王庄街道总工会", 700), (property_federation.name, 30000),
        (union_dawangzhuang_property.name, 10000)]
    assert sheet.cell(3, 3).number_format == "#,##0.00"
    # The finance's result is imported as the bank's is.
    ids = [r[0] for r in rows]
    report = batch_result_apply(batch=batch, by=second_admin, rows=[
        (3, ids[0], "成功", "", 700), (4, ids[1], "成功", "", None),
        (5, ids[2], "失败", "账户有误", None)])
    assert (report.paid, report.failed, report.errors) == (2, 1, [])
    assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.PAID,
                                                                LineStatus.FAILED}


@pytest.mark.django_db
def test_an_organisation_batch_is_downloaded_without_the_full_pii_permission(
        client, admin_user, second_admin, leader, organisation_entitlements):
    """The transfer list holds no card or ID number: any office user may download it (the
    download still logged); a member batch's file still needs the permission."""
    from accounts.models import AccessLog, User
    from accounts.services import user_upsert

    batch = batch_create(by=admin_user, queryset=Entitlement.objects.all())
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    clerk = user_upsert(username="office_li", role="admin", password="x-secret-123")
    User.objects.filter(pk=clerk.pk).update(is_superuser=False)
    assert not User.objects.get(pk=clerk.pk).can_see_full_pii
    client.force_login(clerk)
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="download"' in page and "download-needs-pii" not in page
    response = client.get(reverse("subsidies:batch_download", args=[batch.pk]))
    assert response.status_code == 200
    assert AccessLog.objects.filter(user=clerk, target_id=batch.pk).exists()
    client.force_login(leader)
    assert client.get(reverse("subsidies:batch_download", args=[batch.pk])).status_code == 403


@pytest.mark.django_db
def test_the_batch_detail_names_the_recipient_organisation(
        client, admin_user, organisation_entitlements, property_federation):
    batch = batch_create(by=admin_user, queryset=Entitlement.objects.all())
    client.force_login(admin_user)
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="line-recipient">大王庄街道总工会<' in page
    assert f'data-testid="line-recipient">{property_federation.name}<' in page
    assert "由区总工会财务向下列收款单位转账拨付" in page and "<th>收款单位</th>" in page
    assert "<th>卡号</th>" not in page and "<th>身份证号</th>" not in page
    upload = client.get(reverse("subsidies:batch_result_upload", args=[batch.pk]))
    assert f"导入{batch.number}的财务划款结果" in upload.content.decode()


@pytest.mark.django_db
def test_a_batch_never_mixes_members_and_organisations(
        admin_user, second_admin, carded, organisation_entitlements):
    _approve_universal(admin_user)
    everything = Entitlement.objects.all()
    members = batch_create(by=admin_user, queryset=everything)
    assert set(members.lines.values_list("entitlement__programme", flat=True)) == {"UNIVERSAL"}
    assert not members.pays_organisations
    organisations = batch_create(by=admin_user, queryset=everything)
    assert organisations.pays_organisations and organisations.lines.count() == 3
    with pytest.raises(ValidationError):
        batch_create(by=admin_user, queryset=everything)


@pytest.mark.django_db
def test_retrying_an_organisation_batch_makes_an_organisation_batch(
        client, admin_user, second_admin, organisation_entitlements, carded):
    _approve_universal(admin_user)  # approved members' entitlements, not in this batch
    batch = batch_create(by=admin_user, queryset=Entitlement.objects.filter(
        pk__in=[e.pk for e in organisation_entitlements]))
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    batch_result_apply(batch=batch, by=second_admin, rows=[
        (3 + i, line_id, "失败", "账户有误", None)
        for i, line_id in enumerate(line.line_id for line in batch.lines.all())])
    client.force_login(second_admin)
    client.post(reverse("subsidies:batch_retry_failed", args=[batch.pk]))
    new = Batch.objects.exclude(pk=batch.pk).get()
    assert new.pays_organisations and new.lines.count() == 3
    batch_approve(batch=new, by=admin_user)
    new = batch_payment_file(batch=new, by=admin_user)
    assert [c.value for c in _sheet(new)[2]] == ["明细编号", "收款单位", "金额"]
