"""The compiled detection core (mypyc, setup.py) finds what its Python source finds, and a build
older than its source never runs (sovgate.classify._core)."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

import sovgate.classify as classify
from sovgate.classify import Classifier, _core

REPO = Path(__file__).resolve().parents[2]
TESTDATA = Path(__file__).parent / "testdata"
LANGS = (None, "en", "de", "fr", "zh")


def _texts() -> list[str]:
    """Every text of the detection tests' data files, and bench tickets and questions."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            if len(node) >= 8:
                out.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in sorted(TESTDATA.glob("*.json")):
        walk(json.loads(path.read_text()))
    sys.path.insert(0, str(REPO / "bench/overhead"))
    try:
        import workload  # the overhead bench's prompts: tickets with every kind of personal data

        out += [t.text for t in workload.tickets(24)] + workload.shorts(24)
    finally:
        sys.path.remove(str(REPO / "bench/overhead"))
    return out


_FINDINGS = """
import json, sys, msgspec
from sovgate.classify import Classifier, core_build
texts, langs = json.load(sys.stdin)
clf = Classifier()
found = [clf.detect(t, lang) for t in texts for lang in langs]
print(msgspec.json.encode({"build": core_build(), "found": found}).decode())
"""


def _run(code: str, env: dict[str, str], stdin: str = "") -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_python_source_finds_what_this_build_finds() -> None:
    texts = _texts()
    assert len(texts) > 300
    env = dict(os.environ, **{_core.PURE_ENV: "1"})
    got = json.loads(_run(_FINDINGS, env, json.dumps([texts, LANGS])))
    assert got["build"].startswith("Python source"), got["build"]
    clf = Classifier()
    here = msgspec.to_builtins([clf.detect(t, lang) for t in texts for lang in LANGS])
    assert sum(map(len, here)) > 300  # the corpus holds personal data to find
    assert here == got["found"], classify.core_build()


def test_stale_names_changed_sources_and_unrecorded_builds(tmp_path: Path) -> None:
    for f in ("a.py", "b.py", "c.py"):
        (tmp_path / f).write_text(f"# {f}\n")
    recorded = {f: _core.digest(tmp_path / f) for f in ("a.py", "b.py")}
    assert _core.stale(recorded, tmp_path, ["a.py", "b.py"]) == []
    assert _core.stale(recorded, tmp_path, ["a.py", "c.py"]) == ["c.py"]  # an older build's module
    (tmp_path / "b.py").write_text("y = 3\n")
    assert _core.stale(recorded, tmp_path, ["a.py", "b.py"]) == ["b.py"]


def test_compiled_here_pairs_extension_modules_with_their_sources(tmp_path: Path) -> None:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    for name in ("a.py", "b.py", "a" + suffix, "orphan" + suffix, "_shared__mypyc" + suffix):
        (tmp_path / name).write_text("")
    assert _core.compiled_here(tmp_path) == ["a.py"]


_WHICH = """
import os, sys
# only the copy: not the installed checkout, whose compiled libraries would be found too
sys.path = [p for p in sys.path if os.path.realpath(p) != os.environ["INSTALLED_SRC"]]
import sovgate.classify as c, sovgate.classify._names as n
print(c.core_build()); print(n.__file__)
"""


@pytest.mark.skipif(not _core.compiled_here(), reason="the core was not compiled at install time")
def test_a_stale_or_incomplete_build_does_not_run(tmp_path: Path) -> None:
    # a copy of the package with its compiled build
    src = tmp_path / "src"
    pkg = src / "sovgate"
    pkg.parent.mkdir()
    shutil.copytree(Path(classify.__file__).parents[1], pkg, ignore=shutil.ignore_patterns("__pycache__"))
    installed = os.path.realpath(Path(classify.__file__).parents[2])
    env = dict(os.environ, PYTHONPATH=str(src), INSTALLED_SRC=installed)
    env.pop(_core.PURE_ENV, None)
    out = _run(_WHICH, env).splitlines()
    assert out[0] == "compiled (mypyc)" and not out[1].endswith(".py"), out
    # the library holding one module's compiled code gone (a build that failed half-way)
    (lib,) = (pkg / "classify").glob("_names__mypyc.*")
    lib.rename(tmp_path / lib.name)
    out = _run(_WHICH, env).splitlines()
    assert out[0].startswith("Python source (the build is incomplete (sovgate.classify._names__mypyc"), out
    assert out[1] == str(pkg / "classify/_names.py")
    (tmp_path / lib.name).rename(lib)
    # one source changed after the build
    with (pkg / "classify/_names.py").open("a") as f:
        f.write("\n# edited after the build\n")
    out = _run(_WHICH, env).splitlines()
    assert out[0].startswith("Python source (the compiled build is older than _names.py"), out
    assert out[1] == str(pkg / "classify/_names.py")
    # no record of the build at all
    (pkg / "classify/_compiled.json").unlink()
    out = _run(_WHICH, env).splitlines()
    assert out[0].startswith("Python source (no record of the build"), out
    assert out[1] == str(pkg / "classify/_names.py")


@pytest.mark.skipif(
    not os.environ.get("SOVGATE_REQUIRE_COMPILED_CORE"), reason="only where the build must compile (.ci/run)"
)
def test_the_core_is_compiled() -> None:
    # a fallback to Python: `pip install -v -e .` shows the build's output, `mypy` its type errors
    assert classify.core_build() == "compiled (mypyc)"
