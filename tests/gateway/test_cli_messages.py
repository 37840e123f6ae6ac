"""CLI messages name what is wrong and the file that was written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _sovgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sovgate", *args], capture_output=True, text=True, timeout=60
    )


def test_explain_unknown_tenant_names_the_option_not_the_file(tmp_path: Path) -> None:
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"model": "chat", "messages": [{"role": "user", "content": "hi"}]}))
    proc = _sovgate("explain", "--tenant", "nope", str(req))
    assert proc.returncode == 2
    assert proc.stderr.startswith("sovgate: --tenant nope: unknown tenant (known: demo)"), proc.stderr
    assert "req.json" not in proc.stderr


def test_init_names_the_written_file_in_the_file_and_the_message(tmp_path: Path) -> None:
    target = tmp_path / "my gateway.yaml"
    proc = _sovgate("init", str(target))
    assert proc.returncode == 0, proc.stderr
    run = f"sovgate serve --config '{target}'"
    assert run in proc.stdout
    assert f"# Run with:  {run}\n" in target.read_text()
    assert "--config sovgate.yaml" not in target.read_text()


def test_explain_unreadable_request_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"model":"chat","messages":[{"role":"user","content":"\xff"}]}')
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100000 + b"]" * 100000)
    for path, reason in ((bad, "not valid UTF-8"), (deep, "the JSON is nested too deeply")):
        proc = _sovgate("explain", str(path))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(f"sovgate: {path}: {reason}"), proc.stderr
