"""The import pages (SPEC §7.4): templates, upload → report of every bad row → import the
good rows → done, the bad rows back as Excel, runs that only their uploader sees, and the
Celery path for large files with progress."""

import io
import re
import time

import pytest
from django.db import close_old_connections
from django.urls import reverse
from openpyxl import load_workbook

import membership.tasks  # noqa: F401 - registers the tasks with the Celery app
from accounts.models import AccessLog
from membership.imports import services
from membership.imports.columns import UNIT_COLUMNS
from membership.models import ImportRun, ImportStatus, Worker
from membership.tasks.imports import import_run_apply_task, import_run_validate_task
from tests.membership.rosters import (
    frozen_today,  # noqa: F401 - fixture
    new_id,
    roster_bytes,
    unit_row,
    upload,
    worker_row,
)

WORKER_HEADERS = ["姓名", "身份证号", "手机号", "户籍类型", "户籍所在省份", "就业形式", "职业群体",
                  "工作单位统一社会信用代码", "所属街道", "所属社区", "整建制非正式员工", "摸底日期",
                  "是否会员", "入会日期", "会员服务卡号"]
UNIT_HEADERS = ["单位名称", "统一社会信用代码", "单位类型", "行业", "所属街道", "所属社区", "职工人数",
                "农民工人数", "重点企业", "双万双服", "工商联会员", "缴纳建会筹备金", "建会状态",
                "建会日期", "登记日期"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _bad_id():
    number = new_id()
    return number[:17] + ("0" if number[17] != "0" else "1")


def _roster(rows):
    return upload(roster_bytes(rows), name="大王庄职工花名册.xlsx")


def _upload(client, content, *, kind="workers", name="大王庄职工花名册.xlsx"):
    return client.post(reverse("membership:import_list"),
                       {"kind": kind, "file": upload(content, name=name)})


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# -- templates ---------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("kind,headers,title", [
    ("workers", WORKER_HEADERS, "职工花名册"), ("units", UNIT_HEADERS, "单位名录"),
])
def test_the_templates_have_the_specs_columns_in_order(client, street_staff_dawangzhuang,
                                                       kind, headers, title):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("membership:import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [title, "填写说明"]
    sheet = wb[title]
    assert [c.value for c in sheet[1]] == headers
    assert all(c.font.bold for c in sheet[1])
    assert sheet.max_row == 1
    # Identifier columns are text, so Excel keeps every digit a clerk types.
    text_columns = {"身份证号", "手机号", "工作单位统一社会信用代码", "会员服务卡号", "统一社会信用代码"}
    for index, header in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        expected = "@" if header in text_columns else "General"
        assert sheet.column_dimensions[letter].number_format == expected, header


@pytest.mark.django_db
def test_the_instructions_sheet_lists_the_allowed_values(client, admin_user):
    client.force_login(admin_user)
    notes = {}
    for kind in ("workers", "units"):
        wb = load_workbook(io.BytesIO(client.get(
            reverse("membership:import_template", args=[kind])).content))
        for row in wb["填写说明"].iter_rows(values_only=True):
            if row[0] and len(row) > 2:
                notes[row[0]] = row
    assert notes["户籍类型"][1:3] == ("是", "农业、非农业")
    assert notes["就业形式"][2] == "劳动合同、劳务派遣、劳务外包、零散就业"
    assert notes["职业群体"][2] == ("货车司机、快递员、护工护理员、家政服务员、商场信息员、网约送餐员、"
                                 "房产中介员、保安员、其他")
    assert notes["单位类型"][2] == "非公企业、社会组织、其他"
    assert notes["行业"][2] == "民办教育、民营医疗、物业、建筑、市场商业、律师事务所、科技、快递物流、家政、其他"
    assert notes["建会状态"][2] == "未建会、筹建中、已建会、覆盖"
    assert notes["是否会员"][2] == notes["重点企业"][2] == "是、否"
    assert notes["所属社区"][1] == "否"


@pytest.mark.django_db
def test_an_unknown_template_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("membership:import_template", args=["members"])).status_code == 404


