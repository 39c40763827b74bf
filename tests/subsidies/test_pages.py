"""The office's subsidy pages (SPEC §6, §8): totals to the yuan and their Excel export,
programme settings, the yearly rule run, entitlements, batches with a second approver, the
payment file and the bank's result, organisation programmes, staff skill-reward claims.
The office writes, the leadership group reads with personal data masked, others are kept
out (tests/accounts/test_scoping_matrix.py tries every role on every URL)."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from membership.models import Member
from membership.pii import mask_id
from subsidies.models import (
    Batch,
    BatchState,
    Entitlement,
    EntitlementState,
    ModelHomeSelection,
    ProgrammeYear,
    ResultUpload,
)
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_payment_file,
    entitlements_approve,
    entitlements_submit,
    spring_return_claim,
    universal_run,
)
from tests.subsidies.conftest import batch_sent, make_members, universal_approved
from tests.subsidies.pages import eager_tasks, empty_cache, result_file  # noqa: F401



pytestmark = pytest.mark.usefixtures("spring_day")


@pytest.fixture
def members(dawangzhuang_community):
    return make_members(5, community=dawangzhuang_community)


@pytest.fixture
def approved(admin_user, members):
    return universal_approved(admin_user)


@pytest.fixture
def sent_batch(admin_user, second_admin, approved):
    return batch_sent(approved, maker=admin_user, checker=second_admin)


def _text(response):
    return response.content.decode()


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Totals and their export ------------------------------------------------------------

@pytest.mark.django_db
def test_the_totals_table_splits_city_and_district_to_the_yuan(client, leader, approved,
                                                               admin_user, second_admin):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    from subsidies.services import batch_result_apply
    ids = [line.line_id for line in batch.lines.order_by("pk")]
    batch_result_apply(batch=batch, by=second_admin, rows=[
        (3 + i, line_id, "成功" if i < 3 else "失败", "", None) for i, line_id in enumerate(ids)])
    client.force_login(leader)
    response = client.get(reverse("subsidies:overview"), {"year": 2026})
    assert response.status_code == 200
    (row,) = response.context["table"].rows
    assert (row["entitled"], row["entitled_city"], row["entitled_district"]) == (
        Decimal("750.00"), Decimal("450.00"), Decimal("300.00"))
    assert (row["paid"], row["paid_city"], row["paid_district"]) == (
        Decimal("450.00"), Decimal("270.00"), Decimal("180.00"))
    assert response.context["table"].reconciles
    page = _text(response)
    assert "农民工会员普惠" in page and "750.00" in page and "450.00" in page
    assert "不一致" not in page


@pytest.mark.django_db
def test_the_totals_export_has_money_as_numbers_and_is_logged(client, admin_user, approved):
    client.force_login(admin_user)
    response = client.get(reverse("subsidies:totals_export"), {"year": 2026})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value.startswith("补贴发放汇总　2026")
    assert [c.value for c in sheet[2]] == [
        "项目", "年度", "应发合计", "应发·市总工会", "应发·区总工会", "实发合计", "实发·市总工会",
        "实发·区总工会"]
    assert [c.value for c in sheet[3]][:6] == ["农民工会员普惠", 2026, 750, 450, 300, 0]
    assert sheet["C3"].number_format == "#,##0.00"
    assert [c.value for c in sheet[4]][:3] == ["合计", None, 750]
    log = AccessLog.objects.get(action="export", target_type="subsidies.totals")
    assert log.user == admin_user and log.target_id == "2026"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["street_staff_dawangzhuang", "liaison_zhujianwei"])
def test_other_roles_are_refused_the_office_pages(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("subsidies:overview")).status_code == 403
    assert client.get(reverse("subsidies:totals_export")).status_code == 403
    assert not AccessLog.objects.exists()


# --- Programme settings -----------------------------------------------------------------

def _spring(year=2026):
    return ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=year)


def _year_form(settings, **change):
    data = {"amount": settings.amount, "city_share": settings.city_share,
            "quota": settings.quota, "spring_festival": settings.spring_festival,
            "window_start": settings.window_start, "window_end": settings.window_end}
    data.update(change)
    return {k: "" if v is None else v for k, v in data.items()}


@pytest.mark.django_db
def test_the_office_edits_a_programme_year_with_history(client, admin_user):
    settings = _spring()
    client.force_login(admin_user)
    page = client.get(reverse("subsidies:year_edit", args=[settings.pk]))
    assert "最高补助（元）" in _text(page) and "名额" in _text(page)
    response = client.post(reverse("subsidies:year_edit", args=[settings.pk]),
                           _year_form(settings, quota=12000, window_end="2026-03-20"))
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.quota, settings.window_end) == (12000, date(2026, 3, 20))
    assert settings.history.first().history_user == admin_user


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"city_share": "1.5"}, "city_share", "市总工会负担比例须在0到1之间，例如0.60。"),
    ({"amount": "-1"}, "amount", "金额不能为负数。"),
    ({"amount": "abc"}, "amount", "请以元为单位填写金额，例如150或150.00。"),
    ({"amount": "12.345"}, "amount", "请以元为单位填写金额，最多两位小数。"),
    ({"quota": "2"}, "quota", "名额不能少于已占用的3个。"),
    ({"quota": ""}, "quota", "该项目须设置名额。"),
    ({"quota": "99999999999999999999"}, "quota", "名额最多为1000000个。"),
    ({"window_start": "2026-03-20", "window_end": "2026-03-01"}, "window_end",
     "返程日期范围的结束日期不能早于开始日期。"),
    ({"spring_festival": "2025-01-29"}, "spring_festival", "春节日期须在2026年内。"),
    ({"window_end": "2026-02-30"}, "window_end", "请按“年-月-日”填写日期，例如2026-02-25。"),
])
def test_bad_programme_settings_are_refused_next_to_the_field(client, admin_user, change,
                                                              field, message):
    ProgrammeYear.objects.filter(pk=_spring().pk).update(accepted=3)
    settings = _spring()
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:year_edit", args=[settings.pk]),
                           _year_form(settings, **change))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in _text(response)
    assert _spring().quota == 10000  # nothing saved


@pytest.mark.django_db
def test_the_industry_grant_settings_need_a_minimum_below_the_cap(client, admin_user):
    settings = ProgrammeYear.objects.get(programme_id="INDUSTRY_GRANT", year=2026)
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:year_edit", args=[settings.pk]), {
        "amount": "50000", "minimum": "60000", "cap": "50000", "city_share": "0"})
    assert response.context["form"].errors["minimum"] == ["最低金额不能高于上限。"]


@pytest.mark.django_db
def test_the_leadership_reads_the_settings_but_cannot_edit(client, leader):
    client.force_login(leader)
    response = client.get(reverse("subsidies:year_list"))
    assert response.status_code == 200 and "春节平安返津" in _text(response)
    assert reverse("subsidies:year_edit", args=[_spring().pk]) not in _text(response)
    assert client.get(reverse("subsidies:year_edit", args=[_spring().pk])).status_code == 404


# --- The yearly rule run ----------------------------------------------------------------

@pytest.mark.django_db
def test_the_rule_is_not_run_for_a_year_not_begun(client, admin_user, members):
    """Eligibility is membership during the year: next year's run waits for next year."""
    next_year = date.today().year + 1
    ProgrammeYear.objects.get_or_create(programme_id="UNIVERSAL", year=next_year, defaults={
        "amount": Decimal("150.00"), "city_share": Decimal("0.60")})
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:universal_run"), {"year": next_year}, follow=True)
    assert response.status_code == 200
    assert f"{next_year}年的规则自{next_year}年1月1日起才能运行。" in _messages(response)
    assert not Entitlement.objects.filter(year=next_year).exists()
    with time_machine.travel(date(next_year, 1, 2)):
        assert universal_run(year=next_year, by=admin_user) == 5


