"""Bulk review (SPEC §5; plan §一.(一)4): the street ticks several pending applications
and approves or rejects them at once; each is checked by the single review's service in
its own transaction, one refused does not undo the others, and the page tells each one's
result. Another scope's application is a 404."""

import random

import pytest
from django.urls import reverse

from applications.models import Application
from applications.services import application_submit
from membership import fakes
from membership.models import Member
from membership.services import member_bind_card
from tests.applications.conftest import submit_kwargs

_rng = random.Random(15_0007)


def _apply(community, **change):
    return application_submit(**submit_kwargs(community, **change)).application


def _post(client, applications, **data):
    return client.post(reverse("applications:bulk_review"),
                       {"applications": [a.pk for a in applications], **data})


@pytest.mark.django_db
def test_the_queue_offers_the_bulk_form_to_reviewers_only(
        client, street_staff_dawangzhuang, leader, dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("applications:list")).content.decode()
    assert 'data-testid="bulk-review-form"' in page
    assert f'name="applications" value="{application.pk}"' in page
    client.force_login(leader)
    page = client.get(reverse("applications:list")).content.decode()
    assert 'data-testid="bulk-review-form"' not in page
    assert _post(client, [application], action="approve",
                 hukou_type="rural").status_code == 403


@pytest.mark.django_db
def test_several_are_approved_at_once_with_their_cards(client, street_staff_dawangzhuang,
                                                       dawangzhuang_community):
    cards = [fakes.card_number(_rng) for _ in range(3)]
    applications = [_apply(dawangzhuang_community, card_number=c) for c in cards]
    client.force_login(street_staff_dawangzhuang)
    response = _post(client, applications, action="approve", hukou_type="rural")
    assert response.status_code == 200
    page = response.content.decode()
    for application, card in zip(applications, cards, strict=True):
        application.refresh_from_db()
        assert application.status == "approved"
        assert application.member.card_number == card
        assert application.member.member_number in page
        assert application.reviewed_by == street_staff_dawangzhuang
    assert page.count('data-testid="bulk-result"') == 3


@pytest.mark.django_db
def test_one_bad_application_among_good_ones_is_refused_alone(
        client, registrar, street_staff_dawangzhuang, member_dawangzhuang,
        dawangzhuang_community):
    """The bad one's card was bound to another member after it was submitted: approval
    refuses it with the single review's message; the two good ones are approved."""
    taken = fakes.card_number(_rng)
    good_first = _apply(dawangzhuang_community)
    bad = _apply(dawangzhuang_community, card_number=taken)
    good_last = _apply(dawangzhuang_community, card_number=fakes.card_number(_rng))
    member_bind_card(member=member_dawangzhuang, by=registrar, card_number=taken)
    members_before = Member.objects.count()
    client.force_login(street_staff_dawangzhuang)
    response = _post(client, [good_first, bad, good_last], action="approve",
                     hukou_type="non_rural")
    page = response.content.decode()
    assert [Application.objects.get(pk=a.pk).status for a in (good_first, bad, good_last)] \
        == ["approved", "pending", "approved"]
    assert Member.objects.count() == members_before + 2
    assert f"****{taken[-4:]}" in page and taken not in page
    assert 'data-testid="bulk-summary">批准：2。未处理：1。' in page


@pytest.mark.django_db
def test_several_are_rejected_with_one_reason(client, street_staff_dawangzhuang,
                                              dawangzhuang_community):
    applications = [_apply(dawangzhuang_community) for _ in range(2)]
    client.force_login(street_staff_dawangzhuang)
    _post(client, applications, action="reject", reason="  单位信息无法核实  ")
    for application in applications:
        application.refresh_from_db()
        assert (application.status, application.reject_reason) == ("rejected",
                                                                    "单位信息无法核实")


@pytest.mark.django_db
@pytest.mark.parametrize("data, field", [
    ({"action": "reject", "reason": "   "}, "reason"),
    ({"action": "approve", "hukou_type": ""}, "hukou_type"),
    ({"action": "approve", "hukou_type": "martian"}, "hukou_type"),
    ({"action": "delete", "hukou_type": "rural"}, "action"),
])
def test_a_bulk_decision_missing_what_it_needs_decides_nothing(
        client, street_staff_dawangzhuang, dawangzhuang_community, data, field):
    applications = [_apply(dawangzhuang_community) for _ in range(2)]
    client.force_login(street_staff_dawangzhuang)
    response = _post(client, applications, **data)
    assert response.status_code == 200
    assert field in response.context["bulk_form"].errors
    assert 'data-testid="bulk-errors"' in response.content.decode()
    assert set(Application.objects.values_list("status", flat=True)) == {"pending"}
    # The ticked boxes stay ticked.
    assert response.content.decode().count("checked") >= 2


@pytest.mark.django_db
def test_nothing_ticked_or_a_bad_id_is_refused(client, street_staff_dawangzhuang,
                                               dawangzhuang_community):
    client.force_login(street_staff_dawangzhuang)
    response = _post(client, [], action="reject", reason="重复")
    assert "applications" in response.context["bulk_form"].errors
    response = client.post(reverse("applications:bulk_review"),
                           {"applications": ["abc", "1" * 12], "action": "reject",
                            "reason": "重复"})
    assert "applications" in response.context["bulk_form"].errors


@pytest.mark.django_db
def test_an_employer_without_employment_form_is_asked_for_it(
        client, street_staff_dawangzhuang, dawangzhuang_community,
        unit_dawangzhuang_property):
    application = _apply(dawangzhuang_community, employer=unit_dawangzhuang_property)
    client.force_login(street_staff_dawangzhuang)
    response = _post(client, [application], action="approve", hukou_type="rural")
    assert "employment_form" in response.context["bulk_form"].errors
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_another_streets_application_is_not_found(client, street_staff_dawangzhuang,
                                                  dawangzhuang_community, dazhigu_community):
    mine, other = _apply(dawangzhuang_community), _apply(dazhigu_community)
    client.force_login(street_staff_dawangzhuang)
    response = _post(client, [mine, other], action="reject", reason="重复")
    assert response.status_code == 404
    assert set(Application.objects.values_list("status", flat=True)) == {"pending"}


@pytest.mark.django_db
def test_an_application_decided_meanwhile_is_reported_not_decided_again(
        client, street_staff_dawangzhuang, dawangzhuang_community):
    first, second = _apply(dawangzhuang_community), _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    _post(client, [first], action="reject", reason="重复")
    response = _post(client, [first, second], action="reject", reason="另一个理由")
    first.refresh_from_db()
    assert first.reject_reason == "重复"
    assert Application.objects.get(pk=second.pk).status == "rejected"
    page = response.content.decode()
    assert "这份申请已经审核过了。" in page and page.count("table-danger") == 1
