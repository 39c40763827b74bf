"""Steps the browser journeys share."""

from playwright.sync_api import expect


def totp_code(device):
    """The code the user's authenticator app shows now (django-otp's own TOTP)."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _fresh(device):
    """A TOTP code is refused if it was used before (django-otp keeps the last one): a
    journey logging the same user in twice within 30 seconds forgets the last one."""
    type(device).objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device


def second_factor_ready(username):
    """Before the login of a user who needs the second factor: the user's app (a device is
    given to the user if it has none, as if set up before). None for other users."""
    from accounts.models import User
    from accounts.second_factor import second_factor_required
    from tests.conftest import second_factor_device

    user = User.objects.get(username=username)
    return second_factor_device(user) if second_factor_required(user) else None


def pass_second_factor(page, device):
    """After the password: the code the app shows now."""
    expect(page.get_by_test_id("second-factor-verify")).to_be_visible()
    page.get_by_label("验证码").fill(totp_code(_fresh(device)))
    page.get_by_role("button", name="验证").click()


def set_up_second_factor(page, username):
    """The first login of a user who needs the second factor: the app set up from the
    secret on the page (read back from the device being set up); returns the recovery
    codes shown."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    expect(page.get_by_test_id("second-factor-setup")).to_be_visible()
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    page.get_by_label("验证码").fill(totp_code(device))
    page.get_by_role("button", name="确认并启用").click()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    return [code.strip() for code in codes]


def log_in(page, url, username, password):
    """Log in through the login page (and the second factor) and wait for the role's home."""
    device = second_factor_ready(username)
    page.goto(f"{url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        pass_second_factor(page, device)
    expect(page.get_by_test_id("home-title")).to_be_visible()
