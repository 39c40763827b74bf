"""`POST /api/v1/spring-return-claims/` for the city's platform (issue 5 §4): the page's
identification and checks, the platform's API key, errors as JSON with field and code,
201 with the claim number,
409 for 名额已满, 429 when rate-limited, and the OpenAPI schema at /api/schema/."""

import json
from decimal import Decimal

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from subsidies.models import Entitlement, ProgrammeYear
from tests.subsidies.conftest import make_members
from tests.subsidies.pages import empty_cache  # noqa: F401

URL = "/api/v1/spring-return-claims/"


pytestmark = pytest.mark.usefixtures("empty_cache", "spring_day")


@pytest.fixture
def platform_key(db):
    from accounts.models import ApiKey

    return ApiKey.objects.create_key(name="city platform")[1]


@pytest.fixture
def api(platform_key):
    # CSRF checks on, as for any client that is not a browser session; the platform's key.
    return Client(enforce_csrf_checks=True,
                  headers={"Authorization": f"Api-Key {platform_key}"})


@pytest.fixture
def member(dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community, seed=31)
    return member


def _body(member, **change):
    body = {"id_number": member.worker.id_number, "card_last6": member.card_number[-6:],
            "fare": "120.50", "ticket_number": "K1234-88", "trip_date": "2026-02-25"}
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


def _post(api, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return api.post(URL, data, content_type="application/json", **extra)


def _errors(response):
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.django_db
def test_a_claim_is_created_pending_with_its_number(api, member):
    response = _post(api, _body(member))
    assert response.status_code == 201
    claim = Entitlement.objects.get()
    assert response.json() == {"number": claim.number, "state": "pending",
                               "state_label": "待审批", "amount": "120.50"}
    assert (claim.member, claim.ticket_number, claim.fare) == (member, "K1234-88",
                                                               Decimal("120.50"))


@pytest.mark.django_db
def test_a_fare_as_a_json_number_is_read_exactly_and_capped(api, member):
    response = _post(api, _body(member, fare=356.5))
    assert response.status_code == 201 and response.json()["amount"] == "300.00"
    assert Entitlement.objects.get().fare == Decimal("356.50")


@pytest.mark.django_db
def test_bad_json_is_a_400_with_a_code(api):
    response = _post(api, '{"id_number": ')
    assert response.status_code == 400
    assert _errors(response) == [(None, "parse_error")]
    response = _post(api, "[1, 2]")
    assert response.status_code == 400 and _errors(response) == [(None, "parse_error")]


@pytest.mark.django_db
def test_a_form_body_is_refused_as_unsupported(api):
    response = api.post(URL, {"fare": "1"})
    assert response.status_code == 415
    assert _errors(response) == [(None, "unsupported_media_type")]


@pytest.mark.django_db
def test_missing_fields_are_each_reported(api):
    response = _post(api, {})
    assert response.status_code == 400
    assert sorted(_errors(response)) == sorted([
        ("id_number", "required"), ("card_last6", "required"), ("fare", "required"),
        ("ticket_number", "required"), ("trip_date", "required")])
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["fare"] == "请填写车票上的票价。"
    assert messages["trip_date"] == "请填写返程日期。"


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,code,message", [
    ({"fare": "abc"}, "fare", "invalid", "请以元为单位填写票价，例如235.50。"),
    ({"fare": "-3"}, "fare", "min_value", "票价须大于0元。"),
    ({"fare": "0"}, "fare", "min_value", "票价须大于0元。"),
    ({"fare": "0.001"}, "fare", "max_decimal_places", "请填写票价（元），最多两位小数。"),
    ({"trip_date": "2026-13-01"}, "trip_date", "invalid", "请按“年-月-日”填写日期，例如2026-02-25。"),
    ({"card_last6": "12345"}, "card_last6", "invalid", "请填写会员服务卡号的后6位数字。"),
    ({"id_number": "110101199001011230"}, "id_number", "checksum",
     "身份证号的校验码不对，请再核对一遍号码。"),
])
def test_bad_values_are_reported_by_field_and_code(api, member, change, field, code, message):
    response = _post(api, _body(member, **change))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "code": code, "message": message}]
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"trip_date": 20260225}, "trip_date", "此项必须是文本。"),
    ({"ticket_number": "K1\ud800"}, "ticket_number", "此项必须是文本。"),
    ({"card_last6": 123456}, "card_last6", "此项必须是文本。"),
    ({"fare": [120]}, "fare", "此项必须是文本或数字。"),
    ({"fare": True}, "fare", "此项必须是文本或数字。"),
])
def test_a_value_of_the_wrong_json_type_is_invalid(api, member, change, field, message):
    """The body's types are the serializer's: text is a JSON string (a number for the card
    digits is no longer read as text; a date as a number or a lone surrogate was a 500),
    the fare a string or a number."""
    response = _post(api, _body(member, **change))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "code": "invalid",
                                          "message": message}]
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_a_null_value_is_missing(api, member):
    body = _body(member)
    body["fare"] = None
    response = _post(api, body)
    assert response.json()["errors"] == [{"field": "fare", "code": "required",
                                          "message": "请填写车票上的票价。"}]


