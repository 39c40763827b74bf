"""The one Excel writer every export uses (SPEC §7.4, STYLE habit 7).

A report is a list of columns and an iterable of rows; this module renders them with
openpyxl's write-only mode, so memory stays flat however many rows come.
"""

from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str  # in Chinese, exactly as the spec lists it
    width: float = 14
    kind: str = "text"  # text | int | money | percent | date


_NUMBER_FORMATS = {
    "money": "#,##0.00",
    "percent": "0.00%",
    "date": "yyyy-mm-dd",
    "int": "0",
}


def write_xlsx(stream, *, title, scope, as_of, columns, rows, sheet_name="Sheet1"):
    """Write a titled sheet to a binary `stream`: a title row, a bold frozen header, rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_name[:31])
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A3"

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

    formats = [_NUMBER_FORMATS.get(c.kind) for c in columns]
    for row in rows:
        out = []
        for value, number_format in zip(row, formats):
            if number_format and value is not None and value != "":
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
    wb.save(stream)


def _as_text(value):
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)
