"""Enroll a worker on one page (SPEC §4): the ID number first, then the worker when new,
the union, join date, card and declaration, all in one transaction."""

import random
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from membership import fakes
from membership.models import Member, Worker
from membership.pii import mask_id
from membership.services import founding_step_add
from tests.conftest import REGISTRY

RNG = random.Random(7064)
TODAY = "2026-11-28 10:00 +0800"
URL = "membership:member_enroll"


def _new_worker(home, **overrides):
    data = {
        "step": "enroll", "id_number": fakes.resident_id(RNG, birth_date=date(1990, 5, 1)),
        "name": "孙七", "phone": "138 1234 5678", "hukou_type": "rural", "hukou_province": "",
        "employment_form": "scattered", "occupation_group": "food_delivery", "employer": "",
        "community": home.pk, "identified_on": "2026-03-20", "union": "",
        "joined_on": "2026-04-01", "card_number": "", "declared": "on",
    }
    data.update(overrides)
    return data


def _errors(response):
    return {**response.context["form"].errors} if response.context["form"] else {}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


# --- The ID number first ----------------------------------------------------------------

@pytest.mark.django_db
def test_the_page_starts_with_the_id_number(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert 'name="id_number"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("bad,message", [
    (REGISTRY["id_a"][:17] + ("0" if REGISTRY["id_a"][17] != "0" else "1"),
     "身份证号的校验码不对，请再核对一遍号码。"),
    ("120102199002301234", "身份证号中的出生日期不是真实的日期。"),
    ("12010219900230123", "身份证号应为18位，这里是17位。"),
])
def test_a_bad_id_number_is_refused_at_once(client, street_staff_dawangzhuang, bad, message):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), {"step": "lookup", "id_number": bad})
    assert response.context["id_form"].errors["id_number"] == [message]
    assert message in response.content.decode()
    assert response.context["form"] is None


@pytest.mark.django_db
def test_a_worker_in_scope_is_shown_masked_and_reused(client, street_staff_dawangzhuang,
                                                      worker_dawangzhuang,
                                                      unit_dawangzhuang_property,
                                                      union_dawangzhuang_property):
    founding_step_add(unit=unit_dawangzhuang_property, by=street_staff_dawangzhuang,
                      status="founded", on=date(2024, 1, 5), union=union_dawangzhuang_property)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), {"step": "lookup",
                                          "id_number": REGISTRY["id_a"].lower()})
    page = response.content.decode()
    assert 'data-testid="existing-worker"' in page
    assert "王建国" in page and mask_id(REGISTRY["id_a"]) in page and "138****1234" in page
    assert REGISTRY["phone_a"] not in page
    # Preselected: the employer's union (SPEC §4).
    assert response.context["form"]["union"].value() == union_dawangzhuang_property.pk
    response = client.post(reverse(URL), {
        "step": "enroll", "id_number": REGISTRY["id_a"],
        "union": union_dawangzhuang_property.pk, "joined_on": "2026-04-01", "declared": "on"})
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.worker == worker_dawangzhuang
    assert Worker.objects.count() == 1


@pytest.mark.django_db
def test_a_worker_of_another_street_is_only_said_to_be_registered_elsewhere(
        client, street_staff_dawangzhuang, worker_dazhigu):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), {"step": "lookup", "id_number": REGISTRY["id_b"]})
    page = response.content.decode()
    assert response.context["id_form"].errors["id_number"] == [
        "该身份证号的职工已在其他街道或社区登记，请由登记该职工的街道或社区办理入会。"]
    assert response.context["form"] is None
    for secret in ("赵秀英", mask_id(REGISTRY["id_b"]), "139****5678", "大直沽启明培训学校",
                   "大直沽"):
        assert secret not in page.split('id="content">', 1)[1].split("</main>", 1)[0]
    # Submitting the whole form anyway changes nothing.
    response = client.post(reverse(URL), {"step": "enroll", "id_number": REGISTRY["id_b"],
                                          "joined_on": "2026-04-01", "declared": "on"})
    assert response.status_code == 200
    assert not Member.objects.exists()


# --- A new worker -----------------------------------------------------------------------

