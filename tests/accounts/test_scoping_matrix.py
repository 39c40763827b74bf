"""Every role against every other scope's records, on every list, detail, edit and export
URL (SPEC §1: another scope's record is a 404, never the record)."""

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from membership.models import Community, IndustryFederation, Union

ROLES = [
    "admin_user", "leader", "street_staff_dawangzhuang", "community_staff_dawangzhuang",
    "industry_staff_property", "liaison_zhujianwei",
]

# The records of the matrix: 'a' sits in 大王庄 / its first community / property (区住建委);
# 'b' in 大直沽 / its first community / private education (区教育局).
OBJECTS = {
    "union_a": lambda f: f("union_dawangzhuang_property"),
    "union_b": lambda f: f("union_dazhigu_education"),
    "street_a": lambda f: f("dawangzhuang"),
    "street_b": lambda f: f("dazhigu"),
    "community_a": lambda f: f("dawangzhuang_community"),
    "community_b": lambda f: f("dazhigu_community"),
    "federation_a": lambda f: f("property_federation"),
    "federation_b": lambda f: f("education_federation"),
    "unit_a": lambda f: f("unit_dawangzhuang_property"),
    "unit_b": lambda f: f("unit_dazhigu_education"),
    "worker_a": lambda f: f("worker_dawangzhuang"),
    "worker_b": lambda f: f("worker_dazhigu"),
    "member_a": lambda f: f("member_dawangzhuang"),
    "member_b": lambda f: f("member_dazhigu"),
}

ALL = set(OBJECTS)
# What each role may open and what it may change.
# Units: street and community by place, industry by sector, liaisons by what their
# department assists (区住建委: property); workers and members never to liaisons.
VISIBLE = {
    "admin_user": ALL,
    "leader": ALL,
    "street_staff_dawangzhuang": {"union_a", "street_a", "community_a",
                                  "unit_a", "worker_a", "member_a"},
    "community_staff_dawangzhuang": {"union_a", "community_a",
                                     "unit_a", "worker_a", "member_a"},
    "industry_staff_property": {"union_a", "federation_a", "unit_a", "worker_a", "member_a"},
    "liaison_zhujianwei": {"union_a", "federation_a", "unit_a"},
}
WRITABLE = {
    "admin_user": {"union_a", "union_b", "street_a", "street_b", "community_a", "community_b",
                   "unit_a", "unit_b", "worker_a", "worker_b", "member_a", "member_b"},
    "leader": set(),
    "street_staff_dawangzhuang": {"union_a", "community_a", "unit_a", "worker_a", "member_a"},
    "community_staff_dawangzhuang": {"worker_a", "member_a"},
    "industry_staff_property": {"union_a", "unit_a", "worker_a", "member_a"},
    "liaison_zhujianwei": set(),
}
# Progress notes on units: staff who write units, and department liaisons (SPEC §1).
NOTABLE = {
    "admin_user": {"unit_a", "unit_b"},
    "leader": set(),
    "street_staff_dawangzhuang": {"unit_a"},
    "community_staff_dawangzhuang": set(),
    "industry_staff_property": {"unit_a"},
    "liaison_zhujianwei": {"unit_a"},
}
# The full ID and phone: only users with the permission (the office); others in scope 403.
FULL_PII = {role: set() for role in ROLES} | {"admin_user": {"worker_a", "worker_b"}}
ALLOWED = {"read": VISIBLE, "write": WRITABLE, "note": NOTABLE, "full": FULL_PII}
# The dues entry of a community (plan §三.(一)1): the office, the street and the community's
# own staff, each in their scope; roles that do not enter dues get a 404 for every one.
ALLOWED["dues"] = {role: set() for role in ROLES} | {
    "admin_user": {"community_a", "community_b"},
    "street_staff_dawangzhuang": {"community_a"},
    "community_staff_dawangzhuang": {"community_a"},
}

# Import runs belong to their uploader alone, the office included (their files hold
# personal data): run a was uploaded by the 大王庄 street user, run b by the 大直沽 one.
OBJECTS["importrun_a"] = lambda f: _import_run(f, "street_staff_dawangzhuang",
                                               "大王庄职工花名册.xlsx")
