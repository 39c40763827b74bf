"""The worker pages (SPEC §4, §8): search by name, exact phone or exact ID number; personal
data masked on the server; the full record only with the permission, and logged."""

import random
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AccessLog
from membership import fakes
from membership.models import Worker
from membership.pii import mask_id
from membership.services import dues_record, member_enroll, worker_create
from tests.conftest import REGISTRY

RNG = random.Random(11643_1999)


def _scattered(by, community, **overrides):
    fields = {"name": "李四", "id_number": fakes.resident_id(RNG, birth_date=date(1991, 6, 2)),
              "phone": fakes.phone(RNG), "hukou_type": "rural",
              "employment_form": "scattered", "occupation_group": "courier",
              "community": community, "street": community.street,
              "identified_on": date(2026, 3, 20)}
    fields.update(overrides)
    return worker_create(by=by, **fields)


def _listed(client, **params):
    response = client.get(reverse("membership:worker_list"), params)
    assert response.status_code == 200
    return {w.name for w in response.context["page"]}


# --- The list ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_list_masks_ids_and_phones_even_for_the_office(client, admin_user,
                                                          worker_dawangzhuang):
    client.force_login(admin_user)
    page = client.get(reverse("membership:worker_list")).content.decode()
    assert "王建国" in page
    assert mask_id(REGISTRY["id_a"]) in page
    assert mask_id(REGISTRY["id_a"]).startswith("12************")
    assert "138****1234" in page
    assert REGISTRY["id_a"] not in page
    assert REGISTRY["phone_a"] not in page
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_search_by_name_exact_phone_or_exact_id(client, street_staff_dawangzhuang,
                                                worker_dawangzhuang, dawangzhuang_community):
    other = _scattered(street_staff_dawangzhuang, dawangzhuang_community, name="张三")
    client.force_login(street_staff_dawangzhuang)
    assert _listed(client, q="建国") == {"王建国"}
    assert _listed(client, q="138 0221 1234") == {"王建国"}  # spaces are typing noise
    assert _listed(client, q=other.phone) == {"张三"}
    assert _listed(client, q=REGISTRY["id_a"].lower()) == {"王建国"}
    # Exact look-up only: part of a number finds nobody.
    assert _listed(client, q=REGISTRY["phone_a"][:7]) == set()
    assert _listed(client, q=REGISTRY["id_a"][:14]) == set()


@pytest.mark.django_db
def test_search_does_not_reach_another_streets_worker(client, street_staff_dawangzhuang,
                                                      worker_dazhigu):
    client.force_login(street_staff_dawangzhuang)
    assert _listed(client, q=REGISTRY["id_b"]) == set()
    assert _listed(client, q=REGISTRY["phone_b"]) == set()
    assert _listed(client, q="赵秀英") == set()


@pytest.mark.django_db
def test_filters(client, admin_user, worker_dawangzhuang, worker_dazhigu, member_dawangzhuang,
                 dazhigu, dawangzhuang_community):
    client.force_login(admin_user)
    assert _listed(client, street=dazhigu.pk) == {"赵秀英"}
    assert _listed(client, community=dawangzhuang_community.pk) == {"王建国"}
    assert _listed(client, occupation_group="security") == {"王建国"}
    assert _listed(client, migrant="yes") == {"王建国"}  # rural hukou
    assert _listed(client, migrant="no") == {"赵秀英"}
    assert _listed(client, member="yes") == {"王建国"}
    assert _listed(client, member="no") == {"赵秀英"}
    assert _listed(client, employer=worker_dazhigu.employer_id) == {"赵秀英"}


@pytest.mark.django_db
def test_the_list_query_count_does_not_grow_with_rows(client, street_staff_dawangzhuang,
                                                      union_dawangzhuang_property,
                                                      dawangzhuang_community,
                                                      django_assert_max_num_queries):
    for i in range(30):
        worker = _scattered(street_staff_dawangzhuang, dawangzhuang_community, name=f"工人{i}")
        if i % 2:
            member_enroll(by=street_staff_dawangzhuang, worker=worker,
                          union=union_dawangzhuang_property, joined_on=date(2026, 4, 1))
    client.force_login(street_staff_dawangzhuang)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("membership:worker_list"))
    assert len(response.context["page"]) == 30
    assert all("*" * 12 in w.id_display for w in response.context["page"])


@pytest.mark.django_db
def test_liaisons_see_no_workers(client, liaison_zhujianwei, worker_dawangzhuang):
    client.force_login(liaison_zhujianwei)
    assert _listed(client) == set()
    assert client.get(reverse("membership:worker_detail",
                              args=[worker_dawangzhuang.pk])).status_code == 404


# --- The worker page and its full view --------------------------------------------------

