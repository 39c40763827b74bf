"""`seed_demo` (SPEC §11): deterministic demo data and users of every role."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

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
    _clear_registry()  # the units and members hold on to their unions
    Union.objects.exclude(form=UnionForm.COMMUNITY).delete()
    call_command("seed_demo", "--seed", "8")
    assert _demo_union_names() != first


# ---------------------------------------------------------------------------
# The registry: units, workers and members at any scale (SPEC §10, §11)
# ---------------------------------------------------------------------------
def _clear_registry():
    # History rows are append-only (accounts.audit): the test clears them as the
    # privileged path would, in one transaction (the bypass lasts as long as it).
    from django.db import transaction

    with transaction.atomic():
        _clear_registry_rows()


def _clear_registry_rows():
    from accounts.audit import bypass_set
    from membership.models import FoundingStep, Member, MemberNumberCounter, UnionSpan, Unit, \
        Worker

    from applications.models import Application
    from subsidies.models import Entitlement, ProgrammeYear

    # Demo online applications (issue 4): the approved one holds on to its member; so do
    # the demo's entitlements (issue 5), whose spring-return claims hold seats.
    bypass_set()
    Application.history.all().delete()
    Application.objects.all().delete()
    Entitlement.history.all().delete()
    Entitlement.objects.all().delete()
    ProgrammeYear.objects.update(accepted=0)
    UnionSpan.objects.all().delete()
    for model in (Member, Worker):
        model.history.all().delete()
        model.objects.all().delete()
    FoundingStep.objects.all().delete()
    own_unions = list(Unit.objects.exclude(union=None).values_list("union", flat=True))
    Unit.history.all().delete()
    Unit.objects.all().delete()
    Union.objects.filter(pk__in=own_unions).delete()
    MemberNumberCounter.objects.all().delete()


def _registry_snapshot():
    from membership.models import FoundingStep, Member, Unit, Worker

    return {
        "units": sorted(Unit.objects.values_list(
            "credit_code", "name", "kind", "sector", "street__name", "community__name",
            "employee_count", "migrant_count", "founding_status", "union__name",
            "covering_union__name", "registered_on")),
        "steps": sorted(FoundingStep.objects.values_list("unit__credit_code", "status", "on")),
        "workers": sorted(Worker.objects.values_list(
            "id_hmac", "name", "birth_date", "sex", "phone_hmac", "hukou_type",
            "hukou_province", "employment_form", "occupation_group", "employer__credit_code",
            "street__name", "community__name", "whole_unit_informal", "identified_on",
            "left_on")),
        "members": sorted(Member.objects.values_list(
            "member_number", "worker__id_hmac", "union__name", "joined_on", "card_hmac",
            "status", "ended_on")),
    }


@pytest.fixture
def seeded(organisation_structure):
    """The default demo: 2,000 workers in 300 units."""
    call_command("seed_demo", "--seed", "7")


@pytest.mark.django_db
def test_the_default_demo_makes_a_small_registry(seeded):
    from membership.models import Member, Unit, Worker

    assert Unit.objects.count() == 300
    # and the worker of the approved demo online application
    assert Worker.objects.exclude(source="application").count() == 2000
    assert 1000 < Member.objects.count() < 1500


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_registry(organisation_structure, capsys):
    call_command("seed_demo", "--seed", "7", "--workers", "300", "--units", "40")
    first = _registry_snapshot()
    # 300 workers, and the one of the approved demo online application
    assert len(first["workers"]) == 301 and len(first["units"]) == 40
    _clear_registry()
    call_command("seed_demo", "--seed", "7", "--workers", "300", "--units", "40")
    assert _registry_snapshot() == first
    out = capsys.readouterr().out
    assert "40 units" in out and "300 workers" in out


@pytest.mark.django_db
def test_a_rerun_adds_nothing_and_takes_no_member_number(organisation_structure):
    from membership.models import MemberNumberCounter

    call_command("seed_demo", "--seed", "7", "--workers", "300", "--units", "40")
    first = _registry_snapshot()
    counters = sorted(MemberNumberCounter.objects.values_list("year", "last"))
    call_command("seed_demo", "--seed", "7", "--workers", "300", "--units", "40")
    assert _registry_snapshot() == first
    assert sorted(MemberNumberCounter.objects.values_list("year", "last")) == counters


@pytest.mark.django_db
def test_another_seed_gives_another_registry(organisation_structure):
    call_command("seed_demo", "--seed", "7", "--workers", "200", "--units", "30")
    first = _registry_snapshot()
    _clear_registry()
    call_command("seed_demo", "--seed", "8", "--workers", "200", "--units", "30")
    second = _registry_snapshot()
    assert not set(first["units"]) & set(second["units"])
    assert not set(first["workers"]) & set(second["workers"])


@pytest.mark.django_db
def test_no_registry_when_asked_for_none(organisation_structure):
    from membership.models import Unit, Worker

    call_command("seed_demo", "--workers", "0", "--units", "0")
    assert not Unit.objects.exists() and not Worker.objects.exists()


@pytest.mark.django_db
def test_every_identifier_has_a_valid_check_digit(seeded):
    """SPEC §9: python-stdnum's checks, the same the forms and imports use."""
    from membership.identifiers import (
        clean_card_number,
        clean_credit_code,
        clean_phone,
        clean_resident_id,
    )
    from membership.models import Member, Unit, Worker
    from membership.pii import pii_hmac

    for code in Unit.objects.values_list("credit_code", flat=True):
        assert clean_credit_code(code) == code
    for number, digest, phone, phone_digest, birth, sex, province in Worker.objects.values_list(
            "id_number", "id_hmac", "phone", "phone_hmac", "birth_date", "sex",
            "hukou_province"):
        rid = clean_resident_id(number)
        assert (rid.number, rid.birth_date, rid.sex, rid.province_code) == (
            number, birth, sex, province)
        assert digest == pii_hmac("id", number)
        if phone:
            assert clean_phone(phone) == phone and phone_digest == pii_hmac("phone", phone)
    cards = list(Member.objects.exclude(card_number=None).values_list("card_number",
                                                                      "card_hmac"))
    assert cards
    for card, digest in cards:
        assert clean_card_number(card) == card and digest == pii_hmac("card", card)


