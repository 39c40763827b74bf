"""From rule to money in Chromium (issue 5): an admin runs the yearly benefit rule and makes
a batch; a second admin approves it, has the payment file made and downloads it; the bank's
result with two failures is imported and the two go into a new batch. Then a member, on a
390×844 phone screen, claims the spring-return subsidy and sees it pending.

The Celery tasks run in this process: the test records what the page queues (the task's
`delay`, patched) and then calls the task function itself, as a worker would; the page's
static poller (static/js/poll.js) notices and shows the result.
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import Community, Street
from subsidies import tasks
from subsidies.models import Batch, BatchLine, Entitlement, ProgrammeYear
from tests.subsidies.conftest import make_members
from tests.browser.helpers import log_in

PASSWORD = "journey-secret-2026"


def _login(page, url, username):
    log_in(page, url, username, PASSWORD)


def _logout(page):
    page.get_by_role("button", name=re.compile("退出")).click()


def _bank_result(line_ids, failed):
    wb = Workbook()
    ws = wb.active
    ws.append(["银行代发回盘"])
    ws.append(["明细编号", "结果", "原因"])
    for line_id in line_ids:
        ws.append([line_id, "失败" if line_id in failed else "成功",
                   "户名与卡号不符" if line_id in failed else ""])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


@pytest.fixture
def queued(monkeypatch):
    """What the pages queue, kept here instead of going to the broker."""
    calls = {"payment_file": [], "result": []}
    monkeypatch.setattr(tasks.batch_payment_file_task, "delay",
                        lambda *args: calls["payment_file"].append(args))
    monkeypatch.setattr(tasks.result_upload_apply_task, "delay",
                        lambda *args: calls["result"].append(args))
    return calls


@pytest.fixture
def this_year(organisation_structure):
    """Settings for the current year whatever the date the suite runs on: the benefit, and
    a spring-return window that has begun and covers today."""
    today = timezone.localdate()
    ProgrammeYear.objects.update_or_create(
        programme_id="UNIVERSAL", year=today.year,
        defaults={"amount": "150.00", "city_share": "0.60"})
    festival = max(today - timedelta(days=20), today.replace(month=1, day=1))
    ProgrammeYear.objects.update_or_create(
        programme_id="SPRING_RETURN", year=today.year,
        defaults={"amount": "300.00", "city_share": "0.00", "quota": 10000, "accepted": 0,
                  "spring_festival": festival, "window_start": festival,
                  "window_end": today + timedelta(days=10)})
    return today


@pytest.mark.django_db(transaction=True)
def test_from_the_rule_run_to_a_new_batch_of_failures(organisation_structure, this_year,
                                                      live_server, browser, page, shot,
                                                      queued):
    community = Community.objects.filter(street=Street.objects.by_name("大王庄")).first()
    members = make_members(6, community=community, joined_on=this_year.replace(month=1, day=1)
                           - timedelta(days=200))
    user_upsert(username="office_wang", role=Role.ADMIN, password=PASSWORD, full_name="王制单")
    checker = user_upsert(username="office_zhang", role=Role.ADMIN, password=PASSWORD,
                          full_name="张复核")
    year = str(this_year.year)

    # The maker runs the yearly rule, submits and approves the drafts, makes the batch.
    _login(page, live_server.url, "office_wang")
    expect(page.get_by_test_id("subsidies-panel")).to_be_visible()
    page.locator("[data-feature=subsidies]").click()
    expect(page.get_by_test_id("totals-table")).to_be_visible()
    page.get_by_role("link", name="普惠年度发放").click()
    page.get_by_label("年度").select_option(year)
    page.get_by_role("button", name="运行规则").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{year}年规则运行完成：新增6条应发草稿。")
    shot(page, "subsidy-rule-run")
    page.get_by_role("button", name="运行规则").click()  # again: nothing new
    expect(page.get_by_role("alert")).to_contain_text("新增0条应发草稿")

    page.get_by_role("link", name="审核这些应发").click()
    page.get_by_role("button", name="提交草稿待审批").click()
    expect(page.get_by_role("alert")).to_contain_text("已提交6条草稿待审批。")
    page.get_by_role("button", name=re.compile("审批待审批项")).click()
    expect(page.get_by_role("alert")).to_contain_text("审批通过6条")
    shot(page, "subsidy-entitlements")

    page.get_by_role("link", name="发放批次").click()
    page.get_by_label("项目", exact=True).select_option("UNIVERSAL")
    page.get_by_label("年度").select_option(year)
    page.get_by_role("button", name="用已审批的应发生成批次").click()
    batch = Batch.objects.get()
    expect(page.get_by_test_id("batch-number")).to_have_text(batch.number)
    page.get_by_role("button", name="审批本批次").click()
    expect(page.get_by_role("alert")).to_contain_text("制单人不能审批自己制作的批次。")
    shot(page, "subsidy-maker-refused")
    _logout(page)

    # The second admin approves and has the payment file made in the background.
    _login(page, live_server.url, "office_zhang")
    page.goto(f"{live_server.url}/subsidies/batches/")
    page.get_by_role("link", name=batch.number).click()
    page.get_by_role("button", name="审批本批次").click()
    expect(page.get_by_role("alert")).to_contain_text("批次已审批。")
    page.get_by_role("button", name="生成发放文件").click()
    expect(page.get_by_test_id("file-progress")).to_contain_text("发放文件生成中")
    shot(page, "subsidy-file-in-progress")
    assert queued["payment_file"] == [(batch.pk, checker.pk)]
    tasks.batch_payment_file_task(*queued["payment_file"][0])  # the worker's turn
    expect(page.get_by_test_id("download")).to_be_visible(timeout=20_000)  # the poller
    expect(page.get_by_test_id("batch-state-label")).to_have_text("已生成发放文件")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == f"发放文件-{batch.number}.xlsx"
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    cards = {m.card_number for m in members}
    assert {row[1] for row in rows} == cards and {row[3] for row in rows} == {150}
    shot(page, "subsidy-file-ready")

    # The bank's result: two lines failed.
    line_ids = [row[0] for row in rows]
    failed = set(line_ids[1:3])
    page.get_by_role("link", name="导入银行回盘").click()
    page.get_by_label("银行回盘文件（.xlsx）").set_input_files(files=[{
        "name": "回盘.xlsx", "buffer": _bank_result(line_ids, failed),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="导入回盘结果").click()
    expect(page.get_by_test_id("upload-status")).to_have_text("排队中")
    (upload_id,) = queued["result"][0]
    tasks.result_upload_apply_task(upload_id)
    expect(page.get_by_test_id("upload-counts")).to_have_text("成功4条，失败2条。",
                                                              timeout=20_000)
    expect(page.get_by_test_id("upload-no-errors")).to_be_visible()
    shot(page, "subsidy-bank-result")

    page.get_by_role("link", name="返回批次").click()
    failed_box = page.get_by_test_id("failed-lines")
    for line_id in failed:
        expect(failed_box).to_contain_text(line_id)
    expect(failed_box).to_contain_text("户名与卡号不符")
    shot(page, "subsidy-failed-lines")
    failed_box.get_by_role("button", name="放入新批次").click()
    new = Batch.objects.exclude(pk=batch.pk).get()
    expect(page.get_by_test_id("batch-number")).to_have_text(new.number)
    expect(page.get_by_test_id("line-table").locator("tbody tr")).to_have_count(2)
    earlier = BatchLine.objects.filter(entitlement__lines__batch=new, batch=batch)
    assert {line.line_id for line in earlier.select_related("batch")} == failed
    shot(page, "subsidy-new-batch")

    page.locator("[data-feature=subsidies]").click()
    expect(page.get_by_test_id("totals-sum")).to_contain_text("900.00")  # entitled
    expect(page.get_by_test_id("totals-sum")).to_contain_text("600.00")  # paid: 4 × 150
    shot(page, "subsidy-totals")
    page.get_by_role("link", name="组织类补贴").click()
    expect(page.get_by_test_id("model-homes")).to_be_visible()
    shot(page, "subsidy-organisations")
    page.get_by_role("link", name="项目年度设置").click()
    shot(page, "subsidy-settings")
    page.get_by_role("link", name="首页").click()
    expect(page.get_by_test_id("subsidies-paid")).to_have_text("600.00")
    shot(page, "subsidy-home")


@pytest.mark.django_db(transaction=True)
def test_a_member_claims_the_spring_return_subsidy_on_a_phone(organisation_structure,
                                                              this_year, live_server,
                                                              browser, shot):
    community = Community.objects.filter(street=Street.objects.by_name("大王庄")).first()
    (member,) = make_members(1, community=community, seed=41,
                             joined_on=this_year.replace(month=1, day=1) - timedelta(days=90))
    trip = (this_year - timedelta(days=1)).isoformat()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    try:
        phone.goto(f"{live_server.url}/login/")
        phone.get_by_role("link", name="申领春节平安返津交通补助").click()
        expect(phone.get_by_test_id("identify-form")).to_be_visible()
        phone.get_by_label("身份证号").fill(member.worker.id_number)
        phone.get_by_label("会员服务卡号后6位").fill("000000")
        phone.get_by_role("button", name="核实身份").click()
        expect(phone.get_by_role("alert")).to_contain_text("无法核实您的身份")
        shot(phone, "phone-identify-failed")
        phone.get_by_label("会员服务卡号后6位").fill(member.card_number[-6:])
        phone.get_by_role("button", name="核实身份").click()
        expect(phone.get_by_test_id("who")).to_contain_text(f"****{member.card_number[-4:]}")
        assert member.worker.id_number not in phone.url

        # A mistake first: it is told next to the field and what was typed stays.
        phone.get_by_label("票价（元）").fill("12.345")
        phone.get_by_label("车票号").fill("g1234-0567")
        phone.get_by_label("返程日期").fill(trip)
        phone.get_by_role("button", name="提交申请").click()
        expect(phone.locator("#error_1_id_fare")).to_contain_text("最多两位小数")
        expect(phone.get_by_label("车票号")).to_have_value("g1234-0567")
        shot(phone, "phone-claim-error")
        phone.get_by_label("票价（元）").fill("235.50")
        phone.get_by_role("button", name="提交申请").click()

        claim = Entitlement.objects.get(programme_id="SPRING_RETURN")
        expect(phone.get_by_test_id("claim-number")).to_have_text(claim.number)
        expect(phone.get_by_test_id("claim-state")).to_have_text("待审批")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "phone-claim-pending")

        phone.get_by_role("link", name="查看我的补贴与发放").click()
        expect(phone.get_by_test_id("my-entitlements")).to_contain_text("春节平安返津")
        expect(phone.get_by_test_id("my-entitlements")).to_contain_text("待审批")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "phone-my-subsidies")
    finally:
        context.close()