@pytest.mark.django_db
def test_a_failed_identification_is_a_422_that_names_nothing(api, member):
    response = _post(api, _body(member, card_last6="000000"))
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "field": None, "code": "identification_failed",
        "message": "无法核实您的身份。请检查身份证号和会员服务卡号后6位。"}]


@pytest.mark.django_db
def test_a_claim_the_rules_refuse_is_a_422_by_field(api, member):
    response = _post(api, _body(member, trip_date="2026-03-25"))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("trip_date", "refused")
    assert error["message"].startswith("返程日期须在")


@pytest.mark.django_db
def test_one_claim_a_year_and_a_ticket_once(api, member, dawangzhuang_community):
    assert _post(api, _body(member)).status_code == 201
    response = _post(api, _body(member, ticket_number="K9"))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "ticket_number", "code": "refused",
                                          "message": "您今年已经申领过这项补助。"}]
    (other,) = make_members(1, community=dawangzhuang_community, seed=32)
    response = _post(api, _body(other, ticket_number="k1234-88"))
    assert response.json()["errors"][0]["message"] == "这张车票已经申领过。"


@pytest.mark.django_db
def test_a_full_quota_is_a_409_quota_full(api, member):
    ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=2026).update(quota=0)
    response = _post(api, _body(member))
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": None, "code": "quota_full", "message": "名额已满。"}]
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_the_api_is_rate_limited(api, member, settings):
    settings.SUBSIDIES_API_RATE = "2/m"
    assert _post(api, _body(member, fare="x")).status_code == 400
    assert _post(api, _body(member, fare="x")).status_code == 400
    response = _post(api, _body(member))
    assert response.status_code == 429
    # The seconds left in the minute's window, said in words too (hedong_union/errors.py).
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    assert _errors(response) == [(None, "rate_limited")]
    assert response.json()["errors"][0]["message"] == (
        f"请求过于频繁，请等待{seconds}秒后再试。" if seconds < 60 else "请求过于频繁，请等待1分钟后再试。")
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_the_api_is_limited_per_key_not_by_the_pages_address_limit(api, member, settings,
                                                                   dawangzhuang_community):
    # One platform posts for many members from one address: the page's 10 a minute per
    # address does not apply, the key's own limit does, and another key has its own count.
    from accounts.models import ApiKey

    settings.SUBSIDIES_PUBLIC_RATE = "1/m"
    settings.SUBSIDIES_API_RATE = "3/m"
    others = make_members(3, community=dawangzhuang_community, seed=32)
    assert [_post(api, _body(other, ticket_number=f"K{n}")).status_code
            for n, other in enumerate(others)] == [201, 201, 201]
    assert _post(api, _body(member)).status_code == 429
    second_key = ApiKey.objects.create_key(name="second platform")[1]
    second = Client(headers={"Authorization": f"Api-Key {second_key}"})
    assert _post(second, _body(member)).status_code == 201


@pytest.mark.django_db
def test_identifications_of_one_id_number_are_limited_with_the_pages(api, member, settings,
                                                                     client,
                                                                     dawangzhuang_community):
    # The card's 6 digits cannot be guessed through the API: identifications of one ID
    # number are counted per ID, the page's and the API's together.
    settings.SUBSIDIES_IDENTIFY_RATE_PER_ID = "3/h"
    page = client.post(reverse("subsidies:public_spring_return"), {
        "step": "identify", "id_number": member.worker.id_number, "card_last6": "000000",
        "website": ""})
    assert page.status_code == 200  # not recognised, counted
    # Malformed requests never reach the identification: they use up none of its tries.
    assert [_post(api, _body(member, fare="x")).status_code for _ in range(3)] == [400] * 3
    wrong = [_post(api, _body(member, card_last6=f"00000{n}")) for n in (1, 2)]
    assert [r.status_code for r in wrong] == [422, 422]
    response = _post(api, _body(member))  # the right digits, too late
    assert response.status_code == 429
    assert _errors(response) == [(None, "rate_limited")]
    assert not Entitlement.objects.exists()
    (other,) = make_members(1, community=dawangzhuang_community, seed=33)
    assert _post(api, _body(other)).status_code == 201  # another ID is not held up


