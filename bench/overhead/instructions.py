"""What the request's pure work costs, counted in instructions (valgrind), not timed.

    python bench/overhead/instructions.py                                   # this tree
    python bench/overhead/instructions.py --baseline-src /tmp/base/src      # and another, side by side

On the shared 2-core machines this project runs on, the same code timed twice moves by 5-30 %
from one minute to the next (docs/performance.md), more than most single changes to a detector
gain. An instruction count does not move: valgrind's cachegrind counts every instruction the
interpreter executes, the same on every run (hash randomization off). It is a proxy — it does
not see cache misses or branch mispredictions — so a change it credits is confirmed with the
timed side-by-side run (`run.py --baseline-src`) before it is called faster; it is for telling
a 2 % gain from noise, quickly.

Stages, per request of the overhead benchmark's prompts (bench/overhead/workload.py, the system
prompt plus a 2 KB ticket or a short question, each one different):
- `detect`: `Classifier.classify` over the request's segments, as the gateway calls it (the
  language guess included; the repeated system prompt answered from the detection memo);
- `protect`: pseudonymizing every personal-data finding of the request in placeholder style,
  with a fresh session (the gateway's path for a provider that may only see masked data).

Each (tree, stage, prompt) runs in two child processes under valgrind: both prepare the same
inputs and warm up on the same first prompts; one then handles N more. The difference of the
two counts, divided by N, is the cost of one request's stage, without start-up and warm-up.
Needs valgrind (Debian: `apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import compileall
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESULTS = REPO / "bench" / "results"
STAGES = ("detect", "protect")
PROMPTS = ("ticket", "short")
_WARMUP = 64
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _child(src: str, stage: str, prompt: str, total: int, run: int) -> None:
    """Prepare `total` requests, warm up on the first _WARMUP, then run `stage` on `run` more."""
    sys.path.insert(0, src)
    sys.path.insert(0, str(HERE))
    import asyncio

    import msgspec
    import workload

    from sovgate.classify import Classifier
    from sovgate.gateway._protect_adapter import Protector
    from sovgate.messages import extract_segments
    from sovgate.types import ENTITY_TYPES, ProviderVerdict

    bodies = [msgspec.json.decode(b) for b in workload.bodies(prompt, "bench-model", False)[:total]]
    segments = [extract_segments(b) for b in bodies]
    clf = Classifier()
    todo = range(_WARMUP + run)
    if stage == "detect":
        for i in todo:
            clf.classify(segments[i])
        return
    found = [clf.classify(s) for s in segments]
    protector = Protector("placeholder")
    verdict = ProviderVerdict("bench-us", True, frozenset(ENTITY_TYPES))

    async def protect_all() -> None:
        for i in todo:
            await protector(bodies[i], segments[i], found[i], verdict, None)

    asyncio.run(protect_all())


def _count(src: Path, stage: str, prompt: str, total: int, run: int) -> int:
    argv = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    argv += [sys.executable, __file__, "--child", str(src), stage, prompt, str(total), str(run)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    m = _REFS.search(proc.stderr)
    if proc.returncode != 0 or m is None:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{src} {stage} {prompt}: the child failed (exit {proc.returncode}):\n{tail}")
    return int(m.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-src", type=Path, help="also count sovgate from this src/ directory")
    ap.add_argument("--stages", default=",".join(STAGES), help="comma-separated: detect, protect")
    ap.add_argument("--prompts", default=",".join(PROMPTS), help="comma-separated: ticket, short")
    ap.add_argument("-n", type=int, default=200, help="requests counted per stage (default 200)")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        src, stage, prompt, total, run = args.child
        _child(src, stage, prompt, int(total), int(run))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind not found: install it (Debian/Ubuntu: apt-get install valgrind)")
    stages = [s for s in args.stages.split(",") if s]
    prompts = [p for p in args.prompts.split(",") if p]
    for s in stages:
        if s not in STAGES:
            sys.exit(f"--stages: unknown stage {s!r}; expected some of {', '.join(STAGES)}")
    for p in prompts:
        if p not in PROMPTS:
            sys.exit(f"--prompts: unknown prompt {p!r}; expected some of {', '.join(PROMPTS)}")
    if args.n < 1:
        sys.exit("-n: must be at least 1")
    trees = {"sovgate": REPO / "src"}
    if args.baseline_src is not None:
        if not (args.baseline_src / "sovgate").is_dir():
            sys.exit(f"--baseline-src: {args.baseline_src} holds no sovgate package")
        trees["baseline"] = args.baseline_src.resolve()
    cases = [(s, p) for s in stages for p in prompts]
    print(f"counting instructions under valgrind: {len(trees) * len(cases) * 2} runs of ~15 s", flush=True)
    total = _WARMUP + args.n
    # compile to bytecode first: a child that compiles what its twin found compiled counts extra
    for src in [*trees.values(), HERE]:
        compileall.compile_dir(src, quiet=1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = {
            (name, s, p, run): pool.submit(_count, src, s, p, total, run)
            for name, src in trees.items()
            for s, p in cases
            for run in (0, args.n)
        }
        # the warm-up and start-up cancel out: what is left is N requests' stage
        results = {
            key: round((counts[(*key, args.n)].result() - counts[(*key, 0)].result()) / args.n)
            for key in ((name, s, p) for name in trees for s, p in cases)
        }
    rows = []
    print("\ninstructions per request")
    print(f"{'stage':8} {'prompt':7} {'sovgate':>14} {'baseline':>14} {'ratio':>7}")
    for s, p in cases:
        new = results[("sovgate", s, p)]
        old = results.get(("baseline", s, p))
        shown, ratio = (f"{old:,}", f"{new / old:.3f}") if old else ("–", "–")
        print(f"{s:8} {p:7} {new:>14,} {shown:>14} {ratio:>7}")
        rows.append({"stage": s, "prompt": p, "sovgate": new, "baseline": old})
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "instructions.json"
    doc = {"n": args.n, "trees": {k: str(v) for k, v in trees.items()}, "rows": rows}
    out.write_text(json.dumps(doc, indent=1))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
