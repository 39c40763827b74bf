"""The reviewer's correction of a pending application (issue 4): a typo in the name, phone,
employer, occupation group or community is corrected instead of rejected; the result is
checked as a submission is, routed again, and kept in the history with the reviewer and
the note. The ID number is not correctable."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from applications.models import Application
from applications.selectors import application_list
from applications.services import (
    application_correct,
    application_reject,
    application_submit,
)
from membership.models import Community
from membership.pii import pii_hmac
from tests.applications.conftest import form_body, new_phone, submit_kwargs
from tests.conftest import REGISTRY

NOTE = "申请人来电更正"


def _apply(community, **change):
    return application_submit(**submit_kwargs(community, **change)).application


def _second_community(street):
    return Community.objects.filter(street=street).order_by("pk")[1]


def _snapshot(application):
    """What a refused correction must leave as it was."""
    row = Application.objects.get(pk=application.pk)
    return (row.name, row.phone, row.phone_hmac, row.phone_flag, row.employer_id,
            row.occupation_group, row.community_id, row.street_id, row.history.count())


def _last_change(application):
    return Application.objects.get(pk=application.pk).history.first()


# --- The service ----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "phone", "occupation_group", "community"])
def test_a_field_is_corrected_and_kept_in_the_history(field, dawangzhuang_community,
                                                      street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    value = {"name": "李春笙", "phone": new_phone(), "occupation_group": "courier",
             "community": _second_community(dawangzhuang_community.street)}[field]
    application_correct(application=application, by=street_staff_dawangzhuang,
                        note=f"  {NOTE}  ", **{field: value})
    application.refresh_from_db()
    assert getattr(application, field) == value
    change = _last_change(application)
    assert (change.history_type, change.history_user, change.history_change_reason) == (
        "~", street_staff_dawangzhuang, NOTE)
    assert getattr(change.prev_record, field) != value
    assert application.history.count() == 2  # submitted, corrected


@pytest.mark.django_db
def test_a_scattered_worker_is_given_an_employer_and_back(
        dawangzhuang_community, street_staff_dawangzhuang, unit_dawangzhuang_property):
    application = _apply(dawangzhuang_community)
    application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                        employer=unit_dawangzhuang_property)
    application.refresh_from_db()
    assert application.employer == unit_dawangzhuang_property
    application_correct(application=application, by=street_staff_dawangzhuang,
                        note="确认为零散就业", employer=None)
    application.refresh_from_db()
    assert application.employer is None
    assert [h.history_change_reason for h in application.history.all()] == [
        "确认为零散就业", NOTE, None]


@pytest.mark.django_db
def test_a_new_phone_gets_its_keyed_hash_and_its_flag(dawangzhuang_community,
                                                      street_staff_dawangzhuang,
                                                      member_dazhigu):
    """SPEC §5: a phone that belongs to another member is flagged for the reviewer."""
    application = _apply(dawangzhuang_community)
    assert not application.phone_flag
    application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                        phone=REGISTRY["phone_b"])
    application.refresh_from_db()
    assert application.phone_hmac == pii_hmac("phone", REGISTRY["phone_b"])
    assert application.phone_flag
    phone = new_phone()
    application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                        phone=phone)
    application.refresh_from_db()
    assert (application.phone_hmac, application.phone_flag) == (pii_hmac("phone", phone),
                                                                False)


@pytest.mark.django_db
def test_a_community_in_another_street_moves_the_application(
        dawangzhuang_community, dazhigu_community, street_staff_dawangzhuang,
        street_staff_dazhigu):
    """SPEC §5: routed to the chosen community's street when there is no employer."""
    application = _apply(dawangzhuang_community)
    application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                        street=dazhigu_community.street, community=dazhigu_community)
    application.refresh_from_db()
    assert (application.street, application.community) == (dazhigu_community.street,
                                                           dazhigu_community)
    assert application not in application_list(user=street_staff_dawangzhuang)
    assert application in application_list(user=street_staff_dazhigu)


