"""The public form (SPEC §5, issue 4 §1, §2, §6): outcomes, every bad input of the issue
with its message next to the field and no record, what was typed kept, the honeypot, the
rate limit and the size limit."""

from datetime import date

import pytest
from django.urls import reverse
from stdnum.cn import ric

from applications.models import Application
from membership.models import Member, Worker
from tests.applications.conftest import form_body, new_id
from tests.conftest import REGISTRY

URL = "/join/"


def _with_check_digit(first17):
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum drops the last character


def _id_born(born):
    return _with_check_digit(f"410102{born:%Y%m%d}123")


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _bad_check_digit():
    number = new_id()
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


BAD_INPUTS = [
    ("id_number", lambda c: _bad_check_digit(), "checksum"),
    ("id_number", lambda c: _with_check_digit("41010219900230123"), "birth_date"),
    ("id_number", lambda c: _id_born(date(_today().year + 1, 1, 1)), "birth_date"),
    ("id_number", lambda c: _id_born(date(_today().year - 15, 1, 1)), "under_age"),
    ("phone", lambda c: "1381234567", "format"),
    ("name", lambda c: "", "required"),
    ("name", lambda c: "张" * 200, "max_length"),
    ("name", lambda c: "<script>alert(1)</script>", "invalid_characters"),
    ("consented", lambda c: None, "required"),
    ("declared", lambda c: None, "required"),
]


def _errors(response):
    form = response.context["form"]
    return {field: [e.code for e in errors] for field, errors in form.errors.as_data().items()}


def _nothing_saved():
    return (not Application.objects.exists() and not Worker.objects.exists()
            and not Member.objects.exists())


@pytest.mark.django_db
def test_the_form_opens_without_an_account_with_the_consent_text(client, organisation_structure):
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="consent-text"' in text and "2026-02" in text
    assert 'name="website"' in text  # the honeypot


@pytest.mark.django_db
def test_a_posters_link_fills_in_the_community_and_its_street(client, dazhigu_community):
    response = client.get(f"{URL}?community={dazhigu_community.pk}")
    form = response.context["form"]
    assert form.initial == {"community": dazhigu_community.pk,
                            "street": dazhigu_community.street_id}
    assert client.get(f"{URL}?community=99999999999999").status_code == 200


@pytest.mark.django_db
def test_a_new_application_shows_its_number_and_what_happens_next(client,
                                                                  dawangzhuang_community):
    response = client.post(URL, form_body(dawangzhuang_community), follow=True)
    application = Application.objects.get()
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("applications:submitted")
    assert application.number in text and 'data-testid="application-done"' in text
    assert application.id_number not in text


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,code", BAD_INPUTS,
                         ids=[f"{f}-{c}-{i}" for i, (f, _v, c) in enumerate(BAD_INPUTS)])
def test_each_bad_input_gets_its_message_next_to_the_field_and_saves_nothing(
        client, dawangzhuang_community, field, value, code):
    body = form_body(dawangzhuang_community, **{field: value(dawangzhuang_community)})
    response = client.post(URL, body)
    assert response.status_code == 200
    assert code in _errors(response).get(field, []), _errors(response)
    assert f'id="error_1_id_{field}"' in response.content.decode() or \
        f"id_{field}" in response.content.decode()
    assert _nothing_saved()


@pytest.mark.django_db
def test_a_street_and_community_that_do_not_belong_together_are_refused(
        client, dawangzhuang, dazhigu_community):
    body = form_body(dazhigu_community, street=str(dawangzhuang.pk))
    response = client.post(URL, body)
    assert _errors(response) == {"community": ["street_mismatch"]}
    assert _nothing_saved()


@pytest.mark.django_db
def test_what_was_typed_is_kept_after_an_error(client, dawangzhuang_community):
    body = form_body(dawangzhuang_community, phone="1381234567", name="王小明")
    response = client.post(URL, body)
    text = response.content.decode()
    assert 'value="王小明"' in text and 'value="1381234567"' in text
    assert f'value="{body["id_number"]}"' in text
    assert response.context["form"]["community"].value() == str(dawangzhuang_community.pk)


@pytest.mark.django_db
def test_errors_are_in_chinese(client, dawangzhuang_community):
    response = client.post(URL, form_body(dawangzhuang_community, id_number=_bad_check_digit(),
                                          consented=None))
    text = response.content.decode()
    assert "校验码" in text and "同意" in text