# -- upload → report → import → done -------------------------------------------------------------

@pytest.mark.django_db
def test_upload_report_and_import_of_the_good_rows(client, street_staff_dawangzhuang,
                                                   frozen_today):
    client.force_login(street_staff_dawangzhuang)
    content = roster_bytes([
        worker_row(身份证号=new_id(), 姓名="王一"),
        worker_row(身份证号=_bad_id(), 姓名="王二"),
        worker_row(身份证号=new_id(), 姓名="王三", 手机号="1380221123", 所属社区=None),
        worker_row(身份证号=new_id(), 姓名="王四"),
    ])
    response = _upload(client, content)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:import_detail", args=[run.pk])
    assert (run.status, run.total_rows, run.good_rows, run.bad_rows) == ("validated", 4, 2, 2)
    assert not Worker.objects.exists()  # checked, not imported

    page = _text(client.get(response["Location"]))
    assert "已检查，待导入" in page
    assert "<td>3</td><td>身份证号</td><td>身份证号的校验码不对，请再核对一遍号码。</td>" in page
    assert "<td>4</td><td>手机号</td><td>手机号应为11位数字，以13至19开头。</td>" in page
    assert "<td>4</td><td>所属社区</td><td>没有工作单位的职工须填写所属社区。</td>" in page
    assert "导入正确的行将新增2条" in page
    assert "导入2行正确数据" in page

    confirm = client.get(reverse("membership:import_start", args=[run.pk]))
    assert "现在导入2行正确数据吗？2行有误的数据不导入。" in _text(confirm)
    done = client.post(reverse("membership:import_start", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.created_count == 2
    assert sorted(Worker.objects.values_list("name", flat=True)) == ["王一", "王四"]
    assert "导入完成：新增2条，更新0条，未变0条。" in _text(done)
    # A second press imports nothing twice.
    again = client.post(reverse("membership:import_start", args=[run.pk]), follow=True)
    assert "该导入已经开始，或没有可导入的正确行。" in _text(again)
    assert Worker.objects.count() == 2


@pytest.mark.django_db
def test_the_bad_rows_come_back_as_excel_to_fix_and_upload_again(client,
                                                                  street_staff_dawangzhuang,
                                                                  frozen_today):
    client.force_login(street_staff_dawangzhuang)
    good_id, bad_id = new_id(), _bad_id()
    _upload(client, roster_bytes([
        worker_row(身份证号=good_id, 姓名="王一"),
        worker_row(身份证号=bad_id, 姓名="王二", 摸底日期="2026年3月5日"),
        worker_row(身份证号=new_id(), 姓名="王三", 手机号="1380221123"),
    ]))
    run = ImportRun.objects.get()
    client.post(reverse("membership:import_start", args=[run.pk]))

    response = client.get(reverse("membership:import_bad_rows", args=[run.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "大王庄职工花名册.xlsx" in rows[0][0]
    assert list(rows[1]) == WORKER_HEADERS + ["错误原因"]
    assert [r[0] for r in rows[2:]] == ["王二", "王三"]
    assert rows[2][1] == bad_id and rows[2][11] == "2026年3月5日"  # as typed
    assert rows[2][-1] == "身份证号：身份证号的校验码不对，请再核对一遍号码。"
    assert rows[3][-1] == "手机号：手机号应为11位数字，以13至19开头。"
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.target_type, log.target_id) == (
        street_staff_dawangzhuang, AccessLog.Action.EXPORT, "membership.importrun", str(run.pk))

    # The clerk fixes the two rows in the downloaded file and uploads it again.
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb.active
    sheet.cell(row=3, column=2).value = new_id()
    sheet.cell(row=4, column=3).value = "13802211234"
    fixed = io.BytesIO()
    wb.save(fixed)
    _upload(client, fixed.getvalue(), name="修改后.xlsx")
    second = ImportRun.objects.get(original_name="修改后.xlsx")
    assert (second.good_rows, second.bad_rows) == (2, 0)
    client.post(reverse("membership:import_start", args=[second.pk]))
    assert sorted(Worker.objects.values_list("name", flat=True)) == ["王一", "王三", "王二"]


@pytest.mark.django_db
def test_a_run_without_bad_rows_has_no_bad_rows_download(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    _upload(client, roster_bytes([worker_row(身份证号=new_id())]))
    run = ImportRun.objects.get()
    assert client.get(reverse("membership:import_bad_rows", args=[run.pk])).status_code == 404
    assert "没有错误。" in _text(client.get(reverse("membership:import_detail", args=[run.pk])))


@pytest.mark.django_db
def test_a_unit_list_is_uploaded_and_imported(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, roster_bytes([unit_row()], columns=UNIT_COLUMNS), kind="units",
                       name="单位名录.xlsx")
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.kind == "units" and run.good_rows == 1
    client.post(reverse("membership:import_start", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.created_count == 1


# -- files that are refused -----------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("content,name,message", [
    (b"name,id\n1,2\n", "roster.xlsx", "这不是 Excel .xlsx 文件；请下载模板填写。"),
    (b"PK\x03\x04" + b"\x00" * 64, "roster.xlsx",
     "文件已损坏或不是 Excel 工作簿；请用 Excel 打开后重新另存为 .xlsx。"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "roster.xlsx",
     "这是旧版 Excel 文件（.xls）或设有密码的文件；请用 Excel 打开，去掉密码后另存为 .xlsx。"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "roster.xls",
     "请选择 Excel .xlsx 文件；如没有，请先下载模板。"),
    (b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024), "big.xlsx",
     "文件超过 20 MB，请拆分成几个文件。"),
])
def test_a_file_that_is_not_a_roster_gets_a_clear_error_and_nothing_is_stored(
        client, street_staff_dawangzhuang, media_root, content, name, message):
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, content, name=name)
    assert response.status_code == 200
    assert message in _text(response)
    assert not ImportRun.objects.exists()
    assert not (media_root / "imports").exists()


@pytest.mark.django_db
def test_a_unit_list_sent_as_a_worker_roster_names_the_missing_columns(
        client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, roster_bytes([unit_row()], columns=UNIT_COLUMNS))
    assert "第一行必须是模板的列名，缺少：姓名、身份证号、户籍类型、就业形式。" in _text(response)


@pytest.mark.django_db
def test_a_truncated_workbook_is_refused(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    content = roster_bytes([worker_row()])
    response = _upload(client, content[: len(content) - 200])
    assert "文件已损坏" in _text(response)
    assert not ImportRun.objects.exists()


# -- who sees what -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_run_is_seen_only_by_its_uploader(client, street_staff_dawangzhuang,
                                            street_staff_dazhigu, admin_user):
    client.force_login(street_staff_dawangzhuang)
    _upload(client, roster_bytes([worker_row(身份证号=_bad_id())]))
    run = ImportRun.objects.get()
    urls = [reverse(name, args=[run.pk]) for name in (
        "membership:import_detail", "membership:import_status", "membership:import_start",
        "membership:import_bad_rows")]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200, 200]
    for other in (street_staff_dazhigu, admin_user):
        client.force_login(other)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404, 404]
        assert client.post(reverse("membership:import_start", args=[run.pk])).status_code == 404
        assert "大王庄职工花名册.xlsx" not in _text(client.get(reverse("membership:import_list")))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "liaison_zhujianwei"])