OBJECTS["importrun_b"] = lambda f: _import_run(f, "street_staff_dazhigu", "大直沽职工花名册.xlsx")
VISIBLE["street_staff_dawangzhuang"] |= {"importrun_a"}
ALLOWED["own"] = {role: VISIBLE[role] & {"importrun_a", "importrun_b"} for role in ROLES}

# Every URL that takes a record id: (url name, kind of record, read or write).
DETAIL_ROUTES = [
    ("membership:street_detail", "street", "read"),
    ("membership:street_edit", "street", "write"),
    ("membership:community_detail", "community", "read"),
    ("membership:community_edit", "community", "write"),
    ("membership:union_detail", "union", "read"),
    ("membership:union_edit", "union", "write"),
    ("membership:federation_detail", "federation", "read"),
    ("membership:unit_detail", "unit", "read"),
    ("membership:unit_edit", "unit", "write"),
    ("membership:unit_founding_step", "unit", "write"),
    ("membership:unit_members_transfer", "unit", "write"),
    ("membership:unit_note_add", "unit", "note"),
    ("membership:worker_detail", "worker", "read"),
    ("membership:worker_full", "worker", "full"),
    ("membership:worker_edit", "worker", "write"),
    ("membership:member_detail", "member", "read"),
    ("membership:member_transfer", "member", "write"),
    ("membership:member_end", "member", "write"),
    ("membership:member_card", "member", "write"),
    ("membership:member_dues", "member", "write"),
    ("membership:community_dues", "community", "dues"),
    ("membership:import_detail", "importrun", "own"),
    ("membership:import_status", "importrun", "own"),
    ("membership:import_start", "importrun", "own"),
    ("membership:import_bad_rows", "importrun", "own"),
]
# Every list or export URL, with the model whose records it lists and how to read names.
LIST_ROUTES = [
    ("membership:union_list", "union", "html"),
    ("membership:union_export", "union", "xlsx"),
    ("membership:unit_export", "unit", "xlsx"),
    ("membership:worker_export", "worker", "xlsx"),
    ("membership:member_export", "member", "xlsx"),
    ("membership:street_list", "street", "html"),
    ("membership:federation_list", "federation", "html"),
    ("membership:unit_list", "unit", "html"),
    ("membership:unit_search", "unit", "json"),
    ("membership:worker_list", "worker", "html"),
    ("membership:member_list", "member", "html"),
    ("membership:import_list", "importrun", "html"),
]
# No record to leak; write rights tested apart (tests/membership/test_*_pages.py).
UNSCOPED_ROUTES = {"membership:union_create", "membership:unit_create",
                   "membership:member_enroll", "membership:import_template",
                   "membership:dues_entry"}


# --- Subsidies (issue 5) ------------------------------------------------------------------
# Skill-reward claims of member a and b (staff see their members' claims); batches of an
# industry grant, each approved by a second admin with its payment file made; a bank result
# uploaded for each; two programme years. Batches, uploads and settings are the office's:
# the leadership group reads them, other roles get a 404.
OBJECTS["entitlement_a"] = lambda f: _skill_claim(f, "member_dawangzhuang", "JN-A-0001")
OBJECTS["entitlement_b"] = lambda f: _skill_claim(f, "member_dazhigu", "JN-B-0001")
OBJECTS["batch_a"] = lambda f: _batch(f, "property_federation")
OBJECTS["batch_b"] = lambda f: _batch(f, "education_federation")
OBJECTS["resultupload_a"] = lambda f: _result_upload(f, "a")
OBJECTS["resultupload_b"] = lambda f: _result_upload(f, "b")
OBJECTS["programmeyear_a"] = lambda f: _programme_year(f, "UNIVERSAL")
OBJECTS["programmeyear_b"] = lambda f: _programme_year(f, "SPRING_RETURN")
_OFFICE_RECORDS = {"batch_a", "batch_b", "resultupload_a", "resultupload_b",
                   "programmeyear_a", "programmeyear_b"}
ALL |= _OFFICE_RECORDS | {"entitlement_a", "entitlement_b"}  # admin and leader see them
for _role in ("street_staff_dawangzhuang", "community_staff_dawangzhuang",
              "industry_staff_property"):
    VISIBLE[_role] |= {"entitlement_a"}
