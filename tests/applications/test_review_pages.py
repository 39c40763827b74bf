"""The street's review pages (SPEC §5, issue 4 §3): the queue with its count in the
navigation, possible duplicates, approve and reject, over-10-days flags on the street's and
the leadership's pages, personal data masked unless the full view is logged."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from applications.models import Application
from applications.services import application_submit
from tests.applications.conftest import submit_kwargs
from tests.conftest import REGISTRY


def _apply(community, **change):
    return application_submit(**submit_kwargs(community, **change)).application


def _age(application, days):
    Application.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - timedelta(days=days))


@pytest.mark.django_db
def test_the_queue_lists_the_streets_pending_applications(client, street_staff_dawangzhuang,
                                                          dawangzhuang_community,
                                                          dazhigu_community):
    mine, other = _apply(dawangzhuang_community), _apply(dazhigu_community)
    client.force_login(street_staff_dawangzhuang)
    text = client.get(reverse("applications:list")).content.decode()
    assert mine.number in text and other.number not in text


@pytest.mark.django_db
def test_the_navigation_shows_the_pending_count_to_street_staff(
        client, street_staff_dawangzhuang, dawangzhuang_community, dazhigu_community):
    _apply(dawangzhuang_community), _apply(dawangzhuang_community), _apply(dazhigu_community)
    client.force_login(street_staff_dawangzhuang)
    text = client.get(reverse("home")).content.decode()
    assert 'data-testid="nav-pending-applications"' in text
    assert 'title="待审核的申请">2</span>' in text
    assert 'data-testid="applications-pending">2<' in text
    # The home's card and the menu's badge share one count.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    counts = [q["sql"] for q in queries
              if 'FROM "applications_application"' in q["sql"] and "COUNT(" in q["sql"]]
    assert len(counts) == 1, counts


@pytest.mark.django_db
def test_pending_over_ten_days_is_flagged_for_the_street_and_the_leadership(
        client, street_staff_dawangzhuang, leader, dawangzhuang_community):
    """SPEC §5: applications pending over 10 days are flagged on both pages."""
    old, fresh = _apply(dawangzhuang_community), _apply(dawangzhuang_community)
    _age(old, 11)
    _age(fresh, 9)
    client.force_login(street_staff_dawangzhuang)
    assert 'data-testid="applications-overdue">1<' in client.get(reverse("home")).content.decode()
    listed = client.get(reverse("applications:list"), {"status": "pending", "overdue": "on"})
    assert old.number in listed.content.decode()
    assert fresh.number not in listed.content.decode()
    client.force_login(leader)
    text = client.get(reverse("home")).content.decode()
    assert 'data-testid="overdue-street"' in text and "大王庄街道总工会" in text


@pytest.mark.django_db
def test_the_detail_masks_personal_data_and_shows_duplicates(
        client, street_staff_dawangzhuang, member_dawangzhuang, dawangzhuang_community):
    application = _apply(dawangzhuang_community, phone=REGISTRY["phone_a"])
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("applications:detail", args=[application.pk]))
    text = response.content.decode()
    assert application.id_number not in text and application.phone not in text
    assert application.id_number[-4:] in text
    assert 'data-testid="phone-flag"' in text
    assert member_dawangzhuang.member_number in text  # the member with the same phone
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_the_full_view_is_logged_without_the_data(client, admin_user, dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(admin_user)
    text = client.get(reverse("applications:full", args=[application.pk])).content.decode()
    assert application.id_number in text
    log = AccessLog.objects.get()
    assert (log.user, log.target_type, log.target_id) == (
        admin_user, "applications.application", str(application.pk))
    assert application.id_number not in log.description


@pytest.mark.django_db
def test_street_staff_approve_on_the_page(client, street_staff_dawangzhuang,
                                          dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert 'data-testid="approve-form"' in page
    response = client.post(reverse("applications:approve", args=[application.pk]),
                           {"hukou_type": "rural"}, follow=True)
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.member.member_number in response.content.decode()


@pytest.mark.django_db
def test_an_approval_without_hukou_type_shows_the_error(client, street_staff_dawangzhuang,
                                                        dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("applications:approve", args=[application.pk]), {})
    assert response.status_code == 200
    assert "hukou_type" in response.context["approve_form"].errors
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_street_staff_reject_with_a_reason(client, street_staff_dawangzhuang,
                                           dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(reverse("applications:reject", args=[application.pk]),
                           {"reason": "   "})
    assert response.status_code == 200 and Application.objects.get().status == "pending"
    client.post(reverse("applications:reject", args=[application.pk]),
                {"reason": "请提供在职证明"})
    application.refresh_from_db()
    assert (application.status, application.reject_reason) == ("rejected", "请提供在职证明")
    assert application.history.count() == 2  # submitted, rejected


@pytest.mark.django_db
def test_the_leadership_reads_without_review_forms(client, leader, dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(leader)
    text = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert application.number in text and 'data-testid="approve-form"' not in text
    assert application.id_number not in text


@pytest.mark.django_db
def test_duplicates_outside_the_scope_show_only_their_street(
        client, street_staff_dawangzhuang, member_dazhigu, dawangzhuang_community):
    """SPEC §1: a record of another street is never shown, not even as a duplicate."""
    application = _apply(dawangzhuang_community, phone=REGISTRY["phone_b"])
    client.force_login(street_staff_dawangzhuang)
    text = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert 'data-testid="duplicates"' in text and "大直沽" in text
    assert member_dazhigu.member_number not in text
    assert member_dazhigu.worker.name not in text


@pytest.mark.django_db
def test_the_queue_and_the_detail_keep_their_query_counts(
        client, street_staff_dawangzhuang, dawangzhuang_community,
        django_assert_max_num_queries):
    for _ in range(30):
        _apply(dawangzhuang_community)
    application = Application.objects.first()
    client.force_login(street_staff_dawangzhuang)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("applications:list")).status_code == 200
    with django_assert_max_num_queries(16):
        client.get(reverse("applications:detail", args=[application.pk]))


@pytest.mark.django_db
def test_no_personal_data_reaches_the_logs(client, dawangzhuang_community, caplog):
    """SPEC §8: logs never hold an ID number or a phone, refused or accepted."""
    import json
    import logging

    from tests.applications.conftest import form_body

    caplog.set_level(logging.DEBUG)
    body = form_body(dawangzhuang_community)
    client.post("/join/", body)
    client.post("/join/", {**body, "phone": "1381234567"})
    client.post("/api/v1/applications/", json.dumps({"id_number": body["id_number"],
                                                     "phone": body["phone"]}),
                content_type="application/json")
    client.get(f"/api/v1/applications/SQ2026AAAAAA/status?id_last6={body['id_number'][-6:]}")
    assert body["id_number"] not in caplog.text and body["phone"] not in caplog.text
    assert "1381234567" not in caplog.text


@pytest.mark.django_db
def test_the_approve_form_offers_today_as_the_join_date(client, street_staff_dawangzhuang,
                                                        dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    with time_machine.travel("2026-03-20 10:00 +0800", tick=False):
        text = client.get(reverse("applications:detail", args=[application.pk])
                          ).content.decode()
    assert 'type="date" name="joined_on" value="2026-03-20"' in text
    assert "入会日期" in text


@pytest.mark.django_db
@pytest.mark.parametrize("joined_on,message", [
    ("2026-03-21", "入会日期不能晚于今天。"),
    ("2026-03-09", "入会日期不能早于提交申请的日期（2026-03-10）。"),
    ("2026-02-30", "日期"),
    ("下周一", "日期"),
])
def test_a_bad_join_date_on_the_page_is_refused(client, street_staff_dawangzhuang,
                                                dawangzhuang_community, joined_on, message):
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    with time_machine.travel("2026-03-20 10:00 +0800", tick=False):
        response = client.post(reverse("applications:approve", args=[application.pk]),
                               {"hukou_type": "rural", "joined_on": joined_on})
    assert response.status_code == 200
    errors = response.context["approve_form"].errors["joined_on"]
    assert message in " ".join(errors) and message in response.content.decode()
    assert Application.objects.get().status == "pending"


@pytest.mark.django_db
def test_an_approval_with_an_earlier_join_date_on_the_page(client, street_staff_dawangzhuang,
                                                           dawangzhuang_community):
    from datetime import date

    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    with time_machine.travel("2026-03-20 10:00 +0800", tick=False):
        client.post(reverse("applications:approve", args=[application.pk]),
                    {"hukou_type": "rural", "joined_on": "2026-03-12"})
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.member.joined_on == date(2026, 3, 12)


@pytest.mark.django_db
def test_a_decision_posted_after_another_says_the_application_is_already_reviewed(
        client, street_staff_dawangzhuang, dawangzhuang_community):
    """A second click, or a colleague's decision first: the page of the application as it
    now is says so (the refused form is no longer shown), and nothing changes."""
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    client.post(reverse("applications:reject", args=[application.pk]),
                {"reason": "本人已在原单位入会"})
    for name, data in [("approve", {"hukou_type": "rural"}),
                       ("reject", {"reason": "再次提交"}),
                       ("correct", {"name": "李四", "note": "更正姓名"})]:
        response = client.post(reverse(f"applications:{name}", args=[application.pk]), data,
                               follow=True)
        assert response.redirect_chain[-1][0] == reverse("applications:detail",
                                                         args=[application.pk]), name
        assert "这份申请已经审核过了" in response.content.decode(), name
    application.refresh_from_db()
    assert (application.status, application.reject_reason, application.member) == (
        "rejected", "本人已在原单位入会", None)
    assert application.name != "李四"


@pytest.mark.django_db
def test_a_join_date_before_the_unions_founding_is_told_on_the_page(
        client, street_staff_dawangzhuang, dawangzhuang_community):
    from membership.models import Member, Union, UnionForm

    union = Union.objects.get(community=dawangzhuang_community, form=UnionForm.COMMUNITY)
    Union.objects.filter(pk=union.pk).update(founded_on="2026-03-15")
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    with time_machine.travel("2026-03-20 10:00 +0800", tick=False):
        response = client.post(reverse("applications:approve", args=[application.pk]),
                               {"hukou_type": "rural", "joined_on": "2026-03-14"})
    message = f"入会日期不能早于{union.name}的成立日期（2026-03-15）。"
    assert response.status_code == 200
    assert response.context["approve_form"].errors["joined_on"] == [message]
    assert message in response.content.decode()
    assert Application.objects.get().status == "pending" and not Member.objects.exists()


@pytest.mark.django_db
def test_a_review_without_its_reviewer_still_opens(client, admin_user, dawangzhuang_community):
    """A review whose reviewer is not recorded (STYLE habit 15: a template survives empty
    data): the page shows when, and no reviewer."""
    application = _apply(dawangzhuang_community)
    Application.objects.filter(pk=application.pk).update(
        status="rejected", reject_reason="重复申请", reviewed_at=timezone.now(),
        reviewed_by=None)
    client.force_login(admin_user)
    response = client.get(reverse("applications:detail", args=[application.pk]))
    assert response.status_code == 200
    assert "重复申请" in response.content.decode()
