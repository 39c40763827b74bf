"""The report pages: who opens what, the narrative form, bulletins and their Excel."""

import io
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from membership.demo import seed_registry
from reporting import bulletins, milestones, snapshots
from reporting.models import Bulletin, Narrative
from reporting.periods import period_of
from reporting.rates import rates_as_of
from tests.subsidies.pages import tasks_in_process

NOW = "2026-11-28 10:00 +0800"
READERS = ["admin_user", "leader", "street_staff_dawangzhuang", "industry_staff_property"]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False):
        yield date(2026, 11, 28)


@pytest.fixture
def registry(organisation_structure):
    seed_registry(seed=9, workers=600, units=120)


@pytest.fixture
def snapshot(registry):
    return snapshots.ten_day_snapshot_take(period_of(date(2026, 11, 20)))[0]


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


@pytest.mark.parametrize("role", READERS)
def test_the_reports_page_opens_for_the_report_roles(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reporting:index")).status_code == 200


@pytest.mark.parametrize("role", ["community_staff_dawangzhuang", "liaison_zhujianwei"])
def test_other_roles_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reporting:index")).status_code == 403


def test_a_street_writes_its_narrative_and_sees_it_on_time(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("reporting:narrative_edit", args=["2026-11-20"])
    response = client.post(url, {"work_done": "走访企业", "problems": "无",
                                 "next_steps": "继续"}, follow=True)
    narrative = Narrative.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reporting:narrative_detail",
                                                     args=[narrative.pk])
    assert narrative.street == street_staff_dawangzhuang.street
    assert not narrative.on_time  # due 11-21, written 11-28
    html = response.content.decode()
    assert "走访企业" in html and 'data-testid="narrative-status"' in html


def test_an_empty_narrative_is_shown_again_with_its_errors_and_nothing_saved(
        client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    url = reverse("reporting:narrative_edit", args=["2026-11-20"])
    response = client.post(url, {"work_done": "做了很多", "problems": "", "next_steps": ""})
    assert response.status_code == 200
    assert response.content.decode().count("invalid-feedback") >= 2
    assert "做了很多" in response.content.decode()
    assert not Narrative.objects.exists()


def test_a_narrative_for_a_day_that_ends_no_period_or_the_future_is_404(
        client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    for day in ("2026-11-19", "2026-12-10", "2026-13-01"):
        assert client.get(f"/reports/narratives/{day}/write/").status_code == 404


def test_a_narrative_is_read_by_its_federation_the_office_and_the_leadership_only(
        client, street_staff_dawangzhuang, street_staff_dazhigu, admin_user, leader,
        industry_staff_property):
    client.force_login(street_staff_dawangzhuang)
    client.post(reverse("reporting:narrative_edit", args=["2026-11-20"]),
                {"work_done": "甲", "problems": "乙", "next_steps": "丙"})
    url = reverse("reporting:narrative_detail", args=[Narrative.objects.get().pk])
    for user, status in ((street_staff_dawangzhuang, 200), (admin_user, 200), (leader, 200),
                         (street_staff_dazhigu, 404), (industry_staff_property, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_the_ten_day_report_shows_the_stored_figures_and_exports_them(
        client, leader, snapshot, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("reporting:ten_day_detail", args=["2026-11-20"]))
    html = response.content.decode()
    expected = {r.name: r for r in rates_as_of(date(2026, 11, 20), "street")}
    assert expected["大王庄街道"].migrant.display() in html
    assert html.count('data-state="missing"') == len(response.context["states"])
    sheet = _sheet(client.get(reverse("reporting:ten_day_excel", args=["2026-11-20"])))
    assert sheet["A1"].value.startswith("旬报告")
    assert [c.value for c in sheet[2]][:3] == ["范围", "名称", "本旬新增会员"]
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=3)}
    dawangzhuang = rows["大王庄街道"]
    rate = expected["大王庄街道"].migrant
    assert dawangzhuang[8].number_format == "0.00%"
    assert float(dawangzhuang[8].value) == pytest.approx(rate.num / rate.den)
    assert sheet.freeze_panes == "A3"
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT,
                                    target_type="reporting.snapshot").exists()


def test_a_ten_day_report_not_taken_is_404(client, leader):
    client.force_login(leader)
    assert client.get(reverse("reporting:ten_day_detail",
                              args=["2026-11-10"])).status_code == 404


def test_drafts_are_for_the_office_and_the_leadership_only(
        client, registry, street_staff_dawangzhuang, leader):
    draft, _ = bulletins.bulletin_draft(2026, 10)
    url = reverse("reporting:bulletin_detail", args=[draft.pk])
    client.force_login(street_staff_dawangzhuang)
    assert client.get(url).status_code == 404
    assert client.post(reverse("reporting:bulletin_publish", args=[draft.pk])).status_code == 403
    client.force_login(leader)
    assert client.get(url).status_code == 200
    response = client.post(reverse("reporting:bulletin_publish", args=[draft.pk]), follow=True)
    assert Bulletin.objects.get().is_published
    assert 'data-testid="bulletin-publish"' not in response.content.decode()
    client.force_login(street_staff_dawangzhuang)
    html = client.get(url).content.decode()
    assert "大王庄街道" in html and 'data-testid="bulletin-streets"' in html


def test_the_bulletin_excel_ranks_the_streets(client, registry, admin_user):
    draft, _ = bulletins.bulletin_draft(2026, 10)
    client.force_login(admin_user)
    sheet = _sheet(client.get(reverse("reporting:bulletin_excel", args=[draft.pk])))
    assert "2026年10月" in sheet["A1"].value and "草稿" in sheet["A1"].value
    assert sheet["A2"].value == "农民工入会率排名"
    streets = [row[1].value for row in sheet.iter_rows(min_row=3)]
    assert len(streets) == 12
    assert streets == [row["name"] for row in draft.content["streets"]]


def test_a_correction_without_a_note_is_refused_and_with_one_is_a_new_draft(
        client, registry, admin_user, leader, django_capture_on_commit_callbacks):
    draft, _ = bulletins.bulletin_draft(2026, 10)
    bulletins.bulletin_publish(bulletin=draft, by=leader)
    client.force_login(admin_user)
    url = reverse("reporting:bulletin_correct", args=[draft.pk])
    client.post(url, {"note": ""})
    assert Bulletin.objects.count() == 1
    response = client.post(url, {"note": "补录10月入会人员"}, follow=True)
    correction = Bulletin.objects.get(version=2)
    assert response.redirect_chain[-1][0] == reverse("reporting:bulletin_detail",
                                                     args=[correction.pk])
    html = response.content.decode()
    assert "补录10月入会人员" in html and 'data-testid="bulletin-pending"' in html
    status_url = reverse("reporting:bulletin_status", args=[correction.pk])
    assert f'data-poll-url="{status_url}"' in html and "js/poll.js" in html
    assert client.get(status_url).json() == {"finished": False}
    assert not correction.is_published
    with tasks_in_process(), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:bulletin_refresh", args=[correction.pk]))
    correction.refresh_from_db()
    assert "pending" not in correction.content and len(correction.content["streets"]) == 12
    assert client.get(status_url).json() == {"finished": True}
    html = client.get(reverse("reporting:bulletin_detail", args=[correction.pk])).content
    assert b"bulletin-pending" not in html and "数据无变化".encode() in html
    assert b"data-poll-url" not in html and b"js/poll.js" not in html


def test_the_milestone_report_lists_who_missed_and_exports(client, registry, leader):
    with time_machine.travel("2026-08-01 03:00 +0800", tick=False):
        report = milestones.milestone_reports_due()[0]
    client.force_login(leader)
    html = client.get(reverse("reporting:milestone_detail", args=[report.pk])).content.decode()
    for missed in report.content["missed"]:
        assert missed["name"] in html
    sheet = _sheet(client.get(reverse("reporting:milestone_excel", args=[report.pk])))
    assert "80.00%" in sheet["A1"].value
    assert sheet.max_row == 2 + len(report.content["scopes"])


def test_the_office_changes_a_campaign_in_the_admin(client, organisation_structure):
    from accounts.models import Role
    from accounts.services import user_upsert
    from reporting.models import Campaign
    from reporting.progress import campaign_get

    office = user_upsert(username="office_admin", role=Role.ADMIN, password="x-long-pass-42",
                         full_name="管理员")
    office.is_staff = office.is_superuser = True
    office.save()
    campaign = campaign_get(2026)
    client.force_login(office)
    url = reverse("admin:reporting_campaign_change", args=[campaign.pk])
    assert client.get(url).status_code == 200
    data = {field: getattr(campaign, field) for field in (
        "year", "title", "mobilisation_start", "mobilisation_end", "survey_start", "survey_end",
        "push_start", "push_end", "summary_end", "first_milestone_on", "first_target",
        "second_milestone_on", "second_target")}
    data["first_target"] = "0.8500"
    response = client.post(url, {k: str(v) for k, v in data.items()})
    assert response.status_code == 302
    assert str(Campaign.objects.get().first_target) == "0.8500"
    data["first_target"] = "1.5"  # over 100%: refused with a message
    response = client.post(url, {k: str(v) for k, v in data.items()})
    assert response.status_code == 200 and "errornote" in response.content.decode()


def test_the_campaign_summary_page_and_excel(client, registry, leader):
    with time_machine.travel("2026-11-01 03:00 +0800", tick=False):
        milestones.milestone_reports_due()
    from reporting.models import MilestoneReport

    summary = MilestoneReport.objects.get(kind="summary")
    client.force_login(leader)
    html = client.get(reverse("reporting:milestone_detail", args=[summary.pk])).content.decode()
    assert 'data-testid="summary-scopes"' in html and "大王庄街道" in html
    sheet = _sheet(client.get(reverse("reporting:milestone_excel", args=[summary.pk])))
    assert sheet["A2"].value == "范围"
    district = next(r for r in summary.content["scopes"] if r["kind"] == "district")
    assert sheet["D3"].value == district["new_members"]
    assert sheet.max_row == 2 + len(summary.content["scopes"])


def test_the_home_page_reminds_a_street_of_its_narrative_until_written(
        client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    with time_machine.travel("2026-11-29 09:00 +0800", tick=False):
        html = client.get(reverse("home")).content.decode()
        assert 'data-testid="home-narrative-reminder"' in html and "2026-12-01" in html
        client.post(reverse("reporting:narrative_edit", args=["2026-11-30"]),
                    {"work_done": "甲", "problems": "乙", "next_steps": "丙"})
        html = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-narrative-reminder"' not in html
    assert 'data-testid="reports-panel"' in html


def test_the_leadership_home_shows_the_current_district_rates(client, registry, leader):
    from reporting import snapshots
    from reporting.rates import rates_as_of as rates

    client.force_login(leader)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="dashboard-panel"' in html and "当前数据尚未生成" in html
    snapshots.live_snapshot_refresh(date(2026, 11, 28))
    html = client.get(reverse("home")).content.decode()
    assert rates(date(2026, 11, 28), "district")[0].migrant.display() in html