@pytest.mark.django_db
def test_the_worker_page_is_masked_by_default(client, admin_user, worker_dawangzhuang):
    client.force_login(admin_user)
    response = client.get(reverse("membership:worker_detail", args=[worker_dawangzhuang.pk]))
    page = response.content.decode()
    assert mask_id(REGISTRY["id_a"]) in page and "138****1234" in page
    assert REGISTRY["id_a"] not in page and REGISTRY["phone_a"] not in page
    assert 'data-testid="show-full"' in page
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_the_full_view_shows_the_numbers_and_is_logged(client, admin_user, worker_dawangzhuang):
    client.force_login(admin_user)
    response = client.get(reverse("membership:worker_full", args=[worker_dawangzhuang.pk]),
                          REMOTE_ADDR="10.1.2.3")
    page = response.content.decode()
    assert response.status_code == 200
    assert REGISTRY["id_a"] in page and REGISTRY["phone_a"] in page
    entry = AccessLog.objects.get()
    assert entry.user == admin_user
    assert entry.action == AccessLog.Action.VIEW_FULL
    assert (entry.target_type, entry.target_id) == ("membership.worker",
                                                    str(worker_dawangzhuang.pk))
    # The log names the record, never the data (SPEC §8).
    assert REGISTRY["id_a"] not in entry.description and REGISTRY["phone_a"] not in str(
        entry.__dict__)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["street_staff_dawangzhuang", "community_staff_dawangzhuang",
                                  "industry_staff_property", "leader"])
def test_without_the_permission_the_full_view_is_refused_and_not_logged(
        client, request, role, worker_dawangzhuang):
    client.force_login(request.getfixturevalue(role))
    detail = client.get(reverse("membership:worker_detail", args=[worker_dawangzhuang.pk]))
    assert 'data-testid="show-full"' not in detail.content.decode()
    response = client.get(reverse("membership:worker_full", args=[worker_dawangzhuang.pk]))
    assert response.status_code == 403
    assert REGISTRY["id_a"] not in response.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_street_staff_given_the_permission_see_full_records_of_their_street_only(
        client, street_staff_dawangzhuang, worker_dawangzhuang, worker_dazhigu):
    street_staff_dawangzhuang.user_permissions.add(
        Permission.objects.get(codename="view_full_pii"))
    client.force_login(street_staff_dawangzhuang)
    ok = client.get(reverse("membership:worker_full", args=[worker_dawangzhuang.pk]))
    assert ok.status_code == 200 and REGISTRY["id_a"] in ok.content.decode()
    other = client.get(reverse("membership:worker_full", args=[worker_dazhigu.pk]))
    assert other.status_code == 404
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
def test_the_leadership_never_sees_full_records_even_with_the_permission(
        client, leader, worker_dawangzhuang):
    """SPEC §1: the leadership group sees PII masked, whatever permissions it holds."""
    leader.user_permissions.add(Permission.objects.get(codename="view_full_pii"))
    client.force_login(leader)
    response = client.get(reverse("membership:worker_full", args=[worker_dawangzhuang.pk]))
    assert response.status_code == 403
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
@time_machine.travel("2026-11-28 10:00 +0800", tick=False)
def test_memberships_show_spans_dues_and_arrears(client, street_staff_dawangzhuang,
                                                 union_dawangzhuang_property,
                                                 dawangzhuang_community):
    worker = _scattered(street_staff_dawangzhuang, dawangzhuang_community, name="周五")
    member = member_enroll(by=street_staff_dawangzhuang, worker=worker,
                           union=union_dawangzhuang_property, joined_on=date(2026, 9, 10))
    dues_record(member=member, by=street_staff_dawangzhuang, first_month=date(2026, 9, 1),
                months=2, paid_on=date(2026, 10, 5))
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:worker_detail", args=[worker.pk]))
    page = response.content.decode()
    assert member.member_number in page
    assert union_dawangzhuang_property.name in page and "2026-09-10" in page
    (shown,) = response.context["memberships"]
    assert shown.arrears == [date(2026, 11, 1)]
    assert "欠缴1个月" in page


# --- Editing ----------------------------------------------------------------------------

def _edit_data(worker, **overrides):
    data = {"name": worker.name, "id_number": "", "phone": "",
            "hukou_type": worker.hukou_type, "hukou_province": worker.hukou_province,
            "employment_form": worker.employment_form,
            "occupation_group": worker.occupation_group,
            "employer": worker.employer_id or "", "community": worker.community_id or "",
            "identified_on": worker.identified_on.isoformat(), "left_on": ""}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_edit_form_never_puts_the_numbers_in_the_page(client, admin_user,
                                                          worker_dawangzhuang):
    client.force_login(admin_user)
    page = client.get(reverse("membership:worker_edit",
                              args=[worker_dawangzhuang.pk])).content.decode()
    assert REGISTRY["id_a"] not in page and REGISTRY["phone_a"] not in page
    assert mask_id(REGISTRY["id_a"]) in page  # as the placeholder