def test_read_only_roles_see_the_page_but_cannot_upload(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("membership:import_list"))
    assert page.status_code == 200
    assert "您的角色可以查看名录，但不能导入名册。" in _text(page)
    assert _upload(client, roster_bytes([worker_row()])).status_code == 403
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_community_staff_may_upload_workers_only(client, community_staff_dawangzhuang):
    client.force_login(community_staff_dawangzhuang)
    page = _text(client.get(reverse("membership:import_list")))
    assert 'value="workers"' in page and 'value="units"' not in page
    response = _upload(client, roster_bytes([unit_row()], columns=UNIT_COLUMNS), kind="units")
    assert response.status_code == 200 and not ImportRun.objects.exists()


@pytest.mark.django_db
def test_the_list_page_runs_a_fixed_number_of_queries(client, street_staff_dawangzhuang,
                                                      django_assert_max_num_queries):
    client.force_login(street_staff_dawangzhuang)
    for _ in range(5):
        _upload(client, roster_bytes([worker_row(身份证号=new_id())]))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("membership:import_list"))
    assert _text(page).count("大王庄职工花名册.xlsx") == 5


# -- status, progress and the Celery path -------------------------------------------------------

@pytest.mark.django_db
def test_the_status_json_and_the_progress_script(client, street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    run = ImportRun.objects.create(user=street_staff_dawangzhuang, kind="workers",
                                   original_name="大王庄职工花名册.xlsx", file="imports/x.xlsx",
                                   status=ImportStatus.IMPORTING, total_rows=9000)
    services._progress_writer(run.pk)(4000, 9000)
    data = client.get(reverse("membership:import_status", args=[run.pk])).json()
    assert data["status"] == "importing" and data["status_label"] == "正在导入"
    assert data["progress"] == {"done": 4000, "total": 9000} and data["running"] is True
    page = client.get(reverse("membership:import_detail", args=[run.pk])).content.decode()
    assert 'id="import-progress"' in page and "import_progress.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (CSP)
    assert client.get("/static/js/import_progress.js").status_code == 200


@pytest.mark.django_db
def test_the_tasks_call_the_services_and_are_safe_to_run_twice(street_staff_dawangzhuang,
                                                                settings, frozen_today):
    settings.IMPORT_ASYNC_ROWS = 1
    file = upload(roster_bytes([worker_row(身份证号=new_id()), worker_row(身份证号=new_id())]))
    run = services.import_run_create(by=street_staff_dawangzhuang, kind="workers", upload=file)
    assert run.status == ImportStatus.VALIDATING  # large: left to the task
    import_run_validate_task(run.pk)
    import_run_validate_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.good_rows) == (ImportStatus.VALIDATED, 2)
    services._claim(run, street_staff_dawangzhuang)
    import_run_apply_task(run.pk)
    import_run_apply_task(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.created_count == 2
    assert Worker.objects.count() == 2 and Worker.history.count() == 2


def _wait_for(run, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status == status:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run stayed {run.status}, wanted {status}")


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_imported_by_a_real_celery_worker(
        client, street_staff_dawangzhuang, settings):
    """The round trip through the Redis broker of REDIS_URL and an embedded worker."""
    from celery.contrib.testing.worker import start_worker

    from hedong_union.celery import app

    settings.IMPORT_ASYNC_ROWS = 2
    client.force_login(street_staff_dawangzhuang)
    rows = [worker_row(身份证号=new_id()) for _ in range(3)] + [worker_row(身份证号=_bad_id())]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        response = _upload(client, roster_bytes(rows))
        run = ImportRun.objects.get()
        assert response.status_code == 302
        run = _wait_for(run, ImportStatus.VALIDATED)
        assert (run.good_rows, run.bad_rows) == (3, 1)
        client.post(reverse("membership:import_start", args=[run.pk]))
        run = _wait_for(run, ImportStatus.DONE)
    assert run.created_count == 3 and Worker.objects.count() == 3
    data = client.get(reverse("membership:import_status", args=[run.pk])).json()
    assert data["progress"] == {"done": 4, "total": 4}
    close_old_connections()