@pytest.mark.django_db
def test_a_new_scattered_worker_joins_the_community_union(client, street_staff_dawangzhuang,
                                                          dawangzhuang_community,
                                                          community_union):
    client.force_login(street_staff_dawangzhuang)
    data = _new_worker(dawangzhuang_community)
    lookup = client.post(reverse(URL), {"step": "lookup", "id_number": data["id_number"]})
    assert 'data-testid="existing-worker"' not in lookup.content.decode()
    assert lookup.context["form"]["name"].value() in (None, "")
    response = client.post(reverse(URL), data, follow=True)
    member = Member.objects.get()
    assert member.union == community_union  # routed: the union was left empty
    assert member.member_number.startswith("HD2026")
    page = response.content.decode()
    assert f"已入会，会员编号{member.member_number}。" in page  # the message on success
    assert response.context["member"] == member
    worker = member.worker
    assert worker.name == "孙七" and worker.phone == "13812345678"
    assert worker.street.short_name == "大王庄" and worker.is_migrant
    assert worker.history.get().history_user == street_staff_dawangzhuang


@pytest.mark.django_db
def test_a_new_worker_of_a_unit_and_a_card(client, street_staff_dawangzhuang,
                                           unit_dawangzhuang_property,
                                           union_dawangzhuang_property):
    card = fakes.card_number(RNG)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), {
        **_new_worker(unit_dawangzhuang_property.community, employment_form="contract",
                      employer=unit_dawangzhuang_property.pk, community=""),
        "union": union_dawangzhuang_property.pk, "card_number": card})
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.card_number == card
    assert member.worker.employer == unit_dawangzhuang_property
    page = client.get(response["Location"]).content.decode()
    assert "****" + card[-4:] in page and card not in page


@pytest.mark.django_db
@pytest.mark.parametrize("overrides,field,message", [
    ({"phone": "1381234567"}, "phone", "手机号应为11位数字，以13至19开头。"),
    ({"card_number": None}, "card_number", "会员服务卡号校验不通过，请再核对一遍。"),
    ({"declared": ""}, "declared",
     "职工须声明以工资收入为主要生活来源或与用人单位建立了劳动关系。"),
    ({"joined_on": "2026-12-01"}, "joined_on", "入会日期不能晚于今天。"),
    ({"community": "", "employer": ""}, "community", "没有工作单位的职工须填写所属社区。"),
    ({"employment_form": "contract"}, "employer",
     "请选择工作单位，或将就业形式设为零散就业。"),
])
def test_bad_values_save_nothing_and_say_why(client, street_staff_dawangzhuang,
                                            dawangzhuang_community, community_union,
                                            overrides, field, message):
    if overrides.get("card_number", "") is None:
        good = fakes.card_number(RNG)
        overrides = {"card_number": good[:-1] + str((int(good[-1]) + 1) % 10)}
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(dawangzhuang_community, **overrides))
    assert response.status_code == 200
    assert _errors(response)[field] == [message]
    assert message in response.content.decode()
    assert response.context["form"]["name"].value() == "孙七"  # what was typed is kept
    assert not Worker.objects.exists() and not Member.objects.exists()


@pytest.mark.django_db
def test_under_16_on_the_join_date_rolls_the_new_worker_back(client, street_staff_dawangzhuang,
                                                             dawangzhuang_community,
                                                             community_union):
    """One transaction: the worker is made first, the age fails after; nothing stays."""
    young = fakes.resident_id(RNG, birth_date=date(2010, 5, 20))
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(dawangzhuang_community, id_number=young,
                                                     joined_on="2026-05-19"))
    assert _errors(response)["joined_on"] == ["入会日期时该职工未满16周岁（出生于2010-05-20）。"]
    assert not Worker.objects.exists() and not Member.objects.exists()
    # On the sixteenth birthday the same worker may join.
    response = client.post(reverse(URL), _new_worker(dawangzhuang_community, id_number=young,
                                                     joined_on="2026-05-20"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_card_bound_to_another_member_rolls_everything_back(client, admin_user,
                                                              street_staff_dawangzhuang,
                                                              member_dawangzhuang,
                                                              dawangzhuang_community,
                                                              community_union):
    from membership.services import member_bind_card

    card = fakes.card_number(RNG)
    member_bind_card(member=member_dawangzhuang, by=admin_user, card_number=card)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(dawangzhuang_community, card_number=card))
    assert _errors(response)["card_number"] == ["这张会员服务卡已绑定其他会员。"]
    assert Worker.objects.count() == 1 and Member.objects.count() == 1


@pytest.mark.django_db
def test_an_employer_of_another_street_is_refused(client, street_staff_dawangzhuang,
                                                  dawangzhuang_community, unit_dazhigu_education,
                                                  union_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(
        dawangzhuang_community, employment_form="contract",
        employer=unit_dazhigu_education.pk, union=union_dawangzhuang_property.pk))
    assert _errors(response)["employer"] == ["这个单位不在您的管理范围内。"]
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_a_union_of_another_street_is_refused(client, street_staff_dawangzhuang,
                                              dawangzhuang_community, union_dazhigu_education):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(dawangzhuang_community,
                                                     union=union_dazhigu_education.pk))
    assert _errors(response)["union"] == ["这个工会不在您的管理范围内。"]
    assert not Worker.objects.exists()


