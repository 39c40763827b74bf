"""`manage.py import_roster {units|workers} FILE.xlsx [--dry-run] [--json] [--user]`
(SPEC §11): the same import as the web page."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from membership.imports.columns import UNIT_COLUMNS
from membership.models import Unit, Worker
from tests.membership.rosters import (
    frozen_today,  # noqa: F401 - fixture
    new_id,
    roster_bytes,
    unit_row,
    worker_row,
)

pytestmark = [pytest.mark.usefixtures("frozen_today"), pytest.mark.django_db]


def _file(tmp_path, rows, name="workers.xlsx", **kwargs):
    path = tmp_path / name
    path.write_bytes(roster_bytes(rows, **kwargs))
    return str(path)


def _run(*args):
    out = StringIO()
    call_command("import_roster", *args, stdout=out)
    return out.getvalue()


def test_json_prints_exactly_accepted_rejected_and_errors(tmp_path, dawangzhuang):
    bad_id = new_id()
    bad_id = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")
    path = _file(tmp_path, [worker_row(身份证号=new_id()),
                            worker_row(身份证号=bad_id, 手机号="1380221123")])
    printed = _run("workers", path, "--json")
    assert json.loads(printed) == {
        "accepted": 1, "rejected": 1,
        "errors": [
            {"row": 3, "column": "身份证号", "message": "身份证号的校验码不对，请再核对一遍号码。"},
            {"row": 3, "column": "手机号", "message": "手机号应为11位数字，以13至19开头。"},
        ],
    }
    assert "\\u" not in printed  # Chinese as it reads
    assert Worker.objects.count() == 1


def test_the_same_file_twice_imports_nothing_new(tmp_path, dawangzhuang):
    path = _file(tmp_path, [worker_row(身份证号=new_id()), worker_row(身份证号=new_id())])
    first = json.loads(_run("workers", path, "--json"))
    history = Worker.history.count()
    second = json.loads(_run("workers", path, "--json"))
    assert first == second == {"accepted": 2, "rejected": 0, "errors": []}
    assert Worker.objects.count() == 2 and Worker.history.count() == history


def test_dry_run_checks_and_writes_nothing(tmp_path, dawangzhuang):
    path = _file(tmp_path, [worker_row(身份证号=new_id()), worker_row(身份证号="12345")])
    printed = _run("workers", path, "--dry-run")
    assert "第3行，身份证号：身份证号应为18位，这里是5位。" in printed
    assert "共检查2行：正确1行，有误1行；试运行，未写入数据。" in printed
    assert not Worker.objects.exists()
    assert json.loads(_run("workers", path, "--dry-run", "--json"))["accepted"] == 1
    assert not Worker.objects.exists()


def test_without_user_it_acts_as_the_district_office(tmp_path, dawangzhuang, dazhigu):
    path = _file(tmp_path, [
        worker_row(身份证号=new_id()),
        worker_row(身份证号=new_id(), 所属街道="大直沽", 所属社区="大直沽第01社区"),
    ])
    printed = _run("workers", path)
    assert "新增2条" in printed
    assert set(Worker.objects.values_list("street__short_name", flat=True)) == {"大王庄", "大直沽"}
    assert {h.history_user for h in Worker.history.all()} == {None}


def test_with_user_the_users_scope_applies(tmp_path, street_staff_dawangzhuang, dazhigu):
    path = _file(tmp_path, [
        worker_row(身份证号=new_id()),
        worker_row(身份证号=new_id(), 所属街道="大直沽", 所属社区="大直沽第01社区"),
    ])
    result = json.loads(_run("workers", path, "--json", "--user", "street_zhang"))
    assert result == {"accepted": 1, "rejected": 1, "errors": [
        {"row": 3, "column": "所属街道", "message": "该职工不在您的街道。"}]}
    assert Worker.history.get().history_user == street_staff_dawangzhuang


def test_units_are_imported_the_same_way(tmp_path, dawangzhuang):
    path = _file(tmp_path, [unit_row(), unit_row(统一社会信用代码="91120102MA05XXXXXI")],
                 name="units.xlsx", columns=UNIT_COLUMNS)
    result = json.loads(_run("units", path, "--json"))
    assert result["accepted"] == 1 and result["rejected"] == 1
    assert result["errors"][0]["column"] == "统一社会信用代码"
    assert Unit.objects.get().registered_on == date(2018, 6, 1)


def test_a_file_that_is_not_an_xlsx_is_a_command_error(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("姓名,身份证号\n")
    with pytest.raises(CommandError, match="这不是 Excel .xlsx 文件"):
        _run("workers", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        _run("workers", str(tmp_path / "missing.xlsx"))


def test_unknown_users_and_read_only_roles_are_refused(tmp_path, leader, dawangzhuang):
    path = _file(tmp_path, [worker_row()])
    with pytest.raises(CommandError, match="没有有效用户 nobody"):
        _run("workers", path, "--user", "nobody")
    with pytest.raises(CommandError, match="无权导入"):
        _run("workers", path, "--user", "leader_li")
    assert not Worker.objects.exists()


def test_the_help_says_it_acts_as_the_district_office():
    from membership.management.commands.import_roster import Command

    parser = Command().create_parser("manage.py", "import_roster")
    text = parser.format_help()
    assert "区总工会办公室" in text and "--dry-run" in text and "--json" in text
