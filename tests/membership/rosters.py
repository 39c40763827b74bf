"""Workbooks for the import tests: a roster row is a dict keyed by the template's Chinese
column names, written in the template's column order."""

import io
import random
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from membership import fakes
from membership.imports.columns import UNIT_COLUMNS, WORKER_COLUMNS
from membership.models import FoundingStatus, Unit

# The tests live on this day, so "future", "under 16" and "today" never drift.
TODAY = date(2026, 6, 30)


@pytest.fixture
def frozen_today():
    with time_machine.travel("2026-06-30 10:00 +0800", tick=False):
        yield TODAY


_rng = random.Random(7432)


def new_id(*, birth_date=None, region="130102"):
    return fakes.resident_id(_rng, region=region, birth_date=birth_date)


def new_code():
    return fakes.credit_code(_rng)


def new_card():
    return fakes.card_number(_rng)


def worker_row(**cells):
    """A good row of a scattered worker in 大王庄第01社区; `cells` replace columns."""
    row = {
        "姓名": "王建国", "身份证号": new_id(birth_date=date(1990, 3, 7)),
        "手机号": "13802211234", "户籍类型": "农业", "户籍所在省份": None,
        "就业形式": "零散就业", "职业群体": "快递员", "工作单位统一社会信用代码": None,
        "所属街道": "大王庄", "所属社区": "大王庄第01社区", "整建制非正式员工": "否",
        "摸底日期": "2026-03-05", "是否会员": "否", "入会日期": None, "会员服务卡号": None,
    }
    row.update(cells)
    return row


def unit_row(**cells):
    """A good row of a property company in 大王庄, no union yet; `cells` replace columns."""
    row = {
        "单位名称": "大王庄安泰物业有限公司", "统一社会信用代码": new_code(),
        "单位类型": "非公企业", "行业": "物业", "所属街道": "大王庄街道", "所属社区": None,
        "职工人数": 120, "农民工人数": 40, "重点企业": "否", "双万双服": "否",
        "工商联会员": "是", "缴纳建会筹备金": "否", "建会状态": "未建会", "建会日期": None,
        "登记日期": "2018-06-01",
    }
    row.update(cells)
    return row


def roster_bytes(rows, *, columns=WORKER_COLUMNS, headers=None, title=None):
    wb = Workbook()
    ws = wb.active
    headers = headers or [c.header for c in columns]
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workers_file(rows, **kwargs):
    return io.BytesIO(roster_bytes(rows, columns=WORKER_COLUMNS, **kwargs))


def units_file(rows, **kwargs):
    return io.BytesIO(roster_bytes(rows, columns=UNIT_COLUMNS, **kwargs))


def upload(content, name="职工花名册.xlsx"):
    return SimpleUploadedFile(
        name, content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def employer(*, street, community=None, union=None, code=None, name="大王庄安泰物业有限公司",
             kind="non_public_enterprise", sector="property"):
    """A unit in the registry; founded with `union` when one is given."""
    return Unit.objects.create(
        name=name, credit_code=code or new_code(), kind=kind, sector=sector, street=street,
        community=community, employee_count=120, migrant_count=40,
        founding_status=FoundingStatus.FOUNDED if union else FoundingStatus.NONE, union=union,
    )
