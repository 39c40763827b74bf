"""The one Excel writer every export uses (SPEC §7.4, STYLE habit 7).

A report is a list of columns and an iterable of rows; this module renders them with
openpyxl's write-only mode, so memory stays flat however many rows come.

openpyxl builds a cell object and an XML element for every cell it writes, about 12 µs a
cell: 100,000 members of ten columns take 15 s that way, hardly less than its normal mode
(docs/benchmarks.md). So the plain data rows take a short cut inside openpyxl's own
write-only stream: each row is serialised to the worksheet XML in one string, with the
styles openpyxl registered for the columns. The workbook, the styles, the title and
header rows, the sheet view and the zip package stay openpyxl's. Where the short cut is
not available (openpyxl running on lxml, which offers no raw write), rows go through
openpyxl's cell writer and the result is the same workbook.
"""

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from datetime import timezone as dt_timezone
from decimal import Decimal
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.excel import ExcelWriter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE_ROWS = 2  # the title row and the header row; data starts on row 3


@dataclass(frozen=True)
class Column:
    header: str  # in Chinese, exactly as the spec lists it
    width: float = 14
    kind: str = "text"  # text | code | int | money | percent | points | date | datetime


_NUMBER_FORMATS = {
    "money": "#,##0.00",
    "percent": "0.00%",
    # A change in percentage points, signed: +1.25, -0.50, 0.00 (a number, not text).
    "points": "+0.00;-0.00;0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "0",
    # Identifiers (ID, phone, card, credit code): text, so digits typed in stay as typed.
    "code": "@",
}


def write_xlsx(stream, *, title, scope, as_of, columns, rows, sheet_name=None,
               engine="fast"):
    """Write a titled sheet to a binary `stream`: a title row, a bold frozen header, rows.

    The sheet is named `sheet_name`, else after the title: what it holds, never "Sheet1".

    `engine="openpyxl"` sends every row through openpyxl's own cell writer (the tests
    compare both; the benchmark measures both).
    """
    wb = Workbook(write_only=True)
    _sheet(wb, title=title, scope=scope, as_of=as_of, columns=columns, rows=rows,
           sheet_name=sheet_name, engine=engine)
    _save(wb, stream)


def write_xlsx_book(stream, *, title, scope, as_of, sheets, engine="fast"):
    """Several titled sheets in one workbook, each as `write_xlsx` writes its one:
    `sheets` is a list of (sheet name, columns, rows)."""
    wb = Workbook(write_only=True)
    for name, columns, rows in sheets:
        _sheet(wb, title=f"{title}　{name}", scope=scope, as_of=as_of, columns=columns,
               rows=rows, sheet_name=name, engine=engine)
    _save(wb, stream)


def _sheet(wb, *, title, scope, as_of, columns, rows, sheet_name, engine):
    ws = wb.create_sheet(title=sheet_title(sheet_name or title))
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
        if column.kind == "code":  # the whole column, rows typed in later too
            ws.column_dimensions[get_column_letter(index)].number_format = "@"
    ws.freeze_panes = f"A{TITLE_ROWS + 1}"
    batches = _BatchingRows(ws)

    title_cell = WriteOnlyCell(ws, value=f"{title}　{scope}　{_as_text(as_of)}")
    title_cell.font = Font(bold=True, size=14)
    ws.append([title_cell])

    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)

    if engine == "fast" and batches.available:
        ws.append(_RowBatch(_FastRows(ws, columns), rows))
    else:
        formats = [_NUMBER_FORMATS.get(c.kind) for c in columns]
        for row in rows:
            ws.append(_openpyxl_row(ws, row, formats))


# The zip's deflate level: 1, the fastest, compresses a sheet's XML to about 1.15x the size
# of openpyxl's default (level 6) in a third of the time (docs/benchmarks.md, subsidies).
ZIP_LEVEL = 1


