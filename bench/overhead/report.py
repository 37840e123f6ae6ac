"""Turn the measured phases into rows, ratios and target checks; print and export them."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table

GATEWAYS = ("sovgate", "litellm")
Key = tuple[str, str, int]  # (mode, prompt, concurrency)

# Issue 7's targets, checked on every full run.
RPS_RATIO_MIN = 10.0
ADDED_P50_MAX_MS = 1.0
ADDED_P99_MAX_MS = 3.0
ADDED_TTFE_P50_MAX_MS = 1.0
CPU_MS_MAX = 1.0
RSS_MB_MAX = 150.0


def _median(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(clean) if clean else None


def _get(phase: dict[str, Any], section: str, key: str) -> float | None:
    value = phase.get(section, {}).get(key)
    return float(value) if value is not None else None


def aggregate(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (mode, prompt, concurrency, target): medians over rounds.

    Added latency is computed per round against the direct phase of the same
    round (measured right before it), then the median over rounds is taken.
    """
    direct: dict[tuple[str, str, int, int], dict[str, Any]] = {}
    for p in phases:
        if p["target"] == "direct":
            direct[(p["mode"], p["prompt"], p["concurrency"], p["round"])] = p
    groups: dict[tuple[str, str, int, str], list[dict[str, Any]]] = defaultdict(list)
    for p in phases:
        groups[(p["mode"], p["prompt"], p["concurrency"], p["target"])].append(p)
    rows = []
    for (mode, prompt, conc, target), ps in groups.items():
        added: dict[str, list[float | None]] = defaultdict(list)
        for p in ps:
            d = direct.get((mode, prompt, conc, p["round"]))
            for name, section, key in (
                ("added_p50_ms", "latency", "p50_ms"),
                ("added_p99_ms", "latency", "p99_ms"),
                ("added_ttfe_p50_ms", "ttfe", "p50_ms"),
                ("added_ttfe_p99_ms", "ttfe", "p99_ms"),
            ):
                mine, base = _get(p, section, key), (_get(d, section, key) if d else None)
                added[name].append(mine - base if mine is not None and base is not None else None)
        rows.append(
            {
                "mode": mode,
                "prompt": prompt,
                "concurrency": conc,
                "target": target,
                "rounds": len(ps),
                "completed": sum(p["completed"] for p in ps),
                "errors": sum(p["errors"] for p in ps),
                "rps": _median([p["rps"] for p in ps]),
                "p50_ms": _median([_get(p, "latency", "p50_ms") for p in ps]),
                "p99_ms": _median([_get(p, "latency", "p99_ms") for p in ps]),
                "ttfe_p50_ms": _median([_get(p, "ttfe", "p50_ms") for p in ps]),
                "ttfe_p99_ms": _median([_get(p, "ttfe", "p99_ms") for p in ps]),
                "cpu_ms_per_req": _median([p.get("cpu_ms_per_req") for p in ps]),
                "foreign_share": _median([p.get("core_foreign_share") for p in ps]),
                **{k: (None if target == "direct" else _median(v)) for k, v in added.items()},
            }
        )
    order = {"direct": 0, "sovgate": 1, "traced": 2, "baseline": 3, "litellm": 4}
    rows.sort(key=lambda r: (r["mode"], r["prompt"], r["concurrency"], order.get(r["target"], 9)))
    return rows


