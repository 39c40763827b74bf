"""The figures of docs/security.md, re-measured: `make security-figures`.

Not a test of `make test` (the file name does not start with test_): it seeds a small demo
registry on the test PostgreSQL and measures, on this machine,

- requests for another scope's (or no) record, tried by every demo user and the anonymous
  visitor of the crawl (tests/crawl), and how many were answered with a page;
- bad bodies posted to the public API and bad workbooks uploaded to the import page, and
  how many answers were 5xx;
- the memory and time of reading each upload bomb (tests/upload_bombs.py, a fresh process
  each);
- the status look-ups of one application an outsider gets answered a day (the settings);
- the rows of the audit trail an UPDATE or DELETE without the privileged path changes.

It prints the table as Markdown; with SECURITY_FIGURES_WRITE=1 it also replaces the table
between the markers of docs/security.md.
"""

import io
import json
import os
import platform
import re
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from accounts.audit import audit_tables
from accounts.models import User
from applications.views.public import lookups_per_applicant_per_day
from tests import upload_bombs
from tests.crawl.test_crawl import crawl_everyone

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
BEGIN, END = "<!-- figures: begin -->", "<!-- figures: end -->"
MB = 1024 * 1024

BOMBS = {
    "shared strings inflating to 400 MB": lambda: upload_bombs.shared_strings_bomb(),
    "a lying `<dimension>` and 60 million blank rows": lambda: upload_bombs.blank_rows_bomb(),
    "250,000 numbered blank rows": lambda: upload_bombs.numbered_blank_rows(250_000),
    "600 parts": lambda: upload_bombs.many_entries(),
    "a link to another file": lambda: upload_bombs.external_link(),
}


def _bad_bodies():
    """Bodies a careless or hostile client may post to a JSON API."""
    deep = b"[" * 10_000 + b"]" * 10_000
    return {
        "nested 10,000 deep": (deep, "application/json"),
        "2 MB of JSON": (json.dumps({"name": "x" * 2 * MB}).encode(), "application/json"),
        "not JSON": (b"name=1&id_number=2", "application/json"),
        "invalid UTF-8": (b'{"name": "\xff\xfe"}', "application/json"),
        "a JSON array": (b"[1, 2, 3]", "application/json"),
        "a JSON string": (b'"name"', "application/json"),
        "wrong types": (json.dumps({"name": 1, "id_number": [], "phone": {},
                                    "street": "x", "community": -1, "declared": "yes",
                                    "consented": None}).encode(), "application/json"),
        "a 300-digit number": (b'{"street": 1' + b"0" * 300 + b"}", "application/json"),
        "NUL and control characters": (json.dumps({"name": "\u0000\u0007\u202e"}).encode(),
                                       "application/json"),
        "form encoding": (b"name=%FF%FE&street=abc", "application/x-www-form-urlencoded"),
        "an empty body": (b"", "application/json"),
    }


def _scopes(rows):
    report = crawl_everyone()
    tried = sum(report.refusals_tried.values())
    answered = sum(1 for f in report.findings if "another scope" in f.problem)
    errors = sum(1 for f in report.findings if re.search(r"\b5\d\d\b", f.problem))
    rows.append(("requests for another scope's record or none, by every demo user and a "
                 "visitor", f"{tried:,} tried, {answered} answered with a page, "
                 f"{errors} 5xx", "the crawl (tests/crawl/)"))


def _bodies_and_files(rows, tmp_path):
    client = Client()
    bodies = _bad_bodies()
    statuses = [client.generic("POST", "/api/v1/applications/", data=body,
                               content_type=kind).status_code
                for body, kind in bodies.values()]
    uploader = Client()
    uploader.force_login(User.objects.get(username="street_dawangzhuang"))
    for name, build in BOMBS.items():
        upload = SimpleUploadedFile("花名册.xlsx", build())
        statuses.append(uploader.post("/orgs/imports/", {"kind": "workers", "file": upload})
                        .status_code)
    five = sum(1 for status in statuses if status >= 500)
    rows.append(("bad bodies to the public API and bad workbooks to the import page",
                 f"{len(bodies)} bodies and {len(BOMBS)} workbooks, {five} 5xx",
                 "POSTed through the test client"))


def _bombs(rows, tmp_path):
    for name, build in BOMBS.items():
        path = tmp_path / "bomb.xlsx"
        path.write_bytes(build())
        result = upload_bombs.measure("roster", path)
        rows.append((f"reading a roster with {name} ({path.stat().st_size / 1024:,.0f} KB)",
                     f"{result['outcome']}: {result['rss_mb']} MB, {result['cpu_s']} s CPU",
                     "python -m tests.upload_bombs measure roster FILE"))


def _audit(rows):
    changed = tried = held = 0
    qn = connection.ops.quote_name
    for table in audit_tables(apps.get_models()):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {qn(table)}")
            held += cursor.fetchone()[0]
        for statement in (f"UPDATE {qn(table)} SET {qn(_pk(table))} = {qn(_pk(table))}",
                          f"DELETE FROM {qn(table)}"):
            tried += 1
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement)
                    changed += max(cursor.rowcount, 0)
                    raise _Undo  # measure only: never keep what got through
            except _Undo:
                pass
            except DatabaseError:
                pass  # refused by the trigger
    rows.append(("rows of the audit trail changed by UPDATE or DELETE without the "
                 "privileged path", f"{changed} of {held:,} ({tried} statements "
                 f"on {tried // 2} tables)", "raw SQL on the seeded data"))


class _Undo(Exception):
    pass


def _pk(table):
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    return model._meta.pk.column


@pytest.mark.django_db
def test_security_figures(organisation_structure, tmp_path):
    call_command("seed_demo", "--workers", "300", "--units", "40", stdout=io.StringIO())
    rows = []
    _scopes(rows)
    _bodies_and_files(rows, tmp_path)
    _bombs(rows, tmp_path)
    rows.append(("status look-ups of one application an outsider gets answered a day, "
                 "from one address", f"{lookups_per_applicant_per_day():,}",
                 "computed from the settings (applications.views.public)"))
    _audit(rows)
    table = "\n".join(
        [f"Measured {date.today().isoformat()} on {platform.machine()}, "
         f"{os.cpu_count()} cores, Python {platform.python_version()} "
         "(`make security-figures`).", "",
         "| figure | measured | how |", "|---|---|---|"]
        + [f"| {what} | {value} | {how} |" for what, value, how in rows])
    print("\n" + table)
    if os.environ.get("SECURITY_FIGURES_WRITE"):
        text = DOC.read_text()
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        DOC.write_text(text[:start] + "\n" + table + "\n" + text[end:])
