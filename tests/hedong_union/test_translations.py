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
