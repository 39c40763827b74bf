"""The two rates of SPEC §7.1 against hand-computed expectations."""

import json
import random
from datetime import date
from fractions import Fraction

import pytest
import time_machine
from django.core.management import call_command

from membership import fakes
from membership.models import FoundingStatus, Union, UnionForm
from membership.services import (
    founding_step_add,
    member_end,
    member_enroll,
    member_transfer,
    route_union,
    unit_create,
    worker_create,
    worker_update,
)
from reporting.rates import (
    _UNIT_FIELD,
    _WORKER_FIELD,
    EMPTY,
    Rate,
    founding_groups,
    migrant_groups,
    rates_as_of,
)

RNG = random.Random(71)
JULY_TARGET = Fraction(80, 100)
TODAY = date(2026, 11, 28)


# One rate of each scope of `by`, straight from the grouped counts rates_by_scope adds up.
def migrant_rates(day, by="district"):
    """{scope key (None for the district): migrant Rate} of the scopes of `by` with any
    worker."""
    field = _WORKER_FIELD[by]
    return {values[0] if field else None: rate
            for values, rate in migrant_groups(day, (field,) if field else ()).items()}


def founding_rates(day, by="district"):
    """{scope key (None for the district): founding Rate}, or None for occupation groups."""
    field = _UNIT_FIELD[by]
    if field is None and by != "district":
        return None
    return {values[0] if field else None: rate
            for values, rate in founding_groups(day, (field,) if field else ()).items()}


class TestRate:
    def test_eighty_percent_meets_the_july_target_and_79_99_does_not(self):
        """7.2: 以上 includes the bound."""
        assert Rate(8000, 10000).meets(JULY_TARGET)
        assert Rate(8000, 10000).pct == "80.00"
        assert not Rate(7999, 10000).meets(JULY_TARGET)
        assert Rate(7999, 10000).pct == "79.99"

    def test_rounding_is_half_up_on_exact_values(self):
        assert Rate(1, 8).pct == "12.50"
        assert Rate(1, 800).pct == "0.13"  # 0.125 exactly, rounded up
        assert Rate(2, 3).pct == "66.67"

    def test_an_empty_denominator_shows_a_dash(self):
        assert EMPTY.display() == "—"
        assert EMPTY.pct is None
        assert not EMPTY.meets(Fraction(0))

    def test_members_still_needed(self):
        assert Rate(75, 100).needed_for(JULY_TARGET) == 5
        assert Rate(3, 7).needed_for(JULY_TARGET) == 3  # 6/7 ≥ 80%, 5/7 is not
        assert Rate(90, 100).needed_for(JULY_TARGET) == 0


def _worker(by, community, *, hukou="rural", identified=date(2026, 3, 20), **extra):
    return worker_create(
        by=by, name="王五", id_number=fakes.resident_id(RNG, birth_date=date(1985, 1, 1)),
        phone="", hukou_type=hukou, hukou_province="", employment_form="scattered",
        occupation_group=extra.pop("group", "courier"), employer=None,
        street=community.street, community=community, identified_on=identified,
        source="survey", **extra)


@pytest.fixture
def registry(street_staff_dawangzhuang, dawangzhuang_community):
    """Four migrant workers and one non-migrant in 大王庄, two of the migrants members."""
    by = street_staff_dawangzhuang
    workers = [_worker(by, dawangzhuang_community) for _ in range(4)]
    _worker(by, dawangzhuang_community, hukou="non_rural")
    union = route_union(workers[0])
    with time_machine.travel(TODAY):
        for worker in workers[:2]:
            member_enroll(by=by, worker=worker, union=union, joined_on=date(2026, 5, 1))
    return workers


@pytest.mark.django_db
def test_the_migrant_rate_of_the_district_and_the_street(registry, dawangzhuang):
    district = migrant_rates(date(2026, 6, 1))[None]
    assert (district.num, district.den) == (2, 4)
    assert migrant_rates(date(2026, 6, 1), "street")[dawangzhuang.pk] == Rate(2, 4)
    # Before the enrollments: nobody is a member yet.
    assert migrant_rates(date(2026, 4, 30))[None] == Rate(0, 4)
    # Before anyone was identified, the denominator is empty.
    assert migrant_rates(date(2026, 3, 19))[None] == EMPTY


@pytest.mark.django_db
def test_a_worker_who_left_before_d_is_out_of_both(registry, street_staff_dawangzhuang):
    with time_machine.travel(TODAY):
        worker_update(worker=registry[0], by=street_staff_dawangzhuang, left_on=date(2026, 5, 31))
    assert migrant_rates(date(2026, 6, 1))[None] == Rate(1, 3)
    assert migrant_rates(date(2026, 5, 30))[None] == Rate(2, 4)


@pytest.mark.django_db
def test_a_transferred_member_counts_once(registry, street_staff_dawangzhuang, dawangzhuang):
    member = registry[0].memberships.get()
    building = Union.objects.create(name="大王庄大厦楼宇工会", form=UnionForm.BUILDING,
                                    street=dawangzhuang, founded_on=date(2020, 1, 1))
    with time_machine.travel(TODAY):
        member_transfer(member=member, by=street_staff_dawangzhuang, union=building,
                        on=date(2026, 7, 1))
    assert migrant_rates(date(2026, 7, 1))[None] == Rate(2, 4)