@pytest.mark.django_db
def test_the_rule_run_page_creates_drafts_once(client, admin_user, members):
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:universal_run"), {"year": 2026}, follow=True)
    assert "2026年规则运行完成：新增5条应发草稿。" in _messages(response)
    assert ("draft", "草稿", 5) in response.context["counts"]
    response = client.post(reverse("subsidies:universal_run"), {"year": 2026}, follow=True)
    assert "2026年规则运行完成：新增0条应发草稿。" in _messages(response)
    assert Entitlement.objects.filter(programme_id="UNIVERSAL").count() == 5


@pytest.mark.django_db
def test_the_leadership_cannot_run_the_rule(client, leader, members):
    client.force_login(leader)
    assert client.get(reverse("subsidies:universal_run")).status_code == 403
    assert client.post(reverse("subsidies:universal_run"), {"year": 2026}).status_code == 403
    assert not Entitlement.objects.exists()


# --- Entitlements -----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_entitlement_list_masks_ids_and_cards(client, leader, admin_user, members):
    universal_run(year=2026, by=admin_user)
    client.force_login(leader)
    response = client.get(reverse("subsidies:entitlement_list"),
                          {"programme": "UNIVERSAL", "year": 2026})
    page = _text(response)
    member = Member.objects.select_related("worker").get(pk=members[0].pk)
    assert mask_id(member.worker.id_number) in page
    assert f"****{member.card_number[-4:]}" in page
    assert member.worker.id_number not in page and member.card_number not in page
    assert 'data-testid="bulk-actions"' not in page  # the leadership reads only


@pytest.mark.django_db
def test_an_entitlement_in_a_batch_offers_no_rejection(client, admin_user, approved):
    """In a batch, an approved entitlement still reads "approved" in its row: the page goes
    by the state people see, so it offers no Reject the service would refuse."""
    batched = approved.order_by("pk").first()
    batch_create(by=admin_user, queryset=Entitlement.objects.filter(pk=batched.pk))
    client.force_login(admin_user)
    page = _text(client.get(reverse("subsidies:entitlement_list"),
                            {"programme": "UNIVERSAL", "year": 2026}))
    reject = reverse("subsidies:entitlement_reject", args=[batched.pk])
    assert f'href="{reject}"' not in page
    other = approved.exclude(pk=batched.pk).first()
    assert f'href="{reverse("subsidies:entitlement_reject", args=[other.pk])}"' in page


