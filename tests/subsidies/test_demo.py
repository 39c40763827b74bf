"""The demo's subsidies (`seed_demo`, for `make run`): the year's UNIVERSAL entitlements
approved by the office, spring-return claims waiting for review, nothing paid; a rerun adds
nothing."""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from subsidies import rules
from subsidies.demo import SPRING_RETURN_CLAIMS, seed_subsidies
from subsidies.models import BatchLine, Entitlement, ProgrammeYear

DAY = date(2026, 11, 28)


@pytest.mark.django_db
def test_the_demo_has_the_years_universal_approved_and_claims_to_review(
        organisation_structure, capsys):
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        call_command("seed_demo", "--seed", "7", "--workers", "400", "--units", "40")
        eligible = rules.universal_members(DAY).count()
        universal = Entitlement.objects.filter(programme_id="UNIVERSAL", year=2026)
        assert eligible > 0 and universal.count() == eligible
        assert set(universal.values_list("state", flat=True)) == {"approved"}
        claims = Entitlement.objects.filter(programme_id="SPRING_RETURN", year=2026)
        assert 0 < claims.count() <= SPRING_RETURN_CLAIMS
        assert set(claims.values_list("state", flat=True)) == {"pending"}
        seats = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026).accepted
        assert seats == claims.count()
        assert not BatchLine.objects.exists()  # never paid without a second person
        assert "Demo subsidies added" in capsys.readouterr().out
        assert seed_subsidies(seed=7, on=DAY) == (0, 0)
        assert Entitlement.objects.count() == eligible + claims.count()
