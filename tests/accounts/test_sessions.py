"""A deactivated account is logged out at once (SPEC §8: the office manages users; a closed
account must not keep working through a session opened before)."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services


@pytest.mark.django_db
def test_a_logged_in_user_is_sent_to_login_at_the_next_request_after_deactivation(
        client, admin_user, street_staff_dawangzhuang):
    staff = Client()
    staff.force_login(street_staff_dawangzhuang)
    assert staff.get(reverse("membership:union_list")).status_code == 200
    session_key = staff.session.session_key

    client.force_login(admin_user)
    client.post(reverse("office:user_deactivate", args=[street_staff_dawangzhuang.pk]))

    assert not Session.objects.filter(session_key=session_key).exists()
    response = staff.get(reverse("membership:union_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # The office's own session is untouched.
    assert client.get(reverse("office:user_list")).status_code == 200


@pytest.mark.django_db
def test_ending_sessions_leaves_other_users_logged_in(admin_user, street_staff_dawangzhuang,
                                                      street_staff_dazhigu):
    one, other = Client(), Client()
    one.force_login(street_staff_dawangzhuang)
    other.force_login(street_staff_dazhigu)
    assert services.user_sessions_end(user=street_staff_dawangzhuang) == 1
    assert other.get(reverse("membership:union_list")).status_code == 200


@pytest.mark.django_db
def test_the_backstop_refuses_a_session_of_an_inactive_user(street_staff_dawangzhuang):
    """Even a session the deletion missed (made after it, or kept elsewhere) does not let an
    inactive user in: Django's ModelBackend refuses to load an inactive user."""
    staff = Client()
    staff.force_login(street_staff_dawangzhuang)
    type(street_staff_dawangzhuang).objects.filter(pk=street_staff_dawangzhuang.pk).update(
        is_active=False)
    response = staff.get(reverse("membership:union_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
