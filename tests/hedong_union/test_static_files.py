"""Every file a template names with {% static %} is found by the static files finders:
ours in static/, the vendored front-end packages installed from npm (SPEC §11)."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")


def _templates():
    for folder in settings.TEMPLATES[0]["DIRS"]:
        yield from Path(folder).rglob("*.html")


def test_every_static_file_a_template_names_exists():
    named = {(path.name, name) for path in _templates()
             for name in STATIC_TAG.findall(path.read_text(encoding="utf-8"))}
    assert len(named) > 20  # the scan found the templates
    missing = sorted((template, name) for template, name in named if not finders.find(name))
    assert not missing, missing


def test_the_pages_have_an_icon(client):
    assert "img/favicon.svg" in client.get("/login/").content.decode()
