"""The base-union pages as staff use them: forms keep what was typed and say what is wrong."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from membership.models import Union


def _form_data(**overrides):
    data = {"name": "大王庄金桥联合工会", "form": "joint", "street": "", "community": "",
            "industry_federation": "", "founded_on": "", "chair": ""}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_street_staff_create_a_union_through_the_form(client, street_staff_dawangzhuang,
                                                     dawangzhuang, dawangzhuang_community):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:union_create"), _form_data(
        street=dawangzhuang.pk, community=dawangzhuang_community.pk, founded_on="2019-04-01"))
    union = Union.objects.get(name="大王庄金桥联合工会")
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:union_detail", args=[union.pk])
    page = client.get(response["Location"]).content.decode()
    assert "大王庄金桥联合工会" in page
    history = page.split('data-testid="history"', 1)[1]
    assert "<td>测试用户</td>" in history  # the history names who made it, by name


@pytest.mark.django_db
def test_a_community_of_another_street_is_refused_next_to_the_field(client, admin_user,
                                                                   dawangzhuang,
                                                                   dazhigu_community):
    client.force_login(admin_user)
    response = client.post(reverse("membership:union_create"), _form_data(
        street=dawangzhuang.pk, community=dazhigu_community.pk, chair="王主席"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "community" in form.errors
    assert form.errors["community"][0] == "社区“大直沽第01社区”不属于大王庄街道。"
    assert form["chair"].value() == "王主席"  # what was typed is kept
    assert not Union.objects.filter(name="大王庄金桥联合工会").exists()


@pytest.mark.django_db
def test_a_street_user_cannot_even_choose_another_street(client, street_staff_dawangzhuang,
                                                         dazhigu):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:union_create"), _form_data(street=dazhigu.pk))
    assert response.status_code == 200
    assert "street" in response.context["form"].errors
    assert not Union.objects.filter(name="大王庄金桥联合工会").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [{"name": ""}, {"name": "长" * 129}, {"form": "guild"},
                                 {"founded_on": "2019-02-30"}])
def test_bad_values_get_a_message_and_save_nothing(client, admin_user, dawangzhuang, bad):
    client.force_login(admin_user)
    before = Union.objects.count()
    response = client.post(reverse("membership:union_create"),
                           _form_data(street=dawangzhuang.pk, **bad))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Union.objects.count() == before


@pytest.mark.django_db
def test_the_leadership_cannot_create_unions(client, leader):
    client.force_login(leader)
    assert client.get(reverse("membership:union_create")).status_code == 403


@pytest.mark.django_db
def test_the_export_is_formatted_and_access_logged(client, street_staff_dawangzhuang,
                                                  union_dawangzhuang_property):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:union_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "基层工会" in sheet["A1"].value and "大王庄街道" in sheet["A1"].value
    assert [c.value for c in sheet[2]] == ["工会名称", "组织形式", "所属街道", "所属社区",
                                          "行业工会联合会", "成立日期", "工会主席"]
    assert sheet["A2"].font.bold
    assert sheet.freeze_panes == "A3"
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert union_dawangzhuang_property.name in names
    assert len(names) == Union.objects.filter(street=street_staff_dawangzhuang.street).count()
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.target_type) == (
        street_staff_dawangzhuang, AccessLog.Action.EXPORT, "membership.union")


@pytest.mark.django_db
def test_the_list_filters_and_searches(client, admin_user, union_dawangzhuang_property,
                                       union_dazhigu_education, property_federation):
    client.force_login(admin_user)
    response = client.get(reverse("membership:union_list"),
                          {"industry_federation": property_federation.pk})
    names = [u.name for u in response.context["page"]]
    assert names == [union_dawangzhuang_property.name]
    response = client.get(reverse("membership:union_list"), {"q": "启明"})
    assert [u.name for u in response.context["page"]] == [union_dazhigu_education.name]


@pytest.mark.django_db
def test_the_union_list_runs_a_fixed_number_of_queries(client, admin_user,
                                                       django_assert_max_num_queries):
    """158 community unions on the page's first 50 rows: no query per row."""
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("membership:union_list"))
    assert len(response.context["page"].object_list) == 50


@pytest.mark.django_db
def test_the_edit_form_keeps_the_founding_date_as_the_date_input_reads_it(
        client, street_staff_dawangzhuang, union_dawangzhuang_property):
    """An <input type=date> takes only 2019-05-20: in another shape the browser shows it
    empty and saving the form would clear the date."""
    union_dawangzhuang_property.founded_on = date(2019, 5, 20)
    union_dawangzhuang_property.save()
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("membership:union_edit", args=[union_dawangzhuang_property.pk]))
    assert 'value="2019-05-20"' in page.content.decode()