def _index(rows: list[dict[str, Any]]) -> dict[Key, dict[str, dict[str, Any]]]:
    out: dict[Key, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        out[(r["mode"], r["prompt"], r["concurrency"])][r["target"]] = r
    return out


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """sovgate : LiteLLM per scenario (each ratio > 1 means sovgate is better)."""
    out = []
    for (mode, prompt, conc), by in _index(rows).items():
        s, lt = by.get("sovgate"), by.get("litellm")
        if not s or not lt:
            continue
        out.append(
            {
                "mode": mode,
                "prompt": prompt,
                "concurrency": conc,
                "rps_x": _div(s["rps"], lt["rps"]),
                "cpu_x": _div(lt["cpu_ms_per_req"], s["cpu_ms_per_req"]),
                "added_p50_x": _div(lt["added_p50_ms"], s["added_p50_ms"]),
                "added_ttfe_p50_x": _div(lt["added_ttfe_p50_ms"], s["added_ttfe_p50_ms"]),
            }
        )
    return out


def checks(rows: list[dict[str, Any]], memory: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Issue 7's targets against this run; `ok` is None where the run lacks the data."""
    idx = _index(rows)
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, higher_is_better: bool) -> None:
        ok = None if value is None else (value >= limit if higher_is_better else value <= limit)
        out.append({"check": name, "value": value, "limit": limit, "ok": ok})

    concs = sorted({k[2] for k in idx})
    top = max(concs) if concs else 32
    for mode in ("json", "stream"):
        for prompt in ("short", "ticket"):
            by = idx.get((mode, prompt, top), {})
            s, lt = by.get("sovgate"), by.get("litellm")
            value = _div(s["rps"], lt["rps"]) if s and lt else None
            add(f"req/s sovgate : LiteLLM, {mode}, {prompt}, c={top}", value, RPS_RATIO_MIN, True)
    for prompt in ("short", "ticket"):
        s = idx.get(("json", prompt, 1), {}).get("sovgate")
        add(f"added p50 ms, c=1, {prompt}", s and s["added_p50_ms"], ADDED_P50_MAX_MS, False)
        add(f"added p99 ms, c=1, {prompt}", s and s["added_p99_ms"], ADDED_P99_MAX_MS, False)
    for prompt in ("short", "ticket"):
        s = idx.get(("stream", prompt, 1), {}).get("sovgate")
        name = f"added TTFE p50 ms, stream, c=1, {prompt}"
        add(name, s and s["added_ttfe_p50_ms"], ADDED_TTFE_P50_MAX_MS, False)
    cpu = [
        by["sovgate"]["cpu_ms_per_req"]
        for (mode, prompt, _), by in idx.items()
        if mode == "json" and prompt == "ticket" and "sovgate" in by and by["sovgate"]["cpu_ms_per_req"]
    ]
    add("CPU ms/request, json, ticket (worst concurrency)", max(cpu) if cpu else None, CPU_MS_MAX, False)
    if memory and memory.get("rss_mb_max") is not None:
        add("RSS MB per sovgate worker (max seen)", memory["rss_mb_max"], RSS_MB_MAX, False)
    return out


# --- output ---------------------------------------------------------------------


def _f(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}×"


def _share(row: dict[str, Any] | None) -> str:
    if not row or row.get("foreign_share") is None:
        return "–"
    return f"{row['foreign_share'] * 100:.0f} %"


def print_tables(console: Console, result: dict[str, Any]) -> None:
    rows, rats, chks = result["rows"], result["ratios"], result["checks"]
    table = Table(title="Overhead per scenario (medians over rounds; + = added over direct)")
    for col in ("mode", "prompt", "c", "target", "req/s", "p50 ms", "p99 ms", "+p50", "+p99"):
        table.add_column(col, justify="right" if col not in ("mode", "prompt", "target") else "left")
    for col in ("TTFE p50", "+TTFE p50", "CPU ms/req", "other load", "errors"):
        table.add_column(col, justify="right")
    last: Key | None = None
    for r in rows:
        key = (r["mode"], r["prompt"], r["concurrency"])
        if last is not None and key != last:
            table.add_section()
        last = key
        table.add_row(
            r["mode"],
            r["prompt"],
            str(r["concurrency"]),
            r["target"],
            _f(r["rps"], 0),
            _f(r["p50_ms"]),
            _f(r["p99_ms"]),
            _f(r["added_p50_ms"]),
            _f(r["added_p99_ms"]),
            _f(r["ttfe_p50_ms"]),
            _f(r["added_ttfe_p50_ms"]),
            _f(r["cpu_ms_per_req"], 3),
            "–" if r.get("foreign_share") is None else f"{r['foreign_share'] * 100:.0f} %",
            str(r["errors"]) if not r["errors"] else f"[red]{r['errors']}[/red]",
        )
    console.print(table)
    if rats:
        rt = Table(title="sovgate : LiteLLM (× better for sovgate)")
        for col in ("mode", "prompt", "c", "req/s", "CPU/req", "+p50", "+TTFE p50"):
            rt.add_column(col, justify="right" if col not in ("mode", "prompt") else "left")
        for r in rats:
            rt.add_row(
                r["mode"],
                r["prompt"],
                str(r["concurrency"]),
                _x(r["rps_x"]),
                _x(r["cpu_x"]),
                _x(r["added_p50_x"]),
                _x(r["added_ttfe_p50_x"]),
            )
        console.print(rt)
    if chks:
        ct = Table(title="Issue 7 targets")
        for col in ("check", "value", "limit", "result"):
            ct.add_column(col)
        verdict = {True: "[green]met[/green]", False: "[red]missed[/red]", None: "[yellow]no data[/yellow]"}
        for c in chks:
            ct.add_row(c["check"], _f(c["value"]), _f(c["limit"]), verdict[c["ok"]])
        console.print(ct)
    mem = result.get("memory")
    if mem:
        console.print(
            f"sovgate RSS per worker: {_f(mem.get('rss_mb_after_warmup'), 1)} MB after warm-up, "
            f"{_f(mem.get('rss_mb_after_run'), 1)} MB after {mem.get('requests_served', 0):,} requests"
        )


def markdown(result: dict[str, Any]) -> str:
    """The README / docs section: machine, the table, the target checks."""
    m, st = result["machine"], result["settings"]
    end = m.get("loadavg_end", [float("nan")])[0]
    load = f"{m['loadavg_start'][0]:.1f} at the start, {end:.1f} at the end"
    litellm = result.get("litellm_version", "–")
    out = [
        f"Run of {m['date']} on {m['nproc']} × {m['cpu_model'] or 'unknown CPU'} (Linux {m['kernel']}, "
        f"Python {m['python']}), sovgate {m['sovgate_commit']}, LiteLLM {litellm}; "
        f"{st['rounds']} round(s) of {st['duration_s']:g} s per phase; load average {load}"
        + (f"; benchmark processes at nice {st['nice']}." if st.get("nice") else "."),
        "",
        table_markdown(result),
    ]
    rats = result.get("ratios", [])
    if rats:
        out += [
            "sovgate : LiteLLM (× better for sovgate: req/s, CPU per request, added p50, added TTFE p50):",
            "",
            "| mode | prompt | c | req/s | CPU/req | +p50 | +TTFE p50 |",
            "|---|---|--:|--:|--:|--:|--:|",
        ]
        out += [
            f"| {r['mode']} | {r['prompt']} | {r['concurrency']} | {_x(r['rps_x'])} | {_x(r['cpu_x'])} | "
            f"{_x(r['added_p50_x'])} | {_x(r['added_ttfe_p50_x'])} |"
            for r in rats
        ]
        out.append("")
    chks = [c for c in result.get("checks", []) if c["ok"] is not None]
    if chks:
        out += ["| issue 7 target | measured | limit | |", "|---|--:|--:|---|"]
        out += [
            f"| {c['check']} | {_f(c['value'])} | {_f(c['limit'])} | {'met' if c['ok'] else 'missed'} |"
            for c in chks
        ]
        out.append("")
    mem = result.get("memory")
    if mem:
        out.append(
            f"sovgate RSS per worker: {_f(mem.get('rss_mb_after_warmup'), 1)} MB after warm-up, "
            f"{_f(mem.get('rss_mb_after_run'), 1)} MB after {mem.get('requests_served', 0):,} requests."
        )
        out.append("")
    return "\n".join(out)


def table_markdown(result: dict[str, Any]) -> str:
    """One line per scenario, the three targets side by side."""
    idx = _index(result["rows"])
    lines = [
        "| mode | prompt | c | direct req/s | sovgate req/s | LiteLLM req/s | req/s × | "
        "sovgate +p50 / +p99 ms | LiteLLM +p50 / +p99 ms | sovgate CPU ms/req | LiteLLM CPU ms/req | "
        "sovgate +TTFE p50 ms | LiteLLM +TTFE p50 ms | other load on the gateway core |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for (mode, prompt, conc), by in idx.items():
        d, s, lt = by.get("direct"), by.get("sovgate"), by.get("litellm")

        def g(r: dict[str, Any] | None, key: str, digits: int = 2) -> str:
            return _f(r[key], digits) if r else "–"

        stream = mode == "stream"
        lines.append(
            f"| {mode} | {prompt} | {conc} | {g(d, 'rps', 0)} | {g(s, 'rps', 0)} | {g(lt, 'rps', 0)} | "
            f"{_x(_div(s['rps'], lt['rps'])) if s and lt else '–'} | "
            f"{g(s, 'added_p50_ms')} / {g(s, 'added_p99_ms')} | "
            f"{g(lt, 'added_p50_ms')} / {g(lt, 'added_p99_ms')} | "
            f"{g(s, 'cpu_ms_per_req', 3)} | {g(lt, 'cpu_ms_per_req', 2)} | "
            f"{g(s, 'added_ttfe_p50_ms') if stream else '–'} | "
            f"{g(lt, 'added_ttfe_p50_ms') if stream else '–'} | {_share(s)} / {_share(lt)} |"
        )
    return "\n".join(lines) + "\n"
