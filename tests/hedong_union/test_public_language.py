"""The workers' public pages are in Chinese whatever language the browser asks for; the
footer's switch still offers English and choosing it works (hedong_union.public_page,
docs/decisions.md)."""

import pytest
from django.conf import settings
from django.urls import reverse

from applications.views.public import SESSION_OUTCOME
from subsidies.views.public import SESSION_MEMBER
from tests.applications.conftest import form_body
from tests.subsidies.conftest import make_members

ENGLISH_BROWSER = "en-US,en;q=0.9"
CHINESE = ('lang="zh-hans"', "河东区总工会")
ENGLISH = ('lang="en"', "Hedong District Federation of Trade Unions")


def _public_urls(community):
    return [reverse("applications:apply"), reverse("applications:status"),
            reverse("applications:poster", args=["community", community.pk]),
            reverse("applications:poster", args=["street", community.street_id]),
            reverse("subsidies:public_spring_return"), reverse("subsidies:public_self_service"),
            reverse("help")]


def _reads(response, language):
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    marker, name = language
    assert marker in page, page[:300]
    assert name in page or response.wsgi_request.path.startswith("/join/posters/")


def _choose(client, language, next_url="/join/"):
    response = client.post(reverse("set_language"), {"language": language, "next": next_url},
                           HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


@pytest.mark.django_db
def test_public_pages_are_chinese_for_an_english_browser(client, dawangzhuang_community):
    for url in _public_urls(dawangzhuang_community):
        _reads(client.get(url, HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER), CHINESE)


@pytest.mark.django_db
def test_after_choosing_english_with_the_switch_they_are_english(client,
                                                                  dawangzhuang_community):
    page = client.get(reverse("applications:apply"),
                      HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER).content.decode()
    assert '<option value="en"' in page  # the switch offers English
    _choose(client, "en")
    for url in _public_urls(dawangzhuang_community):
        _reads(client.get(url, HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER), ENGLISH)
    _choose(client, "zh-hans")
    _reads(client.get(reverse("applications:apply"), HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER),
           CHINESE)


@pytest.mark.django_db
def test_the_outcome_of_an_application_is_chinese_for_an_english_browser(
        client, dawangzhuang_community):
    response = client.post(reverse("applications:apply"), form_body(dawangzhuang_community),
                           HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER, follow=True)
    assert SESSION_OUTCOME in client.session
    assert response.redirect_chain[-1][0] == reverse("applications:submitted")
    _reads(response, CHINESE)
    number = client.session[SESSION_OUTCOME]["number"]
    lookup = client.post(reverse("applications:status"),
                         {"number": number, "id_last6": "000000"},
                         HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    _reads(lookup, CHINESE)


@pytest.mark.django_db
def test_an_identified_members_pages_are_chinese_for_an_english_browser(
        client, dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community, seed=31)
    response = client.post(reverse("subsidies:public_self_service"), {
        "step": "identify", "id_number": member.worker.id_number,
        "card_last6": member.card_number[-6:], "website": ""},
        HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER, follow=True)
    assert SESSION_MEMBER in client.session
    _reads(response, CHINESE)
    _reads(client.get(reverse("subsidies:public_spring_return"),
                      HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER), CHINESE)


@pytest.mark.django_db
def test_staff_pages_still_follow_the_browser(client, organisation_structure):
    """Only the public pages ignore Accept-Language: the login page is not one."""
    _reads(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER), ENGLISH)
    _reads(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN"), CHINESE)
