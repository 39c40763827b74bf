"""Change history as people read it: Chinese field names, choice labels, related records by
name, 是/否, dates, the person's name; personal data never shown (SPEC §8)."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.services import user_upsert
from hedong_union.history import history_of
from membership.models import Unit, Worker
from membership.services import unit_update, worker_update
from tests.conftest import PASSWORD, REGISTRY


def _history_html(client, url):
    page = client.get(url).content.decode()
    return page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]


def _cover(unit, union, by):
    unit = Unit.objects.get(pk=unit.pk)
    unit.covering_union, unit._history_user = union, by
    unit.save()


def _unit_page(client, unit):
    return _history_html(client, reverse("membership:unit_detail", args=[unit.pk]))


@pytest.mark.django_db
def test_a_related_record_shows_by_name_with_the_field_name_in_chinese(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property,
        union_dawangzhuang_property):
    _cover(unit_dawangzhuang_property, union_dawangzhuang_property, street_staff_dawangzhuang)
    client.force_login(street_staff_dawangzhuang)
    history = _unit_page(client, unit_dawangzhuang_property)
    assert ("<strong>覆盖工会</strong>：<span class=\"text-muted\">—</span> → "
            "大王庄安居物业有限公司工会") in history
    assert f"→ {union_dawangzhuang_property.pk}<" not in history
    assert "covering_union" not in history


@pytest.mark.django_db
def test_choices_booleans_and_dates_are_shown_as_people_write_them(
        client, street_staff_dawangzhuang, unit_dawangzhuang_property):
    unit_update(unit=unit_dawangzhuang_property, by=street_staff_dawangzhuang,
                kind="social_organisation", is_key_enterprise=True,
                registered_on=date(2019, 1, 2))
    client.force_login(street_staff_dawangzhuang)
    history = _unit_page(client, unit_dawangzhuang_property)
    assert "非公企业</span> → 社会组织" in history
    was = '<span class="text-muted">'
    assert f"<strong>重点企业</strong>：{was}否</span> → 是" in history
    assert f"<strong>登记日期</strong>：{was}2018-06-01</span> → 2019-01-02" in history
    assert "non_public_enterprise" not in history and "False" not in history


@pytest.mark.django_db
def test_the_person_is_shown_by_name_else_by_login(client, street_staff_dawangzhuang,
                                                   unit_dawangzhuang_property, dawangzhuang):
    unit_update(unit=unit_dawangzhuang_property, by=street_staff_dawangzhuang, employee_count=130)
    nameless = user_upsert(username="street_noname", role="street", password=PASSWORD,
                           full_name="", organisation=dawangzhuang)
    unit_update(unit=unit_dawangzhuang_property, by=nameless, employee_count=140)
    client.force_login(street_staff_dawangzhuang)
    history = _unit_page(client, unit_dawangzhuang_property)
    assert "<td>测试用户</td>" in history and "street_zhang" not in history
    assert "<td>street_noname</td>" in history


@pytest.mark.django_db
def test_a_personal_field_change_shows_without_its_values(client, admin_user,
                                                          worker_dawangzhuang):
    worker_update(worker=worker_dawangzhuang, by=admin_user, phone="13900005678")
    client.force_login(admin_user)  # even with the full-PII permission
    history = _history_html(client, reverse("membership:worker_detail",
                                            args=[worker_dawangzhuang.pk]))
    assert "<strong>手机号</strong>：已更改" in history
    for shown in ("13900005678", "139****5678", REGISTRY["phone_a"], "138****1234", "5678"):
        assert shown not in history
    assert "hmac" not in history.lower()


@pytest.mark.django_db
def test_a_missing_related_record_never_breaks_the_history(street_staff_dawangzhuang,
                                                          unit_dawangzhuang_property,
                                                          union_dawangzhuang_property):
    _cover(unit_dawangzhuang_property, union_dawangzhuang_property, street_staff_dawangzhuang)
    from accounts.audit import bypass_set

    bypass_set()  # history rows are append-only (accounts.audit): the test rewrites one
    unit_dawangzhuang_property.history.filter(covering_union_id__isnull=False).update(
        covering_union_id=987654)
    change = history_of(Unit.objects.get(pk=unit_dawangzhuang_property.pk))[0]["changes"][0]
    assert change["new"] == "已删除的记录 #987654"


@pytest.mark.django_db
def test_related_names_are_read_in_bulk(django_assert_max_num_queries, registrar,
                                        worker_dawangzhuang, dawangzhuang, unit_dazhigu_education,
                                        unit_dawangzhuang_property):
    communities = list(dawangzhuang.communities.order_by("pk")[:6])
    for community in communities:
        worker_update(worker=worker_dawangzhuang, by=registrar, community=community)
    worker = Worker.objects.get(pk=worker_dawangzhuang.pk)
    # The records with their users, then one query for the communities.
    with django_assert_max_num_queries(2):
        entries = history_of(worker)
    shown = {c["new"] for e in entries for c in e["changes"]}
    assert {c.name for c in communities[1:]} <= shown
