"""JSON bodies of the API: too deep or too large is a 400 in the API's error shape, never a
500 (hedong_union/api_parsers.py; docs/security.md)."""

import json

import pytest
from django.test import Client

from hedong_union.api_parsers import json_depth

URL = "/api/v1/applications/"


@pytest.fixture
def api():
    return Client(enforce_csrf_checks=True)


def _post(api, body):
    return api.post(URL, body, content_type="application/json")


def _errors(response):
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.django_db
def test_a_body_nested_ten_thousand_deep_is_a_400_not_a_recursion_error(api):
    response = _post(api, "[" * 10_000 + "]" * 10_000)
    assert response.status_code == 400
    assert _errors(response) == [(None, "too_deep")]
    assert response.json()["errors"][0]["message"] == "JSON 请求体的嵌套超过 32 层。"


@pytest.mark.django_db
def test_an_object_nested_ten_thousand_deep_is_refused_too(api):
    response = _post(api, '{"a":' * 10_000 + "1" + "}" * 10_000)
    assert response.status_code == 400 and _errors(response) == [(None, "too_deep")]


@pytest.mark.django_db
def test_depth_at_the_limit_is_parsed_and_answered_by_the_rules(api, settings):
    settings.API_MAX_JSON_DEPTH = 3
    response = _post(api, json.dumps({"name": [[1]]}))
    assert response.status_code == 400
    assert ("name", "invalid") in _errors(response)  # the field's own rule, not the depth


@pytest.mark.django_db
def test_a_body_larger_than_the_limit_is_a_400(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = _post(api, json.dumps({"name": "王" * 1000}))
    assert response.status_code == 400
    assert _errors(response) == [(None, "too_large")]
    assert response.json()["errors"][0]["message"] == "请求体超过 1,000 字节。"


def test_brackets_inside_strings_do_not_count():
    assert json_depth(b'{"a": "[[[[{{{{", "b": ["\\"[[["]}') == 2
    assert json_depth(b"[]") == 1 and json_depth(b"1") == 0 and json_depth(b"") == 0


def test_the_depth_scan_stays_linear_on_an_unterminated_string():
    import time

    started = time.process_time()
    json_depth(b'"' + b'\\"' * 500_000)
    json_depth(b'"' * 1_000_000)
    assert time.process_time() - started < 2