@pytest.mark.django_db
def test_editing_keeps_numbers_left_empty(client, street_staff_dawangzhuang,
                                          worker_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:worker_edit", args=[worker_dawangzhuang.pk]),
                           _edit_data(worker_dawangzhuang, occupation_group="courier"))
    assert response.status_code == 302
    worker = Worker.objects.get(pk=worker_dawangzhuang.pk)
    assert worker.occupation_group == "courier"
    assert worker.id_number == REGISTRY["id_a"] and worker.phone == REGISTRY["phone_a"]


@pytest.mark.django_db
def test_a_new_phone_replaces_the_old_and_the_history_shows_no_number(
        client, street_staff_dawangzhuang, worker_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    client.post(reverse("membership:worker_edit", args=[worker_dawangzhuang.pk]),
                _edit_data(worker_dawangzhuang, phone="139-0000-5678"))
    assert Worker.objects.get(pk=worker_dawangzhuang.pk).phone == "13900005678"
    page = client.get(reverse("membership:worker_detail",
                              args=[worker_dawangzhuang.pk])).content.decode()
    history = page.split('data-testid="history"', 1)[1]
    assert "<strong>手机号</strong>：已更改" in history  # no value, not even masked
    assert "139****5678" not in history and "138****1234" not in history
    assert "13900005678" not in page and REGISTRY["phone_a"] not in page


@pytest.mark.django_db
@pytest.mark.parametrize("field,bad,message", [
    ("phone", "1380022123", "手机号应为11位数字，以13至19开头。"),
    ("id_number", REGISTRY["id_a"][:17] + ("0" if REGISTRY["id_a"][17] != "0" else "1"),
     "身份证号的校验码不对，请再核对一遍号码。"),
    ("id_number", "120102199002301234", "身份证号中的出生日期不是真实的日期。"),
    ("hukou_province", "TJ", "户籍所在省份填两位省级代码，如天津为12。"),
])
def test_bad_values_are_shown_next_to_the_field(client, street_staff_dawangzhuang,
                                                worker_dawangzhuang, field, bad, message):
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("membership:worker_edit", args=[worker_dawangzhuang.pk]),
                           _edit_data(worker_dawangzhuang, name="王建国改", **{field: bad}))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert form["name"].value() == "王建国改"
    assert Worker.objects.get(pk=worker_dawangzhuang.pk).name == "王建国"


@pytest.mark.django_db
def test_a_duplicate_id_number_is_refused(client, admin_user, worker_dawangzhuang,
                                          worker_dazhigu):
    client.force_login(admin_user)
    response = client.post(reverse("membership:worker_edit", args=[worker_dazhigu.pk]),
                           _edit_data(worker_dazhigu, id_number=REGISTRY["id_a"]))
    assert response.context["form"].errors["id_number"] == ["该身份证号的职工已经登记。"]
    assert Worker.objects.get(pk=worker_dazhigu.pk).id_number == REGISTRY["id_b"]


@pytest.mark.django_db
def test_an_employer_of_another_street_is_not_offered_nor_accepted(client,
                                                                   street_staff_dawangzhuang,
                                                                   worker_dawangzhuang,
                                                                   unit_dazhigu_education):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("membership:worker_edit", args=[worker_dawangzhuang.pk])
    assert "大直沽启明培训学校" not in client.get(url).content.decode()
    response = client.post(url, _edit_data(worker_dawangzhuang,
                                           employer=unit_dazhigu_education.pk))
    assert response.context["form"].errors["employer"] == ["这个单位不在您的管理范围内。"]
    assert Worker.objects.get(pk=worker_dawangzhuang.pk).street.short_name == "大王庄"


@pytest.mark.django_db
def test_community_staff_edit_workers_of_their_community(client, community_staff_dawangzhuang,
                                                         worker_dawangzhuang, worker_dazhigu):
    client.force_login(community_staff_dawangzhuang)
    ok = client.post(reverse("membership:worker_edit", args=[worker_dawangzhuang.pk]),
                     _edit_data(worker_dawangzhuang, whole_unit_informal="on"))
    assert ok.status_code == 302
    assert Worker.objects.get(pk=worker_dawangzhuang.pk).whole_unit_informal
    other = client.post(reverse("membership:worker_edit", args=[worker_dazhigu.pk]),
                        _edit_data(worker_dazhigu, name="改名"))
    assert other.status_code == 404
    assert Worker.objects.get(pk=worker_dazhigu.pk).name == "赵秀英"
