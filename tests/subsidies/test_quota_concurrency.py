"""The spring-return quota under concurrency, on PostgreSQL (SPEC §6.1, issue 5)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from subsidies.models import Entitlement, ProgrammeYear
from subsidies.services import QuotaFull, spring_return_claim
from tests.subsidies.conftest import make_members

CLAIM_TIME = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
THREADS = 48


def _claim(member, ticket, start):
    start.wait()
    try:
        spring_return_claim(member=member, fare=120, ticket_number=ticket,
                            trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)
        return "accepted"
    except QuotaFull:
        return "full"
    except ValidationError as error:
        return f"refused: {error.messages}"
    finally:
        connection.close()


def _run_concurrently(jobs):
    """Every claim queued first, then all let go at once across the pool's threads."""
    start = threading.Event()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_claim, member, ticket, start) for member, ticket in jobs]
        start.set()
        return [f.result(timeout=120) for f in futures]


@pytest.mark.django_db(transaction=True)
def test_a_thousand_claims_against_300_seats_accept_exactly_300(organisation_structure,
                                                                dawangzhuang_community):
    members = make_members(1000, community=dawangzhuang_community)
    for round_number in range(3):
        ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2026).update(
            quota=300, accepted=0)
        Entitlement.objects.all().delete()
        outcomes = _run_concurrently([(m, f"R{round_number}-{m.pk}") for m in members])
        assert outcomes.count("accepted") == 300, round_number
        assert outcomes.count("full") == 700
        assert Entitlement.objects.count() == 300
        assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 300


@pytest.mark.django_db(transaction=True)
def test_twenty_claims_by_one_member_at_once_make_one(organisation_structure,
                                                      dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community)
    outcomes = _run_concurrently([(member, f"ONE-{i}") for i in range(20)])
    assert outcomes.count("accepted") == 1
    assert [o for o in outcomes if o.startswith("refused")] == [
        "refused: ['您今年已经申领过这项补助。']"] * 19
    assert Entitlement.objects.filter(member=member).count() == 1
    # Refused claims gave their seat back with the transaction: one seat taken.
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 1
