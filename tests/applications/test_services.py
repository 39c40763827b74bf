"""The submission and the review (SPEC §5): outcomes, routing, approval in one transaction
with the SPEC §4 routing and a member number, rejection with a reason."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from applications.models import Application
from applications.services import (
    application_approve,
    application_reject,
    application_submit,
)
from membership.models import Member, Union, UnionForm, Worker
from membership.pii import pii_hmac
from tests.applications.conftest import new_id, new_phone, submit_kwargs
from tests.conftest import REGISTRY


@pytest.mark.django_db
def test_a_new_application_gets_a_number_and_waits(dawangzhuang_community):
    outcome = application_submit(**submit_kwargs(dawangzhuang_community))
    assert outcome.kind == "created"
    application = Application.objects.get()
    assert application.number.startswith("SQ") and len(application.number) == 12
    assert (application.status, application.street) == ("pending", dawangzhuang_community.street)
    assert application.consent_version == "2026-02" and application.consented_at
    assert application.id_hmac == pii_hmac("id", application.id_number)


@pytest.mark.django_db
def test_personal_data_is_stored_encrypted(dawangzhuang_community):
    from django.db import connection

    kwargs = submit_kwargs(dawangzhuang_community)
    application_submit(**kwargs)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM applications_application")
        stored_id, stored_phone = cursor.fetchone()
    assert kwargs["id_number"] not in stored_id and kwargs["phone"] not in stored_phone


@pytest.mark.django_db
def test_the_same_id_while_pending_returns_the_same_application(dawangzhuang_community):
    number, phone = new_id(), new_phone()
    first = application_submit(**submit_kwargs(dawangzhuang_community, id_number=number,
                                               phone=phone))
    again = application_submit(**submit_kwargs(dawangzhuang_community,
                                               id_number=number.lower(), name="李春笙",
                                               phone=phone))
    assert again.kind == "existing" and again.application.pk == first.application.pk
    assert Application.objects.count() == 1


@pytest.mark.django_db
def test_after_a_rejection_a_new_application_is_allowed(dawangzhuang_community,
                                                        street_staff_dawangzhuang):
    number = new_id()
    first = application_submit(**submit_kwargs(dawangzhuang_community, id_number=number))
    application_reject(application=first.application, by=street_staff_dawangzhuang,
                       reason="请先补充单位证明")
    second = application_submit(**submit_kwargs(dawangzhuang_community, id_number=number))
    assert second.kind == "created" and second.application.pk != first.application.pk
    assert Application.objects.count() == 2


@pytest.mark.django_db
def test_an_active_member_is_told_the_union_only(member_dawangzhuang, dazhigu_community):
    outcome = application_submit(**submit_kwargs(dazhigu_community,
                                                 id_number=REGISTRY["id_a"],
                                                 phone=REGISTRY["phone_a"]))
    assert outcome.kind == "member" and outcome.application is None
    assert outcome.union_name == member_dawangzhuang.union.name
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_phone_of_another_member_is_flagged_not_refused(member_dawangzhuang,
                                                          dazhigu_community):
    outcome = application_submit(**submit_kwargs(dazhigu_community,
                                                 phone=REGISTRY["phone_a"]))
    assert outcome.kind == "created" and outcome.application.phone_flag


@pytest.mark.django_db
def test_routing_goes_to_the_employers_street(unit_dawangzhuang_property, dazhigu_community):
    """Plan: the application goes to the employer's street, not the worker's home street."""
    outcome = application_submit(**submit_kwargs(dazhigu_community,
                                                 employer=unit_dawangzhuang_property))
    assert outcome.application.street == unit_dawangzhuang_property.street
    assert outcome.application.community == dazhigu_community


@pytest.mark.django_db
def test_scattered_workers_go_to_the_communitys_street(dazhigu_community):
    outcome = application_submit(**submit_kwargs(dazhigu_community))
    assert outcome.application.street == dazhigu_community.street


@pytest.mark.django_db
def test_approval_registers_the_worker_and_enrolls_in_the_community_union(
        dawangzhuang_community, street_staff_dawangzhuang):
    outcome = application_submit(**submit_kwargs(dawangzhuang_community))
    application = application_approve(application=outcome.application,
                                      by=street_staff_dawangzhuang, hukou_type="rural")
    member = application.member
    assert application.status == "approved" and application.reviewed_by == street_staff_dawangzhuang
    assert member.member_number.startswith(f"HD{date.today().year}")
    assert member.union == Union.objects.get(community=dawangzhuang_community,
                                             form=UnionForm.COMMUNITY)
    worker = member.worker
    assert (worker.source, worker.employment_form, worker.hukou_type) == (
        "application", "scattered", "rural")
    assert member.source == "application"
    assert worker.id_hmac == application.id_hmac and worker.phone == application.phone


@pytest.mark.django_db
def test_approval_sends_an_employee_to_the_employers_union(
        unit_dawangzhuang_property, union_dawangzhuang_property, dawangzhuang_community,
        street_staff_dawangzhuang, registrar):
    from membership.services import founding_step_add

    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2024, 1, 5), union=union_dawangzhuang_property)
    outcome = application_submit(**submit_kwargs(dawangzhuang_community,
                                                 employer=unit_dawangzhuang_property))
    application = application_approve(application=outcome.application,
                                      by=street_staff_dawangzhuang, hukou_type="rural",
                                      employment_form="contract")
    assert application.member.union == union_dawangzhuang_property
    assert application.member.worker.employer == unit_dawangzhuang_property


@pytest.mark.django_db
def test_an_employee_of_a_unit_without_a_union_joins_the_community_union(
        unit_dawangzhuang_property, dawangzhuang_community, street_staff_dawangzhuang):
    """Plan §二.5(2): the community union takes in the workers of units without a union."""
    outcome = application_submit(**submit_kwargs(dawangzhuang_community,
                                                 employer=unit_dawangzhuang_property))
    application = application_approve(application=outcome.application,
                                      by=street_staff_dawangzhuang, hukou_type="rural",
                                      employment_form="contract")
    assert application.member.union == Union.objects.get(community=dawangzhuang_community,
                                                         form=UnionForm.COMMUNITY)


@pytest.mark.django_db
def test_without_a_community_in_the_employers_street_the_reviewer_chooses(
        unit_dawangzhuang_property, dazhigu_community, admin_user,
        union_dawangzhuang_property):
    """The applicant's community lies in another street and the unit has none: the refusal
    says what to do; a union chosen by hand is taken."""
    from membership.models import Unit

    Unit.objects.filter(pk=unit_dawangzhuang_property.pk).update(community=None)
    outcome = application_submit(**submit_kwargs(dazhigu_community,
                                                 employer=unit_dawangzhuang_property))
    with pytest.raises(ValidationError) as refused:
        application_approve(application=outcome.application, by=admin_user,
                            hukou_type="rural", employment_form="contract")
    assert refused.value.message_dict["union"] == [
        "职工和所在单位都没有所属社区，无法确定接收会员的社区工会：请填写职工的所属社区，"
        "或手动选择基层工会。"]
    # Nothing of the approval stays: no worker, no member, still pending.
    assert not Worker.objects.exists() and not Member.objects.exists()
    assert Application.objects.get().status == "pending"
    application = application_approve(application=outcome.application, by=admin_user,
                                      hukou_type="rural", employment_form="contract",
                                      union=union_dawangzhuang_property)
    assert application.member.union == union_dawangzhuang_property


@pytest.mark.django_db
def test_a_failing_approval_leaves_nothing_behind(dawangzhuang_community,
                                                  street_staff_dawangzhuang, monkeypatch):
    """Worker and membership are created in one transaction with the application's change."""
    from applications import services

    outcome = application_submit(**submit_kwargs(dawangzhuang_community))

    def broken_enroll(**kwargs):
        raise ValidationError({"union": "boom"})

    monkeypatch.setattr(services, "member_enroll", broken_enroll)
    with pytest.raises(ValidationError):
        application_approve(application=outcome.application, by=street_staff_dawangzhuang,
                            hukou_type="rural")
    assert not Worker.objects.exists()
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_another_streets_staff_cannot_review(dawangzhuang_community, street_staff_dazhigu,
                                             leader):
    outcome = application_submit(**submit_kwargs(dawangzhuang_community))
    for user in (street_staff_dazhigu, leader):
        with pytest.raises(PermissionDenied):
            application_reject(application=outcome.application, by=user, reason="不符合")
        with pytest.raises(PermissionDenied):
            application_approve(application=outcome.application, by=user, hukou_type="rural")
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_a_reviewed_application_cannot_be_reviewed_again(dawangzhuang_community,
                                                         street_staff_dawangzhuang):
    outcome = application_submit(**submit_kwargs(dawangzhuang_community))
    application_reject(application=outcome.application, by=street_staff_dawangzhuang,
                       reason="信息不实")
    with pytest.raises(ValidationError):
        application_approve(application=outcome.application, by=street_staff_dawangzhuang,
                            hukou_type="rural")
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_a_rejection_needs_a_reason(dawangzhuang_community, street_staff_dawangzhuang):
    outcome = application_submit(**submit_kwargs(dawangzhuang_community))
    with pytest.raises(ValidationError):
        application_reject(application=outcome.application, by=street_staff_dawangzhuang,
                           reason="   ")
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_approval_enrolls_a_worker_already_in_the_registry(
        worker_dawangzhuang, unit_dawangzhuang_property, union_dawangzhuang_property,
        dawangzhuang_community, street_staff_dawangzhuang, registrar):
    from membership.services import founding_step_add

    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2024, 1, 5), union=union_dawangzhuang_property)
    outcome = application_submit(**submit_kwargs(
        dawangzhuang_community, id_number=REGISTRY["id_a"], phone=REGISTRY["phone_a"],
        employer=unit_dawangzhuang_property))
    application = application_approve(application=outcome.application,
                                      by=street_staff_dawangzhuang, hukou_type="rural",
                                      employment_form="contract")
    assert application.member.worker == worker_dawangzhuang
    assert Worker.objects.count() == 1


