"""The spring-return claim's one-statement way (subsidies/bulk.py claim_insert): the same
answers as the checked way, settings edited between claims never missed."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membership.models import Member
from subsidies.models import Entitlement, ProgrammeYear
from subsidies.services import QuotaFull, entitlement_reject, spring_return_claim

CLAIM_TIME = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _claim(member, ticket, fare=Decimal("250")):
    return spring_return_claim(member=member, fare=fare, ticket_number=ticket,
                               trip_date=date(2026, 2, 25), received_at=CLAIM_TIME)


@pytest.fixture(autouse=True)
def settings_read_afresh():
    """The process keeps the year's settings as it last read them; each test starts with
    none (another test's edited settings would send its first claim the checked way)."""
    from subsidies import services

    services._spring_settings.clear()


@pytest.fixture
def members(dawangzhuang_community):
    from tests.subsidies.conftest import make_members

    return make_members(4, community=dawangzhuang_community)


@pytest.mark.django_db
def test_a_claim_is_one_statement_with_its_history(members):
    _claim(members[0], "T0")  # reads the year's settings once
    with CaptureQueriesContext(connection) as queries:
        claim = _claim(members[1], "T1")
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1, statements  # the savepoint is the test's transaction's
    with CaptureQueriesContext(connection) as queries:
        assert claim.member == members[1]  # the claimant is held, not read again
    assert not queries.captured_queries
    stored = Entitlement.objects.get(pk=claim.pk)
    for field in Entitlement._meta.concrete_fields:
        assert getattr(claim, field.attname) == getattr(stored, field.attname), field.name
    assert str(claim.fare) == str(stored.fare) == "250.00"  # shown as stored
    (history,) = Entitlement.history.filter(id=claim.pk)
    assert (history.history_type, history.state, history.amount) == ("+", "pending",
                                                                     Decimal("250.00"))
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 2


@pytest.mark.django_db
def test_settings_edited_after_a_claim_apply_to_the_next(members):
    _claim(members[0], "T0")
    ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2026).update(
        amount=Decimal("200.00"), city_share=Decimal("0.50"))
    claim = _claim(members[1], "T1")
    assert (claim.amount, claim.city_amount, claim.district_amount) == (
        Decimal("200.00"), Decimal("100.00"), Decimal("100.00"))
    ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2026).update(
        window_end=date(2026, 2, 20))
    with pytest.raises(ValidationError) as error:
        _claim(members[2], "T2")
    assert "返程日期须在" in error.value.message_dict["trip_date"][0]
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 2


@pytest.mark.django_db
def test_a_membership_ended_since_it_was_read_is_refused_without_a_seat(members):
    _claim(members[0], "T0")
    member = members[1]  # the caller's object still says active
    Member.objects.filter(pk=member.pk).update(status="ended", ended_on=date(2026, 2, 28),
                                               end_reason="left_job")
    with pytest.raises(ValidationError) as error:
        _claim(member, "T1")
    assert error.value.messages == ["会籍不在有效状态。"]
    assert ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted == 1
    assert Entitlement.objects.count() == 1


@pytest.mark.django_db
def test_without_prepared_statements_a_claim_is_still_one_statement(members, settings):
    """Behind a transaction-mode pooler (DATABASE_PREPARED_STATEMENTS false) nothing is
    PREPAREd: the same statement is sent as it is, with the same result."""
    settings.DATABASE_PREPARED_STATEMENTS = False
    _claim(members[0], "T0")  # reads the year's settings once
    with CaptureQueriesContext(connection) as queries:
        claim = _claim(members[1], "T1")
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1, statements
    assert not statements[0].startswith(("PREPARE", "EXECUTE"))
    assert Entitlement.objects.get(pk=claim.pk).ticket_number == "T1"
    assert Entitlement.history.filter(id=claim.pk, history_type="+").count() == 1


def _one_statement_claims(queries):
    return [q["sql"] for q in queries
            if "WITH seat AS" in q["sql"] or q["sql"].startswith("EXECUTE subsidies_")]


@pytest.mark.django_db
def test_once_the_quota_is_found_full_claims_go_the_checked_way_only(members, admin_user):
    """A claim after the quota was found full does not try the one statement first; the
    checked way still takes a seat a rejection has freed (SPEC §6.1), and once seats are
    left again claims are one statement again."""
    spring = ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2026)
    spring.update(quota=1)
    first = _claim(members[0], "T0")
    with pytest.raises(QuotaFull):
        _claim(members[1], "T1")  # the statement finds no seat; the checked way: full
    with CaptureQueriesContext(connection) as queries, pytest.raises(QuotaFull) as full:
        _claim(members[2], "T2")
    assert str(full.value) == "名额已满。"
    assert _one_statement_claims(queries) == []
    entitlement_reject(entitlement=first, by=admin_user, reason="车票与身份不符")
    assert _claim(members[2], "T2").ticket_number == "T2"  # the freed seat, the checked way
    spring.update(quota=3)
    with CaptureQueriesContext(connection) as queries:
        _claim(members[3], "T3")
    assert len(_one_statement_claims(queries)) == 1
    assert spring.get().accepted == 2
    assert Entitlement.objects.filter(state="pending").count() == 2
