"""A person's request in Chromium (PIPL Art. 44-47, SPEC §8): the office finds the
worker's records by ID number, sees who viewed them in the access log, records a request
to delete, exports the copy, and erases; the worker's page then shows no trace."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import Worker
from tests.browser.helpers import log_in
from tests.conftest import REGISTRY

PASSWORD = "journey-secret-2026"


@pytest.mark.django_db(transaction=True)
def test_the_office_answers_a_request_to_delete(organisation_structure, worker_dawangzhuang,
                                                live_server, page, shot):
    user_upsert(username="office_wang", role=Role.ADMIN, password=PASSWORD,
                full_name="王办公")
    log_in(page, live_server.url, "office_wang", PASSWORD)
    # Someone saw the worker's full record.
    page.goto(f"{live_server.url}/orgs/workers/{worker_dawangzhuang.pk}/full/")

    page.goto(f"{live_server.url}/office/access-log/")
    page.get_by_label("被查看人身份证号").fill(REGISTRY["id_a"])
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("access-log-table")).to_contain_text("membership.worker")
    shot(page, "office-access-log-filtered")
    with page.expect_download() as download:
        page.get_by_test_id("access-log-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.get_by_role("link", name="个人信息请求").click()
    page.get_by_label("身份证号").fill(REGISTRY["id_a"])
    page.get_by_role("button", name="查找记录").click()
    expect(page.get_by_test_id("person-workers")).to_contain_text("王建国")
    page.get_by_label("请求").select_option("delete")
    shot(page, "office-person-found")
    page.get_by_role("button", name="登记请求").click()
    expect(page.get_by_test_id("data-request")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("data-request-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(page, "office-data-request")
    page.get_by_label("我确认删除。").check()
    page.get_by_role("button", name="删除个人信息").click()
    expect(page.get_by_test_id("data-request-erased")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("个人信息已删除"))
    shot(page, "office-data-request-erased")
    worker = Worker.objects.get(pk=worker_dawangzhuang.pk)
    assert worker.name == "已删除" and worker.phone is None
    page.goto(f"{live_server.url}/orgs/workers/{worker.pk}/full/")
    assert REGISTRY["id_a"] not in page.content() and REGISTRY["phone_a"] not in page.content()
    expect(page.get_by_test_id("history")).to_contain_text("个人信息已删除")
    shot(page, "office-worker-erased")
