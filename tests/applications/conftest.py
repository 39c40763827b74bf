"""Applicants for the application tests: valid synthetic identifiers (membership.fakes),
the form's fields as a worker types them, and rate-limit counters of their own."""

import random
from datetime import date

import pytest

from applications.consent import CONSENT_VERSION
from membership import fakes
from tests.subsidies.pages import empty_cache  # noqa: F401

_rng = random.Random(4_2019)


def new_id(*, birth_date=date(1992, 5, 17), region="410102"):
    return fakes.resident_id(_rng, region=region, birth_date=birth_date)


def new_phone():
    return fakes.phone(_rng)


def form_body(community, **change):
    """The public form as a scattered worker of `community` fills it in."""
    body = {"name": "李春生", "id_number": new_id(), "phone": new_phone(), "work": "scattered",
            "employer": "", "occupation_group": "food_delivery",
            "street": str(community.street_id), "community": str(community.pk),
            "declared": "on", "consented": "on", "consent_version": CONSENT_VERSION,
            "website": ""}
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


def submit_kwargs(community, **change):
    """application_submit's arguments for a scattered worker of `community`."""
    values = {"name": "李春生", "id_number": new_id(), "phone": new_phone(), "employer": None,
              "street": community.street, "community": community,
              "occupation_group": "food_delivery", "declared": True, "consented": True,
              "consent_version": CONSENT_VERSION}
    values.update(change)
    return values


@pytest.fixture(autouse=True)
def _own_rate_counters(empty_cache):  # noqa: F811
    yield
