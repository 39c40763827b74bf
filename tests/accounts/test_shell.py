"""The shell: login, per-role homes, the 'not open yet' pages, language switching."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role, User
from accounts.navigation import FEATURES
from accounts.services import user_upsert

HOMES = {
    "admin_user": "区总工会办公室",
    "leader": "领导小组",
    "street_staff_dawangzhuang": "大王庄街道总工会",
    "community_staff_dawangzhuang": "大王庄第01社区",
    "industry_staff_property": "河东区物业行业工会联合会",
    "liaison_zhujianwei": "区住建委",
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_has_its_home(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("home")).content.decode()
    assert re.search(rf'data-testid="home-title">{HOMES[role]}<', page)


@pytest.mark.django_db
def test_the_street_home_counts_its_own_communities(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("home"))
    assert len(response.context["communities"]) == 14
    assert "14个社区" in response.content.decode()


def test_every_feature_of_the_menu_is_open():
    assert [f.slug for f in FEATURES if not f.is_open] == []


@pytest.mark.django_db
def test_an_unbuilt_feature_says_not_open_and_shows_no_numbers(client, admin_user,
                                                               monkeypatch):
    """The page a feature not built yet points at (none today; the next issue's will)."""
    from accounts import views
    from accounts.navigation import ALL_ROLES, Feature

    feature = Feature("future", "Future feature", ALL_ROLES)
    monkeypatch.setitem(views.FEATURES_BY_SLUG, feature.slug, feature)
    client.force_login(admin_user)
    response = client.get(reverse("feature_unavailable", args=[feature.slug]))
    assert response.status_code == 200
    main = response.content.decode().split('id="content">', 1)[1].split("</main>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", main)
    assert "尚未开放" in text
    assert not re.search(r"\d", text)


@pytest.mark.django_db
def test_a_feature_outside_the_role_is_404(client, liaison_zhujianwei):
    client.force_login(liaison_zhujianwei)
    assert client.get(reverse("feature_unavailable", args=["subsidies"])).status_code == 404


@pytest.mark.django_db
def test_chinese_by_default_and_english_on_request(client, leader):
    client.force_login(leader)
    assert "领导小组" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "Leadership group" in page
    assert '<html lang="en">' in page


@pytest.mark.django_db
def test_login_and_logout(client, street_staff_dawangzhuang):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "street_zhang", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_login(client, street_staff_dawangzhuang):
    """SPEC §8: login attempts are limited."""
    from tests.conftest import PASSWORD

    for _ in range(5):
        response = client.post(reverse("login"), {"username": "street_zhang", "password": "x"})
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    response = client.post(reverse("login"), {"username": "street_zhang", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_a_role_needs_its_organisation(organisation_structure, dawangzhuang):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    with pytest.raises(ValidationError):
        user_upsert(username="nobody", role=Role.STREET, password="x-1234567",
                    organisation=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="loose", role=Role.COMMUNITY, street=dawangzhuang)


@pytest.mark.django_db
def test_only_the_office_holds_the_full_pii_permission(admin_user, leader,
                                                       street_staff_dawangzhuang):
    assert admin_user.can_see_full_pii
    assert not leader.can_see_full_pii
    assert not street_staff_dawangzhuang.can_see_full_pii


@pytest.mark.django_db
def test_createsuperuser_makes_a_district_office_user(organisation_structure):
    from django.core.management import call_command

    call_command("createsuperuser", "--no-input", "--username", "first_admin",
                 "--email", "office@example.org")
    user = User.objects.get(username="first_admin")
    assert user.role == Role.ADMIN and user.is_superuser
