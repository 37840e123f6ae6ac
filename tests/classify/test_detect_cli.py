"""`sovgate detect` as a subprocess, with the JSONL contract the pii-dev scorer expects."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(lines: list[dict]) -> list[dict]:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "detect", "-"],
        input=data,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_detect_jsonl_round_trip() -> None:
    out = _run(
        [
            {"id": "a", "text": "Mein Name ist Jonas Becker, IBAN DE89 3704 0044 0532 0130 00", "lang": "de"},
            {"id": "b", "text": "Explain recursion with an example."},
            {"id": "c", "text": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"},
        ]
    )
    # first line: ready marker for the scorer; no NER model is used (rules and name tables only)
    assert out[0]["_meta"]["ready"] is True and out[0]["_meta"]["ner_model"] is None
    recs = {r["id"]: r for r in out[1:]}
    a = recs["a"]
    types = {e["type"] for e in a["entities"]}
    assert types == {"PERSON", "IBAN"}
    iban = next(e for e in a["entities"] if e["type"] == "IBAN")
    assert iban["jurisdiction"] == "DE" and set(iban) == {"type", "start", "end", "score", "jurisdiction"}
    assert recs["b"]["entities"] == [] and recs["b"]["categories"] == []
    assert recs["c"]["categories"] == ["SECRET"]


def test_detect_rejects_bad_input_with_clear_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "detect", "-"], input='{"id": 1}\n', capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "invalid record" in proc.stderr and "Traceback" not in proc.stderr


def test_detect_categories_follow_the_person_link_rule() -> None:
    out = _run(
        [
            {"id": "general", "text": "What are the symptoms of diabetes?", "lang": "en"},
            {
                "id": "patient",
                "text": "Patient Anna Schmidt, born 1980-03-01, has type 2 diabetes.",
                "lang": "en",
            },
        ]
    )
    recs = {r["id"]: r for r in out[1:]}
    assert recs["general"]["categories"] == []
    assert recs["patient"]["categories"] == ["HEALTH"]
