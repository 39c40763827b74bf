"""The office adds a programme's settings for a new year from the settings page."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from subsidies.models import ProgrammeYear
from subsidies.services import programme_year_add

URL = "/subsidies/years/add/"


@pytest.mark.django_db
def test_a_new_year_starts_from_the_latest_settings(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/subsidies/years/")
    assert page.status_code == 200 and 'data-testid="year-add"' in page.content.decode()
    latest = ProgrammeYear.objects.filter(programme_id="SPRING_RETURN").order_by("-year")[0]
    response = client.post(URL, {"programme": "SPRING_RETURN", "year": latest.year + 1})
    made = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=latest.year + 1)
    assert response.status_code == 302
    assert response["Location"] == f"/subsidies/years/{made.pk}/edit/"
    assert (made.amount, made.city_share, made.quota, made.accepted) == (
        latest.amount, latest.city_share, latest.quota, 0)
    # The dates change every year: left for the office to set on the next page.
    assert (made.spring_festival, made.window_start, made.window_end) == (None, None, None)
    assert made.history.get().history_user == admin_user
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_year_with_settings_or_outside_the_programme_is_refused(client, admin_user):
    client.force_login(admin_user)
    existing = ProgrammeYear.objects.filter(programme_id="UNIVERSAL").order_by("-year")[0]
    response = client.post(URL, {"programme": "UNIVERSAL", "year": existing.year})
    assert response.status_code == 400
    assert 'data-testid="year-add-error"' in response.content.decode()
    founding = ProgrammeYear.objects.filter(programme_id="FOUNDING_REBATE")[0].programme
    with pytest.raises(ValidationError):
        programme_year_add(programme=founding, year=(founding.last_year or 2100) + 1,
                           by=admin_user)
    before = ProgrammeYear.objects.count()
    assert client.post(URL, {"programme": "UNIVERSAL", "year": "x"}).status_code == 400
    assert ProgrammeYear.objects.count() == before


@pytest.mark.django_db
def test_only_the_office_adds_years(client, leader):
    client.force_login(leader)
    assert client.post(URL, {"programme": "UNIVERSAL", "year": 2040}).status_code == 403
    assert 'data-testid="year-add"' not in client.get("/subsidies/years/").content.decode()
    assert not ProgrammeYear.objects.filter(year=2040).exists()


@pytest.mark.django_db
def test_a_copied_amount_is_the_latest_one(admin_user):
    universal = ProgrammeYear.objects.filter(programme_id="UNIVERSAL").order_by("-year")[0]
    ProgrammeYear.objects.filter(pk=universal.pk).update(amount=Decimal("180.00"))
    made, source = programme_year_add(programme=universal.programme, year=universal.year + 2,
                                      by=admin_user)
    assert (made.amount, source.pk) == (Decimal("180.00"), universal.pk)


@pytest.mark.django_db
def test_claims_wait_for_a_new_years_dates(admin_user, dawangzhuang_community):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from subsidies.services import programme_year_update, spring_return_claim
    from tests.subsidies.conftest import make_members

    ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year__gte=2028).delete()
    latest = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2027)
    made, _source = programme_year_add(programme=latest.programme, year=2028, by=admin_user)
    (member,) = make_members(1, community=dawangzhuang_community)
    claim = {"member": member, "fare": Decimal("100"), "ticket_number": "N1",
             "trip_date": date(2028, 2, 10),
             "received_at": datetime(2028, 2, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))}
    with pytest.raises(ValidationError) as error:
        spring_return_claim(**claim)
    assert error.value.messages == ["2028年的申领尚未开放。"]
    programme_year_update(programme_year=made, by=admin_user,
                          spring_festival=date(2028, 1, 26), window_start=date(2028, 1, 26),
                          window_end=date(2028, 2, 25))
    assert spring_return_claim(**claim).amount == Decimal("100.00")


@pytest.mark.django_db
def test_a_year_added_by_someone_else_meanwhile_gets_the_same_message(admin_user, monkeypatch):
    """Two office users adding the same year at once: the unique constraint decides and the
    second is told as if it had seen the first (no 500)."""
    from django.db.models.query import QuerySet

    latest = ProgrammeYear.objects.filter(programme_id="UNIVERSAL").order_by("-year")[0]
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)  # the check saw nothing yet
    with pytest.raises(ValidationError) as error:
        programme_year_add(programme=latest.programme, year=latest.year, by=admin_user)
    assert error.value.message_dict["year"] == [f"{latest.year}年已有设置，请直接修改。"]
    assert ProgrammeYear.objects.filter(programme_id="UNIVERSAL",
                                        year=latest.year).count() == 1