@pytest.mark.django_db
def test_units_spread_over_streets_sectors_sizes_and_founding_states(seeded):
    from membership.models import (
        COVERING_FORMS,
        FoundingStatus,
        FoundingStep,
        Sector,
        Street,
        Unit,
        UnitKind,
        UnionForm,
    )

    units = Unit.objects.all()
    assert set(units.values_list("street", flat=True)) == set(
        Street.objects.values_list("pk", flat=True))
    assert units.exclude(community=None).count() > 200
    assert set(units.values_list("sector", flat=True)) == set(Sector.values)
    assert set(units.values_list("kind", flat=True)) == set(UnitKind.values)
    assert units.filter(employee_count=100).exists() and units.filter(employee_count=99).exists()
    assert 0.3 < units.hundred_plus().count() / 300 < 0.6
    assert set(units.values_list("founding_status", flat=True)) == set(FoundingStatus.values)
    for flag in ("is_key_enterprise", "is_shuangwan", "is_chamber_member",
                 "paid_preparation_fund"):
        assert 0 < units.filter(**{flag: True}).count() < 150
    for unit in units.filter(founding_status=FoundingStatus.FOUNDED).select_related("union"):
        assert unit.union.form == UnionForm.ENTERPRISE
        step = FoundingStep.objects.get(unit=unit, status=FoundingStatus.FOUNDED)
        assert step.union == unit.union and step.on == unit.union.founded_on
    for unit in units.filter(founding_status=FoundingStatus.COVERED).select_related(
            "covering_union"):
        assert unit.covering_union.form in COVERING_FORMS
        assert unit.covering_union.street_id == unit.street_id
        step = FoundingStep.objects.get(unit=unit, status=FoundingStatus.COVERED)
        assert step.on >= unit.covering_union.founded_on
    assert not FoundingStep.objects.filter(unit__founding_status=FoundingStatus.NONE).exists()


