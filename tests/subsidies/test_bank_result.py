"""The card bank's result file read back (SPEC §6.3): an amount that is no amount is
reported as the bank gave it."""

from datetime import date

import pytest

from subsidies.bank import read_result_file
from subsidies.models import Entitlement, LineStatus
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_payment_file,
    batch_result_apply,
    entitlements_approve,
    entitlements_submit,
    universal_run,
)
from tests.subsidies.conftest import make_members
from tests.subsidies.pages import result_file


@pytest.fixture
def sent_line(admin_user, second_admin, dawangzhuang_community):
    make_members(1, community=dawangzhuang_community)
    universal_run(year=2026, by=admin_user, on=date(2026, 1, 10))
    queryset = Entitlement.objects.filter(year=2026)
    entitlements_submit(queryset=queryset, by=admin_user)
    entitlements_approve(queryset=queryset, by=admin_user, on=date(2026, 1, 12))
    batch = batch_create(by=admin_user, queryset=queryset)
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    return batch.lines.get()


@pytest.mark.django_db
@pytest.mark.parametrize("given,shown", [
    (1e30, "1e+30"),
    ("1e30", "1e30"),
    ("一百五十", "一百五十"),
    ("Infinity", "Infinity"),
    ("NaN", "NaN"),
])
def test_an_amount_that_is_no_amount_is_reported_as_given(sent_line, second_admin, given,
                                                          shown):
    rows = read_result_file(result_file([(sent_line.line_id, "成功", "", given)]))
    report = batch_result_apply(batch=sent_line.batch, rows=rows, by=second_admin)
    assert report.errors == [(3, f"金额“{shown}”不是有效的金额（元）。")]
    assert "-1" not in report.errors[0][1]
    sent_line.refresh_from_db()
    assert sent_line.status == LineStatus.PENDING


@pytest.mark.django_db
def test_a_differing_amount_is_still_reported_as_differing(sent_line, second_admin):
    rows = read_result_file(result_file([(sent_line.line_id, "成功", "", 15)]))
    report = batch_result_apply(batch=sent_line.batch, rows=rows, by=second_admin)
    assert report.errors == [(3, "金额15.00与明细金额150.00不一致。")]
