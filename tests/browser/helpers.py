"""Steps the browser journeys share."""

from playwright.sync_api import expect


def log_in(page, url, username, password):
    """Log in through the login page and wait for the role's home."""
    page.goto(f"{url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()
