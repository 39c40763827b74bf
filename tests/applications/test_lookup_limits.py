"""The status look-up's limits (SPEC §5: status with the application number and the ID's
last 6 characters; public endpoints rate-limited): only failed look-ups count against the
number's limit, so a right answer is never refused by it; an address that fails on a
number is stopped; Retry-After tells the true wait; the figure of docs/security.md."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from applications.services import application_submit
from applications.views.public import lookups_per_applicant_per_day
from hedong_union.public import most_in_a_day
from tests.applications.conftest import submit_kwargs

STATUS = "/join/status/"
SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _apply(community):
    return application_submit(**submit_kwargs(community)).application


def _page(client, application, last6, address):
    return client.post(STATUS, {"number": application.number, "id_last6": last6},
                       REMOTE_ADDR=address)


def _api(client, application, last6, address):
    return client.get(reverse("api:application_status", args=[application.number]),
                      {"id_last6": last6}, REMOTE_ADDR=address)


def _answered(response):
    """The look-up was tried (right or wrong), not refused."""
    return response.status_code in (200, 404)


def _right(response):
    if response["Content-Type"].startswith("application/json"):
        return response.status_code == 200
    return 'data-testid="status-result"' in response.content.decode()


LOOKUPS = {"page": _page, "api": _api}


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", LOOKUPS)
def test_ten_wrong_tries_by_others_leave_the_right_answer_alone(client, dawangzhuang_community,
                                                               lookup):
    application = _apply(dawangzhuang_community)
    look = LOOKUPS[lookup]
    with time_machine.travel(START, tick=False):
        for i in range(10):
            assert _answered(look(client, application, f"00000{i}", f"10.1.0.{i}"))
        refused = look(client, application, "000019", "10.1.0.50")
        assert refused.status_code == 429
        right = look(client, application, application.id_number[-6:], "10.1.0.51")
        assert right.status_code == 200 and _right(right)
        # The applicant may look again and again: right answers use up nothing.
        for i in range(12):
            assert _right(look(client, application, application.id_number[-6:],
                               f"10.1.1.{i}"))


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", LOOKUPS)
def test_the_retry_after_of_the_numbers_limit_is_the_true_wait(client, dawangzhuang_community,
                                                               lookup):
    application = _apply(dawangzhuang_community)
    look = LOOKUPS[lookup]
    with time_machine.travel(START, tick=False) as clock:
        for i in range(10):
            look(client, application, f"00000{i}", f"10.2.0.{i}")
        wait = int(look(client, application, "000019", "10.2.0.50")["Retry-After"])
        assert 1 <= wait <= 3600
        clock.shift(timedelta(seconds=wait - 2))
        assert look(client, application, "000018", "10.2.0.51").status_code == 429
        clock.shift(timedelta(seconds=2))
        assert _answered(look(client, application, "000017", "10.2.0.52"))


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", LOOKUPS)
def test_an_address_that_keeps_failing_on_a_number_is_stopped(client, dawangzhuang_community,
                                                              lookup, settings):
    assert settings.APPLICATIONS_LOOKUP_FAILURES_PER_ADDRESS == "5/h"
    application = _apply(dawangzhuang_community)
    other = _apply(dawangzhuang_community)
    look = LOOKUPS[lookup]
    with time_machine.travel(START, tick=False) as clock:
        for i in range(5):
            assert _answered(look(client, application, f"00000{i}", "10.3.0.1"))
        stopped = look(client, application, application.id_number[-6:], "10.3.0.1")
        assert stopped.status_code == 429
        assert application.number not in stopped.content.decode()
        wait = int(stopped["Retry-After"])
        # Another number from that address, and that number from another address, answer.
        assert _right(look(client, other, other.id_number[-6:], "10.3.0.1"))
        assert _right(look(client, application, application.id_number[-6:], "10.3.0.2"))
        clock.shift(timedelta(seconds=wait))
        assert _right(look(client, application, application.id_number[-6:], "10.3.0.1"))


@pytest.mark.django_db
def test_a_malformed_look_up_uses_up_no_failures(client, dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    with time_machine.travel(START, tick=False):
        for _ in range(8):
            client.post(STATUS, {"number": application.number, "id_last6": ""},
                        REMOTE_ADDR="10.4.0.1")
        assert _right(_page(client, application, application.id_number[-6:], "10.4.0.1"))


@pytest.mark.django_db
def test_an_outsider_gets_the_documented_look_ups_a_day_and_no_more(client,
                                                                   dawangzhuang_community):
    """A try every 10 minutes for 24 hours from one address at one application."""
    application = _apply(dawangzhuang_community)
    answered = 0
    with time_machine.travel(START, tick=False) as clock:
        for step in range(24 * 6):
            answered += _answered(_api(client, application, f"{step:06d}", "10.5.0.1"))
            clock.shift(timedelta(minutes=10))
    assert 5 * 24 <= answered <= lookups_per_applicant_per_day()


def test_docs_security_gives_the_figure_of_the_settings(settings):
    text = SECURITY.read_text()
    documented = int(re.search(
        r"in\s+any\s+24\s+hours\s+from\s+one\s+address:\s+\*\*(\d+)\*\*",
        text).group(1))
    assert documented == lookups_per_applicant_per_day() == 125
    for setting in ("APPLICATIONS_PUBLIC_RATE", "APPLICATIONS_LOOKUP_FAILURES_PER_ADDRESS",
                    "APPLICATIONS_LOOKUP_RATE_PER_NUMBER"):
        assert f"`{setting}` = `{getattr(settings, setting)}`" in " ".join(text.split())


@pytest.mark.parametrize("rate, most", [("5/h", 125), ("10/m", 14410), ("1/d", 2),
                                        ("100/10m", 14500), ("3/s", 259203)])
def test_most_in_a_day(rate, most):
    assert most_in_a_day(rate) == most
