"""The workbooks an import hands out: the blank template of each kind, and the bad rows
of a run with their reasons, to fix and upload again (SPEC §7.4)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from membership.imports.columns import COLUMNS, ERROR_HEADER, LISTED_VALUES, NO, SHEET_TITLES, YES
from membership.imports.reader import RosterReader
from membership.models import ImportKind
from reporting.xlsx import Column, write_xlsx

INSTRUCTIONS_SHEET = "填写说明"
TEMPLATE_ROWS = 5000  # rows the text format and drop-downs cover


def _column_notes():
    """What each kind of column takes, for the instructions sheet."""
    return {
        "code": _("Text: format the column as text so Excel keeps every digit."),
        "date": _("A date such as 2026-03-05 (2026/3/5 and 2026年3月5日 are read too)."),
        "bool": _("是 or 否 (Y/N and 1/0 are read too)."),
        "count": _("A whole number."),
        "province": _("The province's name (e.g. 河北) or its two-digit code (e.g. 13); left "
                      "empty, it is read from the ID number."),
        "text": "",
    }


_SPECIAL_NOTES = {
    "street": lambda: _("A street of the district, with or without 街道 (大王庄, 大王庄街道). "
                        "For a worker with an employer, the employer's street is used."),
    "community": lambda: _("A community of that street. May be empty for a unit and for a "
                           "worker with an employer; needed for scattered workers."),
    "employer": lambda: _("The employer's unified social credit code; the unit must already "
                          "be in the registry. Empty for scattered workers."),
    "is_member": lambda: _("是: the worker is enrolled in the union the portal routes them "
                           "to (the employer's union, or the community union for scattered "
                           "workers), with the join date below. Existing members are left "
                           "as they are."),
    "joined_on": lambda: _("Needed when 是否会员 is 是; the worker must be 16 or older on it."),
    "card_number": lambda: _("16 to 19 digits; the card's check digit is verified."),
    "founding_status": lambda: _("已建会 needs 建会日期; the unit's enterprise union is "
                                 "recorded with it. 覆盖 is chosen on the unit's page."),
    "identified_on": lambda: _("Empty: the day of the import."),
}


def template_write(stream, *, kind):
    """The blank template: one bold header row, text format and drop-downs where they
    help, and the 填写说明 sheet listing what each column takes."""
    columns = COLUMNS[ImportKind(kind)]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLES[ImportKind(kind)]
    ws.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[letter].width = column.width
        if column.kind == "code":
            ws.column_dimensions[letter].number_format = "@"
        values = (LISTED_VALUES.get(column.key) if column.kind == "choice"
                  else [YES, NO] if column.kind == "bool" else None)
        if values:
            validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                                        allow_blank=True, showErrorMessage=False)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    kind_notes = _column_notes()
    notes.append([_("How to fill in this template")])
    notes["A1"].font = Font(bold=True, size=13)
    for line in (
        _("Keep the first row of the first sheet as it is; one row per person or unit."),
        _("Rows already in the registry (same ID number or credit code) are updated; an "
          "empty optional cell keeps what the registry holds."),
        _("After the upload the portal lists every bad row; the good rows are imported only "
          "when you confirm, and the bad ones can be downloaded to fix."),
    ):
        notes.append([line])
    notes.append([])
    header_row = notes.max_row + 1
    notes.append([_("Column"), _("Required"), _("Allowed values"), _("Notes")])
    for cell in notes[header_row]:
        cell.font = Font(bold=True)
    for column in columns:
        values = (LISTED_VALUES.get(column.key) if column.kind == "choice"
                  else [YES, NO] if column.kind == "bool" else [])
        special = _SPECIAL_NOTES.get(column.key)
        notes.append([
            column.header,
            YES if column.required else NO,
            "、".join(values),
            special() if special else kind_notes.get(column.kind, ""),
        ])
    for letter, width in zip("ABCD", (24, 8, 60, 70)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(stream)


def bad_rows_write(stream, *, kind, source, errors, title, scope):
    """The rows of `source` named in `errors`, as they were typed, with the reasons in a
    last column; the file can be fixed and uploaded again as it is."""
    columns = COLUMNS[ImportKind(kind)]
    reasons = {}
    for error in errors:
        text = (f"{error['column']}：{error['message']}" if error["column"]
                else error["message"])
        reasons.setdefault(error["row"], []).append(text)

    def rows():
        with RosterReader(source, columns) as reader:
            for number, values in reader.rows():
                if number in reasons:
                    yield ([_as_cell(c, v) for c, v in zip(columns, values)]
                           + ["；".join(reasons[number])])

    # Code columns stay text, so a number fixed in the file keeps every digit (SPEC §7.4).
    out_kinds = {"date": "date", "code": "code"}
    out_columns = [Column(c.header, c.width, out_kinds.get(c.kind, "text"))
                   for c in columns] + [Column(ERROR_HEADER, 60)]
    write_xlsx(stream, title=title, scope=scope, as_of=timezone.localdate(),
               columns=out_columns, rows=rows(), sheet_name=SHEET_TITLES[ImportKind(kind)])


def _as_cell(column, value):
    """The value as typed; identifiers as text, so Excel does not round their digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if column.kind == "code" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
