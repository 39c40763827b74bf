"""After a big write the table is analysed in the same transaction (subsidies/bulk.py), so
that the office's next step is planned on what the write made: on the statistics of
before (every entitlement still a draft, no line yet) PostgreSQL planned a batch of
100,000 lines as nested loops and took 65 s instead of 2 (the subsidy benchmark)."""

from datetime import date

import pytest
from django.db import connection

from subsidies import bulk
from subsidies.models import Entitlement
from subsidies.services import (
    batch_approve,
    batch_create,
    entitlements_approve,
    entitlements_submit,
    universal_run,
)
from tests.subsidies.conftest import make_members


def _statistics(table, column):
    """The column's most common values as ANALYZE left them (None: not analysed). They are
    rolled back with the test; the table's row estimate is not (pg_class is updated in
    place), so it is not what is asked."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT most_common_vals::text FROM pg_stats "
                       "WHERE tablename = %s AND attname = %s", [table, column])
        found = cursor.fetchone()
    return found[0] if found else None


@pytest.mark.django_db
@pytest.mark.parametrize("analyse_from", [3, 100])
def test_the_rule_run_the_review_and_the_batch_leave_their_tables_analysed(
        admin_user, second_admin, dawangzhuang_community, monkeypatch, analyse_from):
    monkeypatch.setattr(bulk, "ANALYZE_FROM", analyse_from)
    make_members(4, community=dawangzhuang_community)
    entitlements = Entitlement.objects.filter(programme_id="UNIVERSAL")
    analysed = analyse_from <= 4  # 4 rows a write: analysed only from 3

    universal_run(year=2026, by=admin_user, on=date(2026, 1, 10))
    assert _statistics("subsidies_entitlement", "state") == ("{draft}" if analysed else None)
    entitlements_submit(queryset=entitlements, by=admin_user)
    assert _statistics("subsidies_entitlement", "state") == ("{pending}" if analysed else None)
    entitlements_approve(queryset=entitlements, by=admin_user, on=date(2026, 1, 12))
    assert _statistics("subsidies_entitlement", "state") == ("{approved}" if analysed else None)
    batch = batch_create(by=admin_user, queryset=entitlements)
    batch_approve(batch=batch, by=second_admin)
    assert _statistics("subsidies_batchline", "status") == ("{pending}" if analysed else None)
