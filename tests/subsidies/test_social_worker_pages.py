"""The office records social union workers on the organisation programmes page."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from subsidies.models import SocialWorker
from subsidies.organisations import social_worker_add, social_worker_gaps

URL = "/subsidies/organisations/social-workers/"


@pytest.mark.django_db
def test_the_office_adds_a_worker_and_the_gap_closes(client, admin_user, dawangzhuang):
    assert dawangzhuang in social_worker_gaps()[0]
    client.force_login(admin_user)
    page = client.get("/subsidies/organisations/")
    assert 'data-testid="social-worker-add"' in page.content.decode()
    response = client.post(URL, {"name": " 王芳 ", "street": dawangzhuang.pk,
                                 "since": "2026-01-05"})
    assert response.status_code == 302 and response["Location"].endswith("#social-workers")
    worker = SocialWorker.objects.get()
    assert (worker.name, worker.street, worker.since) == ("王芳", dawangzhuang,
                                                          date(2026, 1, 5))
    assert dawangzhuang not in social_worker_gaps(on=date(2026, 1, 5))[0]
    listed = client.get("/subsidies/organisations/").content.decode()
    assert "王芳" in listed


@pytest.mark.django_db
def test_a_worker_is_placed_once(client, admin_user, dawangzhuang, property_federation):
    client.force_login(admin_user)
    both = client.post(URL, {"name": "李", "street": dawangzhuang.pk,
                             "industry_federation": property_federation.pk,
                             "since": "2026-01-05"})
    neither = client.post(URL, {"name": "李", "since": "2026-01-05"})
    for response in (both, neither):
        assert response.status_code == 400
        assert "请在街道总工会和行业工会联合会中选择一个。" in response.content.decode()
    assert client.post(URL, {"name": "", "street": dawangzhuang.pk}).status_code == 400
    assert not SocialWorker.objects.exists()
    with pytest.raises(ValidationError):
        social_worker_add(name="李", street=dawangzhuang, since=date(2026, 2, 1),
                          until=date(2026, 1, 1), by=admin_user)


@pytest.mark.django_db
def test_the_placement_error_names_the_fields_as_labelled(client, admin_user):
    client.force_login(admin_user)
    page = client.post(URL, {"name": "李", "since": "2026-01-05"}).content.decode()
    errors = page.split('data-testid="social-worker-error">')[1:]
    assert [e.split("<")[0] for e in errors] == ["请在街道总工会和行业工会联合会中选择一个。"]
    for label in ("姓名", "街道总工会", "行业工会联合会"):
        assert f">{label}</label>" in page


@pytest.mark.django_db
def test_a_start_date_in_the_future_is_refused_today_is_allowed(client, admin_user,
                                                                dawangzhuang, spring_day):
    client.force_login(admin_user)
    response = client.post(URL, {"name": "李", "street": dawangzhuang.pk,
                                 "since": "2026-03-02"})
    assert response.status_code == 400
    assert "起始日期不能晚于今天。" in response.content.decode()
    assert not SocialWorker.objects.exists()
    response = client.post(URL, {"name": "李", "street": dawangzhuang.pk,
                                 "since": "2026-03-01"})
    assert response.status_code == 302
    assert SocialWorker.objects.get().since == date(2026, 3, 1)


@pytest.mark.django_db
def test_only_the_office_records_workers(client, leader, dawangzhuang):
    client.force_login(leader)
    assert client.post(URL, {"name": "李", "street": dawangzhuang.pk,
                             "since": "2026-01-05"}).status_code == 403
    assert 'data-testid="social-worker-add"' not in client.get(
        "/subsidies/organisations/").content.decode()
    assert not SocialWorker.objects.exists()
