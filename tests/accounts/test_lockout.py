"""The login lockout (SPEC §8: login attempts are limited): per name and address, and per
name across every address (accounts/lockout.py), each with its cool-off; the office sees
both on its security page and lifts them on the user's page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _address(n):
    return f"192.0.2.{n}"  # TEST-NET-1: documentation addresses, nothing is sent anywhere


def _try(client, username, password, n):
    """One login through the login page from address n; True when it let the user in."""
    response = client.post(reverse("login"), {"username": username, "password": password},
                           REMOTE_ADDR=_address(n))
    client.logout()
    return response.status_code == 302


def _guess(client, username, *, addresses, each):
    for n in range(1, addresses + 1):
        for _ in range(each):
            assert not _try(client, username, "wrong-guess", n)


@pytest.mark.django_db
def test_guesses_spread_over_many_addresses_lock_the_name_everywhere(
        client, street_staff_dawangzhuang, settings):
    """40 guesses from 10 addresses (4 each, under the limit of one address), then the right
    password from an eleventh: refused until the cool-off has passed."""
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_USERNAME_FAILURE_LIMIT == 20
    _guess(client, "street_zhang", addresses=10, each=4)
    response = client.post(reverse("login"), {"username": "street_zhang",
                                              "password": PASSWORD}, REMOTE_ADDR=_address(11))
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in _text(response)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert _try(client, "street_zhang", PASSWORD, 11)


@pytest.mark.django_db
def test_fewer_failures_than_the_username_limit_leave_the_name_open(
        client, street_staff_dawangzhuang, settings):
    _guess(client, "street_zhang", addresses=settings.AXES_USERNAME_FAILURE_LIMIT - 1, each=1)
    assert _try(client, "street_zhang", PASSWORD, 99)


@pytest.mark.django_db
def test_five_failures_from_one_address_lock_that_address_only(
        client, street_staff_dawangzhuang, settings):
    _guess(client, "street_zhang", addresses=1, each=settings.AXES_FAILURE_LIMIT)
    assert not _try(client, "street_zhang", PASSWORD, 1)
    assert _try(client, "street_zhang", PASSWORD, 2)


@pytest.mark.django_db
def test_the_office_lifts_a_lock_across_addresses(client, admin_user,
                                                  street_staff_dawangzhuang):
    _guess(client, "street_zhang", addresses=5, each=4)
    assert not _try(client, "street_zhang", PASSWORD, 42)
    client.force_login(admin_user)
    url = reverse("office:user_detail", args=[street_staff_dawangzhuang.pk])
    assert 'data-testid="locked"' in _text(client.get(url))
    client.post(reverse("office:user_unlock", args=[street_staff_dawangzhuang.pk]))
    assert 'data-testid="locked"' not in _text(client.get(url))
    assert street_staff_dawangzhuang.history.first().history_change_reason == "unlocked"
    client.logout()
    assert _try(client, "street_zhang", PASSWORD, 42)


@pytest.mark.django_db
def test_the_security_page_lists_lockouts_and_failed_logins(
        client, admin_user, street_staff_dawangzhuang, street_staff_dazhigu, settings):
    _guess(client, "street_zhang", addresses=5, each=4)  # locked everywhere
    _guess(client, "street_zhao", addresses=1, each=settings.AXES_FAILURE_LIMIT)  # one address
    _guess(client, "nobody_here", addresses=2, each=1)  # a guessed name, not locked
    client.force_login(admin_user)
    response = client.get(reverse("office:security"))
    assert response.status_code == 200
    page = _text(response)
    lockouts = page.split('data-testid="lockouts"')[1].split("</table>")[0]
    zhang = lockouts.split("street_zhang")[1].split("</tr>")[0]
    assert 'data-testid="locked-everywhere"' in zhang and "5 个地址" in zhang
    zhao = lockouts.split("street_zhao")[1].split("</tr>")[0]
    assert _address(1) in zhao and "locked-everywhere" not in zhao
    assert "nobody_here" not in lockouts
    failures = page.split('data-testid="failed-logins"')[1].split("</table>")[0]
    assert "nobody_here" in failures and "无此账号" in failures
    row = failures.split("street_zhang")[1].split("</tr>")[0]
    assert "<td>20</td><td>5</td>" in row.replace(" ", "")
    assert reverse("office:user_detail", args=[street_staff_dawangzhuang.pk]) in failures


@pytest.mark.django_db
def test_the_security_page_with_nothing_to_show(client, admin_user):
    client.force_login(admin_user)
    page = _text(client.get(reverse("office:security")))
    assert "没有被锁定的登录。" in page and "没有登录失败。" in page
