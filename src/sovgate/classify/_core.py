"""Which build of the detection core runs: mypyc-compiled, or the Python source.

`setup.py` compiles the modules of this package that run on every request with mypyc, where a C
compiler is present, and records the SHA-256 of each module's source in `_compiled.json` beside
them. Python imports an extension module before a `.py` of the same name, so a compiled module
would keep running after its source changed (an edit, a `git pull`, with no reinstall). Before
the first of them is imported, `choose()` compares the sources with the record; if any differs,
or `SOVGATE_PURE_PYTHON` is set, every recorded module is imported from its source instead, so a
stale build never runs. Either build finds the same (tests/classify/test_core_build.py).

This module, `__init__` and the word tables stay Python: they are read once, at start-up.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Mapping, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent
MANIFEST = HERE / "_compiled.json"
PACKAGE = __name__.rpartition(".")[0]
PURE_ENV = "SOVGATE_PURE_PYTHON"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stale(manifest: Mapping[str, str], here: Path) -> list[str]:
    """The recorded modules (file names) whose source is missing or differs from the build's."""
    return [
        name for name, sha in manifest.items() if not (here / name).is_file() or digest(here / name) != sha
    ]


class _FromSource(MetaPathFinder):
    """Imports the named modules of this package from their `.py`, never an extension module."""

    def __init__(self, files: Sequence[str]) -> None:
        self._files = {f"{PACKAGE}.{f.removesuffix('.py')}": HERE / f for f in files}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        file = self._files.get(fullname)
        return None if file is None else importlib.util.spec_from_file_location(fullname, file)


_reason: str | None = None  # why the source runs although a build was recorded


def choose() -> None:
    """Import the core from its source when asked to or when the compiled build is stale.

    Called by the package's `__init__` before any core module is imported."""
    global _reason
    try:
        manifest: dict[str, str] = json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return  # never compiled: only sources to import
    except (OSError, ValueError) as e:
        manifest, _reason = {}, f"{MANIFEST.name} unreadable ({e})"
    if os.environ.get(PURE_ENV):
        _reason = f"{PURE_ENV} is set"
    elif _reason is None and (changed := stale(manifest, HERE)):
        names = ", ".join(changed)
        _reason = f"the compiled build is older than {names}: reinstall (pip install -e .) to rebuild it"
    if _reason is not None and manifest:
        sys.meta_path.insert(0, _FromSource(list(manifest)))


def build() -> str:
    """What runs, for start-up banners: 'compiled (mypyc)' or 'Python source (why)'."""
    engine = sys.modules.get(f"{PACKAGE}.engine")
    if engine is not None and not str(engine.__file__).endswith(".py"):
        return "compiled (mypyc)"
    if _reason is not None:
        return f"Python source ({_reason})"
    if MANIFEST.is_file():
        return "Python source (the compiled modules are missing: the build failed; see pip's output)"
    return "Python source (not compiled: no C compiler or mypy at install time)"
