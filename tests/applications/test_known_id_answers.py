"""SPEC §5: an active member is told so with the union's name, and a second submission
while pending returns the same application; only to whoever holds the ID number and the
phone on record. Without that phone the answer is one neutral "referred", the same bytes,
status and shape for a member, a pending applicant and a worker of the registry, so that
nobody learns from the public form or the API who is a member (docs/decisions.md)."""

import json
import re

import pytest
from django.test import Client

from applications.models import Application
from applications.services import application_submit
from tests.applications.conftest import form_body, new_id, new_phone, submit_kwargs
from tests.conftest import REGISTRY

FORM = "/join/"
API = "/api/v1/applications/"
OUTSIDER_PHONE = "13700001234"  # nobody's phone on record


@pytest.fixture
def known(member_dawangzhuang, worker_dazhigu, dawangzhuang_community):
    """An ID number of each kind the portal knows, with the phone on record."""
    pending_id, pending_phone = new_id(), new_phone()
    application_submit(**submit_kwargs(dawangzhuang_community, id_number=pending_id,
                                       phone=pending_phone))
    return {
        "member": (REGISTRY["id_a"], REGISTRY["phone_a"]),
        "pending": (pending_id, pending_phone),
        "registry worker": (REGISTRY["id_b"], REGISTRY["phone_b"]),
    }


def _api_body(community, **change):
    body = {"name": "李春生", "id_number": new_id(), "phone": OUTSIDER_PHONE,
            "scattered": True, "occupation_group": "courier",
            "street": community.street.name, "community": community.name,
            "declared": True, "consented": True,
            "consent_version": form_body(community)["consent_version"]}
    body.update(change)
    return body


def _api_post(body):
    return Client(enforce_csrf_checks=True).post(API, json.dumps(body),
                                                 content_type="application/json")


def _without_per_request_tokens(html):
    """The page as every visitor gets it: CSRF tokens and CSP nonces differ per request."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"',
                  'name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


# --- The service ----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("case", ["member", "pending", "registry worker"])
def test_without_the_phone_on_record_the_answer_is_referred_and_nothing_is_saved(
        known, dawangzhuang_community, case):
    id_number, _phone = known[case]
    before = Application.objects.count()
    outcome = application_submit(**submit_kwargs(dawangzhuang_community, id_number=id_number,
                                                 phone=OUTSIDER_PHONE))
    assert (outcome.kind, outcome.application, outcome.union_name) == ("referred", None, "")
    assert Application.objects.count() == before


@pytest.mark.django_db
def test_with_the_phone_on_record_each_gets_its_own_answer(known, dawangzhuang_community,
                                                           member_dawangzhuang):
    answers = {}
    for case, (id_number, phone) in known.items():
        answers[case] = application_submit(**submit_kwargs(
            dawangzhuang_community, id_number=id_number, phone=phone))
    assert answers["member"].kind == "member"
    assert answers["member"].union_name == member_dawangzhuang.union.name
    assert answers["pending"].kind == "existing"
    assert answers["pending"].application.id_number == known["pending"][0]
    assert answers["registry worker"].kind == "created"


@pytest.mark.django_db
def test_an_unknown_id_number_applies_as_before(dawangzhuang_community):
    outcome = application_submit(**submit_kwargs(dawangzhuang_community,
                                                 phone=OUTSIDER_PHONE))
    assert outcome.kind == "created"


# --- The page -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_form_gives_the_same_bytes_whoever_the_id_number_belongs_to(
        known, dawangzhuang_community):
    pages, redirects = {}, {}
    for case, (id_number, _phone) in known.items():
        visitor = Client()
        posted = visitor.post(FORM, form_body(dawangzhuang_community, id_number=id_number,
                                              phone=OUTSIDER_PHONE))
        redirects[case] = (posted.status_code, posted["Location"], posted.content)
        page = visitor.get(posted["Location"])
        assert page.status_code == 200
        pages[case] = _without_per_request_tokens(page.content.decode())
    assert len(set(redirects.values())) == 1
    assert len(set(pages.values())) == 1
    page = pages["member"]
    assert 'data-testid="application-referred"' in page
    assert "大王庄街道总工会" in page  # where to go: the street the applicant chose
    for leak in ('data-testid="already-member"', 'data-testid="application-number"',
                 known["member"][0], REGISTRY["id_b"], "SQ20"):
        assert leak not in page
    assert "工会" in page  # in Chinese


@pytest.mark.django_db
def test_the_form_tells_the_holder_of_the_phone(known, dawangzhuang_community,
                                                member_dawangzhuang):
    member_id, member_phone = known["member"]
    page = Client().post(FORM, form_body(dawangzhuang_community, id_number=member_id,
                                         phone=member_phone), follow=True)
    assert 'data-testid="already-member"' in page.content.decode()
    assert member_dawangzhuang.union.name in page.content.decode()
    pending_id, pending_phone = known["pending"]
    page = Client().post(FORM, form_body(dawangzhuang_community, id_number=pending_id,
                                         phone=pending_phone), follow=True)
    number = Application.objects.get(id_hmac=Application.objects.pending().get().id_hmac).number
    assert f'data-testid="application-number">{number}<' in page.content.decode()


# --- The API --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_api_gives_the_same_answer_whoever_the_id_number_belongs_to(
        known, dawangzhuang_community):
    answers = {}
    for case, (id_number, _phone) in known.items():
        response = _api_post(_api_body(dawangzhuang_community, id_number=id_number))
        answers[case] = (response.status_code, response["Content-Type"], response.content)
    assert len(set(answers.values())) == 1
    status, _type, content = answers["member"]
    body = json.loads(content)
    assert status == 200 and set(body) == {"outcome", "message"}
    assert body["outcome"] == "referred" and "大王庄街道总工会" in body["message"]


@pytest.mark.django_db
def test_the_api_tells_the_holder_of_the_phone(known, dawangzhuang_community,
                                               member_dawangzhuang):
    member_id, member_phone = known["member"]
    answer = _api_post(_api_body(dawangzhuang_community, id_number=member_id,
                                 phone=member_phone))
    assert answer.json() == {"outcome": "member", "union": member_dawangzhuang.union.name}
    pending_id, pending_phone = known["pending"]
    answer = _api_post(_api_body(dawangzhuang_community, id_number=pending_id,
                                 phone=pending_phone))
    assert answer.status_code == 200 and answer.json()["outcome"] == "existing"
    registry_id, registry_phone = known["registry worker"]
    answer = _api_post(_api_body(dawangzhuang_community, id_number=registry_id,
                                 phone=registry_phone))
    assert answer.status_code == 201 and answer.json()["outcome"] == "created"