@pytest.mark.django_db
def test_a_past_rate_is_unchanged_by_later_edits(registry, street_staff_dawangzhuang,
                                                dawangzhuang_community):
    before = migrant_rates(date(2026, 6, 1))[None]
    with time_machine.travel(TODAY):
        member_enroll(by=street_staff_dawangzhuang, worker=registry[2],
                      union=route_union(registry[2]), joined_on=date(2026, 8, 1))
        member_end(member=registry[0].memberships.get(), by=street_staff_dawangzhuang,
                   on=date(2026, 9, 1), reason="left_job")
        _worker(street_staff_dawangzhuang, dawangzhuang_community, identified=date(2026, 10, 1))
    assert migrant_rates(date(2026, 6, 1))[None] == before
    assert migrant_rates(date(2026, 10, 1))[None] == Rate(2, 5)


@pytest.mark.django_db
def test_the_first_rate_by_occupation_group(registry, street_staff_dawangzhuang,
                                            dawangzhuang_community):
    _worker(street_staff_dawangzhuang, dawangzhuang_community, group="security")
    by_group = migrant_rates(date(2026, 6, 1), "group")
    assert by_group["courier"] == Rate(2, 4)
    assert by_group["security"] == Rate(0, 1)


def _unit(by, street, employees, **extra):
    return unit_create(by=by, name=f"单位{RNG.randrange(10**6)}",
                       credit_code=fakes.credit_code(RNG), kind="non_public_enterprise",
                       sector=extra.pop("sector", "logistics"), street=street,
                       employee_count=employees, migrant_count=0,
                       registered_on=extra.pop("registered_on", date(2025, 1, 1)), **extra)


@pytest.mark.django_db
def test_exactly_100_employees_counts_and_99_does_not(street_staff_dawangzhuang, dawangzhuang):
    by = street_staff_dawangzhuang
    hundred = _unit(by, dawangzhuang, 100)
    _unit(by, dawangzhuang, 99)
    founding_step_add(unit=hundred, by=by, status=FoundingStatus.FOUNDED, on=date(2026, 5, 1),
                      new_union_name="百人工会")
    assert founding_rates(date(2026, 6, 1))[None] == Rate(1, 1)
    assert founding_rates(date(2026, 4, 30))[None] == Rate(0, 1)


@pytest.mark.django_db
def test_social_organisations_and_later_registrations_are_not_counted(
        street_staff_dawangzhuang, dawangzhuang):
    by = street_staff_dawangzhuang
    _unit(by, dawangzhuang, 150)
    unit_create(by=by, name="社会组织", credit_code=fakes.credit_code(RNG, authority="5"),
                kind="social_organisation", sector="other", street=dawangzhuang,
                employee_count=150, migrant_count=0)
    _unit(by, dawangzhuang, 150, registered_on=date(2026, 9, 1))
    assert founding_rates(date(2026, 6, 1))[None] == Rate(0, 1)
    assert founding_rates(date(2026, 9, 1))[None] == Rate(0, 2)


@pytest.mark.django_db
def test_coverage_counts_from_the_covering_unions_founding_date(street_staff_dawangzhuang,
                                                               dawangzhuang):
    by = street_staff_dawangzhuang
    unit = _unit(by, dawangzhuang, 120)
    park = Union.objects.create(name="大王庄科技园区工会", form=UnionForm.PARK,
                                street=dawangzhuang, founded_on=date(2026, 4, 15))
    founding_step_add(unit=unit, by=by, status=FoundingStatus.COVERED, on=date(2026, 6, 20),
                      union=park)
    assert founding_rates(date(2026, 4, 14))[None] == Rate(0, 1)
    assert founding_rates(date(2026, 4, 15))[None] == Rate(1, 1)


@pytest.mark.django_db
def test_every_scope_is_listed_and_an_empty_one_shows_a_dash(registry):
    streets = rates_as_of(date(2026, 6, 1), "street")
    assert len(streets) == 12
    empty = next(s for s in streets if s.name == "鲁山道街道")
    assert empty.migrant.display() == "—" and empty.founding.display() == "—"


@pytest.mark.django_db
def test_the_rates_command_prints_the_district_first(registry, capsys):
    call_command("rates", "--as-of", "2026-06-01", "--by", "street", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["scope"] == "天津市河东区总工会"
    assert rows[0]["migrant"] == {"num": 2, "den": 4, "pct": "50.00"}
    assert rows[0]["founding"] == {"num": 0, "den": 0, "pct": None}
    assert [r["scope"] for r in rows[1:3]] == ["大王庄街道", "大直沽街道"]
    assert rows[2]["migrant"]["pct"] is None
    assert len(rows) == 13


@pytest.mark.django_db
def test_the_rates_command_refuses_a_bad_date(organisation_structure):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rates", "--as-of", "2026-02-30")


@pytest.mark.django_db
def test_the_rates_command_skips_the_system_checks(organisation_structure, capsys,
                                                   monkeypatch):
    """Run as from the shell (checks not skipped by the caller), the read-only report does
    not spend its time on Django's system checks."""
    from django.core import checks
    from django.core.management import execute_from_command_line

    ran = []
    monkeypatch.setattr(checks, "run_checks", lambda *args, **kwargs: ran.append(1) or [])
    execute_from_command_line(["manage.py", "rates", "--as-of", "2026-06-01", "--json"])
    assert json.loads(capsys.readouterr().out)[0]["scope"] == "天津市河东区总工会"
    assert ran == []
