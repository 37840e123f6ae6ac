"""Sample a gateway under load with py-spy and say which functions its CPU goes to.

py-spy (a dev tool: `pip install py-spy`) records the gateway's stacks in
collapsed form ("frame;frame;frame count" per line) while the load generator
runs one scenario. `summarize` folds them per function: self share (samples
where the function is the innermost frame) and inclusive share (samples where
it is anywhere on the stack, counted once per sample).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
# py-spy frames look like "handle (sovgate/gateway/pipeline.py:155)"; fold the line numbers.
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")
# Start-up frames under which everything runs: left out of the inclusive ranking.
_BOOT = (
    "typer/",
    "runpy",
    "uvicorn/main.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "asyncio/runners.py",
    "sovgate/cli.py",
    "sovgate/__main__.py",
    "sovgate/gateway/cli.py",
    "threading.py",
    "<module>",
)


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path, rate: int = 250) -> subprocess.Popen[bytes]:
    """Start py-spy recording `pid` (and its children) for `seconds` into `out` (collapsed)."""
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy not found: pip install py-spy (a dev tool, not a dependency)")
    argv = [exe, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", str(rate)]
    # --gil: only the thread holding the GIL, i.e. Python code running (py-spy cannot tell idle
    # threads blocked in a lock from running ones here, so without it they would swamp the profile).
    argv += ["--format", "raw", "--gil", "--subprocesses", "--output", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m['func']} ({path})"


def summarize(collapsed: str, top: int = 30) -> dict[str, Any]:
    self_c: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        count = int(m["count"])
        frames = [_short(f) for f in m["stack"].split(";") if f]
        # py-spy puts "process ..." / "thread ..." roots first; they are not code.
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        self_c[frames[-1]] += count
        for f in set(frames):
            if not any(b in f for b in _BOOT):
                incl[f] += count
    share = (lambda c: c / total) if total else (lambda c: 0.0)
    return {
        "samples": total,
        "self": [{"function": f, "share": share(c)} for f, c in self_c.most_common(top)],
        "inclusive": [{"function": f, "share": share(c)} for f, c in incl.most_common(top)],
    }
