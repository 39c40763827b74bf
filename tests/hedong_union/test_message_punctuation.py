"""Messages end with exactly one punctuation mark, in English and in Chinese.

A sentence in English (its message id ends with . ! or ?) ends in Chinese with one of
。！？, never two and never an English full stop; and every message our code gives
people (django.contrib.messages, ValidationError, a domain error) is such a sentence.
"""

import ast
import gettext
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
SOURCES = ["accounts", "membership", "subsidies", "reporting", "hedong_union", "applications"]
CHINESE_END = "。！？"
ANY_END = CHINESE_END + ".!?"
# The one message that ends with what the user copies: a full stop would be copied with it.
ENDS_WITH_A_VALUE = {"The key of %(name)s, shown only now: %(key)s"}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    mo = tmp_path_factory.mktemp("mo") / "django.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(CATALOGUE)], check=True)
    with mo.open("rb") as handle:
        entries = gettext.GNUTranslations(handle)._catalog
    out = {}
    for key, msgstr in entries.items():
        msgid = key[0] if isinstance(key, tuple) else key  # plural forms: the singular
        if msgid:
            out.setdefault(msgid.split("\x04", 1)[-1], []).append(msgstr)
    return out


def _is_sentence(msgid):
    text = msgid.rstrip()
    return text.endswith((".", "!", "?")) and not text.endswith(("...", "e.g.", "etc."))


def test_a_sentence_ends_with_one_chinese_mark(catalogue):
    wrong = []
    for msgid, msgstrs in catalogue.items():
        if not _is_sentence(msgid):
            continue
        for msgstr in msgstrs:
            text = msgstr.rstrip()
            if text[-1:] not in CHINESE_END or text[-2:-1] in ANY_END:
                wrong.append((msgid, msgstr))
    assert not wrong, wrong


def test_no_translation_doubles_a_mark(catalogue):
    doubled = re.compile(r"[。！？][。！？.]|\.。")
    wrong = [(msgid, s) for msgid, msgstrs in catalogue.items() for s in msgstrs
             if doubled.search(s)]
    assert not wrong, wrong


def _message_texts(call):
    """The literal texts given to a message or error call, marked or Chinese."""
    for node in ast.walk(ast.Module(body=[ast.Expr(a) for a in
                                          [*call.args, *(k.value for k in call.keywords)]],
                                    type_ignores=[])):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "gettext", "gettext_lazy", "ngettext"}
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            yield node.args[0].value
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and re.search(r"[\u4e00-\u9fff]", node.value)):
            yield node.value


def _is_message_call(call):
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "messages":
        return name in {"success", "error", "warning", "info", "add_message"}
    return name == "add_error" or (name.endswith("Error") and name != "CommandError")


def test_every_message_in_our_code_is_a_sentence():
    wrong = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and _is_message_call(node)):
                    continue
                for text in _message_texts(node):
                    if text in ENDS_WITH_A_VALUE or not text.strip():
                        continue
                    if text.rstrip()[-1:] not in ANY_END:
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert not wrong, wrong
