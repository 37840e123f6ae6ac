"""What pseudonymization adds to a streamed chat completion (issue 5 targets).

    python bench/protect/run.py            # from the repository root; --quick for a smoke run

A multi-turn DE/EN/ZH support conversation (bench/protect/data/conversation.json, 8
protected values, tool call and tool result) is masked, and the model's answer comes
back in ~4-character chunks that cut every placeholder apart. Per style it prints:

- time to first token added: protect() with a fresh session (every value gets a new
  token, the automata for its values and tokens are built) + restorer set-up + the
  first chunk restored; target <= 1 ms median;
- per-chunk restoration: `ChunkRestorer.restore_chunk` per chunk; target <= 20 µs median;

each against a reference measured in the same run: what a gateway does anyway, encoding
the request body to JSON once (for the first token) and decoding + re-encoding one
chunk's SSE JSON (per chunk).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from sovgate.messages import extract_segments
from sovgate.protect import ChunkRestorer, Pseudonymizer, PseudonymSession
from sovgate.types import Finding

DATA = json.loads((Path(__file__).parent / "data" / "conversation.json").read_text("utf-8"))
TTFT_BUDGET_US = 1000.0
CHUNK_BUDGET_US = 20.0
_PIECE = re.compile(r"\s?\w+|\s?[^\w\s]|\s+")


def findings(segments) -> list[Finding]:
    out = []
    for i, seg in enumerate(segments):
        for value, kind in DATA["values"].items():
            for form in {value, json.dumps(value)[1:-1]}:
                start = seg.text.find(form)
                while start >= 0:
                    out.append(Finding(kind, start, start + len(form), segment=i))
                    start = seg.text.find(form, start + 1)
    return out


def answer_chunks(text: str) -> list[dict]:
    """The answer as OpenAI chunks of about one token (<= 4 characters)."""
    pieces = []
    for m in _PIECE.finditer(text):
        word = m.group()
        pieces += [word[i : i + 4] for i in range(0, len(word), 4)]
    base = {"id": "chatcmpl-b", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    chunks += [
        {**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces
    ]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return chunks


def stats(samples_ns: list[int]) -> tuple[float, float]:
    us = sorted(s / 1000 for s in samples_ns)
    return statistics.median(us), us[min(len(us) - 1, int(len(us) * 0.99))]


def bench_style(style: str, body: dict, segments, found, types, chunks, rounds: int, streams: int) -> dict:
    pz = Pseudonymizer(style, seed=1)
    ttft: list[int] = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        session = PseudonymSession()
        masked, report = pz.protect(body, segments, found, types, session)
        cr = ChunkRestorer(session, scope=report.tokens)
        cr.restore_chunk(chunks[1])
        ttft.append(time.perf_counter_ns() - t0)

    session = PseudonymSession()
    masked, report = pz.protect(body, segments, found, types, session)
    # the model answers with the tokens this style produced
    answer = DATA["answer"]
    pseudonyms = [e for e in session if e.parent is None]  # not the name-part aliases
    for e in pseudonyms:
        answer = answer.replace(f"[{e.kind}_{_placeholder_no(e, session)}]", e.token)
    stream = answer_chunks(answer)
    per_chunk: list[int] = []
    held_max = 0
    restored = ""
    for _ in range(streams):
        cr = ChunkRestorer(session, scope=report.tokens)
        out = []
        for c in stream:
            t0 = time.perf_counter_ns()
            r = cr.restore_chunk(c)
            per_chunk.append(time.perf_counter_ns() - t0)
            out.append(r["choices"][0]["delta"].get("content") or "")
            held_max = max(held_max, max((len(x.pending) for x in cr._fields.values()), default=0))
        out += [c["choices"][0]["delta"].get("content") or "" for c in cr.finish()]
        restored = "".join(out)
    expected = answer
    for e in pseudonyms:
        expected = expected.replace(e.token, e.value)
    assert restored == expected, "restoration is wrong: the benchmark would measure a bug"
    values_up = [v for v in DATA["values"] if v in json.dumps(masked, ensure_ascii=False)]
    assert not values_up, f"protected values reached the upstream: {values_up}"
    return {"ttft": stats(ttft), "chunk": stats(per_chunk), "held_max": held_max, "chunks": len(stream)}


def _placeholder_no(entry, session) -> int:
    """Order of first appearance per type: the number a placeholder session would give."""
    same = [e for e in session if e.kind == entry.kind and e.parent is None]
    return same.index(entry) + 1


def reference(body: dict, chunks: list[dict], rounds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    enc = msgspec.json.Encoder()
    dec = msgspec.json.Decoder()
    body_ns = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        enc.encode(body)
        body_ns.append(time.perf_counter_ns() - t0)
    raw = [enc.encode(c) for c in chunks]
    chunk_ns = []
    for _ in range(max(1, rounds // 10)):
        for r in raw:
            t0 = time.perf_counter_ns()
            enc.encode(dec.decode(r))
            chunk_ns.append(time.perf_counter_ns() - t0)
    return stats(body_ns), stats(chunk_ns)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds (smoke run)")
    args = ap.parse_args()
    rounds, streams = (200, 20) if args.quick else (3000, 300)

    body = {"model": "chat", "stream": True, "messages": DATA["messages"]}
    segments = extract_segments(body)
    found = findings(segments)
    types = frozenset(DATA["values"].values())
    chunks = answer_chunks(DATA["answer"])
    ref_body, ref_chunk = reference(body, chunks, rounds)
    size = len(json.dumps(body, ensure_ascii=False).encode())
    print(
        f"request: {len(segments)} segments, {size} bytes, {len(found)} findings;"
        f" answer: {len(chunks)} chunks"
    )
    print(
        f"reference, encode request body once:     median {ref_body[0]:8.2f} µs   p99 {ref_body[1]:8.2f} µs"
    )
    print(
        f"reference, decode+encode one SSE chunk:  median {ref_chunk[0]:8.2f} µs   p99 {ref_chunk[1]:8.2f} µs"
    )
    ok = True
    for style in ("placeholder", "surrogate"):
        r = bench_style(style, body, segments, found, types, chunks, rounds, streams)
        (t_med, t_p99), (c_med, c_p99) = r["ttft"], r["chunk"]
        ok &= t_med <= TTFT_BUDGET_US and c_med <= CHUNK_BUDGET_US
        print(f"\n[{style}]")
        print(
            f"  first token added   median {t_med:8.2f} µs   p99 {t_p99:8.2f} µs   "
            f"{t_med / ref_body[0]:6.1f}x body encode   budget {TTFT_BUDGET_US:.0f} µs "
            f"{'OK' if t_med <= TTFT_BUDGET_US else 'OVER'}"
        )
        print(
            f"  per chunk restore   median {c_med:8.2f} µs   p99 {c_p99:8.2f} µs   "
            f"{c_med / ref_chunk[0]:6.1f}x chunk codec   budget {CHUNK_BUDGET_US:.0f} µs "
            f"{'OK' if c_med <= CHUNK_BUDGET_US else 'OVER'}"
        )
        print(f"  longest hold-back   {r['held_max']} characters (over {r['chunks']} chunks)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
