"""The member service card on an online application (SPEC §4, §5; plan §三: subsidies are
paid to the card): optional on the form and the API, Luhn-checked, stored encrypted with a
keyed hash, flagged when bound to another member, bound on approval, asked for when
missing, and shown on the status page with what to do when none is bound."""

import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Application
from applications.services import application_approve, application_submit
from membership import fakes
from membership.pii import pii_hmac
from membership.services import member_bind_card
from tests.applications.conftest import form_body, submit_kwargs

_rng = random.Random(15_0004)


def new_card():
    return fakes.card_number(_rng)


def _apply(community, **change):
    return application_submit(**submit_kwargs(community, **change)).application


def _full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.django_db
def test_the_form_takes_a_card_with_full_width_digits_and_spaces(client,
                                                                 dawangzhuang_community):
    card = new_card()
    typed = " ".join(_full_width(card[i:i + 4]) for i in range(0, len(card), 4))
    response = client.post(reverse("applications:apply"),
                           form_body(dawangzhuang_community, card_number=typed))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.card_number == card
    assert application.card_hmac == pii_hmac("card", card)
    assert not application.card_flag


@pytest.mark.django_db
def test_the_card_is_stored_encrypted(dawangzhuang_community):
    from django.db import connection

    card = new_card()
    application = _apply(dawangzhuang_community, card_number=card)
    with connection.cursor() as cursor:
        cursor.execute("SELECT card_number FROM applications_application WHERE id = %s",
                       [application.pk])
        (stored,) = cursor.fetchone()
    assert card not in stored


@pytest.mark.django_db
def test_the_card_is_optional(client, dawangzhuang_community):
    response = client.post(reverse("applications:apply"), form_body(dawangzhuang_community))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.card_number is None and application.card_hmac is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed, code", [
    ("6217991234567890123", "checksum"),  # 19 digits, wrong check digit
    ("621799123456789", "format"),  # 15 digits
    ("62179912345678901234", "format"),  # 20 digits
    ("6217-99AB-1234-5678", "format"),
])
def test_a_bad_card_is_refused_next_to_its_field(client, dawangzhuang_community, typed, code):
    response = client.post(reverse("applications:apply"),
                           form_body(dawangzhuang_community, card_number=typed))
    assert response.status_code == 200
    assert "card_number" in response.context["form"].errors
    assert not Application.objects.exists()
    with pytest.raises(ValidationError) as refused:
        application_submit(**submit_kwargs(dawangzhuang_community, card_number=typed))
    assert refused.value.error_dict["card_number"][0].code == code


@pytest.mark.django_db
def test_a_card_bound_to_another_member_is_flagged_not_refused(
        client, registrar, member_dawangzhuang, dawangzhuang_community,
        street_staff_dawangzhuang):
    card = new_card()
    member_bind_card(member=member_dawangzhuang, by=registrar, card_number=card)
    application = _apply(dawangzhuang_community, card_number=card)
    assert application.card_flag
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert 'data-testid="card-flag"' in page
    assert card not in page and f"****{card[-4:]}" in page


@pytest.mark.django_db
def test_the_api_takes_the_card(dawangzhuang_community):
    from tests.applications.test_api import _body, _post

    card = new_card()
    response = _post(Client_(), _body(dawangzhuang_community, card_number=card))
    assert response.status_code == 201
    assert Application.objects.get().card_number == card
    bad = _post(Client_(), _body(dawangzhuang_community, card_number="1234"))
    assert bad.status_code == 400
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [("card_number",
                                                                        "format")]


def Client_():  # noqa: N802 (the API's own client, with CSRF checks)
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.mark.django_db
def test_approval_binds_the_card_the_applicant_gave(dawangzhuang_community,
                                                    street_staff_dawangzhuang):
    card = new_card()
    application = _apply(dawangzhuang_community, card_number=card)
    approved = application_approve(application=application, by=street_staff_dawangzhuang,
                                   hukou_type="rural")
    assert approved.member.card_number == card
    assert approved.member.card_hmac == pii_hmac("card", card)


@pytest.mark.django_db
def test_the_approval_page_asks_for_a_missing_card_and_binds_it(
        client, dawangzhuang_community, street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("applications:detail", args=[application.pk]))
    assert "card_number" in page.context["approve_form"].fields
    assert "without_card" not in page.context["approve_form"].fields
    card = new_card()
    client.post(reverse("applications:approve", args=[application.pk]),
                {"hukou_type": "rural", "card_number": card})
    application.refresh_from_db()
    assert application.status == "approved" and application.member.card_number == card


@pytest.mark.django_db
def test_an_approval_without_any_card_warns_the_reviewer(client, dawangzhuang_community,
                                                         street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("applications:approve", args=[application.pk]),
                           {"hukou_type": "rural"}, follow=True)
    application.refresh_from_db()
    assert application.status == "approved" and application.member.card_hmac is None
    assert "尚未绑定会员服务卡" in response.content.decode()


