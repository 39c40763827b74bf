"""Ten-day narratives: due the day after the period, late and missing listed, reminders."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from reporting import narratives
from reporting.models import Narrative, NarrativeReminder
from reporting.narratives import Punctuality, narrative_states, narrative_submit
from reporting.periods import period_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = period_of(date(2026, 11, 10))  # 11-01..11-10, due 11-11, reminder 11-09
TEXT = {"work_done": "走访企业12家", "problems": "部分企业不配合", "next_steps": "继续上门"}


def _at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def _submit(user, when, **text):
    return narrative_submit(by=user, period=PERIOD, now=_at(when), **{**TEXT, **text})


def _state_of(name, today):
    return next(s.state for s in narrative_states(PERIOD, today=today) if s.name == name)


def test_submitted_on_the_due_day_is_on_time_and_the_day_after_is_late(
        street_staff_dawangzhuang, street_staff_dazhigu):
    on_time = _submit(street_staff_dawangzhuang, "2026-11-11T23:59:00")
    late = _submit(street_staff_dazhigu, "2026-11-12T00:01:00")
    assert on_time.on_time and not late.on_time
    assert _state_of("大王庄街道总工会", date(2026, 11, 12)) == Punctuality.ON_TIME
    assert _state_of("大直沽街道总工会", date(2026, 11, 12)) == Punctuality.LATE


def test_a_narrative_not_written_is_missing_after_its_due_day_only(organisation_structure):
    assert _state_of("大王庄街道总工会", date(2026, 11, 11)) == Punctuality.NOT_DUE
    assert _state_of("大王庄街道总工会", date(2026, 11, 12)) == Punctuality.MISSING


def test_industry_federations_write_narratives_too(industry_staff_property):
    narrative = _submit(industry_staff_property, "2026-11-10T18:00:00")
    assert narrative.industry_federation_id and narrative.street_id is None
    states = narrative_states(PERIOD, today=date(2026, 11, 12))
    assert len(states) == 12 + narratives.IndustryFederation.objects.count()


def test_before_the_reminder_day_a_narrative_is_refused(street_staff_dawangzhuang):
    with pytest.raises(ValidationError):
        _submit(street_staff_dawangzhuang, "2026-11-08T12:00:00")
    assert not Narrative.objects.exists()


@pytest.mark.parametrize("field", ["work_done", "problems", "next_steps"])
def test_each_part_is_required(street_staff_dawangzhuang, field):
    with pytest.raises(ValidationError) as error:
        _submit(street_staff_dawangzhuang, "2026-11-10T18:00:00", **{field: "   "})
    assert field in error.value.message_dict
    assert not Narrative.objects.exists()


def test_a_narrative_may_be_revised_until_its_due_day_then_it_is_locked(
        street_staff_dawangzhuang):
    first = _submit(street_staff_dawangzhuang, "2026-11-10T18:00:00")
    revised = _submit(street_staff_dawangzhuang, "2026-11-11T09:00:00", problems="已解决")
    assert revised.pk == first.pk and revised.problems == "已解决"
    assert revised.submitted_at == first.submitted_at  # still on time
    with pytest.raises(ValidationError):
        _submit(street_staff_dawangzhuang, "2026-11-12T09:00:00", problems="改")
    assert Narrative.objects.get().problems == "已解决"


def test_community_staff_and_leaders_do_not_write_narratives(community_staff_dawangzhuang,
                                                             leader):
    for user in (community_staff_dawangzhuang, leader):
        with pytest.raises(PermissionDenied):
            _submit(user, "2026-11-10T18:00:00")


def test_reminders_go_out_two_days_before_once_and_late_runs_still_remind(
        street_staff_dawangzhuang, street_staff_dazhigu):
    street_staff_dawangzhuang.email = "dwz@example.org"
    street_staff_dawangzhuang.save()
    _submit(street_staff_dazhigu, "2026-11-10T18:00:00")
    assert narratives.narrative_reminders_send(date(2026, 11, 8)) == []
    sent = narratives.narrative_reminders_send(date(2026, 11, 9))
    organisations = NarrativeReminder.objects.count()
    # every federation but 大直沽 (already written) is reminded, by mail where possible
    assert len(sent) == organisations == 12 - 1 + narratives.IndustryFederation.objects.count()
    assert [m.to for m in mail.outbox] == [["dwz@example.org"]]
    assert "2026-11-11" in mail.outbox[0].subject
    assert narratives.narrative_reminders_send(date(2026, 11, 9)) == []
    assert narratives.narrative_reminders_send(date(2026, 11, 11)) == []  # late: done
    assert len(mail.outbox) == 1


def test_a_reminder_run_late_on_the_due_day_still_reminds(organisation_structure):
    assert narratives.narrative_reminders_send(date(2026, 11, 11))
    assert narratives.narrative_reminders_send(date(2026, 11, 12)) == []


def test_the_open_reminder_shows_until_the_narrative_is_written(street_staff_dawangzhuang):
    with time_machine.travel("2026-11-09 10:00 +0800", tick=False):
        assert narratives.open_reminder_for(street_staff_dawangzhuang) == PERIOD
    _submit(street_staff_dawangzhuang, "2026-11-10T18:00:00")
    with time_machine.travel("2026-11-10 19:00 +0800", tick=False):
        assert narratives.open_reminder_for(street_staff_dawangzhuang) is None


def test_the_months_periods_end_on_the_last_day_in_february():
    assert [p.end for p in narratives.periods_of_month(2028, 2)] == [
        date(2028, 2, 10), date(2028, 2, 20), date(2028, 2, 29)]
    assert narratives.period_from_end(date(2026, 2, 28)).start == date(2026, 2, 21)
    with pytest.raises(ValidationError):
        narratives.period_from_end(date(2026, 2, 27))