# --- The join date of an approval (issue 4) ---------------------------------------------------
# Submitted on 2026-03-10 at 23:30 in Tianjin (15:30 UTC): the submission day is the 10th
# there; approved on the 20th.
SUBMITTED = "2026-03-10 23:30 +0800"
APPROVED = "2026-03-20 10:00 +0800"


def _submitted_on_the_10th(community):
    import time_machine

    with time_machine.travel(SUBMITTED, tick=False):
        return application_submit(**submit_kwargs(community)).application


@pytest.mark.django_db
@pytest.mark.parametrize("joined_on", [date(2026, 3, 10), date(2026, 3, 14),
                                       date(2026, 3, 20)])
def test_approval_gives_the_membership_the_chosen_join_date(joined_on, dawangzhuang_community,
                                                            street_staff_dawangzhuang):
    import time_machine

    application = _submitted_on_the_10th(dawangzhuang_community)
    with time_machine.travel(APPROVED, tick=False):
        application = application_approve(application=application,
                                          by=street_staff_dawangzhuang, hukou_type="rural",
                                          joined_on=joined_on)
    member = application.member
    assert member.joined_on == joined_on
    assert member.spans.get().started_on == joined_on
    # The worker entered the registry on the day of the approval, as before.
    assert member.worker.identified_on == date(2026, 3, 20)


