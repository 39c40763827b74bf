"""The portal's error pages (hedong_union/errors.py): 400, 403, 404, 429, 500 and the CSRF
failure, in the portal's look and in Chinese, under DEBUG=False (the test settings)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.urls import reverse

from hedong_union import errors
from hedong_union.public import over_limits, too_many

TEMPLATES = Path(settings.BASE_DIR) / "templates"
ERROR_URLS = "tests.hedong_union.error_urls"
ID_NUMBER = "110101199003070011"  # a made-up resident ID number in a path


def _page(response):
    return response.content.decode()


def _is_ours(response, status, heading):
    page = _page(response)
    assert response.status_code == status
    assert 'data-testid="error-page"' in page
    assert heading in page
    assert "河东区总工会" in page and "bg-union" in page  # the portal's look
    assert 'lang="zh-hans"' in page
    return page


def test_settings_are_those_of_production_for_errors():
    assert settings.DEBUG is False
    assert settings.CSRF_FAILURE_VIEW == "hedong_union.errors.csrf_failure"


# --- 404 --------------------------------------------------------------------------------

def test_an_unknown_url_is_our_404_in_chinese_without_the_database(client):
    """No database mark: any query would fail the test."""
    response = client.get(f"/people/{ID_NUMBER}/?phone=13912345678",
                          HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = _is_ours(response, 404, "页面不存在")
    assert ID_NUMBER not in page and "13912345678" not in page  # the path is not echoed
    assert "/people/" not in page
    assert reverse("help") in page  # the help page, as from every page


@pytest.mark.django_db
def test_another_scopes_record_is_our_404(client, street_staff_dawangzhuang,
                                          union_dazhigu_education):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:union_detail",
                                  args=[union_dazhigu_education.pk]))
    _is_ours(response, 404, "页面不存在")


def test_a_language_chosen_with_the_switch_is_kept_on_error_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in _page(response) and 'lang="en"' in _page(response)


def test_the_error_pages_language_switch_carries_a_csrf_token(client):
    page = _page(client.get("/no-such-page/"))
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'action="{reverse("set_language")}"' in page


# --- 403 --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_forbidden_page_is_our_403(client, street_staff_dawangzhuang, worker_dawangzhuang):
    """The full ID and phone need the office's permission (SPEC §8)."""
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:worker_full", args=[worker_dawangzhuang.pk]),
                          HTTP_ACCEPT_LANGUAGE="en")
    page = _is_ours(response, 403, "无权访问")
    assert "区总工会办公室" in page
    assert worker_dawangzhuang.id_number not in page


@pytest.mark.urls(ERROR_URLS)
def test_permission_denied_from_any_view_is_our_403(client):
    _is_ours(client.get("/test-errors/forbidden/"), 403, "无权访问")


# --- 400 --------------------------------------------------------------------------------

@pytest.mark.urls(ERROR_URLS)
def test_a_suspicious_request_is_our_400(client):
    _is_ours(client.get("/test-errors/suspicious/"), 400, "请求有误")


def test_a_bad_host_is_our_400(client, settings):
    settings.ALLOWED_HOSTS = ["gonghui.example.cn"]
    response = client.get("/join/", HTTP_HOST="evil.example.com")
    page = _is_ours(response, 400, "请求有误")
    assert "evil.example.com" not in page


# --- 500 --------------------------------------------------------------------------------

@pytest.mark.urls(ERROR_URLS)
def test_a_bug_in_a_view_is_our_static_500(client):
    client.raise_request_exception = False
    response = client.get(f"/test-errors/boom/{ID_NUMBER}/", HTTP_ACCEPT_LANGUAGE="en-US")
    page = _is_ours(response, 500, "系统出错了")
    assert "区总工会办公室" in page
    assert ID_NUMBER not in page and "a bug in a view" not in page


@pytest.mark.urls(ERROR_URLS)
def test_the_500_page_in_english_once_chosen(client):
    client.raise_request_exception = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/test-errors/boom/{ID_NUMBER}/")
    assert response.status_code == 500 and "Something went wrong" in _page(response)


