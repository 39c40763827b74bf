"""Units and their founding as dated steps (SPEC §3)."""

import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from membership import fakes
from membership.models import FoundingStatus, Unit, Union, UnionForm
from membership.services import founding_step_add, progress_note_add, unit_create

RNG = random.Random(32100)


def _unit_fields(street, **overrides):
    fields = {"name": "大王庄安达物流有限公司", "credit_code": fakes.credit_code(RNG),
              "kind": "non_public_enterprise", "sector": "logistics", "street": street,
              "employee_count": 120, "migrant_count": 80, "source": "survey"}
    fields.update(overrides)
    return fields


@pytest.fixture
def unit_dawangzhuang(street_staff_dawangzhuang, dawangzhuang):
    return unit_create(by=street_staff_dawangzhuang, **_unit_fields(dawangzhuang))


@pytest.mark.django_db
def test_a_street_user_cannot_register_a_unit_of_another_street(street_staff_dawangzhuang,
                                                                dazhigu):
    with pytest.raises(ValidationError) as error:
        unit_create(by=street_staff_dawangzhuang, **_unit_fields(dazhigu))
    assert error.value.message_dict["street"] == ["您只能管理本街道的单位。"]
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_a_credit_code_with_a_letter_outside_the_set(street_staff_dawangzhuang, dawangzhuang):
    code = fakes.credit_code(RNG)
    with pytest.raises(ValidationError) as error:
        unit_create(by=street_staff_dawangzhuang,
                    **_unit_fields(dawangzhuang, credit_code=code[:12] + "O" + code[13:]))
    assert "O" in error.value.message_dict["credit_code"][0]


@pytest.mark.django_db
def test_more_migrants_than_employees_is_refused(street_staff_dawangzhuang, dawangzhuang):
    with pytest.raises(ValidationError) as error:
        unit_create(by=street_staff_dawangzhuang,
                    **_unit_fields(dawangzhuang, employee_count=10, migrant_count=11))
    assert error.value.message_dict["migrant_count"] == ["农民工人数不能多于职工人数。"]


@pytest.mark.parametrize("employees,hundred_plus", [(99, False), (100, True), (101, True)])
def test_hundred_or_more_includes_the_bound(employees, hundred_plus):
    """SPEC §3: 百人以上 means 100 or more."""
    assert Unit(employee_count=employees).is_hundred_plus is hundred_plus


@pytest.mark.django_db
def test_founding_from_preparing_to_founded_keeps_dated_steps(street_staff_dawangzhuang,
                                                              unit_dawangzhuang):
    founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                      status=FoundingStatus.PREPARING, on=date(2026, 4, 10),
                      note="成立筹备组")
    step = founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                             status=FoundingStatus.FOUNDED, on=date(2026, 6, 18),
                             new_union_name="大王庄安达物流有限公司工会", chair="周主席",
                             members_at_founding=86)
    unit_dawangzhuang.refresh_from_db()
    assert unit_dawangzhuang.founding_status == FoundingStatus.FOUNDED
    assert unit_dawangzhuang.union == step.union
    assert step.union.founded_on == date(2026, 6, 18) and step.union.form == "enterprise"
    assert list(unit_dawangzhuang.founding_steps.values_list("status", "on")) == [
        ("preparing", date(2026, 4, 10)), ("founded", date(2026, 6, 18))]
    assert unit_dawangzhuang.history.count() == 3


@pytest.mark.django_db
def test_a_step_cannot_go_back_in_time_or_state(street_staff_dawangzhuang, unit_dawangzhuang):
    founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                      status=FoundingStatus.PREPARING, on=date(2026, 4, 10))
    with pytest.raises(ValidationError) as error:
        founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                          status=FoundingStatus.FOUNDED, on=date(2026, 4, 9),
                          new_union_name="早工会")
    assert error.value.message_dict["on"] == ["日期不能早于上一步（2026-04-10）。"]
    founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                      status=FoundingStatus.FOUNDED, on=date(2026, 5, 1),
                      new_union_name="大王庄安达工会")
    with pytest.raises(ValidationError):
        founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                          status=FoundingStatus.PREPARING, on=date(2026, 6, 1))


@pytest.mark.django_db
def test_coverage_needs_a_founded_covering_union(street_staff_dawangzhuang, unit_dawangzhuang,
                                                 dawangzhuang):
    joint = Union.objects.create(name="大王庄联合工会", form=UnionForm.JOINT,
                                 street=dawangzhuang, founded_on=date(2026, 5, 1))
    with pytest.raises(ValidationError):
        founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                          status=FoundingStatus.COVERED, on=date(2026, 4, 30), union=joint)
    founding_step_add(unit=unit_dawangzhuang, by=street_staff_dawangzhuang,
                      status=FoundingStatus.COVERED, on=date(2026, 5, 2), union=joint)
    unit_dawangzhuang.refresh_from_db()
    assert unit_dawangzhuang.covering_union == joint


@pytest.mark.django_db
def test_the_assisting_department_is_derived(street_staff_dawangzhuang, dawangzhuang):
    unit = unit_create(by=street_staff_dawangzhuang, **_unit_fields(
        dawangzhuang, sector="technology", is_key_enterprise=True,
        kind="social_organisation"))
    assert sorted(d.name for d in unit.assisting_departments()) == [
        "区两新组织工委", "区发改委", "区民政局", "区科技局"]


@pytest.mark.django_db
def test_a_liaison_sees_and_notes_only_units_the_department_assists(
        street_staff_dawangzhuang, liaison_zhujianwei, dawangzhuang):
    property_unit = unit_create(by=street_staff_dawangzhuang, **_unit_fields(
        dawangzhuang, sector="property"))
    tech_unit = unit_create(by=street_staff_dawangzhuang, **_unit_fields(
        dawangzhuang, name="科技公司", sector="technology"))
    assert list(Unit.objects.for_user(liaison_zhujianwei)) == [property_unit]
    note = progress_note_add(unit=property_unit, by=liaison_zhujianwei, text="已约谈负责人")
    assert note.author == liaison_zhujianwei
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        progress_note_add(unit=tech_unit, by=liaison_zhujianwei, text="越权")
