"""Reading an uploaded roster: is it a real .xlsx, where is its header, and its rows in
the order and with the row numbers Excel shows.

openpyxl opens the workbook in read-only mode (the zip, the shared strings, the styles
that make a number a date, the sheets) and finds the header. The data rows then take a
short cut: openpyxl builds a dict and an object for every cell it reads, about 30 µs a
cell, which made reading alone the largest part of an import (15 s for 100,000 rows);
`SheetRows` reads the same worksheet stream with expat and turns each cell into a value
by openpyxl's own rules (shared string, inline string, number, a date by its style,
boolean, error text), a few µs a cell. Memory stays flat however long the file is.
"""

import logging
import os
import re
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

from hedong_union.uploads import UploadRefused, workbook_check
from membership.identifiers import normalise_text
from membership.imports.cells import is_blank

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024  # SPEC §7.4
HEADER_SEARCH_ROWS = 5  # the header may sit under a title row (our own exports have one)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, and password-protected workbooks


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the person who sent it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def check_file(fileobj, *, size=None):
    """Refuse what is not a real .xlsx before openpyxl sees it: size, then magic bytes."""
    if size is None:
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
    if size > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB; split it into several files."))
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    fileobj.seek(0)
    magic = fileobj.read(4)
    fileobj.seek(0)
    if magic == OLE_MAGIC:
        raise ImportFileError(_("This is an old Excel file (.xls) or a password-protected "
                                "one; open it in Excel and save it as .xlsx without a "
                                "password."))
    if magic != XLSX_MAGIC:
        raise ImportFileError(_("This is not an Excel .xlsx file; download the template and "
                                "fill it in."))
    try:
        workbook_check(fileobj)
    except UploadRefused as error:
        raise ImportFileError(error.message) from None


def max_rows():
    return settings.UPLOAD_MAX_ROWS


def too_many_rows():
    return ImportFileError(_("The file has more than %(max)s rows (blank rows count too); "
                             "split it into several files, or delete the blank rows below "
                             "the data.") % {"max": f"{max_rows():,}"})


def _header_key(value):
    return normalise_text(value).strip("*＊") if not is_blank(value) else ""


class RosterReader:
    """Open with `with RosterReader(path_or_file, columns) as reader:`; then
    `reader.rows()` yields (row number, values in the order of `columns`)."""

    def __init__(self, source, columns):
        self.source = source
        self.columns = columns
        self.workbook = None
        self.sheet = None
        self.header_row = None
        self.positions = None
        self.estimated_rows = None

    def __enter__(self):
        if isinstance(self.source, (str, os.PathLike)):
            self._file = open(self.source, "rb")  # noqa: SIM115 - closed in __exit__
        else:
            self._file = self.source
        try:
            check_file(self._file)
            self.workbook = load_workbook(self._file, read_only=True, data_only=True,
                                          keep_links=False)
            self._find_header()
        except ImportFileError:
            self._close()
            raise
        except Exception as error:  # openpyxl, zipfile and XML errors of a damaged file
            self._close()
            logger.info("unreadable workbook: %s", type(error).__name__)
            raise ImportFileError(_("The file is damaged or is not an Excel workbook; open it "
                                    "in Excel and save it again as .xlsx.")) from None
        return self

    def __exit__(self, *exc):
        self._close()
        return False

    def _close(self):
        if self.workbook is not None:
            self.workbook.close()
            self.workbook = None
        if isinstance(self.source, (str, os.PathLike)) and getattr(self, "_file", None):
            self._file.close()
            self._file = None

    def _find_header(self):
        wanted = {c.header for c in self.columns}
        required = {c.header for c in self.columns if c.required}
        best = None
        for sheet in self.workbook.worksheets[:10]:
            for number, row in enumerate(
                sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True), 1
            ):
                keys = [_header_key(v) for v in row]
                found = wanted & set(keys)
                if best is None or len(found) > len(best[3]):
                    best = (sheet, number, keys, found)
                if required <= found:
                    self._use_header(sheet, number, keys)
                    return
        found = best[3] if best else set()
        missing = [c.header for c in self.columns if c.required and c.header not in found]
        raise ImportFileError(_("The first row must hold the template's column names; these "
                                "are missing: %(columns)s. Download the template and use its "
                                "first row.") % {"columns": "、".join(missing)})

    def _use_header(self, sheet, number, keys):
        self.sheet, self.header_row = sheet, number
        positions = {}
        for index, key in enumerate(keys):
            positions.setdefault(key, index)
        self.positions = [positions.get(c.header) for c in self.columns]
        max_row = sheet.max_row  # from the sheet's dimension tag: cheap, maybe wrong
        self.estimated_rows = max(max_row - number, 0) if max_row else None
        # A wrong dimension tag would cut the rows short: read to the real end instead.
        sheet.reset_dimensions()

    def rows(self):
        """(row number as Excel shows it, values in column order); blank rows skipped, but
        counted against UPLOAD_MAX_ROWS (SheetRows counts every row of the sheet)."""
        positions = self.positions
        try:
            for number, cells in SheetRows(self.sheet, min_row=self.header_row + 1,
                                           max_rows=max_rows()):
                row = tuple(cells.get(p) if p is not None else None for p in positions)
                if all(is_blank(v) for v in row):
                    continue
                yield number, row
        except ImportFileError:
            raise
        except Exception as error:
            logger.info("unreadable workbook row: %s", type(error).__name__)
            raise ImportFileError(_("The file is damaged or is not an Excel workbook; open it "
                                    "in Excel and save it again as .xlsx.")) from None