# Tags that cannot fail: translations and the current language, nothing that reads the
# database, resolves a URL, finds a static file or needs a context.
SAFE_TAG = re.compile(r"^\{%\s*(load i18n|translate \"[^\"]*\"|get_current_language as "
                      r"\w+|comment|endcomment)\s*%\}$")


def test_the_500_template_has_no_tag_that_can_fail():
    source = (TEMPLATES / "500.html").read_text(encoding="utf-8")
    tags = re.findall(r"\{%.*?%\}", source, flags=re.S)
    assert tags and all(SAFE_TAG.match(tag) for tag in tags), tags
    assert "extends" not in source and "include" not in source
    # Variables: only the language the tag above sets.
    assert set(re.findall(r"\{\{\s*(.*?)\s*\}\}", source)) == {"LANGUAGE_CODE"}


def test_the_500_template_names_static_files_that_exist():
    source = (TEMPLATES / "500.html").read_text(encoding="utf-8")
    assert settings.STATIC_URL.strip("/") == "static"
    files = re.findall(r'href="/static/([^"]+)"', source)
    assert len(files) == 4
    for name in files:
        assert finders.find(name), name


def test_the_500_view_needs_no_database_or_context():
    """No database mark: a query would fail. The request carries nothing usable."""
    request = RequestFactory().get("/")
    response = errors.server_error(request)
    assert response.status_code == 500 and "系统出错了" in _page(response)


# --- The CSRF failure -------------------------------------------------------------------

@pytest.mark.django_db
def test_a_post_without_its_token_gets_our_csrf_page(organisation_structure):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("applications:apply"), {"name": "张三"},
                           HTTP_ACCEPT_LANGUAGE="en-US")
    page = _is_ours(response, 403, "页面已过期")
    assert 'data-testid="csrf-failure"' in page
    assert "CSRF" not in page  # the reason is for developers


def test_the_csrf_page_needs_no_database():
    request = RequestFactory().post("/join/")
    response = errors.csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403 and "页面已过期" in _page(response)


# --- 429 --------------------------------------------------------------------------------

def _limited_request(settings, rate):
    settings.APPLICATIONS_SEARCH_RATE = rate
    request = RequestFactory().get("/join/employers.json", REMOTE_ADDR="10.9.8.7")
    limits = [("test-error-pages", lambda group, r: "10.9.8.7", "APPLICATIONS_SEARCH_RATE")]
    while not over_limits(request, limits):
        pass
    return request


def test_the_429_says_how_long_to_wait_and_retry_after_agrees(settings):
    """Retry-After is the seconds left in the limit's window (django-ratelimit's
    get_usage); the page says the same in words."""
    request = _limited_request(settings, "1/h")
    response = too_many(request)
    seconds = int(response["Retry-After"])
    assert response.status_code == 429 and 1 <= seconds <= 3600
    assert seconds == request.rate_limit_wait
    page = _page(response)
    assert 'data-testid="rate-limited"' in page and "操作过于频繁" in page
    assert errors.wait_text(seconds) in page


def test_wait_in_words():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert errors.wait_text(1) == "1秒"
        assert errors.wait_text(59) == "59秒"
        assert errors.wait_text(60) == "1分钟"
        assert errors.wait_text(61) == "2分钟"
        assert errors.wait_text(3600) == "60分钟"
    with translation.override("en"):
        assert errors.wait_text(1) == "1 second"
        assert errors.wait_text(120) == "2 minutes"


@pytest.mark.parametrize("handler, status, heading", [
    (errors.bad_request, 400, "请求有误"), (errors.permission_denied, 403, "无权访问"),
    (errors.page_not_found, 404, "页面不存在")])
def test_the_error_views_need_no_database(handler, status, heading):
    """No database mark: a query (the session, the user, the menu) would fail the test."""
    request = RequestFactory().get(f"/people/{ID_NUMBER}/", HTTP_ACCEPT_LANGUAGE="en")
    response = handler(request, exception=Exception(ID_NUMBER))
    assert response.status_code == status
    assert heading in _page(response) and ID_NUMBER not in _page(response)


# --- The look: every error page extends the portal's layout ------------------------------

@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html", "429.html",
                                  "403_csrf.html"])
def test_every_error_page_extends_the_portal_layout(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert source.startswith('{% extends "error_page.html" %}')
