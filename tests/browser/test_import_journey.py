"""A street user imports a roster with two bad rows, downloads them, fixes them and
imports them again (SPEC §7.4); a large file is checked by a Celery worker while the page
shows the progress and turns to the report by itself."""

import io

import pytest
from celery.contrib.testing.worker import start_worker
from openpyxl import load_workbook
from playwright.sync_api import expect

import membership.tasks  # noqa: F401 - registers the tasks with the Celery app
from accounts.models import Role
from accounts.services import user_upsert
from hedong_union.celery import app
from membership.models import Street, Worker
from tests.membership.rosters import new_id, roster_bytes, worker_row

PASSWORD = "correct-horse-battery"


def _bad_id():
    number = new_id()
    return number[:17] + ("0" if number[17] != "0" else "1")


def _login(page, live_server):
    user_upsert(username="street_zhang", role=Role.STREET, password=PASSWORD,
                full_name="张街道", organisation=Street.objects.by_name("大王庄"))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("street_zhang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_import_fix_the_bad_rows_and_import_again(organisation_structure, live_server, page,
                                                  shot, tmp_path, media):
    _login(page, live_server)
    page.locator("[data-feature=imports]").click()
    expect(page.locator("h1")).to_have_text("Excel导入")
    roster = tmp_path / "大王庄职工花名册.xlsx"
    roster.write_bytes(roster_bytes([
        worker_row(身份证号=new_id(), 姓名="王一"),
        worker_row(身份证号=_bad_id(), 姓名="王二"),
        worker_row(身份证号=new_id(), 姓名="王三", 手机号="1380221123"),
        worker_row(身份证号=new_id(), 姓名="王四"),
    ]))
    page.get_by_label("职工花名册").check()
    page.get_by_label("Excel 文件（.xlsx，不超过 20 MB）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并检查").click()

    expect(page.get_by_test_id("bad-rows")).to_have_text("2")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("身份证号的校验码不对，请再核对一遍号码。")
    expect(errors).to_contain_text("手机号应为11位数字，以13至19开头。")
    shot(page, "import-report")
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("新增2条")

    with page.expect_download() as download:
        page.get_by_test_id("import-bad-rows").click()
    wb = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = wb.active
    assert [sheet.cell(row=r, column=1).value for r in (3, 4)] == ["王二", "王三"]
    sheet.cell(row=3, column=2).value = new_id()
    sheet.cell(row=4, column=3).value = "13802211234"
    fixed = tmp_path / "修改后.xlsx"
    wb.save(fixed)

    page.locator("[data-feature=imports]").click()
    page.get_by_label("职工花名册").check()
    page.get_by_label("Excel 文件（.xlsx，不超过 20 MB）").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("import-no-errors")).to_be_visible()
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("新增2条")
    assert sorted(Worker.objects.values_list("name", flat=True)) == ["王一", "王三", "王二", "王四"]
    page.locator("[data-feature=imports]").click()
    expect(page.get_by_test_id("import-runs")).to_contain_text("修改后.xlsx")
    shot(page, "import-list")


@pytest.mark.django_db(transaction=True)
def test_a_large_file_shows_progress_then_the_report(organisation_structure, live_server,
                                                     page, shot, tmp_path, media, settings):
    settings.IMPORT_ASYNC_ROWS = 5
    _login(page, live_server)
    page.locator("[data-feature=imports]").click()
    roster = tmp_path / "大名册.xlsx"
    roster.write_bytes(roster_bytes([worker_row(身份证号=new_id()) for _ in range(40)]))
    page.get_by_label("职工花名册").check()
    page.get_by_label("Excel 文件（.xlsx，不超过 20 MB）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#import-progress")).to_be_visible()
    shot(page, "import-progress")
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        # The page polls its status and shows the report once the worker is done.
        expect(page.get_by_test_id("good-rows")).to_have_text("40", timeout=30_000)
        page.get_by_test_id("import-start").click()
        expect(page.get_by_test_id("import-done")).to_contain_text("新增40条", timeout=30_000)
    assert Worker.objects.count() == 40
    assert settings.IMPORT_ASYNC_ROWS == 5


@pytest.mark.django_db(transaction=True)
def test_a_bomb_is_refused_and_an_interrupted_import_is_started_again(
        organisation_structure, live_server, page, shot, tmp_path, media, settings):
    """docs/security.md: a workbook that inflates to 404 MB is refused with its reason;
    an import whose process died says so, and its button imports the rows."""
    from datetime import timedelta

    from django.utils import timezone

    from membership.imports import services
    from membership.models import ImportRun, ImportStatus
    from tests.membership.rosters import upload
    from tests.upload_bombs import shared_strings_bomb

    _login(page, live_server)
    page.locator("[data-feature=imports]").click()
    bomb = tmp_path / "花名册.xlsx"
    bomb.write_bytes(shared_strings_bomb())
    page.get_by_label("职工花名册").check()
    page.get_by_label("Excel 文件（.xlsx，不超过 20 MB）").set_input_files(str(bomb))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("form[data-testid=import-upload]")).to_contain_text(
        "解压后将占用 404 MB，超过允许的 200 MB")
    shot(page, "import-bomb-refused")

    user = ImportRun._meta.get_field("user").related_model.objects.get(username="street_zhang")
    run = services.import_run_create(by=user, kind="workers", upload=upload(roster_bytes(
        [worker_row(身份证号=new_id()) for _ in range(3)])))
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.IMPORTING,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5))
    page.goto(f"{live_server.url}/orgs/imports/{run.pk}/")
    expect(page.get_by_test_id("import-failed")).to_have_text(
        "导入被中断（处理进程已停止），未保存任何数据；可以重新开始导入。")
    shot(page, "import-interrupted")
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("新增3条")
    assert Worker.objects.count() == 3
