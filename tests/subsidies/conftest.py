"""Members for the subsidy tests, made in bulk with valid identifiers."""

import random
from datetime import date, timedelta

import pytest
import time_machine

from membership import fakes
from membership.models import Member, Union, UnionForm, UnionSpan, Worker
from membership.pii import pii_hmac


def make_members(count, *, community, rural=True, out_of_town=True, joined_on=date(2025, 6, 1),
                 with_card=True, seed=6):
    """`count` active members of the community's union, in bulk (test set-up only)."""
    rng = random.Random(seed)
    union = Union.objects.get(community=community, form=UnionForm.COMMUNITY)
    workers = []
    for i in range(count):
        # A birth date per worker keeps the ID numbers distinct.
        number = fakes.resident_id(rng, region="410102" if out_of_town else "120102",
                                   birth_date=date(1970, 1, 1) + timedelta(days=i))
        workers.append(Worker(
            name="测试", id_number=number, id_hmac=pii_hmac("id", number),
            birth_date=date(1985, 1, 1), sex="M", hukou_province=number[:2],
            hukou_type="rural" if rural else "non_rural", employment_form="scattered",
            street=community.street, community=community, identified_on=date(2025, 1, 1)))
    workers = Worker.objects.bulk_create(workers)
    start = Member.objects.count()
    members = []
    for i, worker in enumerate(workers, start=start + 1):
        card = fakes.card_number(rng) if with_card else None
        members.append(Member(
            worker=worker, member_number=f"HDT{seed:02d}{i:07d}", union=union,
            joined_on=joined_on, card_number=card,
            card_hmac=pii_hmac("card", card) if card else None))
    members = Member.objects.bulk_create(members)
    UnionSpan.objects.bulk_create([UnionSpan(member=m, union=union, started_on=joined_on)
                                   for m in members])
    return members


def universal_approved(by, *, run_on=None, approve_on=None):
    """The 2026 UNIVERSAL rule run, submitted and approved by `by`: its entitlements."""
    from subsidies.models import Entitlement
    from subsidies.services import entitlements_approve, entitlements_submit, universal_run

    universal_run(year=2026, by=by, on=run_on)
    queryset = Entitlement.objects.filter(programme_id="UNIVERSAL", year=2026)
    entitlements_submit(queryset=queryset, by=by)
    entitlements_approve(queryset=queryset, by=by, on=approve_on)
    return queryset


def batch_sent(queryset, *, maker, checker):
    """A batch of `queryset` made by `maker`, approved by `checker`, its payment file made."""
    from subsidies.services import batch_approve, batch_create, batch_payment_file

    batch = batch_create(by=maker, queryset=queryset)
    batch_approve(batch=batch, by=checker)
    return batch_payment_file(batch=batch, by=checker)


@pytest.fixture
def second_admin(organisation_structure):
    from accounts.models import Role
    from accounts.services import user_upsert

    return user_upsert(username="office_zhang", role=Role.ADMIN, password="x-secret-123",
                       full_name="张复核")


@pytest.fixture
def non_public_union(unit_dawangzhuang_property, union_dawangzhuang_property):
    """大王庄's property company's union, as the union of that non-public enterprise (its
    own unit): one the model-home award can go to."""
    from membership.models import Unit

    Unit.objects.filter(pk=unit_dawangzhuang_property.pk).update(
        union=union_dawangzhuang_property)
    return union_dawangzhuang_property


# A day of the 2026 spring-return window (Spring Festival 02-17, window until 03-19).
SPRING_DAY = "2026-03-01 10:00 +0800"


@pytest.fixture
def spring_day():
    """The clock stopped on SPRING_DAY."""
    with time_machine.travel(SPRING_DAY, tick=False) as traveller:
        yield traveller
