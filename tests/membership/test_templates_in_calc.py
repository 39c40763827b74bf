"""The import templates keep an 18-digit number as typed (SPEC §7.4): their ID, phone, card
and credit-code columns are text. Proved in LibreOffice Calc: Calc types the values into
the downloaded template through its Enter command, saves it, and the portal's reader gets
every digit back (docs/decisions.md, "Templates proved in Calc")."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from membership.imports.columns import COLUMNS
from membership.imports.reader import RosterReader
from membership.imports.workbooks import TEMPLATE_ROWS
from membership.models import ImportKind
from tests.calc import calc_type, needs_calc_bridge

pytestmark = [pytest.mark.django_db, needs_calc_bridge]

ID_NUMBER = "120102199003070012"
CARD = "6222020200112233445"
CREDIT_CODE = "911201020000000017"  # all digits: a spreadsheet would make it a number


def _template(client, user, kind, tmp_path):
    client.force_login(user)
    response = client.get(reverse("membership:import_template", args=[kind]))
    assert response.status_code == 200
    path = tmp_path / f"template-{kind}.xlsx"
    path.write_bytes(response.content)
    return path


def _letters(kind):
    from openpyxl.utils import get_column_letter

    return {c.header: get_column_letter(i) for i, c in enumerate(COLUMNS[kind], start=1)}


def _control(kind):
    """A cell right of the template's columns, with no format: typed there, the ID is a
    number, which shows the typing is Calc's own."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(len(COLUMNS[kind]) + 2)}2"


def test_the_code_columns_are_text_for_the_whole_column(client, street_staff_dawangzhuang,
                                                        tmp_path):
    for kind in ImportKind:
        path = _template(client, street_staff_dawangzhuang, kind.value, tmp_path)
        sheet = load_workbook(path).worksheets[0]
        for column in COLUMNS[kind]:
            letter = _letters(kind)[column.header]
            text = sheet.column_dimensions[letter].number_format == "@"
            assert text == (column.kind == "code"), column.header


def test_ids_phones_and_cards_typed_in_calc_stay_whole(client, street_staff_dawangzhuang,
                                                       tmp_path):
    kind = ImportKind.WORKERS
    template = _template(client, street_staff_dawangzhuang, kind.value, tmp_path)
    at = _letters(kind)
    last = TEMPLATE_ROWS + 1
    typed = {f"{at['姓名']}2": "张三", f"{at['身份证号']}2": ID_NUMBER,
             f"{at['手机号']}2": "13812345678", f"{at['会员服务卡号']}2": CARD,
             f"{at['工作单位统一社会信用代码']}2": CREDIT_CODE,
             f"{at['姓名']}{last}": "李四", f"{at['身份证号']}{last}": "120102199003070039",
             _control(kind): ID_NUMBER}
    saved, cells = calc_type(tmp_path, template, typed)

    for header in ("身份证号", "手机号", "会员服务卡号", "工作单位统一社会信用代码"):
        cell = cells[f"{at[header]}2"]
        assert cell["type"] == "TEXT", header
        assert cell["string"] == typed[f"{at[header]}2"], header
    assert cells[_control(kind)]["type"] == "VALUE"  # no text format: Calc made a number
    assert cells[_control(kind)]["string"] != ID_NUMBER

    with RosterReader(io.BytesIO(saved.read_bytes()), COLUMNS[kind]) as reader:
        rows = {number: values for number, values in reader.rows()}
    headers = [c.header for c in COLUMNS[kind]]
    first = dict(zip(headers, rows[2]))
    assert (first["身份证号"], first["手机号"], first["会员服务卡号"],
            first["工作单位统一社会信用代码"]) == (ID_NUMBER, "13812345678", CARD, CREDIT_CODE)
    assert dict(zip(headers, rows[last]))["身份证号"] == "120102199003070039"


def test_a_credit_code_typed_in_calc_stays_whole(client, street_staff_dawangzhuang, tmp_path):
    kind = ImportKind.UNITS
    template = _template(client, street_staff_dawangzhuang, kind.value, tmp_path)
    at = _letters(kind)
    cell = f"{at['统一社会信用代码']}2"
    saved, cells = calc_type(tmp_path, template, {f"{at['单位名称']}2": "天津某某有限公司",
                                                  cell: CREDIT_CODE})
    assert (cells[cell]["type"], cells[cell]["string"]) == ("TEXT", CREDIT_CODE)
    with RosterReader(io.BytesIO(saved.read_bytes()), COLUMNS[kind]) as reader:
        values = dict(zip([c.header for c in COLUMNS[kind]], next(reader.rows())[1]))
    assert values["统一社会信用代码"] == CREDIT_CODE


def test_a_bad_rows_file_fixed_in_calc_keeps_the_id_whole(tmp_path):
    """The bad rows come back to be fixed and uploaded again: an ID typed over the bad one
    in Calc stays text, as in the template."""
    from membership.imports.workbooks import bad_rows_write
    from tests.membership.rosters import roster_bytes, worker_row

    source = io.BytesIO(roster_bytes([worker_row(身份证号="12010219900307001")]))
    path = tmp_path / "bad-rows.xlsx"
    with open(path, "wb") as stream:
        bad_rows_write(stream, kind=ImportKind.WORKERS, source=source,
                       errors=[{"row": 2, "column": "身份证号", "message": "位数不对"}],
                       title="导入错误行", scope="大王庄街道")
    at = _letters(ImportKind.WORKERS)
    cell = f"{at['身份证号']}3"  # row 1 the title, row 2 the header
    saved, cells = calc_type(tmp_path, path, {cell: ID_NUMBER,
                                              f"{at['身份证号']}4": "120102199003070039"})
    assert (cells[cell]["type"], cells[cell]["string"]) == ("TEXT", ID_NUMBER)
    assert cells[f"{at['身份证号']}4"]["type"] == "TEXT"  # a row added below, too
    with RosterReader(io.BytesIO(saved.read_bytes()), COLUMNS[ImportKind.WORKERS]) as reader:
        values = [dict(zip([c.header for c in COLUMNS[ImportKind.WORKERS]], v))
                  for _, v in reader.rows()]
    assert [v["身份证号"] for v in values] == [ID_NUMBER, "120102199003070039"]
