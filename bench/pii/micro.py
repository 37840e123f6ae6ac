"""In-process figures for sovgate: model load time, memory, 4 KB prompt latency, single-core rate.

Run by run.py in a fresh interpreter (so load time and RSS are honest):
    python bench/pii/micro.py [corpus.jsonl]

The classifier memoizes the detection of texts it has seen (requests repeat their system prompt
and earlier turns): every timed call starts with the memo cleared, so these figures are detection's
own, never a memo hit.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sovgate.classify import Classifier

_4KB = (
    "Hallo Team, bitte fasse das Protokoll zusammen. Herr Dr. Jonas Becker (geb. 12.03.1971) hat am "
    "Montag angerufen und um Rückruf unter +49 30 901820 gebeten; seine IBAN DE89 3704 0044 0532 0130 00 "
    "bleibt gleich. Dear support, our server at 10.20.30.40 is down since the upgrade to version 4.2.1 and "
    "nobody can log in. "
    "Please also update the address of Maria Rossi to Via Roma 12, 00184 Roma and send the invoice to "
    "maria.rossi@example.it. The meeting about the quarterly numbers moved to Thursday afternoon. "
)


_PROSE = {
    "en": "The quarterly review showed that our European customers prefer shorter contracts, while the sales "
    "team asked for better tooling. We should discuss the roadmap for the next release, including the "
    "migration of the reporting service and the new onboarding flow. ",
    "de": "Sehr geehrte Damen und Herren, wir möchten Sie über die Änderungen unserer Geschäftsbedingungen "
    "informieren. Die neuen Regeln gelten ab dem ersten Januar für alle Verträge und Bestellungen. ",
}


def _latencies(clf: Classifier, text: str, lang: str, n: int = 200) -> list[float]:
    for _ in range(20):
        clf.clear_memo()
        clf.detect(text, lang)
    lat = []
    for _ in range(n):
        clf.clear_memo()
        t = time.perf_counter()
        clf.detect(text, lang)
        lat.append(time.perf_counter() - t)
    return lat


def _median_ms(clf: Classifier, text: str, lang: str) -> float:
    return round(statistics.median(_latencies(clf, text, lang)) * 1000, 3)


def main() -> None:
    t0 = time.perf_counter()
    from sovgate.classify import Classifier

    clf = Classifier.default()
    load_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lat = _latencies(clf, (_4KB * 12)[:4096], "de")
    out = {
        "load_s": round(load_s, 3),
        "rss_mb_after_load": round(rss_mb, 1),
        "prompt_4kb_median_ms": round(statistics.median(lat) * 1000, 3),
        "prompt_4kb_p90_ms": round(sorted(lat)[int(len(lat) * 0.9)] * 1000, 3),
    }
    for lang, prose in _PROSE.items():
        out[f"prompt_4kb_prose_{lang}_median_ms"] = _median_ms(clf, (prose * 40)[:4096], lang)
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh if line.strip()]
        clf.clear_memo()  # (fewer prompts than the memo holds: the second pass would only hit it)
        t = time.perf_counter()
        for r in recs:
            clf.detect(r["text"], r.get("lang"))
        out["in_process_prompts_per_s"] = round(len(recs) / (time.perf_counter() - t), 1)
        clf.clear_memo()
        t = time.perf_counter()
        for r in recs:
            clf.detect(r["text"])
        out["in_process_prompts_per_s_no_lang"] = round(len(recs) / (time.perf_counter() - t), 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
