"""The card bank's result file read back (SPEC §6.3): an amount that is no amount is
reported as the bank gave it."""

from datetime import date

import pytest

from subsidies.bank import read_result_file
from subsidies.models import LineStatus
from subsidies.services import batch_result_apply
from tests.subsidies.conftest import batch_sent, make_members, universal_approved
from tests.subsidies.pages import result_file


@pytest.fixture
def sent_line(admin_user, second_admin, dawangzhuang_community):
    make_members(1, community=dawangzhuang_community)
    queryset = universal_approved(admin_user, run_on=date(2026, 1, 10),
                                  approve_on=date(2026, 1, 12))
    return batch_sent(queryset, maker=admin_user, checker=second_admin).lines.get()


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