@pytest.mark.django_db
def test_the_entitlement_list_filters_and_its_queries_are_pinned(
        client, admin_user, members, dawangzhuang_community, django_assert_max_num_queries):
    make_members(40, community=dawangzhuang_community, seed=9)
    universal_run(year=2026, by=admin_user)
    spring_return_claim(member=members[0], fare=Decimal("120"), ticket_number="T-1",
                        trip_date=date(2026, 2, 25))
    client.force_login(admin_user)
    url = reverse("subsidies:entitlement_list")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.context["page"].paginator.count == 46
    response = client.get(url, {"programme": "SPRING_RETURN", "state": "pending"})
    assert [e.ticket_number for e in response.context["page"]] == ["T-1"]
    response = client.get(url, {"programme": "UNIVERSAL", "year": 2026, "state": "draft"})
    assert response.context["page"].paginator.count == 45


@pytest.mark.django_db
def test_submit_and_approve_from_the_list_check_eligibility_again(client, admin_user,
                                                                 members):
    universal_run(year=2026, by=admin_user)
    ended = members[1]
    Member.objects.filter(pk=ended.pk).update(status="ended", ended_on=date(2026, 2, 1),
                                              end_reason="left_job", union=None)
    client.force_login(admin_user)
    scope = {"programme": "UNIVERSAL", "year": 2026}
    response = client.post(reverse("subsidies:entitlements_submit"), scope, follow=True)
    assert "已提交5条草稿待审批。" in _messages(response)
    response = client.post(reverse("subsidies:entitlements_approve"), scope, follow=True)
    assert "审批通过4条，因已不符合条件驳回1条。" in _messages(response)
    assert Entitlement.objects.get(member=ended).state == EntitlementState.REJECTED


@pytest.mark.django_db
def test_a_bulk_action_needs_a_programme_and_a_year(client, admin_user, members):
    universal_run(year=2026, by=admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:entitlements_submit"), {"programme": ""},
                           follow=True)
    assert "请先选择补贴项目和年度。" in _messages(response)
    assert not Entitlement.objects.filter(state="pending").exists()


@pytest.mark.django_db
def test_a_rejection_needs_its_reason_and_frees_a_spring_return_seat(client, admin_user,
                                                                     members):
    claim = spring_return_claim(member=members[0], fare=Decimal("88"), ticket_number="K-88",
                                trip_date=date(2026, 2, 25))
    assert _spring().accepted == 1
    client.force_login(admin_user)
    url = reverse("subsidies:entitlement_reject", args=[claim.pk])
    page = client.get(url)
    assert "K-88" in _text(page) and claim.number in _text(page)
    response = client.post(url, {"reason": "  "})
    assert response.context["form"].errors["reason"] == ["请填写驳回原因。"]
    response = client.post(url, {"reason": "车票日期与返程不符"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.reject_reason) == ("rejected", "车票日期与返程不符")
    assert _spring().accepted == 0


@pytest.mark.django_db
def test_the_reject_page_uses_one_word_for_rejection(client, admin_user, members):
    claim = spring_return_claim(member=members[0], fare=Decimal("88"), ticket_number="K-89",
                                trip_date=date(2026, 2, 25))
    client.force_login(admin_user)
    page = _text(client.get(reverse("subsidies:entitlement_reject", args=[claim.pk])))
    assert "驳回原因" in page and "驳回应发" in page
    assert "不通过" not in page and "未通过" not in page


@pytest.mark.django_db
def test_an_entitlement_already_rejected_shows_no_reject_form(client, admin_user, members):
    claim = spring_return_claim(member=members[0], fare=Decimal("88"), ticket_number="K-90",
                                trip_date=date(2026, 2, 25))
    client.force_login(admin_user)
    url = reverse("subsidies:entitlement_reject", args=[claim.pk])
    client.post(url, {"reason": "车票日期与返程不符"})
    response = client.get(url)
    page = _text(response)
    assert response.status_code == 200 and response.context["form"] is None
    assert 'name="reason"' not in page
    assert "该应发已驳回，无需再操作。" in page and "车票日期与返程不符" in page
    assert "已驳回" in page and "不通过" not in page and "未通过" not in page
    # A second post changes nothing and says the same, not a refusal of the form.
    response = client.post(url, {"reason": "又一次"})
    assert "该应发已驳回，无需再操作。" in _text(response)
    claim.refresh_from_db()
    assert claim.reject_reason == "车票日期与返程不符" and _spring().accepted == 0


@pytest.mark.django_db
def test_rejecting_a_draft_withdraws_it_and_says_so(client, admin_user, members):
    universal_run(year=2026, by=admin_user)
    draft = Entitlement.objects.filter(state="draft").order_by("pk").first()
    client.force_login(admin_user)
    url = reverse("subsidies:entitlement_reject", args=[draft.pk])
    page = _text(client.get(url))
    assert "驳回即撤回" in page and 'name="reason"' in page
    response = client.post(url, {"reason": "重复登记"}, follow=True)
    assert f"草稿应发 {draft.number} 已撤回（已取消），会员不会看到。" in _messages(response)
    draft.refresh_from_db()
    assert (draft.state, draft.reject_reason) == ("cancelled", "重复登记")
    page = _text(client.get(url))
    assert "该草稿已从规则运行中撤回，无需再操作。" in page and 'name="reason"' not in page


@pytest.mark.django_db
def test_an_entitlement_in_a_batch_says_it_can_no_longer_be_rejected(client, admin_user,
                                                                     approved):
    batched = approved.order_by("pk").first()
    batch_create(by=admin_user, queryset=Entitlement.objects.filter(pk=batched.pk))
    client.force_login(admin_user)
    page = _text(client.get(reverse("subsidies:entitlement_reject", args=[batched.pk])))
    assert 'name="reason"' not in page
    assert "只有尚未进入发放批次的应发才能驳回。" in page


# --- Batches ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_batch_from_the_page_and_the_maker_cannot_approve_it(client, admin_user,
                                                               second_admin, approved):
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:batch_create"),
                           {"programme": "UNIVERSAL", "year": 2026}, follow=True)
    batch = Batch.objects.get()
    assert f"已生成批次{batch.number}，须由另一位管理员审批。" in _messages(response)
    assert batch.lines.count() == 5
    response = client.post(reverse("subsidies:batch_approve", args=[batch.pk]), follow=True)
    assert "制单人不能审批自己制作的批次。" in _messages(response)
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT
    client.force_login(second_admin)
    response = client.post(reverse("subsidies:batch_approve", args=[batch.pk]), follow=True)
    assert "批次已审批。" in _messages(response)
    batch.refresh_from_db()
    assert (batch.state, batch.approved_by) == (BatchState.APPROVED, second_admin)