@pytest.mark.django_db
def test_an_employer_in_another_street_moves_the_application(
        dawangzhuang_community, unit_dazhigu_education, street_staff_dawangzhuang,
        street_staff_dazhigu):
    """The plan routes to the employer's street, whatever the home community."""
    application = _apply(dawangzhuang_community)
    application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                        employer=unit_dazhigu_education)
    application.refresh_from_db()
    assert (application.street, application.community) == (unit_dazhigu_education.street,
                                                           dawangzhuang_community)
    assert application in application_list(user=street_staff_dazhigu)


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"phone": "1381234567"}, "phone", "11位"),
    ({"phone": "  "}, "phone", "手机号"),
    ({"name": "   "}, "name", "请填写姓名"),
    ({"name": "李<script>"}, "name", "不能有数字或符号"),
    ({"occupation_group": "pilot"}, "occupation_group", "职业群体"),
    ({"community": None}, "community", "请选择您所在的社区"),
    ({"street": None}, "street", "请选择您所在的街道"),
    ({"community": "dazhigu"}, "community", "请重新选择街道和社区"),
    ({"note": "  "}, "note", "请说明更正了什么"),
    ({"note": "更" * 101}, "note", "不能超过100个字"),
])
def test_a_bad_value_is_refused_and_nothing_changes(change, field, message,
                                                    dawangzhuang_community,
                                                    dazhigu_community,
                                                    street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    before = _snapshot(application)
    kwargs = {"name": "李春笙", "note": NOTE, **change}
    if kwargs.get("community") == "dazhigu":  # a community outside the chosen street
        kwargs["community"] = dazhigu_community
    with pytest.raises(ValidationError) as refused:
        application_correct(application=application, by=street_staff_dawangzhuang, **kwargs)
    assert message in " ".join(refused.value.message_dict[field])
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_scattered_without_a_community_is_refused(dawangzhuang_community,
                                                  street_staff_dawangzhuang,
                                                  unit_dawangzhuang_property):
    application = _apply(dawangzhuang_community, employer=unit_dawangzhuang_property)
    before = _snapshot(application)
    with pytest.raises(ValidationError) as refused:
        application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                            employer=None, community=None)
    assert set(refused.value.message_dict) == {"community"}
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_a_correction_that_changes_nothing_is_refused(dawangzhuang_community,
                                                      street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    before = _snapshot(application)
    with pytest.raises(ValidationError) as refused:
        application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                            name=application.name, phone=application.phone)
    assert refused.value.code == "unchanged"
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_only_a_pending_application_is_corrected(dawangzhuang_community,
                                                 street_staff_dawangzhuang):
    application = _apply(dawangzhuang_community)
    application_reject(application=application, by=street_staff_dawangzhuang,
                       reason="信息不实")
    before = _snapshot(application)
    with pytest.raises(ValidationError) as refused:
        application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                            name="李春笙")
    assert refused.value.code == "reviewed"
    assert "只有待审核的申请才能更正" in refused.value.message
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_the_id_number_is_not_correctable(dawangzhuang_community, street_staff_dawangzhuang):
    """The applicant looks the application up with the ID's last 6: a wrong one is a
    rejection."""
    application = _apply(dawangzhuang_community)
    before = _snapshot(application)
    with pytest.raises(TypeError):
        application_correct(application=application, by=street_staff_dawangzhuang, note=NOTE,
                            id_number=REGISTRY["id_b"])
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_only_the_reviewing_street_and_the_office_correct(dawangzhuang_community, leader,
                                                          street_staff_dazhigu, admin_user):
    application = _apply(dawangzhuang_community)
    for user in (street_staff_dazhigu, leader):
        with pytest.raises(PermissionDenied):
            application_correct(application=application, by=user, note=NOTE, name="李春笙")
    assert Application.objects.get().name == "李春生"
    application_correct(application=application, by=admin_user, note=NOTE, name="李春笙")
    assert Application.objects.get().name == "李春笙"


# --- The review page ------------------------------------------------------------------------

def _body(place, **change):
    """The correction form as the page fills it for a scattered worker of the community
    `place`."""
    body = {"name": "李春生", "phone": "", "work": "scattered", "employer": "",
            "occupation_group": "food_delivery", "street": str(place.street_id),
            "community": str(place.pk), "note": NOTE}
    body.update(change)
    return body


def _correct_url(application):
    return reverse("applications:correct", args=[application.pk])


@pytest.mark.django_db
def test_the_review_page_offers_the_correction_with_the_phone_masked(
        client, street_staff_dawangzhuang, dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("applications:detail", args=[application.pk]))
    text = response.content.decode()
    assert 'data-testid="correction-form"' in text and "更正申请信息" in text
    form = response.context["correction_form"]
    assert form["name"].value() == "李春生" and not form["phone"].value()
    assert form["community"].value() == dawangzhuang_community.pk
    assert form["work"].value() == "scattered"
    assert application.phone not in text and application.phone[-4:] in text
    assert 'name="id_number"' not in text


