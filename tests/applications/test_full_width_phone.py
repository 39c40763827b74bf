"""A phone number typed on a Chinese keyboard: full-width digits, spaces (the ideographic
one too), hyphens and +86 are fixed, not refused, on the public form and on the API, as
they are in the ID number (SPEC §4, §5; membership.identifiers)."""

import json

import pytest
from django.test import Client

from applications.consent import CONSENT_VERSION
from applications.models import Application
from tests.applications.conftest import form_body, new_id

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _typed(phone, style):
    wide = phone.translate(FULL_WIDTH)
    return {
        "full-width": wide,
        "full-width, ideographic spaces": f"{wide[:3]}\u3000{wide[3:7]}\u3000{wide[7:]}",
        "full-width hyphens": f"{wide[:3]}－{wide[3:7]}－{wide[7:]}",
        "+86, spaces and hyphens": f"＋８６ {wide[:3]}-{phone[3:7]} {wide[7:]}",
    }[style]


STYLES = ["full-width", "full-width, ideographic spaces", "full-width hyphens",
          "+86, spaces and hyphens"]


@pytest.mark.django_db
@pytest.mark.parametrize("style", STYLES)
def test_the_public_form_takes_a_full_width_phone(client, dawangzhuang_community, style):
    phone = "13912345678"
    response = client.post("/join/", form_body(dawangzhuang_community,
                                               phone=_typed(phone, style)))
    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().phone == phone


@pytest.mark.django_db
@pytest.mark.parametrize("style", STYLES)
def test_the_api_takes_a_full_width_phone(dawangzhuang_community, style):
    phone = "15812345678"
    body = {"name": "李春生", "id_number": new_id(), "phone": _typed(phone, style),
            "scattered": True, "occupation_group": "courier",
            "street": f"{dawangzhuang_community.street.short_name}街道",
            "community": dawangzhuang_community.name, "declared": True, "consented": True,
            "consent_version": CONSENT_VERSION}
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/applications/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Application.objects.get().phone == phone


@pytest.mark.django_db
def test_a_full_width_phone_that_is_too_short_is_still_refused(client, dawangzhuang_community):
    response = client.post("/join/", form_body(dawangzhuang_community,
                                               phone="1381234567".translate(FULL_WIDTH)))
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["phone"]] == ["format"]
    assert not Application.objects.exists()
