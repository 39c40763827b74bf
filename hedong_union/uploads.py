"""What an uploaded workbook must be before any parser reads it (SPEC §7.4, §8).

An .xlsx is a zip of XML parts. openpyxl inflates the shared strings whole when it opens
a workbook and follows the sheets' XML wherever it leads, so a small file can ask for
gigabytes of memory or minutes of CPU. `workbook_check` reads only the zip's central
directory (and the few small relationship parts) and refuses, with a message for the
person who sent the file:

- more entries than UPLOAD_MAX_ZIP_ENTRIES;
- more than UPLOAD_MAX_UNCOMPRESSED_BYTES once inflated, in all, or more than
  UPLOAD_MAX_SHARED_STRINGS_BYTES of shared strings (held in memory whole);
- an entry that inflates more than UPLOAD_MAX_COMPRESSION_RATIO times;
- links to other files: xl/externalLinks/ parts, or any relationship with
  TargetMode="External" other than a cell's hyperlink (openpyxl never follows those).

The sizes checked are the ones the central directory declares; Python's zipfile stops
inflating an entry at its declared size and fails its CRC check past it, so a lying
directory gets no further than an honest one.
"""

import re
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _

RELS_MAX_BYTES = 1024 * 1024  # a relationship part is a few hundred bytes
SHARED_STRINGS = "xl/sharedStrings.xml"
_EXTERNAL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>", re.S)
_HYPERLINK_TYPE = b"/relationships/hyperlink"


class UploadRefused(Exception):
    """The workbook is refused before parsing; `message` is for its sender."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _mb(size):
    return f"{size / (1024 * 1024):,.0f} MB"


def workbook_check(fileobj):
    """Refuse a zip bomb or a workbook with external links; the file is left at 0."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            entries = archive.infolist()
            _check_entries(entries)
            _check_links(archive, entries)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            ValueError):  # damaged, encrypted, or an unknown compression method
        raise UploadRefused(_("The file is damaged or is not an Excel workbook; open it in "
                              "Excel and save it again as .xlsx.")) from None
    finally:
        fileobj.seek(0)


def _check_entries(entries):
    if len(entries) > settings.UPLOAD_MAX_ZIP_ENTRIES:
        raise UploadRefused(_("The workbook holds %(count)s parts, more than the %(max)s an "
                              "Excel file of the template needs; save it again as a plain "
                              ".xlsx with one sheet.") % {
            "count": f"{len(entries):,}", "max": f"{settings.UPLOAD_MAX_ZIP_ENTRIES:,}"})
    total = sum(entry.file_size for entry in entries)
    if total > settings.UPLOAD_MAX_UNCOMPRESSED_BYTES:
        raise UploadRefused(_("Unpacked, the workbook would take %(size)s, more than the "
                              "%(max)s allowed; split it into several files.") % {
            "size": _mb(total), "max": _mb(settings.UPLOAD_MAX_UNCOMPRESSED_BYTES)})
    ratio = settings.UPLOAD_MAX_COMPRESSION_RATIO
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > ratio * max(
                entry.compress_size, 1):
            raise UploadRefused(_("The workbook is packed far more tightly than an Excel "
                                  "file is (one part grows %(ratio)s times when unpacked); "
                                  "it was refused as unsafe. Open it in Excel and save it "
                                  "again as .xlsx.") % {
                "ratio": f"{entry.file_size // max(entry.compress_size, 1):,}"})
        if (entry.filename == SHARED_STRINGS
                and entry.file_size > settings.UPLOAD_MAX_SHARED_STRINGS_BYTES):
            raise UploadRefused(_("The workbook's text takes %(size)s, more than the %(max)s "
                                  "allowed; split it into several files.") % {
                "size": _mb(entry.file_size),
                "max": _mb(settings.UPLOAD_MAX_SHARED_STRINGS_BYTES)})


def _check_links(archive, entries):
    for entry in entries:
        name = entry.filename
        if name.lower().startswith("xl/externallinks/"):
            raise _linked()
        if not name.lower().endswith(".rels"):
            continue
        if entry.file_size > RELS_MAX_BYTES:
            raise UploadRefused(_("The file is damaged or is not an Excel workbook; open it "
                                  "in Excel and save it again as .xlsx."))
        for tag in _EXTERNAL.findall(archive.read(entry)):
            if b"TargetMode" in tag and re.search(rb'TargetMode\s*=\s*["\']External', tag) \
                    and _HYPERLINK_TYPE not in tag:
                raise _linked()


def _linked():
    return UploadRefused(_("The workbook links to other files (external links or linked "
                           "data). Copy the values in Excel (paste as values), remove the "
                           "links and save it again as .xlsx."))
