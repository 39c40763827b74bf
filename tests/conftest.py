"""People and places of the tests, named as the union office would name them
(STYLE habit 10). The organisation structure comes from the data migration."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.test import Client

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import Community, Department, IndustryFederation, Street, Union, UnionForm

PASSWORD = "correct-horse-battery"

_force_login = Client.force_login


def second_factor_device(user):
    """The user's confirmed TOTP device (accounts/second_factor.py), made if missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def force_login_verified(client, user, backend=None):
    """Django's force_login, and for a user who needs the second factor the session marked
    verified by a device of the user, as django_otp.login marks it after a right code."""
    from accounts.second_factor import second_factor_required, session_verified_mark

    _force_login(client, user, backend)
    if second_factor_required(user):
        session = client.session
        session_verified_mark(session, second_factor_device(user))
        session.save()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(request, monkeypatch):
    """`client.force_login` stands for the whole login, second factor included, so tests of
    the office's and full-PII users' pages need not repeat it; tests of the second factor
    itself are marked `password_only` (tests/accounts/test_second_factor.py)."""
    if request.node.get_closest_marker("password_only") is None:
        monkeypatch.setattr(Client, "force_login", force_login_verified)


def _flush_through_the_audit_bypass():
    """The audit trail refuses TRUNCATE (accounts.audit); the flush that empties the test
    database after a transactional test goes through the same privileged setting, in the
    flush's own transaction."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from accounts.audit import BYPASS_SETTING

    sql_flush = DatabaseOperations.sql_flush

    def flush_with_bypass(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        if statements:
            statements = [f"SELECT set_config('{BYPASS_SETTING}', 'on', true);", *statements]
        return statements

    DatabaseOperations.sql_flush = flush_with_bypass


_flush_through_the_audit_bypass()


# The data migrations that `migrate` runs on an empty database (SPEC §11).
DATA_MIGRATIONS = (
    "membership.migrations.0002_load_organisation_structure",
    "subsidies.migrations.0002_load_programmes",
)


@pytest.fixture
def organisation_structure(db):
    """The structure and programmes `migrate` creates; loaded again after a transactional
    test flushed the database."""
    for name in DATA_MIGRATIONS:
        importlib.import_module(name).load(django_apps, None)


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
def community_union(dawangzhuang_community):
    """The community union `migrate` made for 大王庄第01社区 (decisions.md)."""
    return Union.objects.get(community=dawangzhuang_community, form=UnionForm.COMMUNITY)


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


# The registry: one unit, worker and member on each side of the scoping matrix. Side a sits
# in 大王庄 / its first community / property (区住建委); side b in 大直沽 / education.
# Identifiers are synthetic with real check digits (membership.fakes).

def _registry_identifiers():
    import random
    from datetime import date

    from membership import fakes

    rng = random.Random(3_2019_0307)
    return {
        "code_a": fakes.credit_code(rng),
        "code_b": fakes.credit_code(rng),
        "id_a": fakes.resident_id(rng, region="120102", birth_date=date(1990, 3, 7)),
        "id_b": fakes.resident_id(rng, region="130102", birth_date=date(1985, 11, 20)),
        "phone_a": "13802211234",
        "phone_b": "13912345678",
    }


REGISTRY = _registry_identifiers()


@pytest.fixture
def registrar(organisation_structure):
    """The office user who registers the matrix's records (any test may use another)."""
    return _user("office_registrar", Role.ADMIN)


@pytest.fixture
def unit_dawangzhuang_property(registrar, dawangzhuang, dawangzhuang_community):
    from datetime import date

    from membership.services import unit_create

    return unit_create(
        by=registrar, name="大王庄安居物业服务有限公司", credit_code=REGISTRY["code_a"],
        kind="non_public_enterprise", sector="property", street=dawangzhuang,
        community=dawangzhuang_community, employee_count=120, migrant_count=40,
        registered_on=date(2018, 6, 1),
    )


@pytest.fixture
def unit_dazhigu_education(registrar, dazhigu, dazhigu_community):
    from datetime import date

    from membership.services import unit_create

    return unit_create(
        by=registrar, name="大直沽启明培训学校", credit_code=REGISTRY["code_b"],
        kind="social_organisation", sector="education", street=dazhigu,
        community=dazhigu_community, employee_count=35, migrant_count=5,
        registered_on=date(2017, 9, 1),
    )


@pytest.fixture
def worker_dawangzhuang(registrar, unit_dawangzhuang_property, dawangzhuang_community):
    from datetime import date

    from membership.services import worker_create

    return worker_create(
        by=registrar, name="王建国", id_number=REGISTRY["id_a"], phone=REGISTRY["phone_a"],
        hukou_type="rural", employment_form="contract", occupation_group="security",
        employer=unit_dawangzhuang_property, community=dawangzhuang_community,
        identified_on=date(2024, 3, 20),
    )


@pytest.fixture
def worker_dazhigu(registrar, unit_dazhigu_education, dazhigu_community):
    from datetime import date

    from membership.services import worker_create

    return worker_create(
        by=registrar, name="赵秀英", id_number=REGISTRY["id_b"], phone=REGISTRY["phone_b"],
        hukou_type="non_rural", employment_form="contract", occupation_group="other",
        employer=unit_dazhigu_education, community=dazhigu_community,
        identified_on=date(2024, 4, 2),
    )


@pytest.fixture
def member_dawangzhuang(registrar, worker_dawangzhuang, union_dawangzhuang_property):
    from datetime import date

    from membership.services import member_enroll

    return member_enroll(by=registrar, worker=worker_dawangzhuang,
                         union=union_dawangzhuang_property, joined_on=date(2024, 4, 1))


@pytest.fixture
def member_dazhigu(registrar, worker_dazhigu, union_dazhigu_education):
    from datetime import date

    from membership.services import member_enroll

    return member_enroll(by=registrar, worker=worker_dazhigu,
                         union=union_dazhigu_education, joined_on=date(2024, 5, 1))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files the tests make (payment files, imports, exports) go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """At the end of the run, before pytest-django drops the test database: wait a little
    for the sessions of other threads and processes (a Celery worker, a live server's
    request threads) to close; one that stays is named in a warning, with this process's
    threads, and ended, so that the database can be dropped."""
    yield
    import threading
    import time
    import warnings

    from django.db import connection

    query = ("SELECT pid, application_name, state, backend_start, state_change, client_port, "
             "left(query, 120) FROM pg_stat_activity WHERE datname = current_database() "
             "AND pid <> pg_backend_pid()")
    with django_db_blocker.unblock():
        for _ in range(50):
            with connection.cursor() as cursor:
                cursor.execute(query)
                others = cursor.fetchall()
            if not others:
                break
            time.sleep(0.2)
        if others:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        connection.close()
    if others:
        threads = sorted(thread.name for thread in threading.enumerate())
        warnings.warn(f"sessions left on the test database at the end (ended): {others!r}; "
                      f"threads of this process: {threads}", stacklevel=1)