@pytest.mark.django_db
def test_workers_spread_like_the_drive(seeded):
    """Plan §二.5(2): the eight groups; most are migrant (rural hukou) and out of town."""
    from membership.models import EmploymentForm, OccupationGroup, Worker

    workers = Worker.objects.all()
    assert set(workers.values_list("occupation_group", flat=True)) == set(OccupationGroup)
    assert 0.65 < workers.filter(is_migrant=True).count() / 2000 < 0.75
    assert 0.55 < workers.filter(is_out_of_town=True).count() / 2000 < 0.65
    scattered = workers.filter(employer=None)
    assert 0.1 < scattered.count() / 2000 < 0.2
    assert not scattered.exclude(employment_form=EmploymentForm.SCATTERED).exists()
    assert not scattered.filter(community=None).exists()
    employed = workers.exclude(employer=None).select_related("employer")
    assert all(w.street_id == w.employer.street_id for w in employed)
    # Whole-unit informal employees: every worker of such a unit, or none of it.
    flags = {}
    for unit_id, informal in employed.values_list("employer", "whole_unit_informal"):
        flags.setdefault(unit_id, set()).add(informal)
    assert all(len(f) == 1 for f in flags.values())
    assert any(f == {True} for f in flags.values())


@pytest.mark.django_db
def test_members_are_routed_numbered_and_carded(seeded):
    from membership.models import Member, MemberStatus, UnionSpan
    from membership.services import route_union

    members = Member.objects.select_related("worker__employer__union",
                                            "worker__employer__covering_union", "union")
    # About 60%, plus the few workers of units without a union whom the community union
    # took in (plan §二.5(2); membership.demo.ABSORBED_MEMBER_SHARE).
    assert 0.55 < members.count() / 2000 < 0.70
    assert 0.8 < members.exclude(card_hmac=None).count() / members.count() < 0.9
    for member in members.filter(status=MemberStatus.ACTIVE)[:200]:
        assert route_union(member.worker) == member.union
        assert member.joined_on >= member.worker.identified_on
        assert member.member_number == f"HD{member.joined_on.year}{member.member_number[6:]}"
    ended = members.filter(status=MemberStatus.ENDED)
    assert ended.exists() and not ended.exclude(union=None).exists()
    assert UnionSpan.objects.filter(ended_on=None).count() == members.filter(
        status=MemberStatus.ACTIVE).count()
    assert UnionSpan.objects.count() == members.count()


@pytest.mark.django_db
def test_the_registry_keeps_its_history_written_in_bulk(seeded):
    from membership.models import Member, Unit, Worker

    for model in (Unit, Worker, Member):
        history = model.history.filter(history_type="+")
        assert history.count() == model.objects.count()
    record = Worker.history.order_by("?").first()
    worker = Worker.objects.get(pk=record.id)
    assert (record.id_number, record.name, record.history_change_reason) == (
        worker.id_number, worker.name, "seed_demo")


@pytest.mark.django_db(transaction=True)
def test_writer_threads_write_the_same_registry(organisation_structure, monkeypatch):
    """Large runs on PostgreSQL write chunks in threads; the data stays the seed's."""
    from membership import demo

    monkeypatch.setattr(demo, "WORKER_CHUNK", 50)
    call_command("seed_demo", "--seed", "7", "--workers", "300", "--units", "40")
    first = _registry_snapshot()
    _clear_registry()
    monkeypatch.setattr(demo, "PARALLEL_FROM", 100)
    calls = []
    original = demo._write_workers_in_thread
    monkeypatch.setattr(demo, "_write_workers_in_thread",
                        lambda new: calls.append(len(new)) or original(new))
    call_command("seed_demo", "--seed", "7", "--workers", "300", "--units", "40")
    assert calls == [50] * 6
    assert _registry_snapshot() == first


@pytest.mark.django_db
def test_demo_applications_pending_overdue_approved_and_rejected(organisation_structure):
    from applications.models import Application

    call_command("seed_demo", "--seed", "7", "--workers", "50", "--units", "10")
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"pending", "approved", "rejected"}
    assert Application.objects.overdue().count() == 1
    count = Application.objects.count()
    call_command("seed_demo", "--seed", "7", "--workers", "50", "--units", "10")
    assert Application.objects.count() == count


# ---------------------------------------------------------------------------
# Figures agree the moment the data exists
# ---------------------------------------------------------------------------
SMALL = ("--workers", "400", "--units", "80")


