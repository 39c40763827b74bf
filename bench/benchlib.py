"""What every benchmark script reads off the machine and its own process."""

import platform
from pathlib import Path


def status_mb(field):
    """VmRSS (now) or VmHWM (peak) of this process, in MB. Not ru_maxrss: on Linux a
    child's ru_maxrss keeps the parent's peak across fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
