"""People and places of the tests, named as the union office would name them
(STYLE habit 10). The organisation structure comes from the data migration."""

import importlib

import pytest
from django.apps import apps as django_apps

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import Community, Department, IndustryFederation, Street, Union, UnionForm

PASSWORD = "correct-horse-battery"


@pytest.fixture
def organisation_structure(db):
    """The structure `migrate` creates; loaded again after a transactional test flushed it."""
    migration = importlib.import_module("membership.migrations.0002_load_organisation_structure")
    migration.load(django_apps, None)


@pytest.fixture
def dawangzhuang(organisation_structure):
    return Street.objects.by_name("大王庄")


@pytest.fixture
def dazhigu(organisation_structure):
    return Street.objects.by_name("大直沽")


@pytest.fixture
def dawangzhuang_community(dawangzhuang):
    return Community.objects.filter(street=dawangzhuang).order_by("pk").first()


@pytest.fixture
def dazhigu_community(dazhigu):
    return Community.objects.filter(street=dazhigu).order_by("pk").first()


@pytest.fixture
def property_federation(organisation_structure):
    return IndustryFederation.objects.get(sector="property")


@pytest.fixture
def education_federation(organisation_structure):
    return IndustryFederation.objects.get(sector="education")


@pytest.fixture
def zhujianwei(organisation_structure):
    """区住建委: leads the property and construction federations."""
    return Department.objects.get(name="区住建委")


def _user(username, role, organisation=None):
    return user_upsert(username=username, role=role, password=PASSWORD,
                       full_name="测试用户", organisation=organisation)


@pytest.fixture
def admin_user(organisation_structure):
    return _user("office_wang", Role.ADMIN)


@pytest.fixture
def leader(organisation_structure):
    return _user("leader_li", Role.LEADER)


@pytest.fixture
def street_staff_dawangzhuang(dawangzhuang):
    return _user("street_zhang", Role.STREET, dawangzhuang)


@pytest.fixture
def street_staff_dazhigu(dazhigu):
    return _user("street_zhao", Role.STREET, dazhigu)


@pytest.fixture
def community_staff_dawangzhuang(dawangzhuang_community):
    return _user("community_liu", Role.COMMUNITY, dawangzhuang_community)


@pytest.fixture
def industry_staff_property(property_federation):
    return _user("industry_chen", Role.INDUSTRY, property_federation)


@pytest.fixture
def liaison_zhujianwei(zhujianwei):
    return _user("liaison_sun", Role.LIAISON, zhujianwei)


@pytest.fixture
def union_dawangzhuang_property(dawangzhuang, dawangzhuang_community, property_federation):
    """An enterprise union in 大王庄, in the property industry, in its first community."""
    return Union.objects.create(
        name="大王庄安居物业有限公司工会", form=UnionForm.ENTERPRISE, street=dawangzhuang,
        community=dawangzhuang_community, industry_federation=property_federation,
    )


@pytest.fixture
def union_dazhigu_education(dazhigu, dazhigu_community, education_federation):
    """An enterprise union in 大直沽, in private education."""
    return Union.objects.create(
        name="大直沽启明培训学校工会", form=UnionForm.ENTERPRISE, street=dazhigu,
        community=dazhigu_community, industry_federation=education_federation,
    )