@pytest.mark.django_db
def test_the_leaders_home_and_the_dashboard_agree_right_after_seeding(
        organisation_structure, client):
    """seed_demo ends by taking the current figures as the periodic task does
    (reporting.live), so the home page and the dashboard show the same rates and money."""
    call_command("seed_demo", *SMALL, stdout=io.StringIO())
    client.force_login(User.objects.get(username="leader"))
    home = client.get("/").context
    dashboard = client.get("/dashboard/").context["data"]
    assert home["district_figures"].snapshot_id == dashboard.snapshot.pk
    assert home["district_figures"].migrant == dashboard.district.migrant
    assert home["district_figures"].founding == dashboard.district.founding
    money = home["subsidies"]
    assert money["entitled"] > 0
    assert (money["entitled"], money["paid"]) == (dashboard.subsidy_total.entitled,
                                                 dashboard.subsidy_total.paid)


@pytest.mark.django_db
def test_every_unit_shown_founded_counts_in_the_rate_or_says_why(organisation_structure,
                                                                 client):
    """On the demo data, a unit page and the community drill-down count a unit shown as
    founded in the 100+ founding rate exactly as the rate does, or say why not."""
    from django.utils import timezone

    from membership.models import Unit
    from membership.selectors import founding_rate_standing
    from reporting.rates import founded_exists, founding_base

    call_command("seed_demo", *SMALL, stdout=io.StringIO())
    today = timezone.localdate()
    counted = set(founding_base(today).filter(founded_exists(today))
                  .values_list("pk", flat=True))
    shown = Unit.objects.filter(founding_status__in=["founded", "covered"])
    assert shown.filter(pk__in=counted).exists() and shown.exclude(pk__in=counted).exists()
    for unit in shown:
        standing = founding_rate_standing(unit, today)
        assert standing.counted_as_founded == (unit.pk in counted)
        assert standing.counted_as_founded or standing.reasons
    client.force_login(User.objects.get(username="leader"))
    uncounted = (shown.exclude(pk__in=counted).exclude(community=None)
                 .order_by("-employee_count", "pk").first())  # on its drill-down's first page
    page = client.get(reverse("membership:unit_detail", args=[uncounted.pk])).content.decode()
    assert "未计入百人以上非公企业建会率的已建会数" in page
    drill_down = client.get(reverse("dashboard:community", args=[uncounted.community_id]))
    for row in drill_down.context["page"]:
        if row.founding_status in ("founded", "covered") and row.pk not in counted:
            assert row.founding_rate.reasons
        else:
            assert not row.founding_rate.reasons
    assert "未计入上方建会率的已建会数" in drill_down.content.decode()


# ---------------------------------------------------------------------------
# Demo data for the states a street meets: members to transfer, cards given online
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_demo_street_has_a_unit_founded_after_its_workers_joined(seeded, client):
    """Plan §二.5(2): the community union took the unit's workers in; the unit has since
    founded its union, so the street sees its members to transfer (SPEC §4)."""
    from membership.models import FoundingStatus, Street, UnionForm
    from membership.selectors.units import (
        unit_members_to_transfer,
        units_with_members_to_transfer,
    )

    street_user = User.objects.get(username="street_dawangzhuang")
    units = list(units_with_members_to_transfer(user=street_user))
    assert len(units) == 1
    unit = units[0]
    assert unit.street == Street.objects.by_name("大王庄")
    assert unit.founding_status == FoundingStatus.FOUNDED
    assert unit.union.form == UnionForm.ENTERPRISE
    assert unit.union.history.earliest().history_user == street_user
    assert unit_members_to_transfer(unit).count() == unit.to_transfer > 0
    client.force_login(street_user)
    assert unit.name in client.get("/").content.decode()
    page = client.get(reverse("membership:unit_detail", args=[unit.pk]))
    assert page.status_code == 200
    # A rerun finds the example there and founds no other unit.
    call_command("seed_demo", "--seed", "7", stdout=io.StringIO())
    assert list(units_with_members_to_transfer(user=street_user)) == units


@pytest.mark.django_db
def test_demo_applications_carry_cards_and_the_approved_member_has_it_bound(seeded):
    """SPEC §5: the application may carry the member service card; approval binds it."""
    from applications.models import Application
    from membership.models import Member

    approved = Application.objects.get(status="approved")
    assert approved.card_number
    member = Member.objects.get(worker__id_hmac=approved.id_hmac)
    assert member.card_number == approved.card_number
    pending = Application.objects.filter(status="pending")
    assert pending.exclude(card_number="").exists()
    assert pending.filter(card_number="").exists()
