"""Writing base unions: scope, consistency and history (SPEC §2, §8)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from membership.models import Union, UnionForm
from membership.services import community_update, union_create, union_update


@pytest.mark.django_db
def test_street_staff_create_a_union_in_their_street(street_staff_dawangzhuang, dawangzhuang,
                                                     dawangzhuang_community):
    union = union_create(
        by=street_staff_dawangzhuang, name=" 大王庄楼宇工会 ", form=UnionForm.BUILDING,
        street=dawangzhuang, community=dawangzhuang_community, founded_on=date(2019, 5, 1),
    )
    assert union.name == "大王庄楼宇工会"
    record = union.history.get()
    assert record.history_type == "+"
    assert record.history_user == street_staff_dawangzhuang


@pytest.mark.django_db
def test_street_staff_cannot_create_in_another_street(street_staff_dawangzhuang, dazhigu):
    with pytest.raises(ValidationError) as error:
        union_create(by=street_staff_dawangzhuang, name="越界工会", form=UnionForm.JOINT,
                     street=dazhigu)
    assert "street" in error.value.error_dict
    assert not Union.objects.filter(name="越界工会").exists()


@pytest.mark.django_db
def test_the_community_must_be_in_the_street(admin_user, dawangzhuang, dazhigu_community):
    with pytest.raises(ValidationError) as error:
        union_create(by=admin_user, name="错配工会", form=UnionForm.JOINT, street=dawangzhuang,
                     community=dazhigu_community)
    assert "community" in error.value.error_dict
    assert not Union.objects.filter(name="错配工会").exists()


@pytest.mark.django_db
def test_a_community_union_needs_its_community(admin_user, dawangzhuang):
    with pytest.raises(ValidationError):
        union_create(by=admin_user, name="无社区的社区工会", form=UnionForm.COMMUNITY,
                     street=dawangzhuang)
    assert not Union.objects.filter(name="无社区的社区工会").exists()


@pytest.mark.django_db
def test_names_are_unique_within_a_street(admin_user, union_dawangzhuang_property):
    with pytest.raises(ValidationError):
        union_create(by=admin_user, name=union_dawangzhuang_property.name,
                     form=UnionForm.ENTERPRISE, street=union_dawangzhuang_property.street)


@pytest.mark.django_db
def test_industry_staff_work_only_with_their_industry(industry_staff_property, dazhigu,
                                                      education_federation,
                                                      property_federation):
    with pytest.raises(ValidationError):
        union_create(by=industry_staff_property, name="教育工会", form=UnionForm.ENTERPRISE,
                     street=dazhigu, industry_federation=education_federation)
    union = union_create(by=industry_staff_property, name="物业工会", form=UnionForm.ENTERPRISE,
                         street=dazhigu, industry_federation=property_federation)
    assert union.industry_federation == property_federation


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "community_staff_dawangzhuang",
                                  "liaison_zhujianwei"])
def test_read_only_roles_cannot_create(request, role, dawangzhuang):
    with pytest.raises(PermissionDenied):
        union_create(by=request.getfixturevalue(role), name="只读工会",
                     form=UnionForm.JOINT, street=dawangzhuang)


@pytest.mark.django_db
def test_an_update_keeps_who_when_before_and_after(street_staff_dawangzhuang,
                                                   union_dawangzhuang_property):
    union_update(union=union_dawangzhuang_property, by=street_staff_dawangzhuang,
                 chair="王主席", founded_on=date(2019, 6, 30))
    latest, before = union_dawangzhuang_property.history.order_by("-history_date")[:2]
    assert latest.history_user == street_staff_dawangzhuang
    changes = {c.field: (c.old, c.new) for c in latest.diff_against(before).changes}
    assert changes == {"chair": ("", "王主席"), "founded_on": (None, date(2019, 6, 30))}


@pytest.mark.django_db
def test_street_staff_cannot_move_a_union_out_of_their_street(street_staff_dawangzhuang,
                                                              union_dawangzhuang_property,
                                                              dazhigu):
    with pytest.raises(ValidationError):
        union_update(union=union_dawangzhuang_property, by=street_staff_dawangzhuang,
                     street=dazhigu, community=None)
    union_dawangzhuang_property.refresh_from_db()
    assert union_dawangzhuang_property.street.short_name == "大王庄"
    assert union_dawangzhuang_property.history.count() == 1


@pytest.mark.django_db
def test_community_staff_cannot_rename_their_community(community_staff_dawangzhuang,
                                                       dawangzhuang_community):
    with pytest.raises(PermissionDenied):
        community_update(community=dawangzhuang_community, by=community_staff_dawangzhuang,
                         name="新名字")


@pytest.mark.django_db
def test_street_staff_rename_a_community_with_history(street_staff_dawangzhuang,
                                                      dawangzhuang_community):
    community_update(community=dawangzhuang_community, by=street_staff_dawangzhuang,
                     name="十四经路社区")
    dawangzhuang_community.refresh_from_db()
    assert dawangzhuang_community.name == "十四经路社区"
    assert dawangzhuang_community.history.latest().history_user == street_staff_dawangzhuang