WRITABLE["admin_user"] |= {"entitlement_a", "entitlement_b", "batch_a", "batch_b",
                           "programmeyear_a", "programmeyear_b"}
FULL_PII["admin_user"] |= {"batch_a", "batch_b"}  # the payment file holds full card numbers

DETAIL_ROUTES += [
    ("subsidies:year_edit", "programmeyear", "write"),
    ("subsidies:entitlement_reject", "entitlement", "write"),
    ("subsidies:batch_detail", "batch", "read"),
    ("subsidies:batch_status", "batch", "read"),
    ("subsidies:batch_download", "batch", "full"),
    ("subsidies:batch_result_upload", "batch", "write"),
    ("subsidies:result_upload_detail", "resultupload", "read"),
    ("subsidies:result_upload_status", "resultupload", "read"),
]
LIST_ROUTES += [("subsidies:skill_claim_list", "entitlement", "html")]
# The office's pages without a record: the office opens them all, the leadership group
# those that only read; every other role gets a 403.
OFFICE_ROUTES = {
    "subsidies:overview": "read", "subsidies:totals_export": "read",
    "subsidies:year_list": "read", "subsidies:universal_run": "write",
    "subsidies:entitlement_list": "read", "subsidies:batch_list": "read",
    "subsidies:organisation_programmes": "read",
}
# Actions (POST only) on one record: a 404 for everyone but the office.
RECORD_ACTIONS = [("subsidies:batch_approve", "batch"), ("subsidies:batch_payment_file", "batch"),
                  ("subsidies:batch_retry_failed", "batch")]
# Office actions (POST only) without a record: a 403 for everyone but the office.
OFFICE_ACTIONS = {"subsidies:entitlements_submit", "subsidies:entitlements_approve",
                  "subsidies:batch_create", "subsidies:development_create",
                  "subsidies:industry_grant_create", "subsidies:founding_rebate_record",
                  "subsidies:model_home_selection_add", "subsidies:model_home_awards_create",
                  "subsidies:year_add", "subsidies:social_worker_add"}
# The members' own pages (no account) and the staff's claim form (write rights tested in
# tests/subsidies/); the index only redirects.
UNSCOPED_ROUTES |= {"subsidies:index", "subsidies:skill_claim_create",
                    "subsidies:public_spring_return", "subsidies:public_self_service",
                    "subsidies:public_leave"}


# --- Online applications (issue 4) -------------------------------------------------------
# An application of a scattered worker of each side's community, routed to its street. The
# street's staff review it; the office reviews any; the leadership group reads; others see
# nothing of it.
OBJECTS["application_a"] = lambda f: _application(f, "dawangzhuang_community", "A")
OBJECTS["application_b"] = lambda f: _application(f, "dazhigu_community", "B")
ALL |= {"application_a", "application_b"}
VISIBLE["street_staff_dawangzhuang"] |= {"application_a"}
WRITABLE["admin_user"] |= {"application_a", "application_b"}
WRITABLE["street_staff_dawangzhuang"] |= {"application_a"}
FULL_PII["admin_user"] |= {"application_a", "application_b"}
DETAIL_ROUTES += [("applications:detail", "application", "read"),
                  ("applications:full", "application", "full")]
LIST_ROUTES += [("applications:list", "application", "html"),
                ("applications:poster_list", "community", "html")]
# Review actions (POST only) on one application or several: tested below.
APPLICATION_ACTIONS = {"applications:correct", "applications:approve", "applications:reject",
                       "applications:bulk_review"}
# The worker's pages (no account) and the posters, which hold nothing private.
UNSCOPED_ROUTES |= {"applications:apply", "applications:submitted", "applications:status",
                    "applications:employers", "applications:poster",
                    "applications:poster_qr"}


def _application(f, community_fixture, side):
    import random
    from datetime import date

    from applications.consent import CONSENT_VERSION
    from applications.services import application_submit
    from membership import fakes

    community = f(community_fixture)
    rng = random.Random(side)
    return application_submit(
        name=f"申请人{side}", id_number=fakes.resident_id(rng, birth_date=date(1991, 2, 3)),
        phone=fakes.phone(rng), employer=None, street=community.street, community=community,
        occupation_group="courier", declared=True, consented=True,
        consent_version=CONSENT_VERSION).application


