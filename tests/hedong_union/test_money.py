"""Amounts on screen: one format, 12,345.00 (docs/decisions.md, Money on screen)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from hedong_union.templatetags.money import format_yuan


@pytest.mark.parametrize("value,shown", [
    (Decimal("12345"), "12,345.00"),
    (Decimal("12345.6"), "12,345.60"),
    (Decimal("1234567.89"), "1,234,567.89"),
    (Decimal("999.995"), "1,000.00"),  # half up, as people round money
    (Decimal("0.125"), "0.13"),
    (Decimal("-1500.5"), "-1,500.50"),
    (Decimal("-0.001"), "0.00"),  # never "-0.00"
    (Decimal("0"), "0.00"),
    (150, "150.00"),
    ("40000", "40,000.00"),  # a stored report's figures are strings
    (None, "—"),
    ("", "—"),
])
def test_an_amount_has_thousands_separators_and_two_decimals(value, shown):
    assert format_yuan(value) == shown


def test_no_float_creeps_in():
    # Decimal("0.1") through a float would print its binary expansion at more places.
    assert format_yuan(Decimal("1000000000000000.1")) == "1,000,000,000,000,000.10"
    assert format_yuan(0.1) == "0.10"


def test_the_filter_is_in_every_template_without_a_load():
    rendered = Template("{{ a|yuan }} {{ b|yuan }}").render(Context({"a": Decimal("12345"),
                                                                    "b": None}))
    assert rendered == "12,345.00 —"


@pytest.mark.django_db
def test_pages_show_an_amount_in_the_one_format(client, admin_user, property_federation):
    client.force_login(admin_user)
    client.post(reverse("subsidies:industry_grant_create"), {
        "year": 2026, "federation": property_federation.pk, "amount": "40000"})
    page = client.get(reverse("subsidies:organisation_programmes"), {"year": 2026})
    assert "40,000.00" in page.content.decode()
    page = client.get(reverse("subsidies:entitlement_list"), {"year": 2026})
    assert "40,000.00" in page.content.decode() and "40000.00" not in page.content.decode()
