"""The member's own page says plainly what to do when no member service card is bound
(SPEC §4, §6.1: payments go to the card): on the identification step, which needs the
card, and on the page itself."""

import pytest
from django.urls import reverse

from membership.models import Member
from tests.subsidies.conftest import make_members
from tests.subsidies.pages import empty_cache  # noqa: F401

MINE = reverse("subsidies:public_self_service")


@pytest.fixture(autouse=True)
def _own_rate_counters(empty_cache):  # noqa: F811
    yield


@pytest.mark.django_db
def test_the_identification_step_says_where_to_bind_a_card(client):
    page = client.get(MINE).content.decode()
    assert 'data-testid="identify-no-card"' in page
    assert reverse("applications:status") in page


@pytest.mark.django_db
def test_the_page_says_where_to_bind_when_no_card_is_bound(client, dawangzhuang_community):
    (member,) = make_members(1, community=dawangzhuang_community, seed=15)
    client.post(MINE, {"step": "identify", "id_number": member.worker.id_number,
                       "card_last6": member.card_number[-6:], "website": ""})
    page = client.get(MINE).content.decode()
    assert 'data-testid="my-payments"' in page
    assert 'data-testid="self-service-no-card"' not in page
    # The card is gone while the member's session lasts (a data correction by the office).
    Member.objects.filter(pk=member.pk).update(card_number=None, card_hmac=None)
    page = client.get(MINE).content.decode()
    assert 'data-testid="self-service-no-card"' in page
    assert member.worker.street.federation_name in page
