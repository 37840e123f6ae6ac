"""CPU time and resident memory of a process tree, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree(pid: int) -> list[int]:
    """`pid` and all its living descendants."""
    seen = [pid]
    i = 0
    while i < len(seen):
        seen += [c for c in _children(seen[i]) if c not in seen]
        i += 1
    return seen


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of `pids` (all threads, dead ones included)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name; utime, stime are 14th and 15th.
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total * _TICK_S


def cores_busy_seconds(cores: set[int]) -> float:
    """CPU seconds `cores` together spent not idle (any process, plus hypervisor steal)."""
    busy = 0
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            name = line.split(" ", 1)[0]
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cores:
                # user nice system idle iowait irq softirq steal ...
                v = [int(x) for x in line.split()[1:9]]
                busy += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    except OSError:
        return float("nan")
    return busy * _TICK_S


def rss_bytes(pid: int) -> int:
    """Resident set size of one process."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except OSError:
        return 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""