class SheetRows:
    """(row number, {column index from 0: value}) for each row of a read-only sheet at or
    after `min_row`, parsed from the worksheet XML with expat (see the module docstring).

    Values follow openpyxl's reading with data_only=True: a formula gives its cached
    value, a number styled as a date gives a datetime.

    Every <row> element at or after `min_row` counts against `max_rows`, blank or not: a
    sheet whose <dimension> lies cannot make the reader walk millions of empty rows.
    """

    CHUNK = 1 << 20

    def __init__(self, sheet, *, min_row=1, max_rows=None):
        workbook = sheet.parent
        self.sheet = sheet
        self.min_row = min_row
        self.max_rows = max_rows
        self.shared = sheet._shared_strings
        self.date_styles = workbook._date_formats
        self.timedelta_styles = workbook._timedelta_formats
        self.epoch = workbook.epoch
        self._columns = {}
        self._tags = {}

    def __iter__(self):
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self._done = []
        self._seen = 0
        self._row_number = 0
        self._row = None
        self._collect = None  # the list gathering a <v> or an inline <t>, when inside one
        self._phonetic = False
        source = self.sheet._get_source()
        try:
            while True:
                data = source.read(self.CHUNK)
                parser.Parse(data, not data)
                if self._done:
                    yield from self._done
                    self._done = []
                if not data:
                    break
        finally:
            source.close()

    def _local(self, name):
        """The tag without a namespace prefix (some writers use x:c), remembered."""
        tag = self._tags[name] = name[name.find(":") + 1:]
        return tag

    def _start(self, name, attrs):
        tag = self._tags.get(name) or self._local(name)
        if tag == "c":
            if self._row is None:
                return
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = self._columns.get(letters)
                if column is None:
                    column = self._columns[letters] = column_index_from_string(letters) - 1
            else:
                column = self._column + 1
            self._column = column
            self._type = attrs.get("t", "n")
            self._style = attrs.get("s")
            self._parts = []
        elif tag == "v":
            if self._row is not None:
                self._collect = self._parts
        elif tag == "t":
            if self._row is not None and self._type == "inlineStr" and not self._phonetic:
                self._collect = self._parts
        elif tag == "rPh":
            self._phonetic = True
        elif tag == "row":
            ref = attrs.get("r")
            self._row_number = int(ref) if ref else self._row_number + 1
            self._row = {} if self._row_number >= self.min_row else None
            self._column = -1
            if self._row is not None:
                self._seen += 1
                if self.max_rows is not None and self._seen > self.max_rows:
                    raise too_many_rows()

    def _text(self, data):
        if self._collect is not None:
            self._collect.append(data)

    def _end(self, name):
        tag = self._tags.get(name) or self._local(name)
        if tag in ("v", "t"):
            self._collect = None
        elif tag == "rPh":
            self._phonetic = False
        elif tag == "c":
            if self._row is not None and self._parts:
                self._row[self._column] = self._value("".join(self._parts))
        elif tag == "row":
            if self._row:
                self._done.append((self._row_number, self._row))
            self._row = None

    def _value(self, text):
        kind = self._type
        if kind == "s":
            return self.shared[int(text)]
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            return from_ISO8601(text)
        number = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
        style = self._style
        if style is not None and int(style) in self.date_styles:
            return from_excel(number, self.epoch,
                              timedelta=int(style) in self.timedelta_styles)
        return number


def original_name(name):
    """The uploaded file's base name, without folders a browser may send."""
    return re.split(r"[\\/]", name or "")[-1][:255] or "roster.xlsx"
