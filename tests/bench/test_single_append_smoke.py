"""bench/audit/single_append.py runs and reports every step of the writer's transaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "bench" / "audit" / "single_append.py"


def test_single_append_breakdown_runs(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, str(SCRIPT), "--appends", "60", "--gap-ms", "0.1", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    for step in (
        "COMMIT (with fsync)",
        "signed tree head (Ed25519)",
        "insert entry and nodes",
        "read the head",
    ):
        line = next(line for line in p.stdout.splitlines() if line.startswith(step))
        assert float(line.split()[-2]) > 0, line  # a wall time was measured for it
    assert "append : bare commit = " in p.stdout and "append : fdatasync = " in p.stdout
    assert list(tmp_path.iterdir()) == []  # its files are removed
