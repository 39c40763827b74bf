"""Thousands of generated form posts and API bodies never give a 500 (issue 4, Bad input):
each is either accepted or answered with its messages."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from applications.consent import CONSENT_VERSION
from tests.applications.conftest import new_id, new_phone

FIELDS = ["name", "id_number", "phone", "work", "employer", "occupation_group", "street",
          "community", "declared", "consented", "consent_version", "website"]

_text = st.text(max_size=60)
_odd = st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1e3", "null", "\x00",
                        "<script>alert(1)</script>", "' OR 1=1 --", "１２３", "ｘ", "on",
                        "employer", "scattered", "courier", CONSENT_VERSION, "张" * 120])


def _plausible(field):
    """Values a person might type, so the deeper checks run too."""
    return {
        "name": st.sampled_from(["李春生", "阿依古丽·买买提", "Wang Li"]),
        "id_number": st.builds(new_id) | st.builds(lambda: new_id().lower()),
        "phone": st.builds(new_phone),
        "work": st.sampled_from(["employer", "scattered"]),
        "employer": st.integers(min_value=1, max_value=5).map(str),
        "occupation_group": st.sampled_from(["courier", "security", "other"]),
        "street": st.integers(min_value=1, max_value=13).map(str),
        "community": st.integers(min_value=1, max_value=160).map(str),
        "declared": st.just("on"), "consented": st.just("on"),
        "consent_version": st.just(CONSENT_VERSION), "website": st.just(""),
    }[field]


def _value(field):
    return st.one_of(_plausible(field), _plausible(field), _text, _odd)


_bodies = st.fixed_dictionaries({}, optional={f: _value(f) for f in FIELDS}).flatmap(
    lambda body: st.dictionaries(st.text(max_size=10), _text, max_size=3).map(
        lambda extra: {**extra, **body}))


@pytest.fixture
def open_limits(settings):
    settings.APPLICATIONS_PUBLIC_RATE = "1000000/m"


@pytest.mark.django_db
@hypothesis_settings(max_examples=700, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(body=_bodies)
def test_generated_form_posts_never_give_a_500(organisation_structure, open_limits, body):
    response = Client().post("/join/", body)
    assert response.status_code in (200, 302)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text | _odd,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6)
_api_bodies = st.one_of(
    st.fixed_dictionaries({}, optional={
        "name": _value("name"), "id_number": _value("id_number"), "phone": _value("phone"),
        "scattered": st.booleans() | _json_values, "employer_credit_code": _text,
        "occupation_group": _value("occupation_group"),
        "street": st.sampled_from(["大王庄", "大直沽街道", "不存在"]) | _text,
        "community": st.sampled_from(["大王庄第01社区", "大直沽第01社区"]) | _text,
        "declared": st.booleans() | _json_values, "consented": st.booleans() | _json_values,
        "consent_version": st.just(CONSENT_VERSION) | _text}),
    _json_values)


@pytest.mark.django_db
@hypothesis_settings(max_examples=1500, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(body=_api_bodies)
def test_generated_api_bodies_never_give_a_500(organisation_structure, open_limits, body):
    response = Client().post("/api/v1/applications/", json.dumps(body),
                             content_type="application/json")
    assert response.status_code in (200, 201, 400)