def _skill_claim(f, member_fixture, certificate_number):
    from datetime import date

    from subsidies.models import Entitlement

    return Entitlement.objects.create(
        programme_id="SKILL_SENIOR", year=2026, member=f(member_fixture), amount=500,
        city_amount=0, district_amount=500, state="pending", certificate_level="senior",
        certificate_number=certificate_number, certificate_date=date(2026, 1, 10))


def _batch(f, federation_fixture):
    from subsidies.models import Entitlement
    from subsidies.services import batch_approve, batch_create, batch_payment_file

    grant = Entitlement.objects.create(
        programme_id="INDUSTRY_GRANT", year=2026, industry_federation=f(federation_fixture),
        amount=40000, city_amount=0, district_amount=40000, state="approved")
    batch = batch_create(by=f("registrar"), queryset=Entitlement.objects.filter(pk=grant.pk))
    batch_approve(batch=batch, by=f("admin_user"))
    return batch_payment_file(batch=batch, by=f("admin_user"))


def _result_upload(f, side):
    from django.core.files.base import ContentFile

    from subsidies.models import ResultUpload

    batch = OBJECTS[f"batch_{side}"](f)
    return ResultUpload.objects.create(batch=batch, uploaded_by=f("registrar"),
                                       file=ContentFile(b"PK", name="result.xlsx"))


def _programme_year(f, code):
    from subsidies.models import ProgrammeYear

    f("organisation_structure")
    return ProgrammeYear.objects.select_related("programme").get(programme_id=code, year=2026)


# --- Reports (issue 6) ----------------------------------------------------------------------
# A ten-day narrative is its federation's: 'a' is 大王庄's, 'b' 大直沽's; the office and the
# leadership read both. Ten-day reports, bulletins and milestone reports are the district's
# (every street reads every street's figures); who may open them by role is tested in
# tests/reporting/test_report_pages.py. Export jobs belong to their owner alone
# (tests/reporting/test_export_jobs.py).
OBJECTS["narrative_a"] = lambda f: _narrative(f, "street_staff_dawangzhuang", "走访大王庄企业")
OBJECTS["narrative_b"] = lambda f: _narrative(f, "street_staff_dazhigu", "走访大直沽企业")
ALL |= {"narrative_a", "narrative_b"}  # the office and the leadership read both
VISIBLE["street_staff_dawangzhuang"] |= {"narrative_a"}
DETAIL_ROUTES += [("reporting:narrative_detail", "narrative", "read")]
UNSCOPED_ROUTES |= {
    "reporting:index", "reporting:ten_day_detail", "reporting:ten_day_excel",
    "reporting:narrative_edit", "reporting:bulletin_detail", "reporting:bulletin_excel",
    "reporting:bulletin_status",
    "reporting:bulletin_publish", "reporting:bulletin_refresh", "reporting:bulletin_correct",
    "reporting:milestone_detail", "reporting:milestone_excel",
    "reporting:export_job_list", "reporting:export_job_detail", "reporting:export_job_status",
    "reporting:export_job_download",
}


