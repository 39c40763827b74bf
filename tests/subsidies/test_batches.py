"""From entitlement to money (SPEC §6.3): batches, the second approver, the payment file,
the bank's result, failures paid later, totals to the yuan."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook, load_workbook

from accounts.models import AccessLog
from subsidies.bank import read_result_file
from subsidies.models import Batch, BatchLine, BatchState, Entitlement, EntitlementState, LineStatus
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_payment_file,
    batch_result_apply,
    totals,
)
from tests.subsidies.conftest import make_members, universal_approved


@pytest.fixture
def approved(admin_user, dawangzhuang_community):
    make_members(5, community=dawangzhuang_community)
    return universal_approved(admin_user, run_on=date(2026, 1, 10),
                              approve_on=date(2026, 1, 12))


def _result_file(rows, header=("明细编号", "结果", "原因", "金额")):
    wb = Workbook()
    ws = wb.active
    ws.append(["银行回盘"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    stream = io.BytesIO()
    wb.save(stream)
    return SimpleUploadedFile("result.xlsx", stream.getvalue())


@pytest.mark.django_db
def test_the_maker_cannot_approve_their_own_batch(admin_user, second_admin, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    with pytest.raises(ValidationError) as error:
        batch_approve(batch=batch, by=admin_user)
    assert error.value.messages == ["制单人不能审批自己制作的批次。"]
    batch_approve(batch=batch, by=second_admin)
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED and batch.approved_by == second_admin


@pytest.mark.django_db
def test_the_database_refuses_self_approval_too(admin_user, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(batch).objects.filter(pk=batch.pk).update(approved_by=admin_user)


@pytest.mark.django_db
def test_an_entitlement_is_never_in_two_live_lines(admin_user, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    line = batch.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchLine.objects.create(batch=Batch.objects.create(
            number="X-1", created_by=admin_user), entitlement=line.entitlement,
            amount=line.amount)
    with pytest.raises(ValidationError):  # nothing approved is left to batch
        batch_create(by=admin_user, queryset=approved)


@pytest.mark.django_db
def test_the_payment_file_has_full_cards_and_is_logged(admin_user, second_admin, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch = batch_payment_file(batch=batch, by=second_admin)
    assert batch.state == BatchState.SENT
    sheet = load_workbook(io.BytesIO(batch.payment_file.read_decrypted())).active
    assert [c.value for c in sheet[2]] == ["明细编号", "会员服务卡号", "姓名", "金额"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 5
    # Each line's id is the batch's number and the line's key, in line order.
    assert [r[0] for r in rows] == [f"{batch.number}-{pk:06d}" for pk in
                                    batch.lines.order_by("pk").values_list("pk", flat=True)]
    cards = {e.member.card_number for e in approved.select_related("member")}
    assert {r[1] for r in rows} == cards  # as text: 19 digits keep every digit
    assert {r[3] for r in rows} == {150}
    assert sheet.cell(3, 4).number_format == "#,##0.00"
    assert AccessLog.objects.filter(action="export", target_type="subsidies.batch").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("processes", [1, 2])
def test_a_file_of_many_chunks_is_the_same_decrypted_here_or_by_workers(
        admin_user, second_admin, dawangzhuang_community, monkeypatch, settings, processes):
    from membership import decryption
    from membership.services.members import member_bind_card

    make_members(11, community=dawangzhuang_community)
    approved = universal_approved(admin_user, run_on=date(2026, 1, 10),
                                  approve_on=date(2026, 1, 12))
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    lines = list(batch.lines.order_by("pk").select_related("entitlement__member"))
    unbound = lines[6].entitlement.member  # in a worker's chunk (lines 5 to 7)
    member_bind_card(member=unbound, by=admin_user, card_number="")
    monkeypatch.setattr(decryption, "PARALLEL_FROM", 2)  # two rows here, then chunks of 3
    monkeypatch.setattr(decryption, "CHUNK", 3)
    settings.PII_DECRYPT_PROCESSES = processes
    batch = batch_payment_file(batch=batch, by=second_admin)
    rows = list(load_workbook(io.BytesIO(batch.payment_file.read_decrypted())).active.iter_rows(min_row=3,
                                                                        values_only=True))
    assert rows == [(line.line_id, line.entitlement.member.card_number, "测试", 150)
                    for line in lines if line.entitlement.member != unbound]
    assert batch.lines.get(entitlement__member=unbound).status == LineStatus.FAILED


@pytest.mark.django_db
def test_the_bank_result_with_two_failures_and_bad_lines(admin_user, second_admin, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    ids = [line.line_id for line in batch.lines.order_by("pk")]
    upload = _result_file([
        (ids[0], "成功", "", 150), (ids[1], "成功", "", "150.00"), (ids[2], "成功", "", None),
        (ids[3], "失败", "卡已挂失", 150), (ids[4], "失败", "户名不符", 150),
        ("PB-UNKNOWN-000001", "成功", "", 150),  # unknown line
        (ids[0], "成功", "", 150),  # duplicate
        (ids[1], "成功", "", 15),  # bad amount (also a duplicate: reported once)
        (ids[2], "完成", "", 150),  # bad result word (duplicate)
    ])
    report = batch_result_apply(batch=batch, rows=read_result_file(upload), by=second_admin)
    assert (report.paid, report.failed) == (3, 2)
    assert [row for row, _ in report.errors] == [8, 9, 10, 11]
    assert "不在本批次" in report.errors[0][1]
    assert Entitlement.objects.filter(state=EntitlementState.PAID).count() == 3
    assert Entitlement.objects.filter(state=EntitlementState.FAILED).count() == 2
    batch.refresh_from_db()
    assert batch.state == BatchState.SETTLED

    # The same file again: every line is already settled; nothing changes.
    again = batch_result_apply(batch=batch, rows=read_result_file(upload), by=second_admin)
    assert (again.paid, again.failed) == (0, 0)
    assert Entitlement.objects.filter(state=EntitlementState.PAID).count() == 3

    # The two failures go into a new batch; the paid ones never do.
    later = batch_create(by=admin_user, queryset=Entitlement.objects.all())
    assert later.lines.count() == 2
    # The line, not a rewrite of the entitlement, puts it in the batch: still "failed" in
    # its row, shown "in a batch", and no third batch can take it.
    assert set(later.lines.values_list("entitlement__state", flat=True)) == {"failed"}
    assert {line.entitlement.shown_state for line in later.lines.all()} == {"in_batch"}
    assert Entitlement.objects.in_state("in_batch").count() == 2
    assert not Entitlement.objects.payable().exists()
    with pytest.raises(ValidationError):
        batch_create(by=admin_user, queryset=Entitlement.objects.all())
    assert BatchLine.objects.filter(status=LineStatus.PAID).count() == 3


@pytest.mark.django_db
def test_an_already_paid_line_is_reported_not_changed(admin_user, second_admin, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    first = batch.lines.order_by("pk").first()
    batch_result_apply(batch=batch, rows=[(3, first.line_id, "成功", "", None)], by=second_admin)
    report = batch_result_apply(batch=batch, rows=[(3, first.line_id, "失败", "x", None)],
                                by=second_admin)
    assert report.errors == [(3, f"明细{first.line_id}已处理为“已发放”。")]
    first.refresh_from_db()
    assert first.status == LineStatus.PAID


@pytest.mark.parametrize("content,message", [
    (b"not a workbook", "不是Excel"),
    (b"PK\x03\x04broken", "损坏"),
])
def test_bad_result_files(content, message):
    with pytest.raises(ValidationError) as error:
        read_result_file(SimpleUploadedFile("r.xlsx", content))
    assert message in error.value.messages[0]


def test_a_result_file_without_the_columns():
    with pytest.raises(ValidationError) as error:
        read_result_file(_result_file([("a", "b")], header=("编号", "状态x")))
    assert "明细编号" in error.value.messages[0]


@pytest.mark.django_db
def test_totals_reconcile_to_the_yuan(admin_user, second_admin, approved):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    ids = [line.line_id for line in batch.lines.order_by("pk")]
    batch_result_apply(batch=batch, by=second_admin, rows=[
        (3 + i, line_id, "成功" if i < 4 else "失败", "", None) for i, line_id in enumerate(ids)])
    (row,) = totals(year=2026)
    assert row["programme_id"] == "UNIVERSAL"
    assert (row["entitled"], row["entitled_city"], row["entitled_district"]) == (
        Decimal("750.00"), Decimal("450.00"), Decimal("300.00"))
    assert (row["paid"], row["paid_city"], row["paid_district"]) == (
        Decimal("600.00"), Decimal("360.00"), Decimal("240.00"))
    assert row["paid_city"] + row["paid_district"] == row["paid"]


@pytest.mark.django_db
def test_an_entitlement_in_a_batch_keeps_its_row_and_cannot_be_rejected(admin_user, approved):
    from subsidies.services import entitlement_reject

    before = Entitlement.history.count()
    batch = batch_create(by=admin_user, queryset=approved)
    assert batch.lines.count() == 5
    assert Entitlement.history.count() == before  # the row is not rewritten
    entitlement = approved.first()
    assert (entitlement.state, entitlement.shown_state) == ("approved", "in_batch")
    assert entitlement.get_state_display() == EntitlementState.IN_BATCH.label
    with pytest.raises(ValidationError):
        entitlement_reject(entitlement=entitlement, by=admin_user, reason="重复")
    # A second batch finds nothing to take; the database refuses a second open line.
    with pytest.raises(ValidationError):
        batch_create(by=admin_user, queryset=approved)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchLine.objects.create(batch=Batch.objects.create(number="X", created_by=admin_user),
                                 entitlement=entitlement, amount=entitlement.amount)


@pytest.mark.django_db
def test_every_reading_of_in_a_batch_agrees(admin_user, approved):
    """The rule has one definition (subsidies.models.shown_in): the instance's shown state,
    with or without the annotation, the filters by state, what a batch may take and the
    rule-run page's counts all say the same of each entitlement."""
    from subsidies.selectors import state_counts

    first, second, third, *rest = approved.order_by("pk")
    batch_create(by=admin_user, queryset=Entitlement.objects.filter(pk=first.pk))
    Entitlement.objects.filter(pk=second.pk).update(state=EntitlementState.FAILED)
    Entitlement.objects.filter(pk=third.pk).update(state=EntitlementState.DRAFT)
    expected = {first.pk: "in_batch", second.pk: "failed", third.pk: "draft",
                **{e.pk: "approved" for e in rest}}
    assert {e.pk: e.shown_state for e in Entitlement.objects.all()} == expected
    assert {e.pk: e.shown_state for e in Entitlement.objects.with_batch_state()} == expected
    for state in EntitlementState.values:
        assert set(Entitlement.objects.in_state(state).values_list("pk", flat=True)) == {
            pk for pk, shown in expected.items() if shown == state}, state
    assert set(Entitlement.objects.payable().values_list("pk", flat=True)) == {
        pk for pk, shown in expected.items() if shown in ("approved", "failed")}
    counts = {state: n for state, _label, n in state_counts(programme="UNIVERSAL", year=2026)}
    assert counts == {state: list(expected.values()).count(state)
                      for state in EntitlementState.values}