@pytest.mark.django_db
def test_only_post(api):
    response = api.get(URL)
    assert response.status_code == 405
    assert _errors(response) == [(None, "method_not_allowed")]


@pytest.mark.django_db
def test_the_openapi_schema_describes_the_endpoint(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"201", "400", "401", "409", "422", "429"}
    assert operation["security"] == [{"ApiKey": []}]
    assert schema["components"]["securitySchemes"]["ApiKey"]["type"] == "apiKey"
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
    assert set(fields) == {"id_number", "card_last6", "fare", "ticket_number", "trip_date"}


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Api-Key", "Api-Key nonsense", "Bearer x",
                                    "Api-Key 0123abcd.wrong-secret"])
def test_without_a_valid_key_the_api_answers_401(member, platform_key, header):
    client = Client(enforce_csrf_checks=True,
                    headers={"Authorization": header} if header else {})
    response = _post(client, _body(member))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert _errors(response)[0][1] in ("not_authenticated", "authentication_failed")
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_a_revoked_or_altered_key_is_refused(api, member, platform_key):
    from accounts.models import ApiKey

    altered = Client(enforce_csrf_checks=True,
                     headers={"Authorization": f"Api-Key {platform_key[:-1]}"
                                       f"{'y' if platform_key.endswith('x') else 'x'}"})
    assert _post(altered, _body(member)).status_code == 401
    ApiKey.objects.update(revoked=True)
    assert _post(api, _body(member)).status_code == 401
    ApiKey.objects.update(revoked=False)
    assert _post(api, _body(member)).status_code == 201
    assert ApiKey.objects.get().last_used_at is not None
    # Only the hash is stored.
    assert platform_key not in str(ApiKey.objects.values_list().get())


@pytest.mark.django_db
def test_a_key_s_last_use_is_written_at_most_hourly(api, member, platform_key,
                                                    dawangzhuang_community):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiKey

    recently = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.update(last_used_at=recently)
    assert _post(api, _body(member)).status_code == 201
    assert ApiKey.objects.get().last_used_at == recently  # no write on every call
    ApiKey.objects.update(last_used_at=recently - timedelta(hours=2))
    (other,) = make_members(1, community=dawangzhuang_community, seed=32)
    assert _post(api, _body(other, ticket_number="G2-0002")).status_code == 201
    assert ApiKey.objects.get().last_used_at > recently


@pytest.mark.django_db
def test_the_office_makes_a_key_in_the_admin_and_sees_it_once(client, admin_user, member):
    from django.contrib.messages import get_messages

    from accounts.models import ApiKey

    client.force_login(admin_user)
    response = client.post("/admin/accounts/apikey/add/", {"name": "市总平台"})
    assert response.status_code == 302
    made = ApiKey.objects.get(name="市总平台")
    (key,) = [word for message in get_messages(response.wsgi_request)
              for word in str(message).split() if word.startswith(made.prefix + ".")]
    assert key.startswith(made.prefix + ".") and key not in made.hashed_key
    platform = Client(enforce_csrf_checks=True, headers={"Authorization": f"Api-Key {key}"})
    assert _post(platform, _body(member)).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Api-Key abc\x00defg.secret", "Api-Key ", "Api-Key .",
                                    "api-key x.y"])
def test_an_odd_key_is_a_401_not_a_500(member, platform_key, header):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": header})
    response = _post(client, _body(member))
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Api-Key"
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_an_expired_key_is_refused(api, member):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiKey

    ApiKey.objects.update(expiry_date=timezone.now() - timedelta(minutes=1))
    response = _post(api, _body(member))
    assert response.status_code == 401
    assert _errors(response) == [(None, "authentication_failed")]


@pytest.mark.django_db
def test_the_office_revokes_a_key_in_the_admin_for_good(client, admin_user, api, member):
    """Revoking is final (djangorestframework-api-key): the office makes a new key."""
    from accounts.models import ApiKey

    made = ApiKey.objects.get()
    client.force_login(admin_user)
    url = f"/admin/accounts/apikey/{made.pk}/change/"
    assert client.post(url, {"name": made.name, "revoked": "on"}).status_code == 302
    assert _post(api, _body(member)).status_code == 401
    response = client.post(url, {"name": made.name})  # "revoked" is read-only now
    assert response.status_code == 302
    assert ApiKey.objects.get().revoked
    assert _post(api, _body(member)).status_code == 401


@pytest.mark.django_db
def test_the_admin_shows_only_the_portal_s_keys(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/accounts/apikey/").status_code == 200
    assert client.get("/admin/rest_framework_api_key/apikey/").status_code == 404
