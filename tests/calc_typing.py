"""Type values into a workbook as a person would, in LibreOffice Calc, and save it.

Run by the system's Python, which holds LibreOffice's bridge (Debian's python3-uno), not by
the portal's virtualenv:

    python3 calc_typing.py TEMPLATE.xlsx OUT.xlsx PROFILE_DIR '{"A2": "120102…"}'

Calc is started headless with its own profile (PROFILE_DIR), so runs in parallel never
share one. Each value goes in through the dispatcher's EnterString, the command the
keyboard's Enter sends: Calc reads it by the cell's format, as it reads typing. The
result is saved as .xlsx by Calc, and the cells as Calc holds them are printed as JSON:
{"A2": {"type": "TEXT" or "VALUE", "string": shown text, "value": number}}.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def _props(**values):
    result = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        result.append(prop)
    return tuple(result)


def _connect(pipe, office):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            return resolver.resolve(
                f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if office.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main(template, out, profile, typed):
    pipe = f"calc_typing_{uuid.uuid4().hex}"
    office = subprocess.Popen([
        "soffice", "--headless", "--invisible", "--norestore", "--nologo",
        "--nodefault", "--nolockcheck",
        "-env:UserInstallation=" + uno.systemPathToFileUrl(os.path.abspath(profile)),
        f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        context = _connect(pipe, office)
        smgr = context.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        dispatcher = smgr.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", context)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(template)), "_blank", 0,
            _props(Hidden=True))
        frame = doc.getCurrentController().getFrame()
        sheet = doc.getSheets().getByIndex(0)
        for address, text in typed.items():
            dispatcher.executeDispatch(frame, ".uno:GoToCell", "", 0,
                                       _props(ToPoint=address))
            dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0,
                                       _props(StringName=text))
        cells = {}
        for address in typed:
            cell = sheet.getCellRangeByName(address)
            cells[address] = {"type": cell.getType().value, "string": cell.getString(),
                              "value": cell.getValue()}
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                       _props(FilterName="Calc MS Excel 2007 XML"))
        doc.close(True)
        print(json.dumps(cells, ensure_ascii=False))
        try:
            desktop.terminate()
        except Exception:  # the bridge drops as the office quits
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
