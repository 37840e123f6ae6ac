"""Build of sovgate (the metadata is in pyproject.toml).

Where mypy (a build requirement) and a C compiler are present, the detection core, the modules
of `sovgate.classify` that run on every request, is compiled to C extension modules with mypyc:
the same source, a sixth to a quarter fewer instructions to detect a prompt (docs/performance.md,
"The compiled detection core"). Without a compiler, or with SOVGATE_PURE_PYTHON=1 set at install
time, the core runs as Python. `sovgate.classify._core` makes sure a build older than its
source, or an incomplete build, never runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import Extension, setup

CORE = Path("src/sovgate/classify")
# read once at start-up, not per request: not worth compiling (and _core must stay Python)
NOT_COMPILED = {"__init__.py", "_core.py", "cli.py", "_cuewords.py", "_lexicon.py", "details.py"}


# pip runs this file three times per install (requirements, metadata, build); only the commands
# that build extensions need mypyc's type check and C generation
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "install", "develop"}


def ext_modules() -> list[Extension]:
    if BUILDS.isdisjoint(sys.argv[1:]):
        return []
    manifest = CORE / "_compiled.json"
    manifest.unlink(missing_ok=True)
    if os.environ.get("SOVGATE_PURE_PYTHON"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("sovgate: mypy is not installed: the detection core stays pure Python")
        return []
    modules = sorted(p for p in CORE.glob("*.py") if p.name not in NOT_COMPILED)
    try:
        # The build's isolated environment may lack the runtime dependencies: what the core
        # imports from outside itself (sovgate.types, msgspec, phonenumbers ...) is typed `Any`
        # in every environment, so that each compiles the same C. `mypy` (pyproject.toml) checks
        # those uses with the real types.
        flags = ["--follow-imports=skip", "--no-site-packages", "--ignore-missing-imports"]
        # one extension per module (separate=True), built in parallel: half the build time of one
        # big C file, and the same instructions per request (bench/overhead/instructions.py)
        extensions = mypycify([*flags, *map(str, modules)], opt_level="3", debug_level="0", separate=True)
    except SystemExit:  # mypy found type errors (printed above): they must be fixed to compile
        print("sovgate: the detection core does not type-check: it stays pure Python")
        return []
    for ext in extensions:
        ext.optional = True  # no C compiler: a warning, and the core runs as Python
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in modules}
    # each module's compiled code lives in a library of its own; the module itself is a stub
    libraries = sorted(e.name for e in extensions if e.name.endswith("__mypyc"))
    manifest.write_text(json.dumps({"libraries": libraries, "modules": digests}, indent=1) + "\n")
    return extensions


setup(ext_modules=ext_modules(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
