"""What a careful clerk would fix in a cell before reading it (SPEC §7.4): full-width
characters, stray spaces, dates typed as text or stored as Excel dates, 是/否 written as
Y/N or 1/0, choice labels in Chinese. Each parser returns the clean value, None for a
blank cell, or raises CellError with the message the clerk reads."""

import re
import unicodedata
from datetime import date, datetime, time

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel
from stdnum import numdb

from membership.identifiers import normalise_text


class CellError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


_SPACES = re.compile(r"\s+")
_CJK = r"[\u2e80-\u9fff\uf900-\ufaff·]"
_SPACE_NEAR_CJK = re.compile(rf"(?<={_CJK}) | (?={_CJK})")


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value):
    """Full-width to half-width, spaces trimmed and collapsed; spaces beside Chinese
    characters dropped ("张　三" is 张三; "ABC Trading" keeps its space)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()
    return _SPACE_NEAR_CJK.sub("", text) or None


def code_text(value, *, what):
    """A number that must be read as written (ID, phone, card, credit code).

    Excel stores a long number typed into a General cell as a floating-point number and
    keeps only 15 significant digits, so an ID number typed that way has lost its end.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Write %(what)s, not a yes/no value.") % {"what": what})
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= 1e15:
            raise CellError(_("Excel stored %(what)s as a number and dropped its last digits; "
                              "format the column as text and type it again.") % {"what": what})
        value = int(value)
    if isinstance(value, (datetime, date)):
        raise CellError(_("Excel turned %(what)s into a date; format the column as text and "
                          "type it again.") % {"what": what})
    return normalise_text(value) or None


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*T?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value):
    """2026-3-5, 2026/03/05, 2026.3.5, 2026年3月5日, 20260305, or an Excel date."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise _date_error(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == int(value) and 19000101 <= value <= 21001231:
            return _real_date(*_DATE_DIGITS.fullmatch(str(int(value))).groups(), shown=value)
        if 1 <= value < 73051:  # an Excel serial date between 1900 and 2099
            return from_excel(value).date()
        raise _date_error(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE_TEXT.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
    if not match:
        raise _date_error(value)
    return _real_date(*match.groups(), shown=text)


def _real_date(year, month, day, *, shown):
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(_("There is no such date: %(value)s.") % {"value": shown}) from None


def _date_error(value):
    return CellError(_("“%(value)s” is not a date; write it as 2026-03-05.") % {"value": value})


_YES = {"是", "Y", "YES", "1", "TRUE", "对", "√"}
_NO = {"否", "N", "NO", "0", "FALSE", "不是", "×"}


def parse_bool(value):
    """是/否, also Y/N, yes/no, 1/0 and Excel's TRUE/FALSE."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = normalise_text(value).upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("“%(value)s” is not 是 or 否.") % {"value": value})


def parse_choice(value, choices, *, listed):
    """A Chinese label from the template's list (or the stored code itself)."""
    if is_blank(value):
        return None
    text = normalise_text(value)
    if text in choices:
        return choices[text]
    codes = {str(code): code for code in choices.values()}
    if text.lower() in codes:
        return codes[text.lower()]
    raise CellError(_("“%(value)s” is not an allowed value; write one of: %(choices)s.")
                    % {"value": value, "choices": "、".join(listed)})


def parse_count(value):
    """A whole number of people; "120人" is 120."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Write a whole number of people."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_text(value).removesuffix("人").replace(",", "")
    if not text.isdigit():
        raise CellError(_("“%(value)s” is not a whole number of people.") % {"value": value})
    return int(text)


def _province_names():
    """Two-digit province codes of GB/T 2260 with their names, from python-stdnum's data,
    under the full name (河北省) and the short one (河北)."""
    db = numdb.get("cn/loc")
    names = {}
    for code in range(11, 83):
        info = db.info(str(code))[0][1]
        if "province" in info:
            full = info["province"]
            short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特別行政區|特别行政区)$",
                           "", full)
            for name in {full, short, full.replace("特別行政區", "特别行政区")}:
                names[name] = str(code)
    return names


_PROVINCES = None


def parse_province(value):
    """The hukou province as its two-digit code (12) or its name (天津, 天津市)."""
    global _PROVINCES
    if is_blank(value):
        return None
    if _PROVINCES is None:
        _PROVINCES = _province_names()
    text = clean_text(value).replace(" ", "")
    if text.isdigit() and len(text) in (2, 6):  # a region code: its first two digits
        text = text[:2]
        if text in _PROVINCES.values():
            return text
    elif text in _PROVINCES:
        return _PROVINCES[text]
    raise CellError(_("Unknown province “%(value)s”; write its name (e.g. 河北) or its "
                      "two-digit code (e.g. 13).") % {"value": value})
