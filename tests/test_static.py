"""The source passes the project's static checks: ruff (lint and format) and mypy (pyproject.toml).

Run here so that the one test command of README.md is also the gate on them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _check(*cmd: str) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}"


def _ruff() -> str:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return found


def test_ruff_lint() -> None:
    _check(_ruff(), "check", "src", "tests", "bench")


def test_ruff_format() -> None:
    _check(_ruff(), "format", "--check", "src", "tests", "bench")


def test_mypy() -> None:
    # the files and per-module settings are in pyproject.toml's [tool.mypy]
    _check(sys.executable, "-m", "mypy")
