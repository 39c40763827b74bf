"""Monthly bulletins and milestone reports: stored, ranked, immutable once published."""

from datetime import date
from fractions import Fraction

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from membership.demo import seed_registry
from reporting import bulletins, milestones
from reporting.bulletins import _ranks
from reporting.campaigns import Milestone
from reporting.models import Bulletin, MilestoneReport, ScopeFigure, Snapshot
from reporting.progress import campaign_get
from reporting.rates import Rate, rates_as_of


@pytest.fixture
def registry(organisation_structure):
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        seed_registry(seed=5, workers=1200, units=200)


@pytest.fixture
def today():
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        yield date(2026, 11, 28)


def _figure(kind, key, name, migrant, founding):
    """A scope's figures as a report reads them (reporting.snapshots.figures_on)."""
    return ScopeFigure(kind=kind, key=key, name=name, migrant_num=migrant.num,
                       migrant_den=migrant.den, founding_num=founding.num,
                       founding_den=founding.den)


def test_ranks_are_competition_ranks_on_the_exact_rate_and_empty_scopes_have_none():
    scopes = [_figure("street", str(i), f"s{i}", rate, Rate(0, 0)) for i, rate in enumerate(
        [Rate(1, 3), Rate(2, 6), Rate(9, 10), Rate(0, 0), Rate(333, 1000)])]
    ranks = _ranks(scopes, lambda s: s.migrant)
    # 1/3 and 2/6 are equal; 333/1000 is below them though both show 33.33%
    assert ranks == {"2": 1, "0": 2, "1": 2, "4": 4}


def test_the_draft_bulletin_ranks_the_12_streets_with_the_change_since_last_month(
        registry, today):
    bulletin, created = bulletins.bulletin_draft(2026, 6)
    assert created and bulletin.status == Bulletin.Status.DRAFT
    rows = bulletin.content["streets"]
    assert len(rows) == 12
    expected = {r.name: r.migrant for r in rates_as_of(date(2026, 6, 30), "street")}
    before = {r.name: r.migrant for r in rates_as_of(date(2026, 5, 31), "street")}
    for row in rows:
        assert row["migrant"]["display"] == expected[row["name"]].display()
        if expected[row["name"]].den and before[row["name"]].den:
            from decimal import Decimal
            change = Decimal(expected[row["name"]].pct) - Decimal(before[row["name"]].pct)
            assert row["migrant_change"] == f"{change:+.2f}"
    ranked = [r["migrant_rank"] for r in rows if r["migrant_rank"] is not None]
    assert ranked == sorted(ranked) and ranked[0] == 1
    # stored from the ten-day snapshots of both month ends
    assert set(Snapshot.objects.filter(kind="ten_day").values_list("as_of", flat=True)) >= {
        date(2026, 6, 30), date(2026, 5, 31)}
    assert bulletin.content["off_track"] == [r["name"] for r in rows if r["on_track"] is False]


def test_drafting_twice_gives_one_bulletin(organisation_structure, today):
    first, _ = bulletins.bulletin_draft(2026, 10)
    again, created = bulletins.bulletin_draft(2026, 10)
    assert again.pk == first.pk and not created
    assert Bulletin.objects.count() == 1


def test_a_month_not_ended_has_no_bulletin(organisation_structure, today):
    with pytest.raises(ValidationError):
        bulletins.bulletin_draft(2026, 11)
    assert not Bulletin.objects.exists()


def test_a_published_bulletin_never_changes_and_a_correction_is_a_new_version(
        registry, today, admin_user, leader):
    draft, _ = bulletins.bulletin_draft(2026, 9)
    published = bulletins.bulletin_publish(bulletin=draft, by=leader)
    assert published.is_published and published.published_by == leader
    published.content = {"tampered": True}
    with pytest.raises(ValidationError):
        published.save()
    with pytest.raises(ValidationError):
        bulletins.bulletin_refresh(bulletin=published, by=admin_user)
    with pytest.raises(ValidationError):
        bulletins.bulletin_correct(bulletin=published, by=admin_user, note=" ")
    correction = bulletins.bulletin_correct(bulletin=published, by=admin_user,
                                            note="补录大王庄街道9月入会人员")
    assert (correction.version, correction.corrects, correction.status) == (
        2, published, Bulletin.Status.DRAFT)
    assert correction.content == {"pending": True}  # the figures come from a Celery task
    with pytest.raises(ValidationError):
        bulletins.bulletin_publish(bulletin=correction, by=leader)
    correction = bulletins.bulletin_correction_compute(correction.pk)
    assert bulletins.bulletin_correction_compute(correction.pk).content == correction.content
    assert correction.content["source"] == "recomputed"
    assert correction.content["changes"] == []  # nothing changed in the registry
    bulletins.bulletin_publish(bulletin=correction, by=leader)
    stored = Bulletin.objects.get(pk=published.pk)
    assert stored.content["streets"] == draft.content["streets"]
    with pytest.raises(ValidationError):  # only the latest version is corrected
        bulletins.bulletin_correct(bulletin=stored, by=admin_user, note="再改")


