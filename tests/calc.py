"""LibreOffice Calc, headless, as a spreadsheet program a union clerk would use: it types
values into a workbook (tests/calc_typing.py) and converts a workbook as it shows it.

Each call starts its own Calc with a private profile under the test's tmp_path, so tests
running in parallel never share one. Tests that need Calc are skipped, with the reason,
only when it is not installed (`make test` installs libreoffice-calc and python3-uno).
"""

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with LibreOffice's bridge (python3-uno)
TYPING_SCRIPT = Path(__file__).with_name("calc_typing.py")


def _has_bridge():
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_calc = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice Calc (soffice) is not installed: apt-get install "
                            "libreoffice-calc, as `make test` does")
needs_calc_bridge = pytest.mark.skipif(
    SOFFICE is None or not _has_bridge(),
    reason="LibreOffice Calc (soffice) or its Python bridge is not installed: apt-get "
           "install libreoffice-calc python3-uno, as `make test` does")


def _profile(tmp_path):
    return tmp_path / "calc-profile"


def calc_type(tmp_path, workbook, typed):
    """Type `typed` ({"B2": "1201…"}) into the first sheet of `workbook` in Calc; returns
    the path of the workbook Calc saved and the cells as Calc read them."""
    out = tmp_path / "typed-by-calc.xlsx"
    result = subprocess.run(
        [SYSTEM_PYTHON, str(TYPING_SCRIPT), str(workbook), str(out), str(_profile(tmp_path)),
         json.dumps(typed, ensure_ascii=False)],
        capture_output=True, text=True, timeout=180, check=True)
    return out, json.loads(result.stdout.strip().splitlines()[-1])


def calc_shown(tmp_path, workbook):
    """The first sheet of `workbook` as Calc shows it: its rows of displayed text (Calc's
    CSV export with the cells' contents as shown)."""
    outdir = tmp_path / "calc-csv"
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", "--nologo",
         f"-env:UserInstallation={_profile(tmp_path).as_uri()}",
         # separator, quote, UTF-8, first line, …; the 9th: save the contents as shown
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
         "--outdir", str(outdir), str(workbook)],
        capture_output=True, timeout=180, check=True)
    with open(outdir / (Path(workbook).stem + ".csv"), encoding="utf-8", newline="") as f:
        return list(csv.reader(f))
