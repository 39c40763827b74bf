"""Everything a union user reads is in Simplified Chinese (the catalogue is complete)."""

import subprocess
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po"


def test_the_chinese_catalogue_has_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(["msgfmt", "--statistics", "-c", "-o", "/dev/null", str(CATALOGUE)],
                            capture_output=True, text=True, check=True)
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert "translated messages" in result.stderr


# --- Every string marked in our code and templates has its Chinese -----------------------
import ast  # noqa: E402
import re  # noqa: E402

ROOT = CATALOGUE.parents[3]
SOURCES = ["accounts", "membership", "subsidies", "reporting", "hedong_union", "applications"]
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop"}
TEMPLATE_TAG = re.compile(r'{%\s*(?:translate|trans)\s+"((?:[^"\\]|\\.)*)"')


def _catalogue():
    """{msgid: msgstr} of the catalogue (plural entries by their singular)."""
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue
        fields, key = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if "msgid" in fields:
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entries[fields["msgid"].encode().decode("unicode_escape").encode(
                "latin-1").decode("utf-8")] = msgstr
    return entries


def _marked_in_python():
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in GETTEXT_NAMES and node.args
                        and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    yield path.relative_to(ROOT), node.args[0].value


def _marked_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        for msgid in TEMPLATE_TAG.findall(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT), msgid.replace('\\"', '"')


def test_every_marked_string_has_a_chinese_translation():
    catalogue = _catalogue()
    missing = sorted({f"{path}: {msgid!r}" for path, msgid in
                      [*_marked_in_python(), *_marked_in_templates()]
                      if not catalogue.get(msgid)})
    assert missing == []