def test_changes_are_listed_in_words():
    row = {"street_id": 1, "name": "大王庄街道", "punctuality": {"on_time": 3},
           "migrant": {"display": "80.00%"}, "founding": {"display": "—"}}
    after = {**row, "migrant": {"display": "81.25%"}}
    changes = bulletins.changes_between({"streets": [row]}, {"streets": [after]})
    assert changes == [{"street": "大王庄街道", "what": "migrant", "before": "80.00%",
                        "after": "81.25%"}]


def test_only_the_office_and_the_leadership_publish(street_staff_dawangzhuang, today):
    draft, _ = bulletins.bulletin_draft(2026, 10)
    with pytest.raises(PermissionDenied):
        bulletins.bulletin_publish(bulletin=draft, by=street_staff_dawangzhuang)
    assert not Bulletin.objects.get().is_published


def test_eighty_percent_meets_the_milestone_and_79_99_misses_it(monkeypatch,
                                                                 organisation_structure):
    rows = [_figure("street", "1", "甲街道", Rate(8000, 10000), Rate(7999, 10000)),
            _figure("street", "2", "乙街道", Rate(0, 0), Rate(0, 0)),
            _figure("group", "courier", "快递员", Rate(4, 5), Rate(0, 0))]
    assert rows[2].founding is None  # an occupation group has no founding rate
    monkeypatch.setattr(milestones, "figures_on", lambda day: rows)
    campaign = campaign_get(2026)
    content = milestones.milestone_content(
        campaign, Milestone(date(2026, 7, 31), Fraction(80, 100)))
    by_name = {r["name"]: r for r in content["scopes"]}
    assert by_name["甲街道"]["migrant_met"] is True
    assert by_name["甲街道"]["founding_met"] is False
    assert by_name["甲街道"]["unions_needed"] == 1
    assert by_name["乙街道"]["migrant_met"] is None  # empty: neither met nor missed
    assert by_name["快递员"]["founding"] is None
    assert content["missed"] == [{"kind": "street", "name": "甲街道", "which": ["founding"]}]


def test_milestone_reports_are_made_once_when_due(registry):
    with time_machine.travel("2026-08-01 02:30 +0800", tick=False):
        made = milestones.milestone_reports_due()
        assert [r.as_of for r in made] == [date(2026, 7, 31)]
        assert milestones.milestone_reports_due() == []
    with time_machine.travel("2026-11-01 02:30 +0800", tick=False):
        made = milestones.milestone_reports_due()
    assert sorted((r.kind, r.as_of) for r in made) == [
        ("milestone", date(2026, 10, 31)), ("summary", date(2026, 10, 31))]
    july = MilestoneReport.objects.get(as_of=date(2026, 7, 31))
    expected = rates_as_of(date(2026, 7, 31), "district")[0]
    district = next(r for r in july.content["scopes"] if r["kind"] == "district")
    assert district["migrant"]["num"] == expected.migrant.num
    missed = {m["name"] for m in july.content["missed"]}
    assert missed == {r["name"] for r in july.content["scopes"]
                      if r["migrant_met"] is False or r["founding_met"] is False}
    summary = MilestoneReport.objects.get(kind="summary")
    assert [m["missed"] for m in summary.content["milestones"]] == [
        len(july.content["missed"]),
        len(MilestoneReport.objects.get(kind="milestone", as_of=date(2026, 10, 31))
            .content["missed"])]
    assert summary.content["subsidies"]["reconciles"] is True
    with pytest.raises(ValidationError):
        july.save()
