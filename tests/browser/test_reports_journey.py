"""Reports in Chromium (issue 6): a leadership user opens the latest bulletin and downloads
its Excel; a street user writes the ten-day narrative from the reminder and sees it marked
on time. (The dashboard half of the journey is in test_dashboard_journey.py.)"""

import io
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership.demo import seed_registry
from membership.models import Street
from reporting import bulletins
from reporting.models import Narrative
from tests.browser.helpers import log_in

PASSWORD = "journey-secret-2026"


def _login(page, url, username):
    log_in(page, url, username, PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_the_latest_bulletin_and_a_narrative_on_time(organisation_structure, live_server,
                                                     page, shot):
    with time_machine.travel("2026-11-30 10:00 +0800", tick=True):
        seed_registry(seed=4, workers=300, units=60)
        leader = user_upsert(username="leader_zhou", role=Role.LEADER, password=PASSWORD,
                             full_name="周")
        user_upsert(username="street_ma", role=Role.STREET, password=PASSWORD, full_name="马",
                    organisation=Street.objects.by_name("大王庄"))
        october, _ = bulletins.bulletin_draft(2026, 10)
        bulletins.bulletin_publish(bulletin=october, by=leader)

        _login(page, live_server.url, "leader_zhou")
        page.locator('[data-feature="reports"]').click()
        page.get_by_test_id("bulletin-list").get_by_role("link").first.click()
        expect(page.get_by_test_id("bulletin")).to_contain_text("2026年10月工会建设工作通报")
        rows = page.get_by_test_id("bulletin-streets").locator("tbody tr")
        expect(rows).to_have_count(12)
        shot(page, "report-bulletin")
        with page.expect_download() as download:
            page.get_by_test_id("bulletin-excel").click()
        sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
        assert "2026年10月" in sheet["A1"].value
        assert sheet["B2"].value == "街道"
        assert [row[1].value for row in sheet.iter_rows(min_row=3)] == [
            row["name"] for row in october.content["streets"]]
        page.get_by_role("button", name=re.compile("退出")).click()

        _login(page, live_server.url, "street_ma")
        page.locator('[data-feature="reports"]').click()
        reminder = page.get_by_test_id("narrative-reminder")
        expect(reminder).to_contain_text("2026-12-01")
        reminder.get_by_role("link").click()
        page.get_by_label("工作开展情况").fill("走访辖区快递网点8家，发展会员56人。")
        page.get_by_label("存在问题").fill("部分外卖骑手流动性大。")
        page.get_by_label("下步打算").fill("联合站点集中办理入会。")
        shot(page, "report-narrative-form")
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_test_id("narrative-status")).to_contain_text("按时")
        shot(page, "report-narrative-on-time")
        narrative = Narrative.objects.get()
        assert narrative.on_time and narrative.street.short_name == "大王庄"
        page.locator('[data-feature="reports"]').click()
        expect(page.get_by_test_id("narrative-reminder")).to_have_count(0)
        expect(page.get_by_test_id("ten-day-list").locator("tbody tr").first).to_contain_text(
            "按时")


@pytest.mark.django_db(transaction=True)
def test_a_correction_shows_its_figures_once_they_are_computed(organisation_structure,
                                                                live_server, page, monkeypatch):
    """The correction's figures are computed in Celery; the page says so and shows them by
    itself when they are ready (static/js/poll.js), with no reload by the reader. The task
    runs in this process, as a worker would, after the page has been seen waiting."""
    from reporting import tasks

    queued = []
    monkeypatch.setattr(tasks.bulletin_correction_compute_task, "delay",
                        lambda *args: queued.append(args))
    with time_machine.travel("2026-11-30 10:00 +0800", tick=True):
        seed_registry(seed=5, workers=120, units=30)
        leader = user_upsert(username="leader_zhou", role=Role.LEADER, password=PASSWORD,
                             full_name="周")
        october, _ = bulletins.bulletin_draft(2026, 10)
        bulletins.bulletin_publish(bulletin=october, by=leader)

        _login(page, live_server.url, "leader_zhou")
        page.goto(f"{live_server.url}{reverse('reporting:bulletin_detail', args=[october.pk])}")
        page.get_by_label("更正内容").fill("补录10月入会人员")
        page.get_by_role("button", name="生成更正版").click()
        pending = page.get_by_test_id("bulletin-pending")
        expect(pending).to_contain_text("算好后本页会自动显示")
        assert len(queued) == 1
        tasks.bulletin_correction_compute_task(*queued[0])
        expect(pending).to_have_count(0, timeout=15_000)
        expect(page.get_by_test_id("bulletin-correction")).to_contain_text("补录10月入会人员")
        expect(page.get_by_test_id("bulletin-streets").locator("tbody tr")).to_have_count(12)
