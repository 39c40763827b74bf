"""The second factor at login (SPEC §8; accounts/second_factor.py): the office and every user
who can see full personal data set up an authenticator app at the first login, give its code
at every login after the password, and may use each of ten recovery codes once; the office
resets it. Logins here go through the login page (password_only: force_login would pass the
second factor, tests/conftest.py)."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.browser.helpers import totp_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.password_only


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _password(client, username, password=PASSWORD):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return response


def _set_up(client, username):
    """The first login's set-up: returns the recovery codes shown."""
    client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post(reverse("second_factor_setup"), {"code": totp_code(device)})
    assert response.status_code == 200
    return re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())


def _fresh_code(username):
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # as 30 s later
    device.refresh_from_db()
    return totp_code(device)


@pytest.mark.django_db
def test_an_office_user_sets_up_the_app_at_the_first_login(client, admin_user):
    _password(client, "office_wang")
    response = client.get(reverse("membership:worker_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))
    page = client.get(response["Location"])
    text = _text(page)
    assert "设置第二重验证" in text and 'src="data:image/svg+xml' in text
    assert "data-feature=" not in text and 'data-testid="my-exports"' not in text  # no menu
    assert "no-store" in page["Cache-Control"]
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    secret = re.search(r'data-testid="second-factor-secret">([^<]+)<', text).group(1)
    assert secret.replace(" ", "") == __import__("base64").b32encode(device.bin_key).decode()
    # The same secret on a reload: one device being set up.
    client.get(reverse("second_factor_setup"))
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1

    wrong = client.post(reverse("second_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 400 and "验证码不正确" in _text(wrong)
    bad = client.post(reverse("second_factor_setup"), {"code": "12ab"})
    assert bad.status_code == 400 and "请输入应用显示的六位数字。" in _text(bad)

    done = client.post(reverse("second_factor_setup"),
                       {"code": totp_code(device), "next": reverse("membership:worker_list")})
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', done.content.decode())
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=admin_user).count() == 10
    assert client.get(reverse("membership:worker_list")).status_code == 200
    assert admin_user.history.first().history_change_reason == "second_factor_set_up"


@pytest.mark.django_db
def test_later_logins_ask_for_a_code_and_refuse_a_wrong_or_used_one(client, admin_user):
    _password(client, "office_wang")
    _set_up(client, "office_wang")
    client.post(reverse("logout"))

    _password(client, "office_wang")
    response = client.get(reverse("office:user_list"))
    assert response["Location"].startswith(reverse("second_factor_verify"))
    assert client.get(reverse("second_factor_setup")).status_code == 302  # no second app
    wrong = client.post(reverse("second_factor_verify"), {"code": "000000"})
    assert wrong.status_code == 400 and "验证码不正确或已使用过" in _text(wrong)
    TOTPDevice.objects.filter(user=admin_user).update(throttling_failure_count=0)
    code = _fresh_code("office_wang")
    response = client.post(reverse("second_factor_verify"),
                           {"code": code, "next": reverse("office:user_list")})
    assert response.status_code == 302 and response["Location"] == reverse("office:user_list")
    assert client.get(reverse("office:user_list")).status_code == 200

    client.post(reverse("logout"))
    _password(client, "office_wang")
    assert client.post(reverse("second_factor_verify"), {"code": code}).status_code == 400


@pytest.mark.django_db
def test_each_recovery_code_lets_the_user_in_once(client, admin_user):
    _password(client, "office_wang")
    codes = _set_up(client, "office_wang")
    client.post(reverse("logout"))

    _password(client, "office_wang")
    response = client.post(reverse("second_factor_verify"), {"code": codes[0].upper()},
                           follow=True)
    assert "您使用恢复码登录，还剩9个" in _text(response)
    assert client.get(reverse("home")).status_code == 200
    assert admin_user.history.first().history_change_reason == "recovery_code_used"
    client.post(reverse("logout"))

    _password(client, "office_wang")
    assert client.post(reverse("second_factor_verify"), {"code": codes[0]}).status_code == 400
    StaticDevice.objects.filter(user=admin_user).update(throttling_failure_count=0)
    assert client.post(reverse("second_factor_verify"), {"code": codes[1]}).status_code == 302


@pytest.mark.django_db
def test_a_street_user_with_full_personal_data_needs_it_and_others_do_not(
        client, street_staff_dawangzhuang, street_staff_dazhigu):
    street_staff_dawangzhuang.user_permissions.add(
        Permission.objects.get(codename="view_full_pii"))
    _password(client, "street_zhang")
    response = client.get(reverse("membership:worker_list"))
    assert response["Location"].startswith(reverse("second_factor_setup"))

    other = Client()
    _password(other, "street_zhao")
    assert other.get(reverse("membership:worker_list")).status_code == 200
    assert other.get(reverse("second_factor_setup")).status_code == 302
    assert not TOTPDevice.objects.filter(user=street_staff_dazhigu).exists()


@pytest.mark.django_db
def test_before_the_second_factor_only_its_pages_and_logging_out_open(client, admin_user):
    _password(client, "office_wang")
    for url in (reverse("home"), reverse("office:security"), reverse("password_change"),
                "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("second_factor_setup")), url
    # A form sent before the second factor is not carried out.
    response = client.post(reverse("office:user_create"), {
        "username": "street_li", "full_name": "李街道", "role": "admin"})
    assert response.status_code == 302 and not type(admin_user).objects.filter(
        username="street_li").exists()
    client.post(reverse("logout"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_temporary_password_is_changed_after_the_second_factor(client, admin_user,
                                                                 registrar):
    temporary = services.office_user_password_reset(by=registrar, user=admin_user)
    _password(client, "office_wang", temporary)
    assert client.get(reverse("home"))["Location"].startswith(reverse("second_factor_setup"))
    _set_up(client, "office_wang")
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    response = client.post(reverse("password_change"), {
        "old_password": temporary, "new_password1": "Hedong-Office-2027",
        "new_password2": "Hedong-Office-2027"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # still verified


@pytest.mark.django_db
def test_the_office_resets_a_lost_second_factor(client, admin_user, registrar):
    user = Client()
    _password(user, "office_wang")
    _set_up(user, "office_wang")
    assert user.get(reverse("home")).status_code == 200

    client.force_login(registrar)
    verified = client.session
    verified["otp_device_id"] = services.demo_second_factor_give(user=registrar).persistent_id
    verified.save()
    detail = _text(client.get(reverse("office:user_detail", args=[admin_user.pk])))
    assert "已设置第二重验证，剩余10个恢复码" in detail
    response = client.post(reverse("office:user_second_factor_reset", args=[admin_user.pk]),
                           follow=True)
    assert "第二重验证已重置" in _text(response)
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    assert not StaticDevice.objects.filter(user=admin_user).exists()
    record = admin_user.history.first()
    assert (record.history_change_reason, record.history_user) == ("second_factor_reset",
                                                                   registrar)
    assert "第二重验证已重置" in _text(client.get(reverse("office:user_detail",
                                                          args=[admin_user.pk])))
    # The user's session ended; the next login sets up a new app.
    assert user.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=user.session.session_key).exists()
    _password(user, "office_wang")
    assert user.get(reverse("home"))["Location"].startswith(reverse("second_factor_setup"))
    # Nothing left to reset: said so.
    again = client.post(reverse("office:user_second_factor_reset", args=[admin_user.pk]),
                        follow=True)
    assert "没有可重置的第二重验证" in _text(again)


@pytest.mark.django_db
def test_the_demo_office_user_has_the_published_demo_secret(organisation_structure, settings):
    from base64 import b32encode

    from membership.demo import seed_demo

    seed_demo(seed=1, password=settings.DEMO_PASSWORD, workers=0, units=0)
    device = TOTPDevice.objects.get(user__username="admin", confirmed=True)
    assert b32encode(device.bin_key).decode() == settings.DEMO_TOTP_SECRET
    assert TOTPDevice.objects.count() == 1  # the other demo roles see masked data only
