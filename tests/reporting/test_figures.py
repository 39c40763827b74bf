"""The figures engine against the rates' definition, and the snapshots taken from it."""

from datetime import date

import pytest
import time_machine
from django.db.models import Q

from membership.demo import seed_registry
from membership.models import Member, Union
from reporting import snapshots
from reporting.figures import KINDS, figures_as_of
from reporting.models import ScopeFigure, Snapshot
from reporting.periods import period_of
from reporting.rates import rates_as_of

DAY = date(2026, 6, 30)
PERIOD_START = date(2026, 6, 21)


@pytest.fixture
def registry(organisation_structure):
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        seed_registry(seed=11, workers=1500, units=250)


@pytest.mark.parametrize("day", [date(2026, 4, 1), DAY, date(2026, 11, 27)])
def test_every_scope_rate_matches_the_grouped_query_of_its_definition(registry, day):
    figures = {(f.kind, f.key): f for f in figures_as_of(day, PERIOD_START)}
    for kind in KINDS:
        for expected in rates_as_of(day, kind):
            key = "" if expected.key is None else str(expected.key)
            counts = figures[(kind, key)].counts
            assert (counts.migrant_num, counts.migrant_den) == (
                expected.migrant.num, expected.migrant.den), (kind, expected.name)
            if expected.founding is not None:
                assert (counts.founding_num, counts.founding_den) == (
                    expected.founding.num, expected.founding.den), (kind, expected.name)
    # The data is not trivial: some members and some founded units on the day.
    district = figures[("district", "")].counts
    assert 0 < district.migrant_num < district.migrant_den
    assert day < date(2026, 6, 1) or 0 < district.founding_num <= district.founding_den


def test_the_shared_count_equals_each_row_judged_on_its_own(registry):
    """The numerator counted as a filter (a semi-join) gives what judging every worker and
    every unit by its own Exists gives, for the district and every street."""
    from django.db.models import Count

    from reporting.rates import (
        active_member_exists,
        founded_exists,
        founding_base,
        migrant_base,
        rates_as_of,
    )

    def per_row(queryset, condition):
        rows = queryset.annotate(ok=condition).order_by().values("street_id").annotate(
            den=Count("pk"), num=Count("pk", filter=Q(ok=True)))
        return {row["street_id"]: (row["num"], row["den"]) for row in rows}

    migrant = per_row(migrant_base(DAY), active_member_exists(DAY))
    founding = per_row(founding_base(DAY), founded_exists(DAY))
    district, *streets = rates_as_of(DAY, "district", "street")
    assert (district.migrant.num, district.migrant.den) == tuple(
        map(sum, zip(*migrant.values())))
    assert (district.founding.num, district.founding.den) == tuple(
        map(sum, zip(*founding.values())))
    for street in streets:
        assert (street.migrant.num, street.migrant.den) == migrant.get(street.key, (0, 0))
        assert (street.founding.num, street.founding.den) == founding.get(street.key, (0, 0))


def test_period_counts_and_totals_match_direct_counts(registry):
    figures = {(f.kind, f.key): f.counts for f in figures_as_of(DAY, date(2026, 5, 1))}
    district = figures[("district", "")]
    active = Member.objects.filter(joined_on__lte=DAY).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=DAY))
    assert district.members_total == active.count()
    assert district.new_members == Member.objects.filter(
        joined_on__range=(date(2026, 5, 1), DAY)).count()
    assert district.unions_total == Union.objects.filter(founded_on__lte=DAY).count()
    assert district.new_unions == Union.objects.filter(
        founded_on__range=(date(2026, 5, 1), DAY)).count()
    assert sum(district.new_members_by_group.values()) == district.new_members
    streets = [c for (kind, _), c in figures.items() if kind == "street"]
    assert sum(c.members_total for c in streets) == district.members_total
    assert sum(c.migrant_den for c in streets) == district.migrant_den


