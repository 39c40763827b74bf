"""Enrollment, routing, transfer, ending and dues (SPEC §4, plan §一.(一)1, §三.(一)1)."""

import random
import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from membership import fakes
from membership.models import (
    DuesPayment,
    EmploymentForm,
    Member,
    MemberStatus,
    Union,
    UnionForm,
    UnionSpan,
    Worker,
)
from membership.services import (
    dues_arrears,
    dues_record,
    enrollment_submit,
    member_end,
    member_enroll,
    member_transfer,
    route_union,
    worker_create,
)

RNG = random.Random(4)
TODAY = date(2026, 11, 28)


def _worker_fields(community, **overrides):
    fields = {
        "name": "李四", "id_number": fakes.resident_id(RNG, birth_date=date(1990, 5, 1)),
        "phone": fakes.phone(RNG), "hukou_type": "rural", "hukou_province": "",
        "employment_form": EmploymentForm.SCATTERED, "occupation_group": "courier",
        "employer": None, "street": community.street, "community": community,
        "identified_on": date(2026, 3, 20), "source": "staff",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def scattered_worker(street_staff_dawangzhuang, dawangzhuang_community):
    return worker_create(by=street_staff_dawangzhuang,
                         **_worker_fields(dawangzhuang_community))


@pytest.mark.django_db
def test_the_id_is_stored_encrypted_with_its_hash_and_derived_fields(scattered_worker):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM membership_worker WHERE id = %s",
                       [scattered_worker.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert scattered_worker.id_number not in stored_id
    assert scattered_worker.phone not in stored_phone
    fresh = Worker.objects.get(pk=scattered_worker.pk)
    assert fresh.id_number == scattered_worker.id_number
    assert fresh.birth_date == date(1990, 5, 1)
    assert fresh.is_migrant and fresh.hukou_province == fresh.id_number[:2]


@pytest.mark.django_db
def test_a_duplicate_id_is_refused(street_staff_dawangzhuang, dawangzhuang_community,
                                   scattered_worker):
    with pytest.raises(ValidationError) as error:
        worker_create(by=street_staff_dawangzhuang, **_worker_fields(
            dawangzhuang_community, id_number=scattered_worker.id_number.lower()))
    assert error.value.message_dict["id_number"] == ["该身份证号的职工已经登记。"]


@pytest.mark.django_db
def test_scattered_workers_route_to_their_community_union(scattered_worker,
                                                          dawangzhuang_community):
    union = route_union(scattered_worker)
    assert union.form == UnionForm.COMMUNITY and union.community == dawangzhuang_community


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_enrollment_gives_a_member_number_and_opens_a_span(street_staff_dawangzhuang,
                                                           scattered_worker):
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=route_union(scattered_worker), joined_on=date(2026, 4, 1),
                           card_number=fakes.card_number(RNG))
    assert member.member_number == "HD2026000001"
    assert member.spans.get().started_on == date(2026, 4, 1)
    second = worker_create(by=street_staff_dawangzhuang,
                           **_worker_fields(scattered_worker.community))
    other = member_enroll(by=street_staff_dawangzhuang, worker=second,
                          union=route_union(second), joined_on=date(2026, 5, 1))
    assert other.member_number == "HD2026000002"


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_under_16_on_the_join_date_is_refused(street_staff_dawangzhuang,
                                              dawangzhuang_community):
    young = worker_create(by=street_staff_dawangzhuang, **_worker_fields(
        dawangzhuang_community, id_number=fakes.resident_id(RNG, birth_date=date(2010, 6, 2))))
    with pytest.raises(ValidationError) as error:
        member_enroll(by=street_staff_dawangzhuang, worker=young, union=route_union(young),
                      joined_on=date(2026, 6, 1))
    assert error.value.message_dict["joined_on"] == [
        "入会日期时该职工未满16周岁（出生于2010-06-02）。"]
    member = member_enroll(by=street_staff_dawangzhuang, worker=young, union=route_union(young),
                           joined_on=date(2026, 6, 2))
    assert member.status == MemberStatus.ACTIVE


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_an_active_member_cannot_join_again(street_staff_dawangzhuang, scattered_worker):
    union = route_union(scattered_worker)
    member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker, union=union,
                  joined_on=date(2026, 4, 1))
    with pytest.raises(ValidationError) as error:
        member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker, union=union,
                      joined_on=date(2026, 5, 1))
    assert error.value.message_dict["worker"] == [f"该职工已是{union.name}的在册会员。"]


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_a_card_failing_luhn_fails_the_whole_enrollment(street_staff_dawangzhuang,
                                                       dawangzhuang_community):
    fields = _worker_fields(dawangzhuang_community)
    card = fakes.card_number(RNG)
    bad_card = card[:-1] + str((int(card[-1]) + 1) % 10)
    union = Union.objects.get(community=dawangzhuang_community, form=UnionForm.COMMUNITY)
    with pytest.raises(ValidationError) as error:
        enrollment_submit(by=street_staff_dawangzhuang, worker_fields=fields, union=union,
                          joined_on=date(2026, 4, 1), card_number=bad_card, declared=True)
    assert "card_number" in error.value.message_dict
    assert not Worker.objects.exists()  # one transaction: the worker is not kept either
    assert not Member.objects.exists()


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_a_transfer_keeps_one_member_without_a_gap(street_staff_dawangzhuang,
                                                  scattered_worker, dawangzhuang):
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=route_union(scattered_worker), joined_on=date(2026, 4, 1))
    building = Union.objects.create(name="大王庄金融楼宇工会", form=UnionForm.BUILDING,
                                    street=dawangzhuang, founded_on=date(2019, 6, 1))
    member_transfer(member=member, by=street_staff_dawangzhuang, union=building,
                    on=date(2026, 9, 1))
    spans = list(UnionSpan.objects.filter(member=member).order_by("started_on"))
    assert [(s.started_on, s.ended_on) for s in spans] == [
        (date(2026, 4, 1), date(2026, 9, 1)), (date(2026, 9, 1), None)]
    assert Member.objects.filter(worker=scattered_worker).count() == 1
    member.refresh_from_db()
    assert member.union == building and member.member_number == "HD2026000001"
    assert Member.objects.active_on(date(2026, 9, 1)).count() == 1


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_ending_needs_a_reason_and_closes_the_span(street_staff_dawangzhuang,
                                                   scattered_worker):
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=route_union(scattered_worker), joined_on=date(2026, 4, 1))
    with pytest.raises(ValidationError):
        member_end(member=member, by=street_staff_dawangzhuang, on=date(2026, 10, 1),
                   reason="")
    member_end(member=member, by=street_staff_dawangzhuang, on=date(2026, 10, 1),
               reason="left_job")
    member.refresh_from_db()
    assert member.status == MemberStatus.ENDED and member.union is None
    assert member.spans.get().ended_on == date(2026, 10, 1)
    assert not Member.objects.active_on(date(2026, 10, 1)).exists()
    assert Member.objects.active_on(date(2026, 9, 30)).count() == 1
    # After ending, the worker may join again with a new number.
    again = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                          union=route_union(scattered_worker), joined_on=date(2026, 11, 1))
    assert again.member_number == "HD2026000002"


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_dues_of_two_yuan_a_month_and_arrears(street_staff_dawangzhuang, scattered_worker):
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=route_union(scattered_worker), joined_on=date(2026, 8, 15))
    assert [m.month for m in dues_arrears(member)] == [8, 9, 10, 11]
    dues_record(member=member, by=street_staff_dawangzhuang, first_month=date(2026, 8, 1),
                months=3, paid_on=date(2026, 10, 20))
    assert sum(d.amount for d in DuesPayment.objects.filter(member=member)) == Decimal("6.00")
    assert [m.month for m in dues_arrears(member)] == [11]
    with pytest.raises(ValidationError) as error:
        dues_record(member=member, by=street_staff_dawangzhuang, first_month=date(2026, 10, 1),
                    months=2, paid_on=date(2026, 11, 1))
    assert error.value.message_dict["first_month"] == ["以下月份已缴：2026-10。"]
    assert DuesPayment.objects.filter(member=member).count() == 3


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_dues_across_the_new_year(street_staff_dawangzhuang, scattered_worker):
    member = member_enroll(by=street_staff_dawangzhuang, worker=scattered_worker,
                           union=route_union(scattered_worker), joined_on=date(2025, 11, 3))
    payments = dues_record(member=member, by=street_staff_dawangzhuang,
                           first_month=date(2025, 11, 1), months=4, paid_on=date(2026, 2, 1))
    assert [p.month for p in payments] == [date(2025, 11, 1), date(2025, 12, 1),
                                           date(2026, 1, 1), date(2026, 2, 1)]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=True)
def test_two_enrollments_of_one_worker_at_once_make_one_member(organisation_structure,
                                                              street_staff_dawangzhuang,
                                                              dawangzhuang_community):
    """The database constraint decides, not a check-then-insert (PostgreSQL row locks)."""
    worker = worker_create(by=street_staff_dawangzhuang,
                           **_worker_fields(dawangzhuang_community))
    union = route_union(worker)
    barrier, outcomes = threading.Barrier(2), []

    def enroll():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            member_enroll(by=street_staff_dawangzhuang, worker=worker, union=union,
                          joined_on=date(2026, 4, 1))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=enroll) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Member.objects.filter(worker=worker).count() == 1
