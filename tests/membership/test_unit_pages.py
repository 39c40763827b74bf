"""The unit pages as staff and liaisons use them (SPEC §3): the list and its filters, the
unit page with its founding timeline and progress notes, the forms that keep what was typed
and say what is wrong, next to the field."""

import json
import random
from datetime import date

import pytest
from django.urls import reverse

from membership import fakes
from membership.models import FoundingStatus, ProgressNote, Unit, Union
from membership.services import founding_step_add, unit_create

RNG = random.Random(3_2100_2015)


def _unit(by, street, **overrides):
    fields = {"name": f"测试单位{RNG.randrange(10**6):06d}", "credit_code": fakes.credit_code(RNG),
              "kind": "non_public_enterprise", "sector": "logistics", "street": street,
              "employee_count": 20, "migrant_count": 5}
    fields.update(overrides)
    return unit_create(by=by, **fields)


def _listed(client, **params):
    response = client.get(reverse("membership:unit_list"), params)
    assert response.status_code == 200
    return {u.name for u in response.context["page"]}


def _form_data(street, **overrides):
    data = {"name": "大王庄顺达快递有限公司", "credit_code": fakes.credit_code(RNG),
            "kind": "non_public_enterprise", "sector": "logistics", "street": street.pk,
            "community": "", "employee_count": "150", "migrant_count": "60",
            "registered_on": "2019-03-01"}
    data.update(overrides)
    return data


# --- The list ---------------------------------------------------------------------------

@pytest.fixture
def units(registrar, dawangzhuang, dazhigu, dawangzhuang_community):
    """Units in two streets, one per filter worth telling apart."""
    return {
        "big": _unit(registrar, dawangzhuang, name="大王庄百人物流", employee_count=100,
                     community=dawangzhuang_community),
        "small": _unit(registrar, dawangzhuang, name="大王庄九十九人物流", employee_count=99),
        "key": _unit(registrar, dawangzhuang, name="大王庄重点科技", sector="technology",
                     is_key_enterprise=True),
        "shuangwan": _unit(registrar, dawangzhuang, name="大王庄双万双服商贸",
                           sector="market", is_shuangwan=True),
        "chamber": _unit(registrar, dawangzhuang, name="大王庄工商联会员律所", sector="law",
                         is_chamber_member=True),
        "fund": _unit(registrar, dawangzhuang, name="大王庄已缴筹备金家政",
                      sector="housekeeping", paid_preparation_fund=True),
        "other_street": _unit(registrar, dazhigu, name="大直沽远方物流", employee_count=300),
    }


@pytest.mark.django_db
def test_street_staff_see_only_their_streets_units(client, street_staff_dawangzhuang, units):
    client.force_login(street_staff_dawangzhuang)
    names = _listed(client)
    assert "大王庄百人物流" in names
    assert "大直沽远方物流" not in names
    assert len(names) == 6


@pytest.mark.django_db
def test_hundred_plus_includes_one_hundred(client, admin_user, units):
    """SPEC §3: 百人以上 = 100 or more employees."""
    client.force_login(admin_user)
    assert _listed(client, hundred_plus="on") == {"大王庄百人物流", "大直沽远方物流"}


@pytest.mark.django_db
@pytest.mark.parametrize("flag,name", [
    ("is_key_enterprise", "大王庄重点科技"),
    ("is_shuangwan", "大王庄双万双服商贸"),
    ("is_chamber_member", "大王庄工商联会员律所"),
    ("paid_preparation_fund", "大王庄已缴筹备金家政"),
])
def test_each_flag_filters(client, admin_user, units, flag, name):
    client.force_login(admin_user)
    assert _listed(client, **{flag: "on"}) == {name}


@pytest.mark.django_db
def test_filters_by_street_community_sector_and_founding_status(
        client, admin_user, units, dazhigu, dawangzhuang_community, union_dawangzhuang_property):
    client.force_login(admin_user)
    assert _listed(client, street=dazhigu.pk) == {"大直沽远方物流"}
    assert _listed(client, community=dawangzhuang_community.pk) == {"大王庄百人物流"}
    assert _listed(client, sector="law") == {"大王庄工商联会员律所"}
    founding_step_add(unit=units["key"], by=admin_user, status="preparing", on=date(2026, 4, 1))
    assert _listed(client, founding_status="preparing") == {"大王庄重点科技"}


