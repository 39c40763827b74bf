"""`POST /api/v1/applications/` and `GET /api/v1/applications/{number}/status` for the
city's platform (issue 4 §7): the page's service, errors as JSON with field and code, 400
for a body that is not JSON, 413 for a 1 MB body, and the OpenAPI schema."""

import json

import pytest
import yaml
from django.test import Client

from applications.consent import CONSENT_VERSION
from applications.models import Application
from applications.services import application_approve, application_reject
from tests.applications.conftest import new_id, new_phone
from tests.conftest import REGISTRY

URL = "/api/v1/applications/"


@pytest.fixture
def api():
    return Client(enforce_csrf_checks=True)


def _body(place, **change):
    body = {"name": "李春生", "id_number": new_id(), "phone": new_phone(), "scattered": True,
            "occupation_group": "courier", "street": f"{place.street.short_name}街道",
            "community": place.name, "declared": True, "consented": True,
            "consent_version": CONSENT_VERSION}
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


def _post(api, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return api.post(URL, data, content_type="application/json", **extra)


def _errors(response):
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.django_db
def test_an_application_is_created_with_its_number(api, dawangzhuang_community):
    response = _post(api, _body(dawangzhuang_community))
    assert response.status_code == 201
    application = Application.objects.get()
    assert response.json() == {"outcome": "created", "number": application.number,
                               "status": "pending", "status_label": "待审核"}
    assert application.street == dawangzhuang_community.street


@pytest.mark.django_db
def test_the_same_id_returns_the_pending_application(api, dawangzhuang_community):
    body = _body(dawangzhuang_community)
    first = _post(api, body).json()
    again = _post(api, body)
    assert again.status_code == 200
    assert again.json()["outcome"] == "existing" and again.json()["number"] == first["number"]


@pytest.mark.django_db
def test_an_active_member_gets_the_union_only(api, member_dawangzhuang, dawangzhuang_community):
    response = _post(api, _body(dawangzhuang_community, id_number=REGISTRY["id_a"],
                                phone=REGISTRY["phone_a"]))
    assert response.status_code == 200
    assert response.json() == {"outcome": "member", "union": member_dawangzhuang.union.name}


@pytest.mark.django_db
def test_an_employee_names_the_employer_by_credit_code(api, dazhigu_community,
                                                       unit_dawangzhuang_property):
    response = _post(api, _body(dazhigu_community, scattered=False,
                                employer_credit_code=unit_dawangzhuang_property.credit_code))
    assert response.status_code == 201
    assert Application.objects.get().street == unit_dawangzhuang_property.street
    response = _post(api, _body(dazhigu_community, scattered=False))
    assert _errors(response) == [("employer_credit_code", "required")]
    response = _post(api, _body(dazhigu_community, scattered=False,
                                employer_credit_code="91120000000000000X"))
    assert _errors(response) == [("employer_credit_code", "unknown")]


@pytest.mark.django_db
@pytest.mark.parametrize("change,expected", [
    ({"id_number": "110101199003070010"}, [("id_number", "checksum")]),
    ({"phone": "1381234567"}, [("phone", "format")]),
    ({"name": ""}, [("name", "required")]),
    ({"name": "张" * 200}, [("name", "max_length")]),
    ({"name": "<script>"}, [("name", "invalid_characters")]),
    ({"consented": False}, [("consented", "required")]),
    ({"consent_version": "1999-01"}, [("consented", "consent_version")]),
    ({"declared": False}, [("declared", "required")]),
    ({"occupation_group": "astronaut"}, [("occupation_group", "required")]),
    ({"street": "不存在"}, [("street", "unknown")]),
    ({"community": "不存在社区"}, [("community", "unknown")]),
    ({"name": 12}, [("name", "invalid")]),
    ({"consented": "yes"}, [("consented", "invalid")]),
    ({"street": "大王庄\x00"}, [("street", "invalid")]),
    ({"community": "\ud800"}, [("community", "invalid")]),
    ({"declared": 1}, [("declared", "invalid")]),
    ({"phone": ["13812345678"]}, [("phone", "invalid")]),
])
def test_bad_fields_are_a_400_with_field_and_code(api, dawangzhuang_community, change,
                                                  expected):
    response = _post(api, _body(dawangzhuang_community, **change))
    assert response.status_code == 400
    assert _errors(response) == expected
    assert all(e["message"] for e in response.json()["errors"])
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_null_text_is_missing_and_a_null_flag_invalid(api, dawangzhuang_community):
    body = _body(dawangzhuang_community)
    body["name"] = None
    assert _errors(_post(api, body)) == [("name", "required")]
    body = _body(dawangzhuang_community)
    body["scattered"] = None
    assert _errors(_post(api, body)) == [("scattered", "invalid")]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_street_and_community_that_do_not_belong_together(api, dawangzhuang,
                                                            dazhigu_community):
    response = _post(api, _body(dazhigu_community, street=dawangzhuang.short_name))
    assert response.status_code == 400
    assert _errors(response) == [("community", "street_mismatch")]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(api, organisation_structure):
    for body in ('{"name": ', "[1, 2]", '"text"', "null"):
        response = _post(api, body)
        assert response.status_code == 400, body
        assert _errors(response) == [(None, "parse_error")]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_1_mb_body_is_a_413_with_a_json_error(api, dawangzhuang_community):
    body = json.dumps(_body(dawangzhuang_community, name="张" * (1024 * 1024 // 3)))
    assert len(body.encode()) >= 1024 * 1024
    response = _post(api, body)
    assert response.status_code == 413
    assert _errors(response) == [(None, "too_large")]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_api_is_rate_limited(api, dawangzhuang_community, settings):
    settings.APPLICATIONS_PUBLIC_RATE = "2/m"
    for _ in range(2):
        _post(api, _body(dawangzhuang_community, phone="1"))
    response = _post(api, _body(dawangzhuang_community))
    assert response.status_code == 429 and _errors(response) == [(None, "rate_limited")]
    # The answer every API gives (hedong_union.api_errors.too_many_requests): the seconds
    # left in the minute's window.
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    assert response.json()["errors"][0]["message"].startswith("请求过于频繁，请等待")
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_status_lookup_is_rate_limited(api, settings):
    settings.APPLICATIONS_PUBLIC_RATE = "2/m"
    for _ in range(2):
        assert api.get(f"{URL}SQ2026AAAAAA/status", {"id_last6": "000000"}).status_code == 404
    response = api.get(f"{URL}SQ2026AAAAAA/status", {"id_last6": "000000"})
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert _errors(response) == [(None, "rate_limited")]


@pytest.mark.django_db
def test_the_status_shows_pending_then_the_member_number(api, dawangzhuang_community,
                                                         street_staff_dawangzhuang):
    body = _body(dawangzhuang_community, id_number=new_id())
    number = _post(api, body).json()["number"]
    last6 = body["id_number"][-6:].lower()
    url = f"{URL}{number}/status"
    response = api.get(url, {"id_last6": last6})
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["member_number"] == ""
    application = application_approve(application=Application.objects.get(),
                                      by=street_staff_dawangzhuang, hukou_type="rural")
    answer = api.get(url, {"id_last6": last6}).json()
    assert answer["status"] == "approved"
    assert answer["member_number"] == application.member.member_number
    assert answer["union"] == application.member.union.name


@pytest.mark.django_db
def test_an_employee_of_a_unit_without_a_union_is_told_the_community_union(
        api, dazhigu_community, unit_dawangzhuang_property, street_staff_dawangzhuang):
    """Applied through the API from a community of another street: approval routes to the
    community union of the employer's community (SPEC §4)."""
    from membership.models import Union, UnionForm

    body = _body(dazhigu_community, scattered=False,
                 employer_credit_code=unit_dawangzhuang_property.credit_code)
    number = _post(api, body).json()["number"]
    application_approve(application=Application.objects.get(), by=street_staff_dawangzhuang,
                        hukou_type="rural", employment_form="contract")
    answer = api.get(f"{URL}{number}/status", {"id_last6": body["id_number"][-6:]}).json()
    assert answer["union"] == Union.objects.get(
        community=unit_dawangzhuang_property.community, form=UnionForm.COMMUNITY).name


@pytest.mark.django_db
def test_the_status_shows_the_reason_of_a_rejection(api, dawangzhuang_community,
                                                    street_staff_dawangzhuang):
    body = _body(dawangzhuang_community)
    number = _post(api, body).json()["number"]
    application_reject(application=Application.objects.get(), by=street_staff_dawangzhuang,
                       reason="单位信息无法核实")
    answer = api.get(f"{URL}{number}/status", {"id_last6": body["id_number"][-6:]}).json()
    assert (answer["status"], answer["reject_reason"]) == ("rejected", "单位信息无法核实")


@pytest.mark.django_db
def test_a_wrong_number_or_id_is_the_same_404(api, dawangzhuang_community):
    body = _body(dawangzhuang_community)
    number = _post(api, body).json()["number"]
    wrong_id = api.get(f"{URL}{number}/status", {"id_last6": "000000"})
    wrong_number = api.get(f"{URL}SQ2026AAAAAA/status", {"id_last6": body["id_number"][-6:]})
    assert wrong_id.status_code == wrong_number.status_code == 404
    assert wrong_id.json() == wrong_number.json()
    assert api.get(f"{URL}{number}/status").status_code == 400
    assert api.get(f"{URL}SQ%00%FF/status", {"id_last6": "12345\x00"}).status_code == 404


@pytest.mark.django_db
def test_the_schema_documents_both_endpoints(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert "post" in schema["paths"]["/api/v1/applications/"]
    assert "get" in schema["paths"]["/api/v1/applications/{number}/status"]
    responses = schema["paths"]["/api/v1/applications/"]["post"]["responses"]
    assert {"201", "200", "400", "413", "429"} <= set(responses)