def _community_union_of(community):
    from membership.models import Union, UnionForm

    return Union.objects.get(community=community, form=UnionForm.COMMUNITY)


@pytest.mark.django_db
def test_a_worker_of_a_unit_without_a_union_joins_the_community_union(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property):
    """Plan §二.5(2): with the union left empty, the worker's community union."""
    from membership.models import Community

    home = Community.objects.filter(street=unit_dawangzhuang_property.street).exclude(
        pk=unit_dawangzhuang_property.community_id).first()
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(
        home, employment_form="contract", employer=unit_dawangzhuang_property.pk))
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.union == _community_union_of(home)
    assert member.worker.employer == unit_dawangzhuang_property


@pytest.mark.django_db
def test_the_page_preselects_the_routed_union_and_staff_may_change_it(
        client, street_staff_dawangzhuang, worker_dawangzhuang, union_dawangzhuang_property):
    """SPEC §4: the routed union is preselected; another one chosen by hand wins."""
    client.force_login(street_staff_dawangzhuang)
    lookup = client.post(reverse(URL), {"step": "lookup", "id_number": REGISTRY["id_a"]})
    routed = _community_union_of(worker_dawangzhuang.community)
    assert lookup.context["form"]["union"].value() == routed.pk
    response = client.post(reverse(URL), {
        "step": "enroll", "id_number": REGISTRY["id_a"], "union": union_dawangzhuang_property.pk,
        "joined_on": "2026-04-01", "declared": "on"})
    assert response.status_code == 302
    assert Member.objects.get().union == union_dawangzhuang_property


@pytest.mark.django_db
def test_the_employer_and_community_options_carry_their_routed_unions(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property, dawangzhuang_community):
    """What static/js/employer-search.js preselects from, for a worker not yet registered."""
    client.force_login(street_staff_dawangzhuang)
    page = client.post(reverse(URL), {"step": "lookup", "id_number": fakes.resident_id(
        RNG, birth_date=date(1990, 5, 1))}).content.decode()
    routed = _community_union_of(dawangzhuang_community).pk
    assert (f'value="{unit_dawangzhuang_property.pk}" data-community-union="{routed}"'
            in page)
    assert f'value="{dawangzhuang_community.pk}" data-union="{routed}"' in page


@pytest.mark.django_db
def test_without_any_community_the_union_must_be_chosen(client, street_staff_dawangzhuang,
                                                        unit_dawangzhuang_property):
    from membership.models import Unit

    Unit.objects.filter(pk=unit_dawangzhuang_property.pk).update(community=None)
    client.force_login(street_staff_dawangzhuang)
    data = _new_worker(unit_dawangzhuang_property.street.communities.first(),
                       employment_form="contract", employer=unit_dawangzhuang_property.pk)
    data["community"] = ""
    response = client.post(reverse(URL), data)
    assert _errors(response)["union"] == [
        "职工和所在单位都没有所属社区，无法确定接收会员的社区工会：请填写职工的所属社区，"
        "或手动选择基层工会。"]
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_an_active_member_cannot_join_again(client, street_staff_dawangzhuang,
                                            member_dawangzhuang, union_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse(URL), {
        "step": "enroll", "id_number": REGISTRY["id_a"],
        "union": union_dawangzhuang_property.pk, "joined_on": "2026-04-01", "declared": "on"})
    assert response.context["form"].non_field_errors() == [
        "该职工已是大王庄安居物业有限公司工会的在册会员。"]
    assert Member.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "liaison_zhujianwei"])
def test_read_only_roles_cannot_enroll(client, request, role, dawangzhuang_community):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(URL), _new_worker(dawangzhuang_community)).status_code == 403
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_community_staff_enroll_in_their_community(client, community_staff_dawangzhuang,
                                                   dawangzhuang_community, community_union):
    client.force_login(community_staff_dawangzhuang)
    response = client.post(reverse(URL), _new_worker(dawangzhuang_community))
    assert response.status_code == 302
    assert Member.objects.get().union == community_union