@pytest.mark.django_db
def test_search_by_name_or_credit_code(client, admin_user, units):
    client.force_login(admin_user)
    assert _listed(client, q="九十九") == {"大王庄九十九人物流"}
    code = units["fund"].credit_code
    assert _listed(client, q=code.lower()) == {"大王庄已缴筹备金家政"}
    assert _listed(client, q=code[:14]) == {"大王庄已缴筹备金家政"}


@pytest.mark.django_db
def test_the_list_is_paginated(client, registrar, street_staff_dawangzhuang, dawangzhuang):
    for i in range(52):
        _unit(registrar, dawangzhuang, name=f"大王庄分页单位{i:02d}")
    client.force_login(street_staff_dawangzhuang)
    first = client.get(reverse("membership:unit_list"), {"sector": "logistics"})
    assert len(first.context["page"]) == 50
    assert "page=2" in first.content.decode()
    assert "sector=logistics" in first.content.decode()  # filters survive paging
    second = client.get(reverse("membership:unit_list"), {"sector": "logistics", "page": 2})
    assert len(second.context["page"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin_user", "street_staff_dawangzhuang",
                                  "industry_staff_property", "liaison_zhujianwei"])
def test_the_list_query_count_does_not_grow_with_rows(client, request, registrar,
                                                      dawangzhuang, dawangzhuang_community,
                                                      django_assert_max_num_queries, role):
    for i in range(40):
        _unit(registrar, dawangzhuang, name=f"大王庄物业{i:02d}", sector="property",
              community=dawangzhuang_community, is_key_enterprise=bool(i % 2))
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("membership:unit_list"), {"q": "物业"})
    assert len(response.context["page"]) == 40


# --- The unit page ----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_unit_page_shows_fields_departments_and_counts(client, street_staff_dawangzhuang,
                                                           worker_dawangzhuang,
                                                           unit_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:unit_detail",
                                  args=[unit_dawangzhuang_property.pk]))
    page = response.content.decode()
    assert unit_dawangzhuang_property.credit_code in page
    assert "物业" in page and "大王庄第01社区" in page
    # Derived, never typed: property is assisted by 区住建委 (plan §二.3).
    assert [d.name for d in response.context["departments"]] == ["区住建委"]
    assert response.context["counts"] == {"workers": 1, "members": 0}
    assert "百人以上" in page  # 120 employees


@pytest.mark.django_db
def test_a_key_enterprise_is_also_assisted_by_the_development_commission(
        client, admin_user, unit_dawangzhuang_property):
    unit_dawangzhuang_property.is_key_enterprise = True
    unit_dawangzhuang_property.save()
    client.force_login(admin_user)
    response = client.get(reverse("membership:unit_detail",
                                  args=[unit_dawangzhuang_property.pk]))
    assert {d.name for d in response.context["departments"]} == {"区住建委", "区发改委"}


