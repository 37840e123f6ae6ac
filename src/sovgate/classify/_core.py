"""Which build of the detection core runs: mypyc-compiled, or the Python source.

`setup.py` compiles the modules of this package that run on every request with mypyc, where a C
compiler is present, and records the SHA-256 of each module's source and the names of the
libraries holding their compiled code in `_compiled.json` beside them. Python imports an
extension module before a `.py` of the same name, so a compiled module would keep running after
its source changed (an edit, a `git pull`, with no reinstall). Before the first of them is
imported, `choose()` checks the extension modules found here against the record; if a source
differs, the record or a library is missing, or `SOVGATE_PURE_PYTHON` is set, every one of them
is imported from its source instead, so a stale or broken build never runs. Either build finds
the same (tests/classify/test_core_build.py).

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
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent
MANIFEST = HERE / "_compiled.json"
PACKAGE = __name__.rpartition(".")[0]
PURE_ENV = "SOVGATE_PURE_PYTHON"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiled_here(here: Path = HERE) -> list[str]:
    """The sources (file names) in `here` that have an extension module beside them."""
    found = set()
    for suffix in EXTENSION_SUFFIXES:
        for ext in here.glob("*" + suffix):
            source = ext.name.removesuffix(suffix) + ".py"
            if (here / source).is_file():
                found.add(source)
    return sorted(found)


def stale(recorded: Mapping[str, str], here: Path, files: Sequence[str]) -> list[str]:
    """The compiled `files` whose source differs from the one recorded at the build (or that the
    build did not record: left from an older build)."""
    return [f for f in files if f not in recorded or digest(here / f) != recorded[f]]


class _FromSource(MetaPathFinder):
    """Imports the named modules of this package from their `.py`, never an extension module."""

    def __init__(self, files: Sequence[str]) -> None:
        self._files = {f"{PACKAGE}.{f.removesuffix('.py')}": HERE / f for f in files}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        file = self._files.get(fullname)
        return None if file is None else importlib.util.spec_from_file_location(fullname, file)


_reason: str | None = None  # why the source runs although compiled modules are here


def _why_not_compiled(files: Sequence[str]) -> str | None:
    if os.environ.get(PURE_ENV):
        return f"{PURE_ENV} is set"
    try:
        manifest = json.loads(MANIFEST.read_text())
        recorded: dict[str, str] = manifest["modules"]
        libraries: list[str] = manifest["libraries"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"no record of the build in {MANIFEST.name} ({e}): reinstall (pip install -e .)"
    # a module's stub loads its compiled code from a library of its own: one missing, none runs
    if missing := [lib for lib in libraries if importlib.util.find_spec(lib) is None]:
        return f"the build is incomplete ({', '.join(missing)} missing): reinstall (pip install -e .)"
    if changed := stale(recorded, HERE, files):
        return f"the compiled build is older than {', '.join(changed)}: reinstall (pip install -e .)"
    return None


def choose() -> None:
    """Import the core from its source when asked to, or when its compiled build is stale or
    incomplete. Called by the package's `__init__` before any core module is imported."""
    global _reason
    files = compiled_here()
    if files and (_reason := _why_not_compiled(files)) is not None:
        sys.meta_path.insert(0, _FromSource(files))


def build() -> str:
    """What runs, for start-up banners: 'compiled (mypyc)' or 'Python source (why)'."""
    engine = sys.modules.get(f"{PACKAGE}.engine")
    if engine is not None and not str(engine.__file__).endswith(".py"):
        return "compiled (mypyc)"
    if _reason is not None:
        return f"Python source ({_reason})"
    return "Python source (not compiled: no C compiler at install, or its build failed: pip install -v -e .)"
