"""`seed_demo` (SPEC §11): deterministic demo data and users of every role."""

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from membership.models import Union, UnionForm


def _demo_union_names():
    return sorted(Union.objects.exclude(form=UnionForm.COMMUNITY).values_list("name", flat=True))


@pytest.mark.django_db
def test_demo_users_of_every_role_and_unions_of_every_form(organisation_structure, capsys):
    call_command("seed_demo", "--seed", "7")
    assert set(User.objects.values_list("role", flat=True)) == set(Role)
    assert set(Union.objects.values_list("form", flat=True)) == set(UnionForm)
    out = capsys.readouterr().out
    assert "street_dawangzhuang" in out and "hedong-demo-2026" in out


@pytest.mark.django_db
def test_bulk_created_demo_unions_keep_history(organisation_structure):
    call_command("seed_demo")
    unions = Union.objects.exclude(form=UnionForm.COMMUNITY)
    assert unions.count() > 0
    assert Union.history.filter(id__in=unions.values("id"), history_type="+").count() == \
        unions.count()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_a_rerun_adds_nothing(organisation_structure):
    call_command("seed_demo", "--seed", "7")
    first = _demo_union_names()
    call_command("seed_demo", "--seed", "7")
    assert _demo_union_names() == first
    assert User.objects.count() == 7


@pytest.mark.django_db
def test_another_seed_gives_other_data(organisation_structure):
    call_command("seed_demo", "--seed", "7")
    first = _demo_union_names()
    Union.objects.exclude(form=UnionForm.COMMUNITY).delete()
    call_command("seed_demo", "--seed", "8")
    assert _demo_union_names() != first
