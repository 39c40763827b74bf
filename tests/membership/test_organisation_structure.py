"""`migrate` alone creates the district's structure (SPEC §2, §11)."""

import pytest
from django.db.models import F

from membership.models import (
    Community,
    Department,
    District,
    IndustryFederation,
    Street,
    Union,
    UnionForm,
    street_short_name,
)

STREETS = "大王庄、大直沽、中山门、富民路、二号桥、春华、唐家口、向阳楼、常州道、上杭路、东新、鲁山道"


@pytest.mark.django_db
def test_the_twelve_streets_in_the_plan_order(organisation_structure):
    assert District.objects.get().name == "天津市河东区总工会"
    assert "、".join(Street.objects.values_list("short_name", flat=True)) == STREETS
    assert all(s.name == f"{s.short_name}街道" for s in Street.objects.all())


@pytest.mark.django_db
def test_158_communities_spread_over_every_street(organisation_structure):
    """Plan §二.5(2): 全区158个社区工会."""
    assert Community.objects.count() == 158
    per_street = [s.communities.count() for s in Street.objects.all()]
    assert min(per_street) >= 13
    assert sum(per_street) == 158


@pytest.mark.django_db
def test_each_community_has_its_community_union(organisation_structure):
    unions = Union.objects.filter(form=UnionForm.COMMUNITY)
    assert unions.count() == 158
    assert not Community.objects.exclude(unions__form=UnionForm.COMMUNITY).exists()
    assert not unions.exclude(street=F("community__street")).exists()


@pytest.mark.django_db
def test_industry_federations_and_their_leading_departments(organisation_structure):
    """Plan §二.2: four industry federations, each led by its department."""
    led = dict(IndustryFederation.objects.values_list("name", "leading_department__name"))
    assert led == {
        "河东区民办教育机构工会联合会": "区教育局",
        "河东区非公医疗机构工会联合会": "区卫健委",
        "河东区物业行业工会联合会": "区住建委",
        "河东区建筑业工会联合会": "区住建委",
    }


@pytest.mark.django_db
def test_assisting_departments_and_what_they_cover(organisation_structure):
    """Plan §二.3: who assists which units; the unit's department is derived from these."""
    covers = {
        d.name: sorted((c.criterion, c.value) for c in d.coverages.all())
        for d in Department.objects.prefetch_related("coverages")
    }
    assert covers["区发改委"] == [("flag", "key_enterprise"), ("flag", "shuangwan")]
    assert covers["区两新组织工委"] == [("unit_kind", "social_organisation")]
    assert covers["区民政局"] == [("unit_kind", "social_organisation")]
    assert covers["区工商联"] == [("flag", "chamber_member")]
    assert covers["区商务局"] == [("sector", "market")]
    assert covers["区司法局"] == [("sector", "law")]
    assert covers["区科技局"] == [("sector", "technology")]
    assert covers["区住建委"] == [("sector", "construction"), ("sector", "property")]


@pytest.mark.django_db
def test_the_structure_has_history_from_install(organisation_structure):
    street = Street.objects.by_name("春华")
    assert street.history.count() == 1
    assert street.history.get().history_type == "+"


@pytest.mark.django_db
def test_loading_again_creates_nothing(organisation_structure):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("membership.migrations.0002_load_organisation_structure")
    migration.load(apps, None)
    assert Street.objects.count() == 12
    assert Community.objects.count() == 158


@pytest.mark.parametrize("typed", ["大王庄", "大王庄街", "大王庄街道", " 大王庄街道 "])
def test_street_names_with_or_without_suffix_are_one_street(typed):
    """SPEC §11: 大王庄, 大王庄街, 大王庄街道 are one street."""
    assert street_short_name(typed) == "大王庄"


@pytest.mark.django_db
def test_street_lookup_by_any_form_of_the_name(organisation_structure):
    assert Street.objects.by_name("鲁山道街") == Street.objects.by_name("鲁山道街道")
    with pytest.raises(Street.DoesNotExist):
        Street.objects.by_name("不存在街道")
