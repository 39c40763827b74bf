"""The office's page of who viewed or exported whose personal data (SPEC §8): filters (the
person by ID number through its keyed hash, never stored), pages, and an Excel export."""

from datetime import datetime
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from accounts.services import access_log_record
from reporting.models import ExportJob
from tests.conftest import REGISTRY


@pytest.fixture
def log(admin_user, street_staff_dawangzhuang, worker_dawangzhuang, worker_dazhigu):
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime(2026, 3, 5, 10, tzinfo=tz), tick=False):
        access_log_record(user=street_staff_dawangzhuang, action=AccessLog.Action.VIEW_FULL,
                          target_type="membership.worker", target_id=worker_dawangzhuang.pk,
                          description="worker page")
    with time_machine.travel(datetime(2026, 4, 7, 10, tzinfo=tz), tick=False):
        access_log_record(user=admin_user, action=AccessLog.Action.VIEW_FULL,
                          target_type="membership.worker", target_id=worker_dazhigu.pk,
                          description="worker page")
        access_log_record(user=admin_user, action=AccessLog.Action.EXPORT,
                          target_type="membership.worker", description="workers export")


def _rows(response):
    return response.content.decode().count("<tr><td class=\"text-nowrap\">")


def test_unfiltered_newest_first(client, admin_user, log):
    client.force_login(admin_user)
    response = client.get(reverse("privacy:access_log"))
    assert response.status_code == 200 and _rows(response) == 3


@pytest.mark.parametrize("filters, expected", [
    ({"action": "export"}, 1),
    ({"date_from": "2026-04-01"}, 2),
    ({"date_to": "2026-03-31"}, 1),
    ({"date_from": "2026-03-05", "date_to": "2026-03-05"}, 1),
    ({"id_number": REGISTRY["id_a"]}, 1),
    ({"id_number": REGISTRY["id_b"].lower(), "action": "view_full"}, 1),
    ({"id_number": "110101199001011237"}, 0),  # valid, but nobody's
])
def test_filters(client, admin_user, log, filters, expected):
    client.force_login(admin_user)
    response = client.post(reverse("privacy:access_log"), filters)
    assert response.status_code == 200 and _rows(response) == expected


def test_filter_by_user(client, admin_user, log, street_staff_dawangzhuang):
    client.force_login(admin_user)
    response = client.post(reverse("privacy:access_log"),
                           {"user": street_staff_dawangzhuang.pk})
    assert _rows(response) == 1


@pytest.mark.parametrize("filters", [
    {"id_number": "12010219900307123"}, {"date_from": "yesterday"},
    {"date_from": "2026-05-01", "date_to": "2026-04-01"}, {"action": "deleted"},
    {"user": "999999"}, {"page": "0"},
])
def test_bad_filters_are_a_400(client, admin_user, log, filters):
    client.force_login(admin_user)
    assert client.post(reverse("privacy:access_log"), filters).status_code == 400
    assert client.post(reverse("privacy:access_log_export"), filters).status_code == 400


def test_pages_keep_the_filters(client, admin_user, log, monkeypatch):
    monkeypatch.setattr("privacy.views.PAGE_SIZE", 1)
    client.force_login(admin_user)
    first = client.post(reverse("privacy:access_log"), {"action": "view_full"})
    assert _rows(first) == 1 and 'name="page" value="2"' in first.content.decode()
    second = client.post(reverse("privacy:access_log"), {"action": "view_full", "page": "2"})
    assert _rows(second) == 1 and "1 / 2" not in second.content.decode()
    assert "street_zhang" in second.content.decode() or "测试用户" in second.content.decode()


def test_the_export_is_excel_with_chinese_headers_and_logged(client, admin_user, log):
    client.force_login(admin_user)
    response = client.post(reverse("privacy:access_log_export"),
                           {"id_number": REGISTRY["id_a"]})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content), read_only=True).active
                .iter_rows(values_only=True))
    assert rows[1][:4] == ("时间", "用户", "登录名", "操作")
    assert len(rows) == 3 and rows[2][2] == "street_zhang" and rows[2][4] == "membership.worker"
    entry = AccessLog.objects.order_by("-pk").first()
    assert entry.action == "export" and entry.target_type == "accounts.accesslog"
    assert REGISTRY["id_a"] not in entry.description


def test_a_large_export_is_a_job_that_keeps_no_id_number(client, admin_user, log,
                                                        monkeypatch):
    monkeypatch.setattr("reporting.services.INLINE_MAX_ROWS", 0)
    client.force_login(admin_user)
    response = client.post(reverse("privacy:access_log_export"),
                           {"id_number": REGISTRY["id_a"]})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.kind == "access_log"
    assert REGISTRY["id_a"] not in str(job.parameters)
    assert job.parameters["worker_ids"]


def test_only_the_office(client, leader, street_staff_dawangzhuang, log):
    for user in (leader, street_staff_dawangzhuang):
        client.force_login(user)
        assert client.get(reverse("privacy:access_log")).status_code == 403
        assert client.post(reverse("privacy:access_log_export")).status_code == 403


def test_the_export_of_another_role_has_no_row(leader, log):
    from privacy.exports import ACCESS_LOG

    assert ACCESS_LOG.queryset(user=leader).count() == 0


def test_the_page_lists_each_use_of_the_privileged_path(client, admin_user, log):
    from accounts.retention import access_log_archive

    client.force_login(admin_user)
    assert "暂无。" in client.get(reverse("privacy:access_log")).content.decode()
    access_log_archive(now=datetime(2026, 12, 1, tzinfo=timezone.get_current_timezone()),
                       days=200)
    page = client.get(reverse("privacy:access_log")).content.decode()
    assert "移入归档" in page and "accounts_accesslog_archive_2026 3" in page
