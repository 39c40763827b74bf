"""The one Excel writer (SPEC §7.4): a title row, a bold frozen header, numbers and dates
as such; its fast row path writes the same workbook as openpyxl's own cell writer."""

import io
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl import load_workbook

from reporting import xlsx
from reporting.xlsx import Column, write_xlsx

COLUMNS = [Column("名称", 20), Column("人数", 8, "int"), Column("金额", 12, "money"),
           Column("比率", 9, "percent"), Column("日期", 12, "date"),
           Column("时间", 16, "datetime"), Column("备注", 30)]
ROWS = [
    ["津港物业 & <分公司>", 120, Decimal("1234.50"), 0.8, date(2024, 3, 1),
     datetime(2024, 3, 1, 9, 30, tzinfo=ZoneInfo("UTC")), " 前后有空格 "],
    ["控制\x07字符", 0, Decimal("0.00"), 1, date(1999, 12, 31), None, ""],
    ["无数据", None, None, None, None, None, None],
    ["真假", True, 2, 0.125, datetime(2026, 1, 2, 3, 4), date(2026, 1, 2), 12345],
]


def _write(engine, rows=ROWS):
    stream = io.BytesIO()
    write_xlsx(stream, title="测试报表", scope="全区", as_of=date(2026, 5, 20), columns=COLUMNS,
               rows=iter(rows), sheet_name="测试", engine=engine)
    stream.seek(0)
    return load_workbook(stream).active


def _cells(sheet):
    return [[(c.value, c.data_type, c.number_format, bool(c.font.b)) for c in row]
            for row in sheet.iter_rows()]


def test_the_fast_path_is_the_one_in_use():
    """Without lxml openpyxl streams through et_xmlfile, which the fast path writes to."""
    assert not openpyxl.LXML


def test_both_engines_write_the_same_workbook():
    assert _cells(_write("fast")) == _cells(_write("openpyxl"))


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_title_header_and_formats(engine):
    sheet = _write(engine)
    assert sheet["A1"].value == "测试报表　全区　2026-05-20"
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert [c.value for c in sheet[2]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert [sheet.column_dimensions[letter].width for letter in "ABCDEFG"] == [
        c.width for c in COLUMNS]
    row = sheet[3]
    assert row[0].value == "津港物业 & <分公司>"
    assert (row[1].value, row[1].number_format) == (120, "0")
    assert (row[2].value, row[2].number_format) == (1234.5, "#,##0.00")
    assert (row[3].value, row[3].number_format) == (0.8, "0.00%")
    assert (row[4].value, row[4].number_format) == (datetime(2024, 3, 1), "yyyy-mm-dd")
    # Excel has no time zones: an aware time is written as Asia/Shanghai local time.
    assert (row[5].value, row[5].number_format) == (datetime(2024, 3, 1, 17, 30),
                                                    "yyyy-mm-dd hh:mm")
    assert row[6].value == " 前后有空格 "
    assert sheet["A4"].value == "控制字符"  # a control character is dropped, not an error
    assert [c.value for c in sheet[5]][1:] == [None] * 6
    assert sheet["B6"].value is True and sheet["G6"].value == 12345


def test_many_rows_stream_through():
    rows = ([f"单位{i}", i, Decimal(i), i / 100, date(2024, 1, 1), None, ""]
            for i in range(5000))
    sheet = _write("fast", rows)
    assert sheet.max_row == 5002
    assert sheet["A5002"].value == "单位4999" and sheet["B5002"].value == 4999


def test_the_parts_are_deflated_at_our_level_and_the_workbook_dated():
    stream = io.BytesIO()
    write_xlsx(stream, title="测试报表", scope="全区", as_of=date(2026, 5, 20), columns=COLUMNS,
               rows=iter(ROWS * 50), sheet_name="测试")
    with zipfile.ZipFile(stream) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.compress_type == zipfile.ZIP_DEFLATED
        assert sheet.compress_size < sheet.file_size / 3
        raw = archive.read(sheet.filename)
    level = zlib.compressobj(xlsx.ZIP_LEVEL, zlib.DEFLATED, -15)
    assert sheet.compress_size == len(level.compress(raw) + level.flush())
    stream.seek(0)
    assert load_workbook(stream).properties.modified is not None


def test_code_columns_are_text_in_both_engines_and_for_the_whole_column():
    """Identifiers stay text, so a number typed into the file later keeps its digits."""
    columns = [Column("姓名", 10), Column("身份证号", 21, "code"), Column("人数", 8, "int")]
    rows = [["张三", "120102199003070012", 3], ["李四", "1201 0219 9003 0700 39", None],
            ["王五", None, 1]]
    sheets = []
    for engine in ("fast", "openpyxl"):
        stream = io.BytesIO()
        write_xlsx(stream, title="测试", scope="全区", as_of=date(2026, 5, 20), columns=columns,
                   rows=iter(rows), engine=engine)
        stream.seek(0)
        sheets.append(load_workbook(stream).active)
    assert _cells(sheets[0]) == _cells(sheets[1])
    sheet = sheets[0]
    assert (sheet["B3"].value, sheet["B3"].data_type, sheet["B3"].number_format) == (
        "120102199003070012", "s", "@")
    assert sheet["A3"].number_format == "General"
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["A"].number_format == "General"
