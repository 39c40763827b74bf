"""The second factor in Chromium (SPEC §8; accounts/second_factor.py): an office user logs in,
sets up the authenticator app from the page's secret, logs out, logs in again with a code of
the app, then with a recovery code; the office's security page lists a lockout."""

import re
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import Street
from tests.browser.helpers import log_in

PASSWORD = "journey-secret-2026"


def _app_code(secret, last_code=None):
    """What an authenticator app given `secret` shows now; a code just used is refused, so
    the next one (the app's next 30 s, within django-otp's tolerance) when it would repeat."""
    key = b32decode(secret.replace(" ", ""))
    for drift in (0, 1):
        code = f"{totp(key, drift=drift):06d}"
        if code != last_code:
            return code
    raise AssertionError("no fresh code")


def _password(page, url, username):
    page.goto(f"{url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _logout(page):
    page.get_by_role("button", name=re.compile("退出")).first.click()
    expect(page).to_have_url(re.compile(r"/login/"))


@pytest.mark.django_db(transaction=True)
def test_an_office_user_sets_up_the_app_and_logs_in_with_a_code_then_a_recovery_code(
        organisation_structure, live_server, page, shot):
    user_upsert(username="office_wang", role=Role.ADMIN, password=PASSWORD, full_name="王办公")

    # First login: the password, then the set-up, before any page.
    _password(page, live_server.url, "office_wang")
    expect(page.get_by_test_id("second-factor-setup")).to_be_visible()
    expect(page.get_by_test_id("second-factor-qr")).to_be_visible()
    secret = page.get_by_test_id("second-factor-secret").inner_text()
    shot(page, "second-factor-setup")
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="确认并启用").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("验证码不正确")
    first_code = _app_code(secret)
    page.get_by_label("验证码").fill(first_code)
    page.get_by_role("button", name="确认并启用").click()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(set(codes)) == 10
    shot(page, "second-factor-recovery-codes")
    page.get_by_test_id("second-factor-continue").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()
    _logout(page)

    # Second login: a code of the app.
    _password(page, live_server.url, "office_wang")
    expect(page.get_by_test_id("second-factor-verify")).to_be_visible()
    shot(page, "second-factor-verify")
    page.get_by_label("验证码").fill(_app_code(secret, last_code=first_code))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()
    _logout(page)

    # Third login: a recovery code (the phone is not at hand).
    _password(page, live_server.url, "office_wang")
    page.get_by_label("验证码").fill(codes[0].strip())
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("您使用恢复码登录，还剩9个")
    shot(page, "second-factor-recovery-used")

    # The office's page of the account shows it, with the history.
    page.locator('[data-feature="office"]').click()
    page.get_by_test_id("user-table").get_by_role("link", name="office_wang").click()
    expect(page.get_by_test_id("second-factor")).to_contain_text("剩余9个恢复码")
    expect(page.get_by_test_id("history")).to_contain_text("使用恢复码登录")
    shot(page, "second-factor-user-detail")


@pytest.mark.django_db(transaction=True)
def test_the_office_sees_a_lockout_across_addresses_on_its_security_page(
        organisation_structure, live_server, page, shot):
    user_upsert(username="street_zhang", role=Role.STREET, password=PASSWORD,
                full_name="张街道", organisation=Street.objects.by_name("大王庄"))
    office = user_upsert(username="office_wang", role=Role.ADMIN, password=PASSWORD,
                         full_name="王办公")
    guesser = Client()
    for n in range(20):  # 4 wrong passwords from each of 5 addresses
        guesser.post(reverse("login"), {"username": "street_zhang", "password": "guess"},
                     REMOTE_ADDR=f"192.0.2.{n // 4 + 1}")  # documentation addresses
    log_in(page, live_server.url, office.username, PASSWORD)
    page.locator('[data-feature="office"]').click()
    page.get_by_test_id("office-tabs").get_by_role("link", name="安全事件").click()
    expect(page.get_by_test_id("locked-everywhere")).to_contain_text("5 个地址")
    expect(page.get_by_test_id("failed-logins")).to_contain_text("street_zhang")
    shot(page, "office-security-events")
    page.get_by_test_id("lockouts").get_by_role("link", name="street_zhang").click()
    expect(page.get_by_test_id("locked")).to_be_visible()
    page.get_by_role("button", name="解除锁定").click()
    expect(page.get_by_test_id("locked")).to_have_count(0)