@pytest.mark.django_db
def test_a_batch_with_nothing_approved_says_so(client, admin_user, members):
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:batch_create"),
                           {"programme": "UNIVERSAL", "year": 2026}, follow=True)
    assert "没有可以发放的已审批记录。" in _messages(response)
    assert not Batch.objects.exists()


@pytest.mark.django_db
def test_the_payment_file_is_queued_after_the_commit_and_shown_in_progress(
        client, admin_user, second_admin, approved, django_capture_on_commit_callbacks):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    client.force_login(second_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("subsidies:batch_payment_file", args=[batch.pk]))
    assert len(callbacks) == 1  # queued on commit, not run in the request
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk]))
    assert 'data-testid="file-progress"' in _text(page)
    assert f'data-poll-url="{reverse("subsidies:batch_status", args=[batch.pk])}"' in _text(page)
    status = client.get(reverse("subsidies:batch_status", args=[batch.pk])).json()
    assert (status["state"], status["file_queued"], status["finished"]) == (
        "approved", True, False)


@pytest.mark.django_db
def test_the_payment_file_made_in_the_task_is_downloaded_by_admins_only(
        client, admin_user, second_admin, leader, approved, eager_tasks,
        django_capture_on_commit_callbacks):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    client.force_login(second_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("subsidies:batch_payment_file", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == BatchState.SENT
    assert client.get(reverse("subsidies:batch_status", args=[batch.pk])).json()["finished"]
    page = _text(client.get(reverse("subsidies:batch_detail", args=[batch.pk])))
    assert 'data-testid="download"' in page and "data-poll-url" not in page
    response = client.get(reverse("subsidies:batch_download", args=[batch.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cards = {e.member.card_number for e in approved.select_related("member")}
    assert {row[1] for row in sheet.iter_rows(min_row=3, values_only=True)} == cards
    downloads = AccessLog.objects.filter(action="export", target_type="subsidies.batch",
                                         description__contains="downloaded")
    assert [log.user for log in downloads] == [second_admin]

    client.force_login(leader)
    page = _text(client.get(reverse("subsidies:batch_detail", args=[batch.pk])))
    assert 'data-testid="download"' not in page
    assert client.get(reverse("subsidies:batch_download", args=[batch.pk])).status_code == 403
    for card in cards:
        assert card not in page


@pytest.mark.django_db
def test_an_admin_without_the_full_pii_permission_is_told_why_there_is_no_download(
        client, sent_batch):
    from accounts.models import Role, User
    from accounts.services import user_upsert

    office_clerk = user_upsert(username="office_li", role=Role.ADMIN, password="x-secret-123")
    User.objects.filter(pk=office_clerk.pk).update(is_superuser=False)
    client.force_login(office_clerk)
    page = _text(client.get(reverse("subsidies:batch_detail", args=[sent_batch.pk])))
    assert "发放文件已生成。" in page and 'data-testid="download"' not in page
    reason = page.split('data-testid="download-needs-pii">')[1].split("<")[0]
    assert reason == "文件含完整卡号，下载需要“可查看完整身份证号、手机号和会员服务卡号”的权限。"
    assert client.get(reverse("subsidies:batch_download",
                              args=[sent_batch.pk])).status_code == 403


@pytest.mark.django_db
def test_the_bank_result_report_and_the_failed_lines_in_a_new_batch(
        client, admin_user, second_admin, sent_batch, eager_tasks,
        django_capture_on_commit_callbacks):
    ids = [line.line_id for line in sent_batch.lines.order_by("pk")]
    client.force_login(second_admin)
    upload_url = reverse("subsidies:batch_result_upload", args=[sent_batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(upload_url, {"file": result_file([
            (ids[0], "成功", "", 150), (ids[1], "成功", "", 150), (ids[2], "成功", "", 150),
            (ids[3], "失败", "卡已挂失", 150), (ids[4], "失败", "户名不符", 150),
            ("PB-NOPE-000001", "成功", "", 150)])})
    upload = ResultUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("subsidies:result_upload_detail", args=[upload.pk])
    page = client.get(response["Location"])
    text = _text(page)
    assert "成功3条，失败2条。" in text
    assert "明细PB-NOPE-000001不在本批次中。" in text
    assert [e["row"] for e in page.context["upload"].errors] == [8]
    assert "data-poll-url" not in text

    detail = client.get(reverse("subsidies:batch_detail", args=[sent_batch.pk]))
    failed = detail.context["failed_lines"]
    assert [line.line_id for line in failed] == ids[3:]
    assert "卡已挂失" in _text(detail) and "户名不符" in _text(detail)
    response = client.post(reverse("subsidies:batch_retry_failed", args=[sent_batch.pk]),
                           follow=True)
    new = Batch.objects.exclude(pk=sent_batch.pk).get()
    assert f"已用{sent_batch.number}的失败明细生成批次{new.number}。" in _messages(response)
    assert new.lines.count() == 2 and new.created_by == second_admin
    assert Entitlement.objects.filter(state=EntitlementState.PAID).count() == 3
    # Nothing failed is left waiting: a second press makes nothing.
    response = client.post(reverse("subsidies:batch_retry_failed", args=[sent_batch.pk]),
                           follow=True)
    assert "本批次没有待重新发放的失败明细。" in _messages(response)
    assert Batch.objects.count() == 2


@pytest.mark.django_db
def test_a_bad_result_file_is_refused_next_to_the_field(client, second_admin, sent_batch):
    client.force_login(second_admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("subsidies:batch_result_upload", args=[sent_batch.pk]),
                           {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["这不是Excel（.xlsx）文件。"]
    assert not ResultUpload.objects.exists()


@pytest.mark.django_db
def test_a_result_upload_in_progress_shows_the_poller(client, second_admin, sent_batch,
                                                      django_capture_on_commit_callbacks):
    client.force_login(second_admin)
    ids = [line.line_id for line in sent_batch.lines.all()]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("subsidies:batch_result_upload", args=[sent_batch.pk]),
                               {"file": result_file([(ids[0], "成功", "", None)])})
    assert len(callbacks) == 1
    page = _text(client.get(response["Location"]))
    upload = ResultUpload.objects.get()
    assert f'data-poll-url="{reverse("subsidies:result_upload_status", args=[upload.pk])}"' \
        in page
    assert "排队中" in page
    state = client.get(reverse("subsidies:result_upload_status", args=[upload.pk])).json()
    assert (state["status"], state["finished"]) == ("queued", False)


@pytest.mark.django_db
def test_batch_pages_pin_their_queries(client, admin_user, dawangzhuang_community,
                                       django_assert_max_num_queries):
    make_members(60, community=dawangzhuang_community, seed=4)
    universal_run(year=2026, by=admin_user)
    queryset = Entitlement.objects.all()
    entitlements_submit(queryset=queryset, by=admin_user)
    entitlements_approve(queryset=queryset, by=admin_user)
    batch = batch_create(by=admin_user, queryset=queryset)
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("subsidies:batch_detail", args=[batch.pk]))
    assert len(response.context["page"].object_list) == 60
    with django_assert_max_num_queries(8):
        assert client.get(reverse("subsidies:batch_list")).status_code == 200


# --- Organisation programmes ------------------------------------------------------------

@pytest.mark.django_db
def test_the_organisation_page_for_the_year(client, admin_user, dawangzhuang_community,
                                            non_public_union):
    union_dawangzhuang_property = non_public_union
    make_members(3, community=dawangzhuang_community, joined_on=date(2026, 1, 5))
    ModelHomeSelection.objects.create(year=2026, name="机关之家")
    ModelHomeSelection.objects.create(year=2026, name="非公之家", non_public=True,
                                      union=union_dawangzhuang_property)
    client.force_login(admin_user)
    response = client.get(reverse("subsidies:organisation_programmes"), {"year": 2026})
    page = _text(response)
    development = {str(due.recipient): (due.members, due.amount)
                   for due, made in response.context["page"].development}
    assert development["大王庄街道"] == (3, Decimal("300.00"))
    assert "本年度选树对象中非公企业占比：50.00%（目标30%）。" in page
    assert "已达标" in page
    assert "大王庄街道总工会" in page  # no social worker yet: listed
    assert "本年度尚未结束：表中为截至目前的人数，应发自2027年1月1日起生成。" in page
    response = client.post(reverse("subsidies:development_create"), {"year": 2026},
                           follow=True)
    assert "2026年的补贴自2027年1月1日起生成。" in _messages(response)[0]
    with time_machine.travel(date(2027, 1, 1)):
        client.force_login(admin_user)
        response = client.post(reverse("subsidies:development_create"), {"year": 2026},
                               follow=True)
    assert "已生成1条会员发展工作补贴。" in _messages(response)
    response = client.post(reverse("subsidies:model_home_awards_create"), {"year": 2026},
                           follow=True)
    assert "已生成1条建家示范奖励。" in _messages(response)
    assert Entitlement.objects.get(programme_id="MODEL_HOME").amount == Decimal("10000.00")


@pytest.mark.django_db
@pytest.mark.parametrize("amount,message", [
    ("29999.99", "补助金额须在30,000至50,000元之间。"),
    ("50000.01", "补助金额须在30,000至50,000元之间。"),
    ("三万", "请以元为单位填写金额，例如150或150.00。"),
])
def test_an_industry_grant_outside_the_range_is_refused_on_the_page(
        client, admin_user, property_federation, amount, message):
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:industry_grant_create"), {
        "year": 2026, "federation": property_federation.pk, "amount": amount})
    assert response.status_code == 400
    assert response.context["grant_form"].errors["amount"] == [message]
    page = _text(response)
    assert message in page and f'value="{amount}"' in page
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_an_industry_grant_inside_the_range(client, admin_user, property_federation):
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:industry_grant_create"), {
        "year": 2026, "federation": property_federation.pk, "amount": "40000"}, follow=True)
    assert "补助已录入，等待审批。" in _messages(response)
    assert dict(response.context["page"].grants)[property_federation] == Decimal("40000.00")


@pytest.mark.django_db
def test_the_founding_rebate_list_and_its_amounts(client, admin_user, registrar,
                                                  unit_dawangzhuang_property,
                                                  union_dawangzhuang_property):
    from membership.services import founding_step_add

    founding_step_add(by=registrar, unit=unit_dawangzhuang_property, status="founded",
                      on=date(2019, 6, 1), union=union_dawangzhuang_property)
    union_dawangzhuang_property.refresh_from_db()
    client.force_login(admin_user)
    page = client.get(reverse("subsidies:organisation_programmes"), {"year": 2026})
    assert [u for u, _years in page.context["page"].rebates] == [union_dawangzhuang_property]
    url = reverse("subsidies:founding_rebate_record")
    response = client.post(url, {"year": 2026, "union": union_dawangzhuang_property.pk,
                                 "rebate_year": 2019, "amount": "abc"})
    assert response.status_code == 400
    page = _text(response)
    assert "请以元为单位填写金额，例如150或150.00。" in page and 'value="abc"' in page
    response = client.post(url, {"year": 2026, "union": union_dawangzhuang_property.pk,
                                 "rebate_year": 2020, "amount": "1234.50"}, follow=True)
    assert "回拨金额已录入，等待审批。" in _messages(response)
    rebates = dict(response.context["page"].rebates)[union_dawangzhuang_property]
    assert rebates == [(2019, None), (2020, Decimal("1234.50")), (2021, None)]


@pytest.mark.django_db
def test_a_model_home_selection_is_added_with_its_checks(client, admin_user, community_union,
                                                         non_public_union):
    """Only a non-public enterprise's union (its own unit is one) is offered and awarded;
    choosing it makes the selection non-public without the tick."""
    from subsidies.models import ModelHomeSelection
    from subsidies.organisations import model_home_selection_add

    union_dawangzhuang_property = non_public_union
    client.force_login(admin_user)
    url = reverse("subsidies:model_home_selection_add")
    response = client.post(url, {"year": 2026, "name": ""})
    assert response.status_code == 400
    assert response.context["selection_form"].errors["name"] == ["请填写选树对象名称。"]
    offered = list(response.context["selection_form"].fields["union"].queryset)
    assert offered == [union_dawangzhuang_property]  # not the community union
    response = client.post(url, {"year": 2026, "name": "社区之家", "non_public": "on",
                                 "union": community_union.pk})
    assert response.status_code == 400
    assert response.context["selection_form"].errors["union"]
    with pytest.raises(ValidationError) as refused:
        model_home_selection_add(year=2026, name="社区之家", by=admin_user,
                                 union=community_union, non_public=True)
    assert "只有非公企业的工会获得奖励" in refused.value.message_dict["union"][0]
    response = client.post(url, {"year": 2026, "name": "安居之家",
                                 "union": union_dawangzhuang_property.pk}, follow=True)
    assert "选树对象已录入。" in _messages(response)
    assert ModelHomeSelection.objects.get(name="安居之家").non_public
    response = client.post(url, {"year": 2026, "name": "安居之家"})
    assert response.status_code == 400
    assert response.context["selection_form"].errors["name"] == ["该对象已是2026年的选树对象。"]
    assert ModelHomeSelection.objects.count() == 1


@pytest.mark.django_db
def test_a_founding_rebate_recorded_twice_is_refused_not_a_500(client, admin_user, registrar,
                                                             unit_dawangzhuang_property,
                                                             union_dawangzhuang_property):
    """Two tabs, or a second click: the unique constraint refuses the second rebate and the
    page says so above the table (its cell shows the amount now, not a form)."""
    from membership.services import founding_step_add

    founding_step_add(by=registrar, unit=unit_dawangzhuang_property, status="founded",
                      on=date(2019, 6, 1), union=union_dawangzhuang_property)
    client.force_login(admin_user)
    url = reverse("subsidies:founding_rebate_record")
    posted = {"year": 2026, "union": union_dawangzhuang_property.pk, "rebate_year": 2020,
              "amount": "1234.50"}
    assert client.post(url, posted).status_code == 302
    response = client.post(url, {**posted, "amount": "999"})
    assert response.status_code == 400
    page = _text(response)
    assert 'data-testid="rebate-error">该工会2020年度的回拨金额已经录入。' in page
    assert Entitlement.objects.get(programme_id="FOUNDING_REBATE").amount == Decimal("1234.50")


ORGANISATION_BAD_POSTS = {
    "industry_grant_create": ({"federation": "999999", "amount": "40000"},
                              "grant_form", "federation"),
    "founding_rebate_record": ({"union": "999999", "rebate_year": "2019", "amount": "10"},
                               None, None),
    "model_home_selection_add": ({"name": "", "non_public": "on"}, "selection_form", "name"),
    "social_worker_add": ({"name": "王芳", "street": "1", "since": "昨天"},
                          "social_worker_form", "since"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ORGANISATION_BAD_POSTS))
def test_every_organisation_form_answers_400_with_its_errors(client, admin_user, route,
                                                             monkeypatch):
    """Each form of the page, posted with a bad value: the page again, status 400, the
    error shown; the years with settings read once for the request."""
    from subsidies import selectors

    read = []
    years = selectors.entitlement_years
    monkeypatch.setattr(selectors, "entitlement_years", lambda: read.append(1) or years())
    data, form_name, field = ORGANISATION_BAD_POSTS[route]
    client.force_login(admin_user)
    response = client.post(reverse(f"subsidies:{route}"), {"year": 2026, **data})
    assert response.status_code == 400
    assert len(read) == 1
    assert response.context["year"] == 2026
    if form_name:
        errors = response.context[form_name].errors[field]
    else:
        errors = [response.context["rebate_error"]["message"]]
    assert errors and all(error in _text(response) for error in errors)
    assert not Entitlement.objects.exists() and not ModelHomeSelection.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("year", [None, "", "1999", "二〇二六"])
@pytest.mark.parametrize("route,data", [
    ("development_create", {}),
    ("model_home_awards_create", {}),
    ("industry_grant_create", {"federation": "1", "amount": "40000"}),
    ("model_home_selection_add", {"name": "某某职工之家", "non_public": "on"}),
])
def test_a_post_for_a_year_names_one_with_settings(client, admin_user, route, data, year):
    """Whatever makes entitlements for a year needs the year posted: a missing one, or one
    without settings, makes nothing for a year the office did not choose."""
    client.force_login(admin_user)
    posted = {**data, **({} if year is None else {"year": year})}
    response = client.post(reverse(f"subsidies:{route}"), posted)
    assert response.status_code == 400
    assert "请选择年度。" in _text(response)
    assert not Entitlement.objects.exists() and not ModelHomeSelection.objects.exists()


@pytest.mark.django_db
def test_the_organisation_page_reads_the_years_once(client, admin_user, monkeypatch):
    from subsidies import selectors

    read = []
    years = selectors.entitlement_years
    monkeypatch.setattr(selectors, "entitlement_years", lambda: read.append(1) or years())
    client.force_login(admin_user)
    response = client.get(reverse("subsidies:organisation_programmes"), {"year": 2026})
    assert response.status_code == 200 and len(read) == 1
    assert response.context["years"] == years()


@pytest.mark.django_db
def test_the_leadership_reads_the_organisation_page_without_forms(client, leader):
    client.force_login(leader)
    response = client.get(reverse("subsidies:organisation_programmes"))
    assert response.status_code == 200
    assert 'data-testid="grant-form"' not in _text(response)
    assert client.post(reverse("subsidies:development_create"), {"year": 2026}).status_code \
        == 403


# --- Skill-reward claims by staff -------------------------------------------------------

@pytest.fixture
def out_of_town_member(dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community, seed=11)
    return member


@pytest.mark.django_db
def test_street_staff_enter_a_skill_claim_for_their_member(client, street_staff_dawangzhuang,
                                                           out_of_town_member):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("subsidies:skill_claim_create"), {
        "member_number": out_of_town_member.member_number.lower(),
        "certificate_level": "technician", "certificate_number": "js-2026-001",
        "certificate_date": "2026-01-20"}, follow=True)
    claim = Entitlement.objects.get()
    assert (claim.programme_id, claim.amount, claim.state, claim.created_by) == (
        "SKILL_TECH", Decimal("1000.00"), "pending", street_staff_dawangzhuang)
    assert (f"已为会员{out_of_town_member.member_number}录入申报{claim.number}，由区总工会审核。"
            in _messages(response))
    assert "JS-2026-001" in _text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"member_number": "HD2099000001"}, "member_number", "您的管辖范围内没有该编号的在册会员。"),
    ({"certificate_date": "2018-12-31"}, "certificate_date", "2019年1月1日"),
    ({"certificate_date": "2026-13-01"}, "certificate_date", "请按“年-月-日”填写日期"),
    ({"certificate_level": ""}, "certificate_level", "请选择证书等级。"),
])
def test_bad_skill_claims_are_refused_next_to_the_field(client, street_staff_dawangzhuang,
                                                        out_of_town_member, change, field,
                                                        message):
    client.force_login(street_staff_dawangzhuang)
    data = {"member_number": out_of_town_member.member_number, "certificate_level": "senior",
            "certificate_number": "GJ-1", "certificate_date": "2026-01-20", **change}
    response = client.post(reverse("subsidies:skill_claim_create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["certificate_number"].value() == "GJ-1"
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_claim_for_a_member_of_another_street(client, street_staff_dazhigu,
                                                           out_of_town_member):
    client.force_login(street_staff_dazhigu)
    response = client.post(reverse("subsidies:skill_claim_create"), {
        "member_number": out_of_town_member.member_number, "certificate_level": "senior",
        "certificate_number": "GJ-2", "certificate_date": "2026-01-20"})
    assert response.context["form"].errors["member_number"] == [
        "您的管辖范围内没有该编号的在册会员。"]
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_the_leadership_and_liaisons_cannot_enter_claims(client, leader, liaison_zhujianwei):
    for user in (leader, liaison_zhujianwei):
        client.force_login(user)
        assert client.get(reverse("subsidies:skill_claim_create")).status_code == 403


@pytest.mark.django_db
def test_the_skill_claim_list_pins_its_queries(client, admin_user, dawangzhuang_community,
                                               django_assert_max_num_queries):
    from subsidies.services import skill_claim

    for i, member in enumerate(make_members(20, community=dawangzhuang_community, seed=5)):
        skill_claim(member=member, level="senior", certificate_number=f"Q-{i}",
                    certificate_date=date(2026, 1, 10))
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("subsidies:skill_claim_list"))
    assert response.context["page"].paginator.count == 20


@pytest.mark.django_db
def test_the_skill_claim_list_heads_the_persons_column_with_xingming(client, admin_user):
    client.force_login(admin_user)
    page = _text(client.get(reverse("subsidies:skill_claim_list")))
    head = page.split('data-testid="skill-claim-table"')[1].split("</thead>")[0]
    assert "<th>姓名</th>" in head and "名称" not in head


# --- Navigation and the home pages ------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("role,target", [
    ("admin_user", "subsidies:overview"), ("leader", "subsidies:overview"),
    ("street_staff_dawangzhuang", "subsidies:skill_claim_list"),
    ("industry_staff_property", "subsidies:skill_claim_list"),
])
def test_the_navigation_entry_leads_each_role_to_its_page(client, request, role, target):
    client.force_login(request.getfixturevalue(role))
    home = _text(client.get(reverse("home")))
    assert f'href="{reverse("subsidies:index")}" data-feature="subsidies"' in home
    response = client.get(reverse("subsidies:index"))
    assert response["Location"] == reverse(target)


@pytest.mark.django_db
def test_liaisons_have_no_subsidies(client, liaison_zhujianwei):
    client.force_login(liaison_zhujianwei)
    assert 'data-feature="subsidies"' not in _text(client.get(reverse("home")))
    assert client.get(reverse("subsidies:index")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin_user", "leader"])
def test_the_home_page_shows_this_years_money(client, request, role, approved, admin_user):
    client.force_login(request.getfixturevalue(role))
    page = _text(client.get(reverse("home")))
    assert 'data-testid="subsidies-panel"' in page
    assert 'data-testid="subsidies-entitled">750.00<' in page
    assert "补贴与发放" in page and "尚未开放" not in page.split('data-testid="subsidies-panel"')[1][:300]


@pytest.mark.django_db
def test_the_login_page_links_the_members_pages(client):
    page = _text(client.get(reverse("login")))
    assert reverse("subsidies:public_spring_return") in page
    assert "申领春节平安返津交通补助" in page

