"""The programmes' settings in the office's pages (SPEC §6): a programme's name and years,
and the ranges a year's settings must keep (plan §三.(二)3: the industry grant 30,000 to
50,000 yuan; the spring-return quota). Every change keeps its history."""

import re

import pytest
from django.urls import reverse

from subsidies.models import Programme, ProgrammeYear


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _programme(code="SPRING_RETURN"):
    return Programme.objects.get(code=code)


@pytest.mark.django_db
def test_the_office_renames_a_programme_with_history(client, admin_user):
    programme = _programme()
    client.force_login(admin_user)
    url = reverse("subsidies:programme_edit", args=[programme.pk])
    response = client.post(url, {"name": "春节平安返津补贴", "first_year": 2020,
                                 "last_year": 2030})
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.name, programme.last_year) == ("春节平安返津补贴", 2030)
    assert programme.history.first().history_user == admin_user
    page = _text(client.get(url))
    history = re.sub(r"<[^>]+>", "", page.split('data-testid="history"')[1].split("</table>")[0])
    assert "春节平安返津 → 春节平安返津补贴" in history and "测试用户" in history
    listing = _text(client.get(reverse("subsidies:year_list")))
    assert "春节平安返津补贴" in listing and url in listing


@pytest.mark.django_db
@pytest.mark.parametrize("data,field,message", [
    ({"name": " "}, "name", "请填写项目名称。"),
    ({"first_year": "2018"}, "first_year", "请填写年度，例如 2027。"),
    ({"last_year": "2019"}, "last_year", "截止年度不能早于起始年度。"),
    ({"first_year": "2024"}, "first_year", "已有2020年度的设置，起始年度不能晚于该年。"),
    ({"last_year": "2021"}, "last_year", "已有2026年度的设置，截止年度不能早于该年。"),
])
def test_bad_programme_names_and_years_are_refused(client, admin_user, data, field, message):
    programme = _programme()
    ProgrammeYear.objects.filter(programme=programme).exclude(year__in=(2020, 2026)).delete()
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:programme_edit", args=[programme.pk]), {
        "name": "春节平安返津", "first_year": 2020, "last_year": "", **data})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in _text(response)
    assert _programme().history.count() == programme.history.count()


def _year_form(settings, **change):
    data = {"amount": settings.amount, "minimum": settings.minimum or "",
            "cap": settings.cap or "", "city_share": settings.city_share,
            "quota": settings.quota or "", "spring_festival": settings.spring_festival or "",
            "window_start": settings.window_start or "", "window_end": settings.window_end or ""}
    data.update(change)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("code,change,field,message", [
    ("INDUSTRY_GRANT", {"minimum": "20000"}, "minimum",
     "按实施方案，补助金额须在30,000元至50,000元之间。"),
    ("INDUSTRY_GRANT", {"cap": "60000", "amount": "60000"}, "cap",
     "按实施方案，补助金额须在30,000元至50,000元之间。"),
    ("INDUSTRY_GRANT", {"amount": "20000"}, "amount", "标准补助金额须在最低金额与上限之间。"),
    ("SPRING_RETURN", {"quota": "0"}, "quota", "名额至少为1个。"),
])
def test_settings_outside_their_range_are_refused(client, admin_user, code, change, field,
                                                  message):
    settings = ProgrammeYear.objects.get(programme_id=code, year=2026)
    client.force_login(admin_user)
    response = client.post(reverse("subsidies:year_edit", args=[settings.pk]),
                           _year_form(settings, **change))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    fresh = ProgrammeYear.objects.get(pk=settings.pk)
    assert (fresh.amount, fresh.minimum, fresh.cap, fresh.quota) == (
        settings.amount, settings.minimum, settings.cap, settings.quota)


@pytest.mark.django_db
def test_a_year_page_shows_who_changed_what(client, admin_user):
    settings = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=2026)
    client.force_login(admin_user)
    url = reverse("subsidies:year_edit", args=[settings.pk])
    client.post(url, _year_form(settings, quota=12000))
    history = re.sub(r"<[^>]+>", "", _text(client.get(url)).split('data-testid="history"')[1]
                     .split("</table>")[0])
    assert "名额：10000 → 12000" in history and "测试用户" in history
