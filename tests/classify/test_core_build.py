"""The compiled detection core (mypyc, setup.py) finds what its Python source finds, and a build
older than its source never runs (sovgate.classify._core)."""

from __future__ import annotations

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


def test_stale_names_the_changed_and_the_missing_sources(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    manifest = {
        "a.py": _core.digest(tmp_path / "a.py"),
        "b.py": _core.digest(tmp_path / "b.py"),
        "c.py": "0" * 64,
    }
    assert _core.stale(manifest, tmp_path) == ["c.py"]
    (tmp_path / "b.py").write_text("y = 3\n")
    assert _core.stale(manifest, tmp_path) == ["b.py", "c.py"]


_WHICH = """
import sovgate.classify as c, sovgate.classify._names as n
print(c.core_build()); print(n.__file__)
"""


@pytest.mark.skipif(not _core.MANIFEST.is_file(), reason="the core was not compiled at install time")
def test_a_build_older_than_its_source_does_not_run(tmp_path: Path) -> None:
    # a copy of the package with its compiled build, then one source changed after the build
    src = tmp_path / "src"
    pkg = src / "sovgate"
    pkg.parent.mkdir()
    shutil.copytree(Path(classify.__file__).parents[1], pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for lib in Path(classify.__file__).parents[2].glob("*__mypyc*"):  # mypyc's shared library
        shutil.copy(lib, src)
    env = dict(os.environ, PYTHONPATH=str(src))
    env.pop(_core.PURE_ENV, None)
    out = _run(_WHICH, env).splitlines()
    assert out[0] == "compiled (mypyc)" and not out[1].endswith(".py"), out
    with (pkg / "classify/_names.py").open("a") as f:
        f.write("\n# edited after the build\n")
    out = _run(_WHICH, env).splitlines()
    assert out[0].startswith("Python source (the compiled build is older than _names.py"), out
    assert out[1] == str(pkg / "classify/_names.py")


@pytest.mark.skipif(
    not os.environ.get("SOVGATE_REQUIRE_COMPILED_CORE"), reason="only where the build must compile (.ci/run)"
)
def test_the_core_is_compiled() -> None:
    # a fallback to Python: `pip install -v -e .` shows the build's output, `mypy` its type errors
    assert classify.core_build() == "compiled (mypyc)"