@pytest.mark.django_db
def test_an_employee_must_choose_the_employer(client, dawangzhuang_community,
                                              unit_dawangzhuang_property):
    response = client.post(URL, form_body(dawangzhuang_community, work="employer"))
    assert _errors(response) == {"employer": ["required"]}
    response = client.post(URL, form_body(dawangzhuang_community, work="employer",
                                          employer=str(unit_dawangzhuang_property.pk)))
    assert response.status_code == 302
    assert Application.objects.get().employer == unit_dawangzhuang_property


@pytest.mark.django_db
def test_the_same_id_twice_shows_the_same_number(client, dawangzhuang_community):
    body = form_body(dawangzhuang_community)
    client.post(URL, body)
    response = client.post(URL, body, follow=True)
    application = Application.objects.get()
    assert application.number in response.content.decode()


@pytest.mark.django_db
def test_an_active_member_is_told_so_with_the_union_only(client, member_dawangzhuang,
                                                         dawangzhuang_community):
    response = client.post(URL, form_body(dawangzhuang_community, id_number=REGISTRY["id_a"],
                                          phone=REGISTRY["phone_a"]), follow=True)
    text = response.content.decode()
    assert 'data-testid="already-member"' in text
    assert member_dawangzhuang.union.name in text
    assert member_dawangzhuang.member_number not in text
    assert member_dawangzhuang.worker.name not in text
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_honeypot_turns_a_bot_away(client, dawangzhuang_community):
    response = client.post(URL, form_body(dawangzhuang_community, website="http://spam"))
    assert response.status_code == 200
    assert _errors(response) == {"__all__": ["honeypot"]}
    assert _nothing_saved()


@pytest.mark.django_db
def test_too_many_posts_get_a_readable_429(client, dawangzhuang_community, settings):
    settings.APPLICATIONS_PUBLIC_RATE = "3/m"
    for _ in range(3):
        client.post(URL, form_body(dawangzhuang_community, phone="1"))
    response = client.post(URL, form_body(dawangzhuang_community))
    assert response.status_code == 429
    assert 'data-testid="rate-limited"' in response.content.decode()
    assert "请稍等" in response.content.decode() or "稍" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_huge_body_is_refused_before_it_is_read(client, dawangzhuang_community):
    body = form_body(dawangzhuang_community, name="张" * 400_000)
    response = client.post(URL, body)
    assert response.status_code == 413
    assert _nothing_saved()


@pytest.mark.django_db
def test_the_employer_search_lists_known_units_by_name_or_code(client,
                                                               unit_dawangzhuang_property):
    found = client.get(reverse("applications:employers"), {"q": "安居"}).json()["results"]
    assert [r["id"] for r in found] == [unit_dawangzhuang_property.pk]
    code = unit_dawangzhuang_property.credit_code
    found = client.get(reverse("applications:employers"), {"q": code[:8]}).json()["results"]
    assert [r["id"] for r in found] == [unit_dawangzhuang_property.pk]
    assert client.get(reverse("applications:employers"), {"q": "x"}).json() == {"results": []}


@pytest.mark.django_db
def test_the_employer_search_gives_each_unit_its_id_and_label_only(client,
                                                                   unit_dawangzhuang_property):
    """Names and credit codes are public registration data; nothing else is sent."""
    unit = unit_dawangzhuang_property
    found = client.get(reverse("applications:employers"), {"q": "安居"}).json()["results"]
    assert found == [{"id": unit.pk, "label": f"{unit.name}（{unit.credit_code}）"}]


@pytest.mark.django_db
def test_the_employer_search_limits_signed_in_staff_each_on_their_own(
        client, unit_dawangzhuang_property, street_staff_dawangzhuang, street_staff_dazhigu,
        settings):
    """An office's staff share one address: each signed-in user has their own count, so one
    reviewer's searches do not stop a colleague's; an anonymous client is counted by
    address."""
    settings.APPLICATIONS_SEARCH_RATE = "2/m"
    url, query = reverse("applications:employers"), {"q": "安居"}
    assert [client.get(url, query).status_code for _ in range(3)] == [200, 200, 429]
    client.force_login(street_staff_dawangzhuang)
    assert [client.get(url, query).status_code for _ in range(3)] == [200, 200, 429]
    client.force_login(street_staff_dazhigu)
    assert [client.get(url, query).status_code for _ in range(2)] == [200, 200]
    assert 1 <= int(client.get(url, query)["Retry-After"]) <= 60  # the third: refused