@pytest.mark.django_db
def test_a_correction_on_the_page_is_saved_with_the_reviewer(client, street_staff_dawangzhuang,
                                                             dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    phone = new_phone()
    response = client.post(_correct_url(application),
                           _body(dawangzhuang_community, name="李春笙", phone=phone),
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:detail",
                                                     args=[application.pk])
    assert "已更正" in response.content.decode()
    application.refresh_from_db()
    assert (application.name, application.phone) == ("李春笙", phone)
    change = application.history.first()
    assert (change.history_user, change.history_change_reason) == (street_staff_dawangzhuang,
                                                                   NOTE)


@pytest.mark.django_db
def test_an_empty_phone_keeps_the_phone(client, street_staff_dawangzhuang,
                                        dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    client.post(_correct_url(application), _body(dawangzhuang_community, name="李春笙"))
    corrected = Application.objects.get()
    assert (corrected.name, corrected.phone) == ("李春笙", application.phone)


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"phone": "1381234567"}, "phone", "手机号应为11位数字"),
    # The reviewer reads about the applicant where the public form says 您 (the same
    # checks, the form's and the service's, in the reviewer's words).
    ({"name": ""}, "name", "请填写申请人的姓名。"),
    ({"name": "李<script>"}, "name", "请按申请人身份证上的姓名填写，只能是文字，不能有数字或符号。"),
    ({"work": ""}, "work", "请选择申请人是在单位工作还是零散就业。"),
    ({"work": "employer"}, "employer", "请选择申请人的工作单位，或选择零散就业。"),
    ({"work": "employer", "employer": "99999999"}, "employer",
     "请从列表中选择申请人的工作单位。"),
    ({"occupation_group": "pilot"}, "occupation_group", "请选择申请人的职业群体。"),
    ({"occupation_group": ""}, "occupation_group", "请选择申请人的职业群体。"),
    ({"community": ""}, "community", "请选择申请人所在的社区。"),
    ({"community": "abc"}, "community", "请选择申请人所在的社区。"),
    ({"community": "other-street"}, "community", "请重新选择街道和社区"),
    ({"street": "abc"}, "street", "请选择申请人所在的街道。"),
    ({"street": ""}, "street", "请选择申请人所在的街道。"),
    ({"note": ""}, "note", "请说明更正了什么、为什么更正。"),
    ({"note": "更" * 101}, "note", "说明不能超过100个字。"),
])
def test_a_bad_value_on_the_page_is_told_next_to_its_field(
        client, street_staff_dawangzhuang, dawangzhuang_community, dazhigu_community,
        change, field, message):
    application = _apply(dawangzhuang_community)
    before = _snapshot(application)
    if change.get("community") == "other-street":
        change = {"community": str(dazhigu_community.pk)}
    client.force_login(street_staff_dawangzhuang)
    response = client.post(_correct_url(application),
                           _body(dawangzhuang_community, **{"name": "李春笙", **change}))
    assert response.status_code == 200
    errors = response.context["correction_form"].errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    assert "您" not in " ".join(errors[field])
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_the_public_form_still_speaks_to_the_applicant(client, dawangzhuang_community):
    """The correction's wording is its own: the same checks on the public form keep theirs."""
    url = reverse("applications:apply")
    response = client.post(url, form_body(dawangzhuang_community, work="employer"))
    assert response.context["form"].errors["employer"] == [
        "请选择您的工作单位，或选择零散就业。"]
    body = form_body(dawangzhuang_community, occupation_group="")
    body["community"] = ""
    response = client.post(url, body)
    errors = response.context["form"].errors
    assert errors["occupation_group"] == ["请选择您的职业群体。"]
    assert errors["community"] == ["请选择您所在的社区。"]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_correction_that_changes_nothing_says_so(client, street_staff_dawangzhuang,
                                                   dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    before = _snapshot(application)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(_correct_url(application), _body(dawangzhuang_community))
    assert response.status_code == 200
    assert 'data-testid="correction-error"' in response.content.decode()
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_a_correction_to_another_street_leaves_the_queue(
        client, street_staff_dawangzhuang, street_staff_dazhigu, dawangzhuang_community,
        dazhigu_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(_correct_url(application), _body(dazhigu_community), follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:list")
    text = response.content.decode()
    assert "该申请改由大直沽街道总工会审核，已移出您的待审队列" in text
    assert application.number not in text
    assert client.get(reverse("applications:detail",
                              args=[application.pk])).status_code == 404
    client.force_login(street_staff_dazhigu)
    assert application.number in client.get(reverse("applications:list")).content.decode()


@pytest.mark.django_db
def test_the_office_moving_an_application_stays_on_it(client, admin_user,
                                                      dawangzhuang_community,
                                                      dazhigu_community):
    application = _apply(dawangzhuang_community)
    client.force_login(admin_user)
    response = client.post(_correct_url(application), _body(dazhigu_community), follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:detail",
                                                     args=[application.pk])
    assert "该申请改由大直沽街道总工会审核。" in response.content.decode()


@pytest.mark.django_db
def test_another_streets_reviewer_gets_a_404(client, street_staff_dazhigu, leader,
                                             dawangzhuang_community, dazhigu_community):
    application = _apply(dawangzhuang_community)
    before = _snapshot(application)
    for user in (street_staff_dazhigu, leader):
        client.force_login(user)
        response = client.post(_correct_url(application), _body(dazhigu_community))
        assert response.status_code == 404
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_a_reviewed_application_is_not_corrected_on_the_page(client, street_staff_dawangzhuang,
                                                             dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    application_reject(application=application, by=street_staff_dawangzhuang,
                       reason="信息不实")
    before = _snapshot(application)
    client.force_login(street_staff_dawangzhuang)
    response = client.post(_correct_url(application),
                           _body(dawangzhuang_community, name="李春笙"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:detail",
                                                     args=[application.pk])
    assert "只有待审核的申请才能更正" in response.content.decode()
    assert _snapshot(application) == before


@pytest.mark.django_db
def test_the_correction_url_takes_posts_only(client, street_staff_dawangzhuang,
                                             dawangzhuang_community):
    application = _apply(dawangzhuang_community)
    client.force_login(street_staff_dawangzhuang)
    assert client.get(_correct_url(application)).status_code == 405
