"""Demo subsidies for `seed_demo` (issue 5): the current year's UNIVERSAL entitlements made
by the rule run and approved by the office, and spring-return claims of out-of-town
members waiting for review, so the subsidy pages and the dashboard's money chart have
something to show. Nothing is batched or paid: a batch needs a second office user's
approval (SPEC §6.3), which is the demo's to try. Skipped when the year has entitlements
already, so a rerun adds nothing."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role, User
from hedong_union.demo_guard import demo_data_allowed_ensure
from membership.models import Member
from subsidies.models import Entitlement, ProgrammeCode, ProgrammeYear
from subsidies.services import (
    entitlements_approve,
    entitlements_submit,
    spring_return_claim,
    universal_run,
)

SPRING_RETURN_CLAIMS = 12


def seed_subsidies(*, seed, on=None):
    """Add the demo entitlements; returns (UNIVERSAL approved, spring-return claims)."""
    demo_data_allowed_ensure("seed_subsidies")
    on = on or timezone.localdate()
    office = User.objects.filter(role=Role.ADMIN, username="admin").first()
    if office is None or Entitlement.objects.filter(year=on.year).exists():
        return 0, 0
    universal_run(year=on.year, by=office, on=on)
    universal = Entitlement.objects.filter(programme_id=ProgrammeCode.UNIVERSAL, year=on.year)
    entitlements_submit(queryset=universal, by=office)
    approved, _rejected = entitlements_approve(queryset=universal, by=office, on=on)
    return approved, _spring_return_claims(seed=seed, on=on)


def _spring_return_claims(*, seed, on):
    settings = ProgrammeYear.objects.filter(programme_id=ProgrammeCode.SPRING_RETURN,
                                            year=on.year).first()
    if settings is None or None in (settings.window_start, settings.window_end,
                                    settings.spring_festival):
        return 0
    received_on = min(on, settings.window_end + timedelta(days=3))
    trip_end = min(settings.window_end, received_on)
    if received_on < settings.window_start:
        return 0  # this year's return trips have not begun
    candidates = list(
        Member.objects.active_on(received_on)
        .filter(worker__is_out_of_town=True, joined_on__lt=settings.spring_festival,
                card_hmac__isnull=False)
        .select_related("worker").order_by("pk")[:SPRING_RETURN_CLAIMS * 4])
    rng = random.Random(f"subsidies-{seed}")
    made = 0
    for i, member in enumerate(rng.sample(candidates, min(len(candidates),
                                                          SPRING_RETURN_CLAIMS))):
        trip = settings.window_start + timedelta(
            days=rng.randrange((trip_end - settings.window_start).days + 1))
        received = timezone.make_aware(datetime.combine(received_on, time(9, 30 + i)))
        try:
            spring_return_claim(member=member, fare=Decimal(rng.choice(["168.50", "245.00", "320.00"])),
                                ticket_number=f"E{on.year}{seed % 1000:03d}{i:05d}",
                                trip_date=trip, received_at=received)
        except ValidationError:
            continue  # the rules refused this member: the demo takes the next
        made += 1
    return made
