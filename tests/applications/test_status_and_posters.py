"""The status lookup (issue 4 §4) and the QR posters (§5)."""

import pytest
from django.urls import reverse

from applications.services import application_approve, application_reject, application_submit
from tests.applications.conftest import new_id, submit_kwargs

STATUS = "/join/status/"


def _apply(community, **change):
    return application_submit(**submit_kwargs(community, **change)).application


@pytest.mark.django_db
def test_the_lookup_shows_pending_then_the_member_number(client, dawangzhuang_community,
                                                         street_staff_dawangzhuang):
    number = new_id()
    while not number.endswith("X"):
        number = new_id()
    application = _apply(dawangzhuang_community, id_number=number)
    body = {"number": application.number.lower(), "id_last6": number[-6:].lower()}
    text = client.post(STATUS, body).content.decode()
    assert 'data-testid="status-value">待审核<' in text
    application_approve(application=application, by=street_staff_dawangzhuang,
                        hukou_type="rural")
    application.refresh_from_db()
    text = client.post(STATUS, body).content.decode()
    assert application.member.member_number in text
    assert application.member.union.name in text


@pytest.mark.django_db
def test_the_lookup_shows_the_reason_of_a_rejection(client, dawangzhuang_community,
                                                    street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    application_reject(application=application, by=street_staff_dawangzhuang,
                       reason="年龄信息需核实")
    text = client.post(STATUS, {"number": application.number,
                                "id_last6": application.id_number[-6:]}).content.decode()
    assert "年龄信息需核实" in text and 'data-testid="status-reason"' in text


@pytest.mark.django_db
def test_a_wrong_number_or_id_gets_one_message(client, dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    wrong_id = client.post(STATUS, {"number": application.number, "id_last6": "000000"})
    wrong_number = client.post(STATUS, {"number": "SQ2026AAAAAA",
                                        "id_last6": application.id_number[-6:]})
    for response in (wrong_id, wrong_number):
        assert 'data-testid="status-error"' in response.content.decode()
        assert 'data-testid="status-result"' not in response.content.decode()


@pytest.mark.django_db
def test_wrong_tries_of_others_never_refuse_the_right_answer(client, dawangzhuang_community,
                                                             settings):
    """Only failed look-ups count against the number's limit (docs/decisions.md)."""
    settings.APPLICATIONS_LOOKUP_RATE_PER_NUMBER = "3/h"
    application = _apply(dawangzhuang_community)
    for i in range(3):
        client.post(STATUS, {"number": application.number, "id_last6": f"00000{i}"},
                    REMOTE_ADDR=f"10.0.0.{i}")
    wrong = client.post(STATUS, {"number": application.number, "id_last6": "000009"},
                        REMOTE_ADDR="10.0.0.8")
    assert wrong.status_code == 429
    assert application.number not in wrong.content.decode()
    right = client.post(STATUS, {"number": application.number,
                                 "id_last6": application.id_number[-6:]},
                        REMOTE_ADDR="10.0.0.9")
    assert right.status_code == 200
    assert 'data-testid="status-result"' in right.content.decode()


@pytest.mark.django_db
def test_community_qr_codes_are_png_and_svg(client, dawangzhuang_community):
    for fmt, content_type, magic in (("png", "image/png", b"\x89PNG"),
                                     ("svg", "image/svg+xml", b"<svg")):
        response = client.get(reverse("applications:poster_qr",
                                      args=["community", dawangzhuang_community.pk, fmt]))
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert response.content.startswith(magic)


@pytest.mark.django_db
def test_the_qr_code_links_to_the_form_with_the_community(client, dawangzhuang_community,
                                                          settings):
    settings.APPLICATIONS_PUBLIC_BASE_URL = "https://gonghui.example.cn"
    response = client.get(reverse("applications:poster_qr",
                                  args=["community", dawangzhuang_community.pk, "svg"]))
    assert (f"https://gonghui.example.cn/join/?community={dawangzhuang_community.pk}"
            in response.content.decode())


@pytest.mark.django_db
def test_the_poster_is_printable_with_the_union_and_three_reasons(client,
                                                                  dawangzhuang_community):
    response = client.get(reverse("applications:poster",
                                  args=["community", dawangzhuang_community.pk]))
    text = response.content.decode()
    assert f"{dawangzhuang_community.name}工会" in text
    assert text.count("<li>") == 3 and "150" in text
    assert "css/poster.css" in text and "<script" not in text
    assert f"?community={dawangzhuang_community.pk}" in text


@pytest.mark.django_db
def test_a_street_has_its_poster_too(client, dawangzhuang):
    response = client.get(reverse("applications:poster", args=["street", dawangzhuang.pk]))
    assert "大王庄街道总工会" in response.content.decode()
    assert client.get(reverse("applications:poster", args=["street", 999999])).status_code == 404


@pytest.mark.django_db
def test_staff_see_the_posters_of_their_street(client, street_staff_dawangzhuang,
                                               dawangzhuang_community, dazhigu_community):
    client.force_login(street_staff_dawangzhuang)
    text = client.get(reverse("applications:poster_list")).content.decode()
    assert dawangzhuang_community.name in text and dazhigu_community.name not in text