def _narrative(f, author_fixture, text):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from reporting.narratives import narrative_submit
    from reporting.periods import period_of

    return narrative_submit(
        by=f(author_fixture), period=period_of(date(2026, 11, 10)), work_done=text,
        problems="无", next_steps="继续",
        now=datetime(2026, 11, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai")))


# --- Dashboards (issue 6) -------------------------------------------------------------------
# A street's and a community's dashboard are found as their records are: another street's is
# a 404. The leadership dashboard and the refresh have no record (their roles are tested in
# tests/reporting/test_dashboard.py).
DETAIL_ROUTES += [
    ("dashboard:street", "street", "read"),
    ("dashboard:community", "community", "read"),
]
UNSCOPED_ROUTES |= {"dashboard:index", "dashboard:refresh"}

# --- The office's own pages (SPEC §1: users and roles, programmes) --------------------------
# A programme's name and years: the office edits them; everyone else, the leadership group
# included, gets a 404 (as for a programme year).
OBJECTS["programme_a"] = lambda f: _programme(f, "UNIVERSAL")
OBJECTS["programme_b"] = lambda f: _programme(f, "SPRING_RETURN")
ALL |= {"programme_a", "programme_b"}
WRITABLE["admin_user"] |= {"programme_a", "programme_b"}
DETAIL_ROUTES += [("subsidies:programme_edit", "programme", "write")]
# User accounts and API keys are the office's alone: a 403 for every other
# role on a page without a record (the leadership group too), a 404 on a record's page.
OFFICE_ROUTES.update({"office:user_list": "write", "office:user_create": "write",
                      "office:api_key_list": "write", "office:security": "write"})
OFFICE_ACTIONS |= {"office:api_key_create"}
# Pages (GET) and actions (POST) on one account or key; a key is named by its prefix.
OFFICE_RECORDS = {"account": lambda f: f("street_staff_dazhigu"),
                  "apikey": lambda f: _api_key(f)}
OFFICE_RECORD_ROUTES = [
    ("office:user_detail", "account", "get"),
    ("office:user_deactivate", "account", "post"),
    ("office:user_reactivate", "account", "post"),
    ("office:user_unlock", "account", "post"),
    ("office:user_password_reset", "account", "post"),
    ("office:user_second_factor_reset", "account", "post"),
    ("office:api_key_detail", "apikey", "get"),
    ("office:api_key_revoke", "apikey", "post"),
]


# The access log and the person's rights (PIPL Art. 44-47) are the office's alone, as are
# the requests recorded; the export of the access log and a new request are office actions.
OFFICE_ROUTES.update({"privacy:access_log": "write", "privacy:people": "write"})
OFFICE_ACTIONS |= {"privacy:access_log_export", "privacy:data_request_create"}
OFFICE_RECORDS["datarequest"] = lambda f: _data_request(f)
OFFICE_RECORD_ROUTES += [
    ("privacy:data_request_detail", "datarequest", "get"),
    ("privacy:data_request_export", "datarequest", "get"),
    ("privacy:data_request_done", "datarequest", "post"),
    ("privacy:data_request_erase", "datarequest", "post"),
]


def _data_request(f):
    from django.utils import timezone

    from privacy.selectors import person_records
    from privacy.services import data_request_create

    return data_request_create(by=f("registrar"), kind="delete",
                               received_on=timezone.localdate(),
                               records=person_records(worker=f("worker_dazhigu")))


def _programme(f, code):
    from subsidies.models import Programme

    f("organisation_structure")
    return Programme.objects.get(code=code)


def _api_key(f):
    from accounts.services import api_key_create

    return api_key_create(by=f("registrar"), name="市总工会平台")[0]


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("membership", "subsidies", "reporting", "applications",
                                     "dashboard", "office", "privacy"):
                yield from _named_patterns(pattern, pattern.namespace)
        elif isinstance(pattern, URLPattern) and namespace and pattern.name:
            yield f"{namespace}:{pattern.name}"


def test_the_matrix_covers_every_scoped_url():
    """A new URL fails this test until it is added to the matrix."""
    covered = ({r[0] for r in DETAIL_ROUTES} | {r[0] for r in LIST_ROUTES} | UNSCOPED_ROUTES
               | set(OFFICE_ROUTES) | {r[0] for r in RECORD_ACTIONS} | OFFICE_ACTIONS
               | APPLICATION_ACTIONS | {r[0] for r in OFFICE_RECORD_ROUTES})
    assert set(_named_patterns()) == covered


def _login(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,kind,mode", DETAIL_ROUTES)
@pytest.mark.parametrize("side", ["a", "b"])
def test_detail_and_edit_urls_are_404_outside_the_scope(client, request, role, route, kind,
                                                         mode, side):
    _login(client, request, role)
    key = f"{kind}_{side}"
    obj = OBJECTS[key](request.getfixturevalue)
    response = client.get(reverse(route, args=[obj.pk]))
    label = _label(kind, obj)
    if key in ALLOWED[mode][role]:
        assert response.status_code == 200
        assert label in _detail_text(response)
    elif mode == "full" and key in VISIBLE[role]:
        assert response.status_code == 403  # sees the worker, not the full record
        assert label not in _detail_text(response)
    else:
        assert response.status_code == 404
        assert label not in _detail_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_posting_an_edit_outside_the_scope_changes_nothing(client, request, role):
    _login(client, request, role)
    union = request.getfixturevalue("union_dazhigu_education")
    response = client.post(reverse("membership:union_edit", args=[union.pk]), {
        "name": "改名", "form": "enterprise", "street": union.street_id,
        "industry_federation": union.industry_federation_id,
    })
    union.refresh_from_db()
    if "union_b" in WRITABLE[role]:
        assert response.status_code == 302
        assert union.name == "改名"
    else:
        assert response.status_code == 404
        assert union.name == "大直沽启明培训学校工会"


def _label(kind, obj, *, listed=False):
    """How a page names its record: a member by its number; a street is listed by its
    federation's name (its bare name also labels filters)."""
    if kind == "street" and listed:
        return obj.federation_name
    if kind == "member":
        return obj.member_number
    if kind == "batch":
        return obj.number
    if kind == "resultupload":
        return obj.batch.number
    if kind == "entitlement":
        return obj.certificate_number
    if kind == "programmeyear":
        return obj.programme.name
    if kind == "narrative":
        return obj.work_done
    if kind == "application":
        return obj.number
    return obj.name


def _detail_text(response):
    """A detail page's text; an Excel download's cells."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        return _listed_names(response, "xlsx")
    return response.content.decode()


def _import_run(f, uploader, name):
    """A checked run with one bad row, uploaded by the fixture `uploader`."""
    from tests.membership.rosters import roster_bytes, upload, worker_row

    from membership.imports.services import import_run_create

    f("settings").MEDIA_ROOT = f("tmp_path") / "media"
    return import_run_create(by=f(uploader), kind="workers", upload=upload(
        roster_bytes([worker_row(身份证号="not an id")]), name=name))


def _listed_names(response, fmt):
    if fmt == "xlsx":
        content = (b"".join(response.streaming_content) if response.streaming
                   else response.content)
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,kind,fmt", LIST_ROUTES)
def test_lists_and_exports_hold_only_the_scope(client, request, role, route, kind, fmt):
    _login(client, request, role)
    objs = {side: OBJECTS[f"{kind}_{side}"](request.getfixturevalue) for side in "ab"}
    response = client.get(reverse(route))
    assert response.status_code == 200
    text = _listed_names(response, fmt)
    for side, obj in objs.items():
        assert (_label(kind, obj, listed=True) in text) == (f"{kind}_{side}" in VISIBLE[role])


@pytest.mark.django_db
def test_for_user_is_the_one_door(street_staff_dawangzhuang, dawangzhuang,
                                  union_dawangzhuang_property, union_dazhigu_education):
    visible = Union.objects.for_user(street_staff_dawangzhuang)
    assert union_dawangzhuang_property in visible
    assert union_dazhigu_education not in visible
    assert set(visible.values_list("street_id", flat=True)) == {dawangzhuang.pk}
    # 大王庄 has 14 communities in the district's data.
    assert Community.objects.for_user(street_staff_dawangzhuang).count() == 14
    assert not IndustryFederation.objects.for_user(street_staff_dawangzhuang).exists()


@pytest.mark.django_db
def test_anonymous_and_inactive_users_see_nothing(street_staff_dawangzhuang,
                                                  union_dawangzhuang_property):
    from django.contrib.auth.models import AnonymousUser

    assert not Union.objects.for_user(AnonymousUser()).exists()
    street_staff_dawangzhuang.is_active = False
    assert not Union.objects.for_user(street_staff_dawangzhuang).exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, union_dawangzhuang_property):
    for url in [reverse("home"), reverse("membership:union_list"),
                reverse("membership:union_export"),
                reverse("membership:union_detail", args=[union_dawangzhuang_property.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,mode", sorted(OFFICE_ROUTES.items()))
def test_office_pages_open_to_the_office_only(client, request, role, route, mode):
    _login(client, request, role)
    response = client.get(reverse(route))
    allowed = role == "admin_user" or (role == "leader" and mode == "read")
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,kind", RECORD_ACTIONS)
def test_record_actions_are_404_outside_the_office(client, request, role, route, kind):
    _login(client, request, role)
    obj = OBJECTS[f"{kind}_a"](request.getfixturevalue)
    before = type(obj).objects.get(pk=obj.pk).history.count()
    response = client.post(reverse(route, args=[obj.pk]))
    if role == "admin_user":
        assert response.status_code == 302
    else:
        assert response.status_code == 404
        assert type(obj).objects.get(pk=obj.pk).history.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,kind,method", OFFICE_RECORD_ROUTES)
def test_accounts_and_keys_are_404_outside_the_office(client, request, role, route, kind,
                                                      method):
    _login(client, request, role)
    obj = OFFICE_RECORDS[kind](request.getfixturevalue)
    before = type(obj).objects.get(pk=obj.pk).history.count()
    response = getattr(client, method)(reverse(route, args=[getattr(obj, "prefix", obj.pk)]))
    if role == "admin_user":
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404
        assert type(obj).objects.get(pk=obj.pk).history.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin_user"])
@pytest.mark.parametrize("route", sorted(OFFICE_ACTIONS))
def test_office_actions_are_403_for_everyone_else(client, request, role, route):
    from accounts.models import ApiKey
    from subsidies.models import Batch, Entitlement

    _login(client, request, role)

    response = client.post(reverse(route), {"programme": "UNIVERSAL", "year": 2026,
                                            "name": "市总工会平台"})
    assert response.status_code == 403
    assert not Entitlement.objects.exists() and not Batch.objects.exists()
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_reach_only_the_members_pages(client, organisation_structure):
    for route in list(OFFICE_ROUTES) + ["subsidies:index", "subsidies:skill_claim_list"]:
        response = client.get(reverse(route))
        assert response.status_code == 302, route
        assert response["Location"].startswith(reverse("login"))
    for route in ("subsidies:public_spring_return", "subsidies:public_self_service"):
        assert client.get(reverse(route)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["a", "b"])
def test_reviewing_an_application_outside_the_scope_changes_nothing(client, request, role,
                                                                    side):
    from applications.models import Application

    _login(client, request, role)
    application = OBJECTS[f"application_{side}"](request.getfixturevalue)
    allowed = f"application_{side}" in WRITABLE[role]
    correction = {"name": "改名", "phone": "", "work": "scattered", "employer": "",
                  "occupation_group": application.occupation_group,
                  "street": application.community.street_id,
                  "community": application.community_id, "note": "更正姓名"}
    for route, data in (("applications:correct", correction),
                        ("applications:approve", {"hukou_type": "rural"}),
                        ("applications:reject", {"reason": "不符合条件"})):
        response = client.post(reverse(route, args=[application.pk]), data)
        if not allowed:
            assert response.status_code == 404
            unchanged = Application.objects.get(pk=application.pk)
            assert (unchanged.status, unchanged.name) == ("pending", application.name)
    if allowed:  # corrected, approved; the reject after the approval finds it reviewed
        reviewed = Application.objects.get(pk=application.pk)
        assert (reviewed.status, reviewed.name) == ("approved", "改名")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", [{"action": "approve", "hukou_type": "rural"},
                                    {"action": "reject", "reason": "不符合条件"}])
def test_a_bulk_review_with_an_application_outside_the_scope_changes_nothing(
        client, request, role, action):
    """Bulk review reads through for_user(write=True): one id outside the scope is a 404
    for the whole request; a role without review rights is refused before that."""
    from accounts.models import Role
    from applications.models import Application

    user = _login(client, request, role)
    applications = [OBJECTS[f"application_{side}"](request.getfixturevalue)
                    for side in ("a", "b")]
    response = client.post(reverse("applications:bulk_review"),
                           {"applications": [a.pk for a in applications], **action})
    if user.role == Role.ADMIN:  # the office reviews every street's
        assert response.status_code == 200
        assert "pending" not in set(Application.objects.values_list("status", flat=True))
        return
    assert response.status_code == (404 if user.role == Role.STREET else 403)
    assert set(Application.objects.values_list("status", flat=True)) == {"pending"}