@pytest.mark.django_db
def test_approval_without_a_join_date_joins_today(dawangzhuang_community,
                                                  street_staff_dawangzhuang):
    import time_machine

    application = _submitted_on_the_10th(dawangzhuang_community)
    with time_machine.travel(APPROVED, tick=False):
        application = application_approve(application=application,
                                          by=street_staff_dawangzhuang, hukou_type="rural")
    assert application.member.joined_on == date(2026, 3, 20)


@pytest.mark.django_db
@pytest.mark.parametrize("joined_on,message", [
    (date(2026, 3, 21), "入会日期不能晚于今天。"),
    (date(2026, 3, 9), "入会日期不能早于提交申请的日期（2026-03-10）。"),
])
def test_a_join_date_outside_submission_to_today_is_refused(joined_on, message,
                                                             dawangzhuang_community,
                                                             street_staff_dawangzhuang):
    import time_machine

    application = _submitted_on_the_10th(dawangzhuang_community)
    with time_machine.travel(APPROVED, tick=False), pytest.raises(ValidationError) as refused:
        application_approve(application=application, by=street_staff_dawangzhuang,
                            hukou_type="rural", joined_on=joined_on)
    assert refused.value.message_dict == {"joined_on": [message]}
    assert not Worker.objects.exists() and not Member.objects.exists()
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_a_join_date_before_the_unions_founding_is_refused(dawangzhuang_community,
                                                           street_staff_dawangzhuang):
    """Nobody joins a union before it was founded (membership.services.eligibility_errors):
    the approval is refused, nothing of it stays and the application stays pending."""
    import time_machine

    union = Union.objects.get(community=dawangzhuang_community, form=UnionForm.COMMUNITY)
    Union.objects.filter(pk=union.pk).update(founded_on=date(2026, 3, 15))
    application = _submitted_on_the_10th(dawangzhuang_community)
    with time_machine.travel(APPROVED, tick=False), pytest.raises(ValidationError) as refused:
        application_approve(application=application, by=street_staff_dawangzhuang,
                            hukou_type="rural", joined_on=date(2026, 3, 14))
    assert refused.value.message_dict == {
        "joined_on": [f"入会日期不能早于{union.name}的成立日期（2026-03-15）。"]}
    assert not Worker.objects.exists() and not Member.objects.exists()
    assert Application.objects.get().status == "pending"
    with time_machine.travel(APPROVED, tick=False):
        application = application_approve(application=application,
                                          by=street_staff_dawangzhuang, hukou_type="rural",
                                          joined_on=date(2026, 3, 15))
    assert application.member.joined_on == date(2026, 3, 15)
