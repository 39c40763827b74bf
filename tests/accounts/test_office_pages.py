"""The office's own pages (SPEC §1: the district office manages users and roles, and the
keys of outside systems): user accounts, API keys, the access log. Who else may open them is
tried in tests/accounts/test_scoping_matrix.py."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import ApiKey, Role, User
from tests.conftest import PASSWORD


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _create(client, **data):
    return client.post(reverse("office:user_create"), {
        "username": "street_li", "full_name": "李街道", "role": "street", **data})


def _logs_in(client, username, password):
    """Log in through the login page (django-axes needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _temporary_password(response):
    return re.search(r'data-testid="temporary-password">([^<]+)<',
                     response.content.decode()).group(1)


# --- Creating an account ------------------------------------------------------------------

@pytest.mark.django_db
def test_the_office_creates_a_street_user_with_a_temporary_password(client, admin_user,
                                                                    dawangzhuang):
    client.force_login(admin_user)
    response = _create(client, street=dawangzhuang.pk)
    assert response.status_code == 200
    assert "账号已创建" in _text(response)
    password = _temporary_password(response)
    user = User.objects.get(username="street_li")
    assert (user.role, user.street, user.get_full_name()) == ("street", dawangzhuang, "李街道")
    assert user.check_password(password) and user.must_change_password
    assert not (user.is_superuser or user.is_staff or user.can_see_full_pii)
    record = user.history.get()
    assert record.history_user == admin_user and record.history_change_reason == "created"
    assert not hasattr(record, "password")  # no hash in the history


@pytest.mark.django_db
def test_an_office_user_made_in_the_portal_sees_full_personal_data_but_not_the_admin(
        client, admin_user):
    client.force_login(admin_user)
    _create(client, username="office_zhao", full_name="赵办公", role="admin")
    office = User.objects.get(username="office_zhao")
    assert office.can_see_full_pii and not office.is_superuser
    client.force_login(office)
    assert client.get("/admin/").status_code == 302  # Django's admin: developers only


@pytest.mark.django_db
def test_the_organisation_follows_the_role(client, admin_user, dawangzhuang,
                                           dawangzhuang_community):
    """A street given beside a community user's community is not taken: only the role's."""
    client.force_login(admin_user)
    _create(client, username="community_wu", role="community", street=dawangzhuang.pk,
            community=dawangzhuang_community.pk)
    user = User.objects.get(username="community_wu")
    assert user.community == dawangzhuang_community and user.street is None


@pytest.mark.django_db
@pytest.mark.parametrize("data,field,message", [
    ({"role": "street"}, "street", "街道总工会用户须选择所属街道。"),
    ({"role": "community"}, "community", "社区工会用户须选择所属社区。"),
    ({"role": "industry"}, "industry_federation", "行业工会联合会用户须选择所属行业工会联合会。"),
    ({"role": "liaison"}, "department", "职能部门联络员须选择所属部门。"),
    ({"role": "chief"}, "role", "请选择角色。"),
    ({"username": "office_wang"}, "username", "该登录名已被使用。"),
    ({"username": "OFFICE_WANG"}, "username", "该登录名已被使用。"),
    ({"username": "李 四"}, "username", "登录名只能包含字母、数字和 @ . + - _ 。"),
    ({"username": ""}, "username", "请填写登录名。"),
    ({"full_name": "  "}, "full_name", "请填写姓名。"),
    ({"street": "999999"}, "street", "请从列表中选择街道。"),
])
def test_bad_accounts_are_refused_next_to_the_field(client, admin_user, data, field, message):
    client.force_login(admin_user)
    response = _create(client, **data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in _text(response)
    assert not User.objects.exclude(pk=admin_user.pk).exists()


@pytest.mark.django_db
def test_the_service_refuses_an_organisation_of_the_wrong_kind(admin_user, dawangzhuang):
    with pytest.raises(ValidationError) as error:
        services.office_user_create(by=admin_user, username="x1", full_name="王五",
                                    role=Role.COMMUNITY, organisation=dawangzhuang)
    assert error.value.message_dict == {"community": ["社区工会用户须选择所属社区。"]}


@pytest.mark.django_db
def test_only_the_office_uses_the_services(street_staff_dawangzhuang, dawangzhuang):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.office_user_create(by=street_staff_dawangzhuang, username="x2",
                                    full_name="王五", role=Role.STREET, organisation=dawangzhuang)


# --- Changing an account ------------------------------------------------------------------

@pytest.mark.django_db
def test_the_office_moves_a_user_to_another_street_with_readable_history(
        client, admin_user, street_staff_dawangzhuang, dazhigu):
    client.force_login(admin_user)
    url = reverse("office:user_detail", args=[street_staff_dawangzhuang.pk])
    response = client.post(url, {"full_name": "张新名", "role": "street", "street": dazhigu.pk})
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "张新名的账号已保存。" in page
    history = re.sub(r"<[^>]+>", "", page.split('data-testid="history"')[1].split("</table>")[0])
    # Field labels, organisation names and the person's name, not ids or the login.
    assert "街道：大王庄街道 → 大直沽街道" in history, history
    assert "修改账号" in history and "测试用户" in history and "office_wang" not in history


@pytest.mark.django_db
def test_the_office_cannot_change_its_own_role(admin_user, dawangzhuang):
    with pytest.raises(ValidationError) as error:
        services.office_user_update(by=admin_user, user=admin_user, full_name="王办公",
                                    role=Role.STREET, organisation=dawangzhuang)
    assert error.value.message_dict == {"role": ["不能修改自己的角色。"]}
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


# --- Deactivating, reactivating -----------------------------------------------------------

@pytest.mark.django_db
def test_a_deactivated_user_can_no_longer_log_in(client, admin_user, street_staff_dawangzhuang):
    client.force_login(admin_user)
    client.post(reverse("office:user_deactivate", args=[street_staff_dawangzhuang.pk]))
    street_staff_dawangzhuang.refresh_from_db()
    assert not street_staff_dawangzhuang.is_active
    assert street_staff_dawangzhuang.history.first().history_change_reason == "deactivated"
    client.logout()
    assert not _logs_in(client, "street_zhang", PASSWORD)
    services.office_user_reactivate(by=admin_user, user=street_staff_dawangzhuang)
    assert _logs_in(client, "street_zhang", PASSWORD)


@pytest.mark.django_db
def test_the_office_cannot_deactivate_itself(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("office:user_deactivate", args=[admin_user.pk]),
                           follow=True)
    assert "不能停用自己的账号。" in _text(response)
    admin_user.refresh_from_db()
    assert admin_user.is_active


@pytest.mark.django_db
def test_the_last_active_office_user_cannot_be_deactivated(admin_user, registrar):
    """Two office users deactivating each other at once: the second, whose own account the
    first just closed, cannot leave the district without an office user."""
    stale_registrar = User.objects.get(pk=registrar.pk)
    services.office_user_deactivate(by=admin_user, user=registrar)
    with pytest.raises(ValidationError) as error:
        services.office_user_deactivate(by=stale_registrar, user=admin_user)
    assert error.value.messages == ["测试用户是最后一个启用的区总工会办公室用户，请先创建另一个办公室用户。"]
    assert User.objects.get(pk=admin_user.pk).is_active


@pytest.mark.django_db
def test_deactivating_twice_and_reactivating_an_active_account_are_refused(
        admin_user, street_staff_dawangzhuang):
    services.office_user_deactivate(by=admin_user, user=street_staff_dawangzhuang)
    with pytest.raises(ValidationError, match="该账号已停用。"):
        services.office_user_deactivate(by=admin_user, user=street_staff_dawangzhuang)
    with pytest.raises(ValidationError, match="请先重新启用该账号，再重置密码。"):
        services.office_user_password_reset(by=admin_user, user=street_staff_dawangzhuang)
    services.office_user_reactivate(by=admin_user, user=street_staff_dawangzhuang)
    with pytest.raises(ValidationError, match="该账号已启用。"):
        services.office_user_reactivate(by=admin_user, user=street_staff_dawangzhuang)


# --- Passwords and the login lockout ------------------------------------------------------

@pytest.mark.django_db
def test_a_reset_password_is_changed_at_the_next_login(client, admin_user,
                                                       street_staff_dawangzhuang):
    client.force_login(admin_user)
    response = client.post(reverse("office:user_password_reset",
                                   args=[street_staff_dawangzhuang.pk]))
    assert "新的临时密码" in _text(response)
    password = _temporary_password(response)
    client.logout()
    assert _logs_in(client, "street_zhang", password)
    response = client.get(reverse("membership:unit_list"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    page = _text(client.get(reverse("password_change")))
    assert "您使用区总工会办公室设置的临时密码登录" in page
    response = client.post(reverse("password_change"), {
        "old_password": password, "new_password1": "Dawangzhuang-2027",
        "new_password2": "Dawangzhuang-2027"})
    assert response.status_code == 302
    assert client.get(reverse("membership:unit_list")).status_code == 200
    user = User.objects.get(pk=street_staff_dawangzhuang.pk)
    assert not user.must_change_password and user.check_password("Dawangzhuang-2027")
    reasons = list(user.history.values_list("history_change_reason", flat=True))
    assert reasons[:2] == ["password_changed", "password_reset"]


@pytest.mark.django_db
def test_the_office_sees_a_lockout_and_lifts_it(client, admin_user, street_staff_dawangzhuang,
                                                settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "street_zhang", "password": "wrong"})
    assert not _logs_in(client, "street_zhang", PASSWORD)  # locked out
    client.force_login(admin_user)
    listing = client.get(reverse("office:user_list"))
    row = _text(listing).split('data-testid="account-street_zhang"')[1].split("</tr>")[0]
    assert "已锁定" in row
    url = reverse("office:user_detail", args=[street_staff_dawangzhuang.pk])
    assert 'data-testid="locked"' in _text(client.get(url))
    response = client.post(reverse("office:user_unlock", args=[street_staff_dawangzhuang.pk]),
                           follow=True)
    assert "已解除锁定，可以重新登录。" in _text(response)
    assert 'data-testid="locked"' not in _text(response)
    assert not AccessAttempt.objects.filter(username="street_zhang").exists()
    assert street_staff_dawangzhuang.history.first().history_change_reason == "unlocked"
    client.logout()
    assert _logs_in(client, "street_zhang", PASSWORD)


@pytest.mark.django_db
def test_unlocking_a_user_who_is_not_locked_says_so(client, admin_user,
                                                    street_staff_dawangzhuang):
    client.force_login(admin_user)
    response = client.post(reverse("office:user_unlock", args=[street_staff_dawangzhuang.pk]),
                           follow=True)
    assert "测试用户未被锁定。" in _text(response)


# --- The list -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_user_list_filters_by_role_organisation_and_status(
        client, admin_user, street_staff_dawangzhuang, street_staff_dazhigu,
        community_staff_dawangzhuang):
    services.office_user_deactivate(by=admin_user, user=street_staff_dazhigu)
    client.force_login(admin_user)

    def listed(**query):
        page = client.get(reverse("office:user_list"), query).content.decode()
        return set(re.findall(r'data-testid="account-([^"]+)"', page))

    assert listed() == {"office_wang", "street_zhang", "street_zhao", "community_liu"}
    assert listed(role="street") == {"street_zhang", "street_zhao"}
    assert listed(q="大直沽") == {"street_zhao"}
    assert listed(active="no") == {"street_zhao"}
    assert listed(role="street", active="yes") == {"street_zhang"}
    # An unknown value is no filter, never a 500.
    assert client.get(reverse("office:user_list"), {"role": "chief"}).status_code == 200


# --- API keys -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_office_makes_a_key_shown_once_and_revokes_it(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("office:api_key_create"), {"name": "市总工会平台"})
    assert response.status_code == 200
    key = re.search(r'data-testid="api-key">([^<]+)<', response.content.decode()).group(1)
    api_key = ApiKey.objects.get()
    assert ApiKey.objects.get_from_key(key) == api_key and api_key.created_by == admin_user
    listing = _text(client.get(reverse("office:api_key_list")))
    assert "市总工会平台" in listing and key not in listing and "测试用户" in listing
    detail = reverse("office:api_key_detail", args=[api_key.prefix])
    assert key not in _text(client.get(detail))
    response = client.post(reverse("office:api_key_revoke", args=[api_key.prefix]), follow=True)
    assert "市总工会平台的接口密钥已吊销" in _text(response)
    api_key.refresh_from_db()
    assert api_key.revoked and api_key.revoked_by == admin_user and api_key.revoked_at
    assert api_key.history.first().history_user == admin_user
    response = client.post(reverse("office:api_key_revoke", args=[api_key.prefix]), follow=True)
    assert "该密钥已吊销。" in _text(response)


@pytest.mark.django_db
def test_a_revoked_key_is_refused_by_the_api(client, admin_user):
    api_key, key = services.api_key_create(by=admin_user, name="市总工会平台")
    services.api_key_revoke(by=admin_user, api_key=api_key)
    response = client.post(reverse("api:spring_return_claims"), {},
                           content_type="application/json",
                           headers={"Authorization": f"Api-Key {key}"})
    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("name,message", [
    ("", "请填写使用该密钥的系统名称。"),
    ("市总工会平台", "已有名为市总工会平台的密钥，请为新密钥另取名称。"),
    ("x" * 65, "名称不能超过64个字符。"),
])
def test_bad_key_names_are_refused(client, admin_user, name, message):
    services.api_key_create(by=admin_user, name="市总工会平台")
    client.force_login(admin_user)
    response = client.post(reverse("office:api_key_create"), {"name": name})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [message]
    assert ApiKey.objects.count() == 1


# --- Menu and the access log --------------------------------------------------------------

@pytest.mark.django_db
def test_the_menu_offers_the_office_pages_and_not_the_django_admin(client, admin_user,
                                                                   leader):
    client.force_login(admin_user)
    home = _text(client.get(reverse("home")))
    assert f'href="{reverse("office:user_list")}" data-feature="office"' in home
    assert 'href="/admin/"' not in home and "/admin/accounts" not in home
    client.force_login(leader)
    assert 'data-feature="office"' not in _text(client.get(reverse("home")))


@pytest.mark.django_db
def test_the_access_log_lists_who_saw_what(client, admin_user):
    from accounts.models import AccessLog

    client.force_login(admin_user)
    assert "暂无记录。" in _text(client.get(reverse("privacy:access_log")))
    services.access_log_record(user=admin_user, action=AccessLog.Action.EXPORT,
                               target_type="membership.worker", description="roster")
    page = _text(client.get(reverse("privacy:access_log")))
    assert "membership.worker" in page and "测试用户" in page