def _save(wb, stream):
    """openpyxl's `Workbook.save` (openpyxl.writer.excel.save_workbook) with our deflate
    level: the same ExcelWriter writes the same parts into a zip made here."""
    archive = ZipFile(stream, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
    wb.properties.modified = datetime.now(tz=dt_timezone.utc).replace(tzinfo=None)
    ExcelWriter(wb, archive).save()


def _openpyxl_row(ws, row, formats):
    out = []
    for value, number_format in zip(row, formats):
        value = _excel_value(value)
        if value is None or value == "":
            out.append(None)
        elif isinstance(value, str):
            if number_format == "@":
                cell = WriteOnlyCell(ws, value=_clean_text(value))
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(_clean_text(value))
        elif number_format or isinstance(value, (date, datetime, time)):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = number_format or _date_format(value)
            out.append(cell)
        else:
            out.append(value)
    return out


def _excel_value(value):
    """What a cell holds: Excel has no time zones, so aware times become local times."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _date_format(value):
    return _NUMBER_FORMATS["datetime" if isinstance(value, datetime) else "date"]


def _clean_text(value):
    # Control characters are not allowed in XML; a clerk's stray tab-like byte is dropped.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


class _RowBatch(list):
    """Many rows sent to the sheet at once, written by the short cut (a list only because
    openpyxl's `append` accepts nothing else)."""

    def __init__(self, writer, rows):
        super().__init__()
        self.writer, self.rows = writer, rows


class _BatchingRows:
    """openpyxl's write-only row stream, taught to take a _RowBatch.

    It replaces the sheet's `_write_rows` generator (openpyxl 3.1) by the same loop plus
    one branch; `available` is False when the XML stream cannot take raw text.
    """

    def __init__(self, ws):
        from openpyxl import LXML

        # Without lxml, openpyxl streams through et_xmlfile, whose writer keeps the raw
        # text sink as `_file`; lxml's writer escapes every string it is given.
        self.available = not LXML
        ws._write_rows = functools.partial(self._write_rows, ws)

    @staticmethod
    def _write_rows(ws):
        writer = ws._writer
        xf = writer.xf.send(True)
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, _RowBatch):
                        row_idx = row.writer.write(xf._file, row.rows, row_idx)
                    else:
                        writer.write_row(xf, ws._values_to_row(row, row_idx), row_idx)
                        row_idx += 1
            except GeneratorExit:
                pass
        writer.xf.send(None)


class _FastRows:
    """Serialises plain rows to <row> elements of SpreadsheetML, one string a row."""

    FLUSH_EVERY = 200

    def __init__(self, ws, columns):
        self.letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self.styles = [self._style_id(ws, _NUMBER_FORMATS.get(c.kind)) for c in columns]
        # Text cells carry a style only in code columns (the text format "@").
        self.text_styles = [f' s="{style}"' if c.kind == "code" else ""
                            for c, style in zip(columns, self.styles)]
        self.date_style = self._style_id(ws, _NUMBER_FORMATS["date"])
        self.datetime_style = self._style_id(ws, _NUMBER_FORMATS["datetime"])

    @staticmethod
    def _style_id(ws, number_format):
        if number_format is None:
            return None
        cell = WriteOnlyCell(ws)
        cell.number_format = number_format
        return cell.style_id  # registers the format in the workbook's style sheet

    def write(self, raw, rows, row_idx):
        letters, styles, text_styles = self.letters, self.styles, self.text_styles
        plain = _PLAIN_TEXT.fullmatch
        buffer = []
        for row in rows:
            r = str(row_idx)
            parts = [f'<row r="{r}">']
            for letter, style, ts, value in zip(letters, styles, text_styles, row):
                if value is None or value == "":
                    continue
                ref = letter + r
                if isinstance(value, str):
                    if plain(value):  # nothing to clean, escape or preserve
                        parts.append(f'<c r="{ref}"{ts} t="inlineStr"><is><t>{value}</t></is></c>')
                        continue
                    if ILLEGAL_CHARACTERS_RE.search(value):
                        value = _clean_text(value)
                    text = escape(value)
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    parts.append(
                        f'<c r="{ref}"{ts} t="inlineStr"><is><t{space}>{text}</t></is></c>')
                elif isinstance(value, bool):
                    s = f' s="{style}"' if style is not None else ""
                    parts.append(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, (int, float, Decimal)):
                    s = f' s="{style}"' if style is not None else ""
                    parts.append(f'<c r="{ref}"{s} t="n"><v>{value}</v></c>')
                elif isinstance(value, (date, datetime, time)):
                    value = _excel_value(value)
                    if style is None:
                        style = (self.datetime_style if isinstance(value, datetime)
                                 else self.date_style)
                    parts.append(f'<c r="{ref}" s="{style}" t="n"><v>{to_excel(value)}</v></c>')
                else:
                    text = escape(_clean_text(str(value)))
                    parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
            parts.append("</row>")
            buffer.append("".join(parts))
            row_idx += 1
            if len(buffer) >= self.FLUSH_EVERY:
                raw("".join(buffer))
                buffer.clear()
        if buffer:
            raw("".join(buffer))
        return row_idx


# Text with no markup character, no control character and no whitespace at all: written
# as it is (most cells: numbers as text, names, ids).
_PLAIN_TEXT = re.compile(r"[^\s<>&\x00-\x1f\x7f]*")


def _as_text(value):
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


_NOT_IN_SHEET_TITLES = re.compile(r"[\\/*?:\[\]]")


def sheet_title(name):
    """`name` as Excel allows a sheet's name: none of \\ / * ? : [ ], at most 31 characters."""
    return _NOT_IN_SHEET_TITLES.sub("", str(name))[:31] or "数据"


def xlsx_response(filename, content=b"", *, fallback=None):
    """An HttpResponse that downloads as `filename` (in Chinese; `fallback`, ASCII, for old
    clients); write_xlsx may stream into it."""
    from django.http import HttpResponse

    from hedong_union.downloads import as_download

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    return as_download(response, filename, fallback=fallback or "export.xlsx")