@pytest.mark.django_db
def test_the_founding_timeline_shows_dated_steps_and_who_recorded_them(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:unit_founding_step", args=[unit_dawangzhuang_property.pk])
    response = client.post(url, {"status": "preparing", "on": "2026-03-20",
                                 "note": "成立筹备组"})
    assert response.status_code == 302
    response = client.post(url, {"status": "founded", "on": "2026-05-08",
                                 "new_union_name": "大王庄安居物业服务有限公司工会",
                                 "chair": "周主席", "members_at_founding": "46"})
    assert response.status_code == 302
    unit = Unit.objects.get(pk=unit_dawangzhuang_property.pk)
    assert unit.founding_status == FoundingStatus.FOUNDED
    assert unit.union.name == "大王庄安居物业服务有限公司工会"
    page = client.get(reverse("membership:unit_detail", args=[unit.pk])).content.decode()
    timeline = page.split('data-testid="founding-timeline"', 1)[1].split("</ol>", 1)[0]
    assert timeline.index("2026-03-20") < timeline.index("2026-05-08")
    assert "筹建中" in timeline and "已建会" in timeline and "成立筹备组" in timeline
    assert "周主席" in timeline and "46" in timeline
    assert "测试用户" in timeline  # who recorded it


@pytest.mark.django_db
def test_a_founded_step_needs_its_union(client, street_staff_dawangzhuang,
                                        unit_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(
        reverse("membership:unit_founding_step", args=[unit_dawangzhuang_property.pk]),
        {"status": "founded", "on": "2026-05-08", "chair": "周主席"})
    assert response.status_code == 200
    assert response.context["form"].errors["union"] == [
        "请选择该单位的工会，或填写新建工会的名称。"]
    assert response.context["form"]["chair"].value() == "周主席"
    assert not unit_dawangzhuang_property.founding_steps.exists()


@pytest.mark.django_db
def test_a_founding_step_may_choose_an_existing_union(client, street_staff_dawangzhuang,
                                                      unit_dawangzhuang_property,
                                                      union_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    client.post(reverse("membership:unit_founding_step", args=[unit_dawangzhuang_property.pk]),
                {"status": "founded", "on": "2026-05-08",
                 "union": union_dawangzhuang_property.pk})
    unit_dawangzhuang_property.refresh_from_db()
    assert unit_dawangzhuang_property.union == union_dawangzhuang_property
    assert Union.objects.get(pk=union_dawangzhuang_property.pk).founded_on == date(2026, 5, 8)


@pytest.mark.django_db
def test_a_liaison_adds_a_progress_note(client, liaison_zhujianwei, unit_dawangzhuang_property):
    client.force_login(liaison_zhujianwei)
    response = client.post(reverse("membership:unit_note_add",
                                   args=[unit_dawangzhuang_property.pk]),
                           {"text": "已约企业负责人下周面谈"})
    assert response.status_code == 302
    note = ProgressNote.objects.get()
    assert note.author == liaison_zhujianwei
    page = client.get(response["Location"]).content.decode()
    assert "已约企业负责人下周面谈" in page
    # A liaison reads the unit but cannot change it.
    assert reverse("membership:unit_edit", args=[unit_dawangzhuang_property.pk]) not in page


@pytest.mark.django_db
def test_an_empty_note_is_refused(client, liaison_zhujianwei, unit_dawangzhuang_property):
    client.force_login(liaison_zhujianwei)
    response = client.post(reverse("membership:unit_note_add",
                                   args=[unit_dawangzhuang_property.pk]), {"text": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["请填写进展说明。"]
    assert not ProgressNote.objects.exists()


@pytest.mark.django_db
def test_community_staff_read_units_but_add_no_notes(client, community_staff_dawangzhuang,
                                                     unit_dawangzhuang_property):
    client.force_login(community_staff_dawangzhuang)
    url = reverse("membership:unit_note_add", args=[unit_dawangzhuang_property.pk])
    assert client.post(url, {"text": "x"}).status_code == 404
    page = client.get(reverse("membership:unit_detail",
                              args=[unit_dawangzhuang_property.pk])).content.decode()
    assert 'data-testid="note-form"' not in page
    assert not ProgressNote.objects.exists()


@pytest.mark.django_db
def test_a_liaison_cannot_note_a_unit_its_department_does_not_assist(
        client, liaison_zhujianwei, unit_dazhigu_education):
    client.force_login(liaison_zhujianwei)
    response = client.post(reverse("membership:unit_note_add",
                                   args=[unit_dazhigu_education.pk]), {"text": "越权"})
    assert response.status_code == 404
    assert not ProgressNote.objects.exists()


# --- Create and edit --------------------------------------------------------------------

@pytest.mark.django_db
def test_street_staff_register_a_unit(client, street_staff_dawangzhuang, dawangzhuang,
                                      dawangzhuang_community):
    client.force_login(street_staff_dawangzhuang)
    data = _form_data(dawangzhuang, community=dawangzhuang_community.pk,
                      is_key_enterprise="on")
    response = client.post(reverse("membership:unit_create"), data)
    unit = Unit.objects.get(name="大王庄顺达快递有限公司")
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:unit_detail", args=[unit.pk])
    assert unit.is_key_enterprise and unit.employee_count == 150
    assert unit.history.get().history_user == street_staff_dawangzhuang


@pytest.mark.django_db
@pytest.mark.parametrize("field,bad,message", [
    ("credit_code", "91120102MA05W8XX0I", "统一社会信用代码中不能有I（不使用字母I、O、S、V、Z）。"),
    ("credit_code", "91120102MA05W8XX0", "统一社会信用代码应为18位，这里是17位。"),
    ("migrant_count", "151", "农民工人数不能多于职工人数。"),
])
def test_bad_unit_fields_are_shown_next_to_the_field(client, street_staff_dawangzhuang,
                                                     dawangzhuang, field, bad, message):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:unit_create"),
                           _form_data(dawangzhuang, **{field: bad}))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert form["name"].value() == "大王庄顺达快递有限公司"  # what was typed is kept
    page = response.content.decode()
    error = page.split(f'id="id_{field}_error"', 1)[1].split("</", 1)[0]
    assert message in error  # shown next to the field it is about
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_a_wrong_check_character_in_the_credit_code(client, street_staff_dawangzhuang,
                                                    dawangzhuang):
    code = fakes.credit_code(RNG)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:unit_create"),
                           _form_data(dawangzhuang, credit_code=wrong))
    assert response.context["form"].errors["credit_code"] == [
        "统一社会信用代码的校验码不对，请再核对一遍。"]


@pytest.mark.django_db
def test_a_street_user_cannot_register_a_unit_of_another_street(client,
                                                                street_staff_dawangzhuang,
                                                                dazhigu):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:unit_create"), _form_data(dazhigu))
    assert response.status_code == 200
    assert response.context["form"].errors["street"] == ["您只能管理本街道的单位。"]
    assert "您只能管理本街道的单位。" in response.content.decode()
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_industry_staff_register_units_of_their_industry_only(client, industry_staff_property,
                                                              dawangzhuang):
    client.force_login(industry_staff_property)
    response = client.post(reverse("membership:unit_create"),
                           _form_data(dawangzhuang, sector="education"))
    assert response.context["form"].errors["sector"] == ["您只能管理本行业的单位。"]
    response = client.post(reverse("membership:unit_create"),
                           _form_data(dawangzhuang, sector="property"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_community_of_another_street(client, admin_user, dawangzhuang, dazhigu_community):
    client.force_login(admin_user)
    response = client.post(reverse("membership:unit_create"),
                           _form_data(dawangzhuang, community=dazhigu_community.pk))
    assert response.context["form"].errors["community"] == [
        "社区“大直沽第01社区”不属于大王庄街道。"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "community_staff_dawangzhuang",
                                  "liaison_zhujianwei"])
def test_read_only_roles_cannot_register_units(client, request, role, dawangzhuang):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("membership:unit_create")).status_code == 403
    assert client.post(reverse("membership:unit_create"),
                       _form_data(dawangzhuang)).status_code == 403
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_editing_a_unit_keeps_history(client, street_staff_dawangzhuang,
                                      unit_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:unit_edit", args=[unit_dawangzhuang_property.pk])
    assert client.get(url).context["form"]["credit_code"].value() == \
        unit_dawangzhuang_property.credit_code
    data = _form_data(unit_dawangzhuang_property.street, name=unit_dawangzhuang_property.name,
                      credit_code=unit_dawangzhuang_property.credit_code, sector="property",
                      community=unit_dawangzhuang_property.community_id, employee_count="95",
                      migrant_count="40")
    response = client.post(url, data)
    assert response.status_code == 302
    unit_dawangzhuang_property.refresh_from_db()
    assert unit_dawangzhuang_property.employee_count == 95
    page = client.get(response["Location"]).content.decode()
    history = page.split('data-testid="history"', 1)[1]
    assert '<strong>职工人数</strong>：<span class="text-muted">120</span> → 95' in history
    assert "employee_count" not in history


@pytest.mark.django_db
def test_another_streets_unit_cannot_be_edited(client, street_staff_dawangzhuang,
                                               unit_dazhigu_education, dazhigu):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:unit_edit", args=[unit_dazhigu_education.pk]),
                           _form_data(dazhigu, name="改名"))
    assert response.status_code == 404
    unit_dazhigu_education.refresh_from_db()
    assert unit_dazhigu_education.name == "大直沽启明培训学校"


# --- The employer search ----------------------------------------------------------------

@pytest.mark.django_db
def test_the_employer_search_finds_units_in_scope_by_name_or_code(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property, unit_dazhigu_education):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:unit_search")
    by_code = json.loads(client.get(url, {"q": unit_dawangzhuang_property.credit_code}).content)
    assert [r["id"] for r in by_code["results"]] == [unit_dawangzhuang_property.pk]
    other = json.loads(client.get(url, {"q": unit_dazhigu_education.credit_code}).content)
    assert other["results"] == []
    by_name = json.loads(client.get(url, {"q": "启明"}).content)
    assert by_name["results"] == []


@pytest.mark.django_db
def test_the_employer_search_names_the_union_a_new_member_goes_to(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property,
        union_dawangzhuang_property):
    founding_step_add(unit=unit_dawangzhuang_property, by=street_staff_dawangzhuang,
                      status="founded", on=date(2026, 5, 8), union=union_dawangzhuang_property)
    client.force_login(street_staff_dawangzhuang)
    data = json.loads(client.get(reverse("membership:unit_search"), {"q": "安居"}).content)
    assert data["results"][0]["union"] == union_dawangzhuang_property.pk


@pytest.mark.django_db
def test_a_unit_whose_founding_steps_have_no_recorded_user_opens(
        client, leader, registrar, unit_dawangzhuang_property, union_dawangzhuang_property):
    """Steps written by `seed_demo` or an import name nobody (STYLE habit 15): the timeline
    says the system recorded them."""
    from membership.models import FoundingStep

    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2026, 5, 8), union=union_dawangzhuang_property)
    FoundingStep.objects.filter(unit=unit_dawangzhuang_property).update(recorded_by=None)
    client.force_login(leader)
    response = client.get(reverse("membership:unit_detail",
                                  args=[unit_dawangzhuang_property.pk]))
    assert response.status_code == 200
    timeline = response.content.decode().split('data-testid="founding-timeline"', 1)[1]
    assert "系统" in timeline.split("</ol>", 1)[0]


# --- The unit in the 100+ founding rate (SPEC §7.1) -------------------------------------

def _standing(client, unit):
    response = client.get(reverse("membership:unit_detail", args=[unit.pk]))
    assert response.status_code == 200
    return response.context["founding_rate"], response.content.decode()


@pytest.mark.django_db
def test_a_founded_unit_of_the_rate_says_it_counts(client, registrar, leader,
                                                   unit_dawangzhuang_property,
                                                   union_dawangzhuang_property):
    from reporting.rates import founding_base, founded_exists

    union_dawangzhuang_property.founded_on = date(2026, 5, 1)
    union_dawangzhuang_property.save()
    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2026, 5, 8), union=union_dawangzhuang_property)
    client.force_login(leader)
    standing, page = _standing(client, unit_dawangzhuang_property)
    assert standing.in_rate and standing.counted_as_founded and not standing.reasons
    assert "已计入百人以上非公企业建会率的已建会数" in page
    today = date.today()
    assert founding_base(today).filter(founded_exists(today),
                                       pk=unit_dawangzhuang_property.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change,reason", [
    ({"employee_count": 99}, "职工不足100人"),
    ({"kind": "social_organisation"}, "不是非公企业"),
    ({"registered_on": date(2099, 1, 1)}, "登记日期晚于"),
])
def test_a_founded_unit_outside_the_rate_says_why(client, registrar, leader, change, reason,
                                                  unit_dawangzhuang_property,
                                                  union_dawangzhuang_property):
    from reporting.rates import founding_base

    union_dawangzhuang_property.founded_on = date(2026, 5, 1)
    union_dawangzhuang_property.save()
    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2026, 5, 8), union=union_dawangzhuang_property)
    Unit.objects.filter(pk=unit_dawangzhuang_property.pk).update(**change)
    client.force_login(leader)
    standing, page = _standing(client, unit_dawangzhuang_property)
    assert not standing.in_rate and not standing.counted_as_founded
    assert not founding_base(date.today()).filter(pk=unit_dawangzhuang_property.pk).exists()
    text = page.split('data-testid="founding-rate-standing">', 1)[1].split("</p>", 1)[0]
    assert "未计入百人以上非公企业建会率的已建会数" in text and reason in text


@pytest.mark.django_db
def test_a_founded_unit_whose_union_has_no_founding_date_says_so(
        client, registrar, leader, unit_dawangzhuang_property, union_dawangzhuang_property):
    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2026, 5, 8), union=union_dawangzhuang_property)
    Union.objects.filter(pk=union_dawangzhuang_property.pk).update(founded_on=None)
    client.force_login(leader)
    standing, page = _standing(client, unit_dawangzhuang_property)
    assert standing.in_rate and not standing.counted_as_founded
    assert "工会成立日期缺失或晚于" in page
