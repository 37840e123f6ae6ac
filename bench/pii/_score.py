"""Running a detector command and scoring its spans (same conventions as pii-dev's score.py).

exact   : a prediction counts iff (type, start, end) equals a gold span;
overlap : precision = predictions overlapping a gold span of the same type, recall = gold
          spans overlapped by a prediction of the same type;
false-alarm rate: share of prompts without gold spans that get any prediction.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

CANONICAL = (
    "PERSON",
    "EMAIL",
    "PHONE",
    "IBAN",
    "CREDIT_CARD",
    "NATIONAL_ID",
    "ADDRESS",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
)


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_detector(cmd: list[str], corpus: list[dict], hide_lang: bool = False) -> tuple[dict, dict]:
    """Feed the corpus to `cmd` on stdin; return predictions by id and timing."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as tmp:
        for r in corpus:
            rec = {"id": r["id"], "text": r["text"]}
            if not hide_lang:
                rec["lang"] = r["lang"]
            tmp.write(json.dumps(rec, ensure_ascii=False) + "\n")
    preds: dict[str, list] = {}
    t0 = time.perf_counter()
    t_ready = t_last = None
    with open(tmp.name, "rb") as stdin:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.perf_counter()
            obj = json.loads(line)
            if "_meta" in obj:
                if obj["_meta"].get("ready") and t_ready is None:
                    t_ready = now
                continue
            preds.setdefault(obj["id"], []).extend(obj.get("entities") or [])
            t_last = now
        err = proc.stderr.read() if proc.stderr else ""
        if proc.wait() != 0:
            raise SystemExit(f"detector {cmd} failed:\n{err[-2000:]}")
    Path(tmp.name).unlink()
    end = t_last or time.perf_counter()
    start = t_ready if t_ready is not None else t0
    proc_s = max(end - start, 1e-9)
    return preds, {
        "load_s": round((t_ready or t0) - t0, 3),
        "processing_s": round(proc_s, 3),
        "prompts_per_s": round(len(corpus) / proc_s, 1),
    }


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> dict:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "pred": n_p, "gold": n_g}


def score(corpus: list[dict], preds: dict) -> dict:
    counters = {m: defaultdict(lambda: [0, 0, 0, 0]) for m in ("exact", "overlap")}
    neg = neg_alarm = 0
    for r in corpus:
        n = len(r["text"])
        gold = {(e["type"], e["start"], e["end"]) for e in r["entities"] if e["type"] in CANONICAL}
        pr = {
            (e["type"], int(e["start"]), int(e["end"]))
            for e in preds.get(r["id"], [])
            if e.get("type") in CANONICAL and 0 <= int(e["start"]) < int(e["end"]) <= n
        }
        lang = r["lang"]

        def keys(t: str, lang: str = lang) -> tuple[str, ...]:
            return ("micro", f"type:{t}", f"lang:{lang}")

        for p in pr:
            hit_e = p in gold
            hit_o = any(g[0] == p[0] and g[1] < p[2] and p[1] < g[2] for g in gold)
            for k in keys(p[0]):
                counters["exact"][k][1] += 1
                counters["exact"][k][0] += hit_e
                counters["overlap"][k][1] += 1
                counters["overlap"][k][0] += hit_o
        for g in gold:
            hit_e = g in pr
            hit_o = any(g[0] == p[0] and g[1] < p[2] and p[1] < g[2] for p in pr)
            for k in keys(g[0]):
                counters["exact"][k][3] += 1
                counters["exact"][k][2] += hit_e
                counters["overlap"][k][3] += 1
                counters["overlap"][k][2] += hit_o
        if not gold:
            neg += 1
            neg_alarm += bool(pr)
    res: dict = {m: {k: _prf(*v) for k, v in sorted(c.items())} for m, c in counters.items()}
    res["false_alarm_rate"] = round(neg_alarm / neg, 4) if neg else 0.0
    res["negatives"] = neg
    return res
