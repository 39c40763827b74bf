"""Reading the card bank's result file (SPEC §6.3): line id, 成功/失败, reason."""

import zipfile
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from hedong_union.uploads import UploadRefused, workbook_check
from membership.identifiers import normalise_text

MAX_BYTES = 20 * 1024 * 1024
_LINE, _RESULT, _REASON, _AMOUNT = "明细编号", "结果", "原因", "金额"
_ALIASES = {"处理结果": _RESULT, "状态": _RESULT, "失败原因": _REASON, "备注": _REASON,
            "发放金额": _AMOUNT}


def result_file_check(upload):
    """Refuse, without parsing it, what is not a safe .xlsx: size, type, and its zip
    (hedong_union.uploads: entries, inflated size, ratio, external links)."""
    size = upload.size if hasattr(upload, "size") else None
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."))
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError(_("This is not an Excel .xlsx file."))
    try:
        workbook_check(upload)
    except UploadRefused as error:
        raise ValidationError(error.message) from None


def _sheet_rows(upload):
    """The first sheet's rows as values, every row (blank ones and the gaps openpyxl fills
    in) counted against UPLOAD_MAX_ROWS; the sheet's <dimension> is not trusted."""
    workbook = load_workbook(upload, read_only=True, data_only=True, keep_links=False)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        limit = settings.UPLOAD_MAX_ROWS
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) >= limit:
                raise ValidationError(_("The file has more than %(max)s rows (blank rows "
                                        "count too); delete the blank rows below the data.")
                                      % {"max": f"{limit:,}"})
            rows.append(row)
        return rows
    finally:
        workbook.close()


def read_result_file(upload):
    """Rows (excel row, line id, outcome, reason, amount or None) of a result workbook; an
    amount that cannot be read is a NotAnAmount."""
    result_file_check(upload)
    try:
        rows = _sheet_rows(upload)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationError(_("The Excel file is damaged and cannot be read.")) from None
    header_index, columns = _find_header(rows)
    out = []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(cell not in (None, "") for cell in row):
            continue
        value = {name: row[index] if index < len(row) else None
                 for name, index in columns.items()}
        out.append((offset, normalise_text(value[_LINE]), normalise_text(value[_RESULT]),
                    str(value.get(_REASON) or "").strip(), _amount(value.get(_AMOUNT))))
    return out


def _find_header(rows):
    for index, row in enumerate(rows[:10]):
        names = [_ALIASES.get(normalise_text(c), normalise_text(c)) for c in row]
        if _LINE in names and _RESULT in names:
            return index, {name: names.index(name) for name in (_LINE, _RESULT, _REASON,
                                                                _AMOUNT) if name in names}
    raise ValidationError(_("The file needs the columns 明细编号 and 结果."))


class NotAnAmount(str):
    """An amount cell that is no amount in yuan (text, 1e30, infinity), kept as given so the
    report can show it."""


def _amount(value):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():  # text, too large, infinity, NaN
        return NotAnAmount(str(value).strip())
    return amount