@pytest.mark.django_db
def test_a_bad_card_on_the_approval_page_is_refused(client, dawangzhuang_community,
                                                    street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("applications:approve", args=[application.pk]),
                           {"hukou_type": "rural", "card_number": "6217991234567890123"})
    assert response.status_code == 200
    assert "card_number" in response.context["approve_form"].errors
    application.refresh_from_db()
    assert application.status == "pending"
    from membership.models import Worker

    assert not Worker.objects.exists()  # the worker registered on the way is rolled back


@pytest.mark.django_db
def test_a_card_of_another_member_on_the_approval_page_is_refused(
        client, registrar, member_dawangzhuang, dawangzhuang_community,
        street_staff_dawangzhuang):
    taken = new_card()
    member_bind_card(member=member_dawangzhuang, by=registrar, card_number=taken)
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("applications:approve", args=[application.pk]),
                           {"hukou_type": "rural", "card_number": taken})
    assert response.context["approve_form"].errors["card_number"] == [
        "这张会员服务卡已绑定其他会员。"]
    assert Application.objects.get(pk=application.pk).status == "pending"


@pytest.mark.django_db
def test_the_applicants_card_taken_meanwhile_is_refused_unless_left_out(
        client, registrar, member_dawangzhuang, dawangzhuang_community,
        street_staff_dawangzhuang):
    card = new_card()
    application = _apply(dawangzhuang_community, card_number=card)
    member_bind_card(member=member_dawangzhuang, by=registrar, card_number=card)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("applications:detail", args=[application.pk]))
    assert "without_card" in page.context["approve_form"].fields
    url = reverse("applications:approve", args=[application.pk])
    refused = client.post(url, {"hukou_type": "rural"})
    [message] = refused.context["approve_form"].errors["card_number"]
    assert f"****{card[-4:]}" in message and card not in message
    client.post(url, {"hukou_type": "rural", "without_card": "on"})
    application.refresh_from_db()
    assert application.status == "approved" and application.member.card_hmac is None


@pytest.mark.django_db
def test_another_card_typed_at_approval_replaces_the_applicants(dawangzhuang_community,
                                                                street_staff_dawangzhuang):
    given, typed = new_card(), new_card()
    application = _apply(dawangzhuang_community, card_number=given)
    approved = application_approve(application=application, by=street_staff_dawangzhuang,
                                   hukou_type="rural", card_number=typed)
    assert approved.member.card_number == typed


def _lookup(client, application):
    return client.post(reverse("applications:status"), {
        "number": application.number, "id_last6": application.id_number[-6:],
        "website": ""}).content.decode()


@pytest.mark.django_db
def test_the_status_page_shows_the_member_number_and_the_card_masked(
        client, dawangzhuang_community, street_staff_dawangzhuang):
    card = new_card()
    application = _apply(dawangzhuang_community, card_number=card)
    approved = application_approve(application=application, by=street_staff_dawangzhuang,
                                   hukou_type="rural")
    page = _lookup(client, application)
    assert approved.member.member_number in page
    assert 'data-testid="status-card"' in page and f"****{card[-4:]}" in page
    assert card not in page and 'data-testid="status-no-card"' not in page


@pytest.mark.django_db
def test_the_status_page_says_where_to_bind_a_missing_card(client, dawangzhuang_community,
                                                           street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    approved = application_approve(application=application, by=street_staff_dawangzhuang,
                                   hukou_type="rural")
    page = _lookup(client, application)
    assert 'data-testid="status-no-card"' in page
    assert "大王庄街道总工会" in page and approved.member.member_number in page


@pytest.mark.django_db
def test_the_api_status_tells_whether_a_card_is_bound(dawangzhuang_community,
                                                      street_staff_dawangzhuang):
    with_card = _apply(dawangzhuang_community, card_number=new_card())
    without = _apply(dawangzhuang_community)
    for application in (with_card, without):
        application_approve(application=application, by=street_staff_dawangzhuang,
                            hukou_type="rural")
    api = Client_()

    def status(application):
        return api.get(f"/api/v1/applications/{application.number}/status",
                       {"id_last6": application.id_number[-6:]}).json()

    answer = status(with_card)
    assert answer["card_bound"] is True
    assert answer["card"] == f"****{with_card.card_number[-4:]}"
    assert answer["bind_card_at"] == ""
    answer = status(without)
    assert (answer["card_bound"], answer["card"]) == (False, "")
    assert answer["bind_card_at"] == "大王庄街道总工会"
    pending = _apply(dawangzhuang_community)
    answer = status(pending)
    assert (answer["card_bound"], answer["bind_card_at"]) == (False, "")
    json.dumps(answer)