def test_an_empty_scope_is_listed_with_zero_counts(organisation_structure):
    figures = figures_as_of(DAY)
    streets = [f for f in figures if f.kind == "street"]
    assert len(streets) == 12
    assert all(f.counts.migrant_den == 0 and f.counts.migrant.display() == "—"
               for f in streets)


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_task_run_twice_makes_one_snapshot(organisation_structure):
    period = period_of(date(2026, 11, 10))
    with time_machine.travel("2026-11-12 09:00 +0800", tick=False):
        first, created = snapshots.ten_day_snapshot_take(period)
        again, created_again = snapshots.ten_day_snapshot_take(period)
    assert created and not created_again and first.pk == again.pk
    assert Snapshot.objects.filter(kind=Snapshot.Kind.TEN_DAY).count() == 1
    assert ScopeFigure.objects.filter(snapshot=first, kind="street").count() == 12


def test_a_late_snapshot_holds_the_figures_as_of_the_period_end(registry):
    """A snapshot for the 10th made on the 12th gives the figures as of the 10th."""
    period = period_of(date(2026, 6, 10))
    with time_machine.travel("2026-06-12 09:00 +0800", tick=False):
        snapshot, _ = snapshots.ten_day_snapshot_take(period)
    assert snapshot.as_of == date(2026, 6, 10)
    stored = snapshot.figures.get(kind="district")
    expected = rates_as_of(date(2026, 6, 10), "district")[0]
    assert (stored.migrant_num, stored.migrant_den) == (expected.migrant.num,
                                                        expected.migrant.den)


def test_a_period_not_ended_is_refused(organisation_structure):
    with time_machine.travel("2026-11-28 09:00 +0800", tick=False):
        with pytest.raises(ValueError):
            snapshots.ten_day_snapshot_take(period_of(date(2026, 11, 28)))


def test_catching_up_fills_every_missing_period_once(organisation_structure):
    with time_machine.travel("2026-11-12 09:00 +0800", tick=False):
        made = snapshots.ten_day_snapshots_catch_up(since=date(2026, 10, 1))
        again = snapshots.ten_day_snapshots_catch_up(since=date(2026, 10, 1))
    assert sorted(s.as_of for s in made) == [
        date(2026, 10, 10), date(2026, 10, 20), date(2026, 10, 31), date(2026, 11, 10)]
    assert again == []


def test_a_ten_day_snapshot_never_changes(organisation_structure):
    with time_machine.travel("2026-11-12 09:00 +0800", tick=False):
        snapshot, _ = snapshots.ten_day_snapshot_take(period_of(date(2026, 11, 10)))
    snapshot.as_of = date(2026, 11, 20)
    with pytest.raises(Exception):
        snapshot.save()


def test_current_figures_keep_only_the_latest_few(organisation_structure):
    for _ in range(snapshots.LIVE_KEEP + 2):
        latest = snapshots.live_snapshot_refresh(date(2026, 11, 28))
    live = Snapshot.objects.filter(kind=Snapshot.Kind.LIVE)
    assert live.count() == snapshots.LIVE_KEEP
    assert live.order_by("-taken_at", "-pk").first() == latest


def test_applications_received_and_approved_in_the_period_are_counted(
        dawangzhuang_community, street_staff_dawangzhuang):
    """Applications submitted in the period, and approved in it, by the applicant's scope."""
    from applications.models import Application
    from applications.selectors import pending_counts_by_street
    from applications.services import application_approve, application_submit
    from tests.applications.conftest import submit_kwargs

    def submit_application():
        return application_submit(**submit_kwargs(dawangzhuang_community)).application

    with time_machine.travel("2026-06-25 10:00 +0800", tick=False):
        first = submit_application()
        submit_application()
    with time_machine.travel("2026-05-02 10:00 +0800", tick=False):
        submit_application()  # before the period, pending for weeks by 6-30

    with time_machine.travel("2026-06-29 10:00 +0800", tick=False):
        application_approve(application=first, by=street_staff_dawangzhuang,
                            hukou_type="rural", employment_form="scattered")
    figures = {(f.kind, f.key): f.counts for f in figures_as_of(DAY, PERIOD_START)}
    district = figures[("district", "")]
    assert (district.applications_received, district.applications_approved) == (2, 1)
    street = figures[("street", str(first.street_id))]
    assert street.applications_received == 2 and street.applications_approved == 1
    with time_machine.travel("2026-06-30 10:00 +0800", tick=False):
        assert pending_counts_by_street()[first.street_id] == (2, 1)  # one over ten days
    assert Application.objects.count() == 3
