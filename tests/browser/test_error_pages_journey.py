"""A worker whose phone asks for English (en-US) meets an unknown address, the application
form and the help in Chinese, then chooses English with the footer's switch; a bug in a
view shows the portal's static 500 page. Screenshots in tests/screenshots/."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.conftest import PASSWORD


@pytest.fixture
def english_page(browser, request):
    """A phone-sized page whose browser asks for English."""
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844},
                                  is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_english_browser_meets_chinese_error_and_public_pages(
        organisation_structure, live_server, english_page, shot):
    page = english_page
    response = page.goto(f"{live_server.url}/people/110101199003070011/")
    assert response.status == 404
    expect(page.get_by_test_id("error-page")).to_contain_text("页面不存在")
    assert "110101199003070011" not in page.content()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shot(page, "error_404_en_browser")

    page.get_by_role("link", name="使用说明").first.click()
    expect(page.get_by_test_id("help-page")).to_contain_text("申请入会")
    shot(page, "help_workers_en_browser")

    page.goto(f"{live_server.url}/join/")
    expect(page.locator("h1")).to_contain_text("申请")
    shot(page, "join_en_browser_chinese")

    # The switch still offers English; choosing it is kept (its cookie).
    page.locator("#language").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.locator("h1")).to_contain_text("Apply to join the union")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "join_after_choosing_english")
    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.get_by_test_id("error-page")).to_contain_text("Page not found")
    shot(page, "error_404_english_chosen")


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.hedong_union.error_urls")
def test_a_bug_shows_the_static_500_page(organisation_structure, live_server, english_page,
                                         shot):
    page = english_page
    response = page.goto(f"{live_server.url}/test-errors/boom/110101199003070011/")
    assert response.status == 500
    expect(page.get_by_test_id("error-page")).to_contain_text("系统出错了")
    # The portal's look: its stylesheet is loaded (the navbar's colour is the union red).
    colour = page.locator("nav").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(179, 38, 30)"
    shot(page, "error_500")


@pytest.mark.django_db(transaction=True)
def test_a_street_user_reads_the_help_of_the_role(organisation_structure, live_server, page,
                                                  shot, street_staff_dawangzhuang, settings):
    settings.HELP_CONTACT_PHONE = "022-24123456"
    log_in(page, live_server.url, street_staff_dawangzhuang.username, PASSWORD)
    page.get_by_test_id("help-link").click()
    expect(page.get_by_test_id("help-page")).to_contain_text("批准并办理入会")
    expect(page.get_by_test_id("help-phone")).to_have_text("022-24123456")
    shot(page, "help_street")
    forbidden = page.goto(f"{live_server.url}/subsidies/overview/")
    assert forbidden.status in (403, 404)
    shot(page, "error_403_street")
