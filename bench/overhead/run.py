"""Overhead benchmark: sovgate vs. LiteLLM proxy vs. no gateway, same run, same load.

    python bench/overhead/run.py            # full run (the README table), ~10 min
    python bench/overhead/run.py --quick    # smoke run, well under a minute
    python bench/overhead/run.py --soak 100000   # sovgate RSS growth over N requests

A fake OpenAI-compatible upstream (microsecond answers) and a closed-loop load
generator share one core; each gateway gets the other core to itself
(`--client-cores` / `--gateway-cores`; with more cores, e.g. `--gateway-cores 1,2
--workers 2`). For every scenario (JSON or SSE, short or ~2 KB prompt,
concurrency 1/8/32) the targets are measured back to back, in
rounds, so machine noise hits them alike. Added latency = gateway minus direct
in the same round. CPU per request = utime+stime of the gateway's process tree
over the measured window / requests completed in it. Results: a Rich table on
stdout, JSON in bench/results/overhead.json, the Markdown table beside it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _proc
import hotspots as spy
import report
import targets as tg
import workload

RESULTS = tg.REPO / "bench" / "results"
console = Console(width=None if sys.stdout.isatty() else 180)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(tg.REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": sorted(os.sched_getaffinity(0)),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sovgate_commit": commit,
        "loadavg_start": os.getloadavg(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


class Bench:
    """Runs load generator phases against the targets."""

    def __init__(self, workdir: Path, client_core: str | None, gateway_core: str | None) -> None:
        self.workdir = workdir
        self.client_core = client_core
        self.gateway_core = gateway_core
        self._bodies: dict[tuple[str, str, bool], Path] = {}
        # Each prompt's bodies are sent as one sequence across phases, modes and targets: a phase
        # starts where the last one stopped, so sovgate's memo of repeated text never sees a
        # text again before 2,048 others have passed (it holds 1,024).
        self._sent: dict[str, int] = {}

    def bodies_file(self, target: tg.Target, prompt: str, stream: bool) -> Path:
        model = tg.MODEL
        key = (model, prompt, stream)
        if key not in self._bodies:
            path = self.workdir / f"bodies-{prompt}-{'stream' if stream else 'json'}.json"
            path.write_bytes(msgspec.json.encode(workload.bodies(prompt, model, stream)))
            self._bodies[key] = path
        return self._bodies[key]

    def phase(
        self,
        target: tg.Target,
        prompt: str,
        stream: bool,
        concurrency: int,
        *,
        warmup: float = 0.5,
        duration: float = 3.0,
        requests: int = 0,
    ) -> dict[str, Any]:
        argv = [sys.executable, str(tg.HERE / "loadgen.py"), "--url", target.url]
        argv += ["--bodies", str(self.bodies_file(target, prompt, stream))]
        for h in target.headers:
            argv += ["--header", h]
        argv += ["--concurrency", str(concurrency), "--warmup", str(warmup), "--duration", str(duration)]
        if requests:
            argv += ["--requests", str(requests)]
        argv += ["--start", str(self._sent.get(prompt, 0))]
        if stream:
            argv.append("--stream")
        if target.proc is not None:
            argv += ["--cpu-pid", str(target.proc.pid)]
            if target.name != "direct" and self.gateway_core is not None:
                argv += ["--cores", self.gateway_core]
        # Bound the phase: a gateway that stops answering must not hang the benchmark.
        limit = warmup + duration + 60 if not requests else 120 + requests * 0.2
        try:
            done = subprocess.run(
                tg.pinned(argv, self.client_core), capture_output=True, text=True, timeout=limit
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"load generator against {target.name} ran past {limit:.0f} s") from None
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr[-3000:]}")
        result: dict[str, Any] = msgspec.json.decode(done.stdout.strip().splitlines()[-1])
        self._sent[prompt] = self._sent.get(prompt, 0) + result["sent"]
        if target.proc is not None and target.proc.popen.poll() is not None:
            raise RuntimeError(f"{target.name} died during the phase:\n{target.proc.log_tail()}")
        return result


def _rss_mb(proc: tg.Proc) -> list[float]:
    """RSS of each process of a gateway's tree (the serving workers, and a supervisor if any)."""
    return [_proc.rss_bytes(pid) / 2**20 for pid in _proc.tree(proc.pid)]


def _cores(gateway: str, client: str) -> tuple[str | None, str | None]:
    """Validated core lists ("1", "1,2"); None, None (no pinning) when they do not fit this machine."""
    try:
        gw = {int(c) for c in gateway.split(",")}
        cl = {int(c) for c in client.split(",")}
    except ValueError:
        raise typer.BadParameter("core lists look like 1 or 1,2") from None
    usable = os.sched_getaffinity(0)
    if gw | cl <= usable and not gw & cl:
        return ",".join(map(str, sorted(gw))), ",".join(map(str, sorted(cl)))
    console.print(f"[yellow]cores {gateway} / {client} not usable apart on {sorted(usable)}: no pinning")
    return None, None


def _pii_check(upstream_base: str, bench: Bench, target: tg.Target) -> dict[str, Any]:
    """Send one ticket through `target`; which raw personal values reached the upstream?"""
    before: Any = tg.get_json(upstream_base + "/_bench/stats")
    answer = bench.phase(target, "ticket", False, 1, warmup=0.0, requests=1)
    stats: Any = tg.get_json(upstream_base + "/_bench/stats")
    if stats["chat"] == before["chat"]:
        return {"forwarded": False, "answer": answer["error_sample"] or answer["sample"]}
    body = stats["last_chat_body"]
    seen = [v for t in workload.tickets() for v in t.pii if v in body]  # any variant
    return {
        "forwarded": True,
        "raw_pii_values_reaching_upstream": sorted(set(seen)),
        "upstream_body_sample": body[:800],
        "answer_sample": answer["sample"][:400],
    }


@app.command()
def main(
    quick: bool = typer.Option(False, help="Smoke run: short phases, one round, c=1 and 8."),
    targets: str = typer.Option("direct,sovgate,litellm", help="Comma-separated: direct, sovgate, litellm."),
    rounds: int = typer.Option(0, help="Rounds over all scenarios (default 2, quick 1)."),
    duration: float = typer.Option(0.0, help="Measured seconds per phase (default 4, quick 0.5)."),
    warmup: float = typer.Option(0.0, help="Unrecorded seconds before each phase (default 1, quick 0.2)."),
    concurrency: str = typer.Option("", help="Comma-separated (default 1,8,32; quick 1,8)."),
    prompts: str = typer.Option("short,ticket", help="Comma-separated: short, ticket."),
    modes: str = typer.Option("json,stream", help="Comma-separated: json, stream."),
    soak: int = typer.Option(0, help="Instead: send N requests through sovgate and report RSS growth."),
    profile: str = typer.Option(
        "", help="Instead: py-spy profile of sovgate under one scenario MODE:PROMPT:C, e.g. json:ticket:8."
    ),
    profile_seconds: float = typer.Option(15.0, help="How long to sample with --profile."),
    workers: int = typer.Option(1, help="sovgate --workers (pin them with --gateway-cores)."),
    sovgate_src: Path = typer.Option(None, help="sovgate from this src/ dir (default: this checkout)."),
    baseline_src: Path = typer.Option(
        None,
        help="Also measure target 'baseline': sovgate from this src/ dir (e.g. a worktree of main), "
        "interleaved with the others, to compare two versions side by side.",
    ),
    traced: bool = typer.Option(
        False,
        help="Also measure target 'traced': this sovgate with OpenTelemetry tracing on (every request "
        "sampled, exported to a minimal OTLP sink on the client cores; needs pip install -e '.[otel]').",
    ),
    trace_ratio: float = typer.Option(1.0, help="gateway.tracing.sample_ratio of the 'traced' target."),
    gateway_cores: str = typer.Option("1", help="The core(s) each gateway is pinned to, e.g. 1 or 1,2."),
    client_cores: str = typer.Option("0", help="The core(s) of the upstream and the load generator."),
    litellm_spec: str = typer.Option(tg.LITELLM_SPEC, help="pip requirement for the LiteLLM venv."),
    out: Path = typer.Option(None, help="JSON output (default bench/results/overhead.json or soak.json)."),
    nice: int = typer.Option(0, help="Priority of every process started (negative: ahead of other work)."),
) -> None:
    """Measure what sovgate adds per request, next to LiteLLM proxy and no gateway."""
    names = [t.strip() for t in targets.split(",") if t.strip()]
    unknown = set(names) - {"direct", "sovgate", "litellm"}
    if unknown:
        raise typer.BadParameter(f"unknown target(s) {sorted(unknown)}", param_hint="--targets")
    if soak or profile:
        names = ["sovgate"]
    rounds = rounds or (1 if quick else 2)
    duration = duration or (0.5 if quick else 4.0)
    warmup = warmup or (0.2 if quick else 1.0)
    concs = [int(c) for c in (concurrency or ("1,8" if quick else "1,8,32")).split(",")]
    prompt_list = [p.strip() for p in prompts.split(",") if p.strip()]
    mode_list = [m.strip() for m in modes.split(",") if m.strip()]
    gw_core, cl_core = _cores(gateway_cores, client_cores)
    tg.NICE = nice
    info = machine()
    result: dict[str, Any] = {
        "machine": info,
        "settings": {
            "quick": quick,
            "targets": names,
            "rounds": rounds,
            "duration_s": duration,
            "warmup_s": warmup,
            "concurrency": concs,
            "prompts": prompt_list,
            "modes": mode_list,
            "gateway_core": gw_core,
            "client_core": cl_core,
            "sovgate_workers": workers,
            "baseline_src": str(baseline_src) if baseline_src else None,
            "traced": traced,
            "trace_ratio": trace_ratio if traced else None,
            "nice": nice,
        },
    }
    console.print(
        f"[bold]sovgate overhead benchmark[/bold] on {info['nproc']} × {info['cpu_model'] or 'unknown CPU'}; "
        f"gateway cores {gw_core}, client cores {cl_core}; load average {info['loadavg_start'][0]:.2f}"
    )
    if "litellm" in names:
        result["litellm_version"] = tg.ensure_litellm(litellm_spec, console.print)

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sovgate-bench-")))
        procs: list[tg.Proc] = []
        stack.callback(lambda: [p.stop() for p in reversed(procs)])
        upstream, upstream_base = tg.start_upstream(workdir, cl_core)
        procs.append(upstream)
        tlist: list[tg.Target] = []
        for name in names:
            if name == "direct":
                tlist.append(tg.direct_target(upstream, upstream_base))
            elif name == "sovgate":
                with console.status("starting sovgate"):
                    t = tg.start_sovgate(workdir, gw_core, upstream_base, workers, sovgate_src)
                console.print(f"sovgate from {t.meta['src']}: detection core {t.meta['core']}")
                tlist.append(t)
            else:
                with console.status("starting LiteLLM proxy"):
                    t = tg.start_litellm(workdir, gw_core, upstream_base, litellm_spec)
                tlist.append(t)
            if tlist[-1].proc is not None and tlist[-1].proc is not upstream:
                procs.append(tlist[-1].proc)  # type: ignore[arg-type]
        if baseline_src is not None and not (soak or profile):
            basedir = workdir / "baseline"
            basedir.mkdir()
            with console.status("starting the baseline sovgate"):
                base = tg.start_sovgate(basedir, gw_core, upstream_base, workers, baseline_src)
            base.name = "baseline"
            console.print(f"baseline sovgate from {baseline_src}: detection core {base.meta['core']}")
            tlist.insert(next((i + 1 for i, t in enumerate(tlist) if t.name == "sovgate"), len(tlist)), base)
            procs.append(base.proc)  # type: ignore[arg-type]
        if traced and not (soak or profile):
            sink, traces_to = tg.start_otlp_sink(workdir, cl_core)
            procs.append(sink)
            tracedir = workdir / "traced"
            tracedir.mkdir()
            with console.status("starting the traced sovgate"):
                t = tg.start_sovgate(
                    tracedir, gw_core, upstream_base, workers, sovgate_src, traces_to, trace_ratio
                )
            t.name = "traced"
            tlist.insert(next((i + 1 for i, x in enumerate(tlist) if x.name == "sovgate"), len(tlist)), t)
            procs.append(t.proc)  # type: ignore[arg-type]
        bench = Bench(workdir, cl_core, gw_core)
        if soak:
            result["soak"] = run_soak(bench, tlist[0], soak)
            path = out or RESULTS / "soak.json"
        elif profile:
            path = out or RESULTS / "profile.json"
            result["profile"] = run_profile(bench, tlist[0], profile, profile_seconds, path)
        else:
            run_matrix(bench, tlist, result, prompt_list, mode_list, concs, rounds, warmup, duration)
            sovgate = next((t for t in tlist if t.name == "sovgate"), None)
            if sovgate is not None:
                result["pii_check"] = _pii_check(upstream_base, bench, sovgate)
            result["targets_meta"] = {t.name: t.meta for t in tlist}
            if traced:  # the traced target's cost is only real if its spans went out
                result["traces_exported"] = tg.get_json(traces_to.removesuffix("/v1/traces") + "/stats")
                console.print(f"traces exported by 'traced': {result['traces_exported']}")
            path = out or RESULTS / "overhead.json"
    result["machine"]["loadavg_end"] = os.getloadavg()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=2))
    if "rows" in result:
        report.print_tables(console, result)
        md = path.with_suffix(".md")
        md.write_text(report.markdown(result))
        console.print(f"JSON: {path}\nMarkdown table: {md}")
    else:
        console.print(f"JSON: {path}")
    failed = [
        r for r in result.get("rows", []) if r["errors"] and r["errors"] > 0.01 * max(1, r["completed"])
    ]
    if failed:
        console.print(f"[red]{len(failed)} scenario(s) with more than 1% errors[/red]")
        raise typer.Exit(1)


def run_matrix(
    bench: Bench,
    tlist: list[tg.Target],
    result: dict[str, Any],
    prompts: list[str],
    modes: list[str],
    concs: list[int],
    rounds: int,
    warmup: float,
    duration: float,
) -> None:
    scenarios = [(m, p, c) for m in modes for p in prompts for c in concs]
    phases: list[dict[str, Any]] = []
    sovgate = next((t for t in tlist if t.name == "sovgate"), None)
    memory: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        # Warm every target up (connection pools, lazy imports, caches) before measuring.
        warm = progress.add_task("warm-up", total=len(tlist))
        for t in tlist:
            for stream in (False, True):
                bench.phase(t, "ticket", stream, 8, warmup=0.0, duration=max(0.3, 2 * warmup))
            progress.advance(warm)
        if sovgate is not None and sovgate.proc is not None:
            memory["rss_mb_after_warmup"] = max(_rss_mb(sovgate.proc))
        task = progress.add_task("phases", total=rounds * len(scenarios) * len(tlist))
        gateways = [t for t in tlist if t.name != "direct"]
        for rnd in range(rounds):
            # the gateways take turns at going first (direct, the reference, always leads): the one
            # measured right after another has shown a few percent of its own, in A/A runs
            k = rnd % len(gateways) if gateways else 0
            order = [t for t in tlist if t.name == "direct"] + gateways[k:] + gateways[:k]
            for mode, prompt, conc in scenarios:
                for t in order:
                    progress.update(task, description=f"round {rnd + 1}: {mode} {prompt} c={conc} {t.name}")
                    r = bench.phase(t, prompt, mode == "stream", conc, warmup=warmup, duration=duration)
                    r.pop("sample", None)
                    if r["errors"]:
                        progress.console.print(
                            f"[red]{t.name} {mode} {prompt} c={conc}: {r['errors']} errors[/red] "
                            f"{r['statuses']} {r['error_kinds']} {r['error_sample'][:300]}"
                        )
                    phases.append({"target": t.name, "mode": mode, "prompt": prompt, "round": rnd, **r})
                    progress.advance(task)
    if sovgate is not None and sovgate.proc is not None:
        rss = _rss_mb(sovgate.proc)
        served = sum(p["completed"] for p in phases if p["target"] == "sovgate")
        memory.update(
            rss_mb_after_run=max(rss), rss_mb_per_process=rss, rss_mb_max=max(rss), requests_served=served
        )
        result["memory"] = memory
    result["phases"] = phases
    result["rows"] = report.aggregate(phases)
    result["ratios"] = report.ratios(result["rows"])
    result["checks"] = report.checks(result["rows"], memory or None)


def run_profile(bench: Bench, target: tg.Target, scenario: str, seconds: float, path: Path) -> dict[str, Any]:
    """CPU per request unprofiled, then py-spy's view of where it goes, per function."""
    assert target.proc is not None
    mode, prompt, conc = scenario.split(":")
    stream, c = mode == "stream", int(conc)
    bench.phase(target, prompt, stream, c, warmup=0.0, duration=2.0)
    plain = bench.phase(target, prompt, stream, c, warmup=0.5, duration=4.0)
    collapsed = path.with_suffix(".collapsed.txt")
    collapsed.parent.mkdir(parents=True, exist_ok=True)
    with console.status(f"py-spy on sovgate for {seconds:.0f} s ({scenario})"):
        recorder = spy.record(target.proc.pid, seconds, collapsed)
        time.sleep(0.5)
        bench.phase(target, prompt, stream, c, warmup=0.0, duration=seconds)
        _, err = recorder.communicate(timeout=seconds + 30)
    if not collapsed.exists():
        raise RuntimeError(f"py-spy wrote nothing: {err.decode(errors='replace')[-2000:]}")
    summary = spy.summarize(collapsed.read_text())
    cpu_us = (plain["cpu_ms_per_req"] or 0.0) * 1000
    table = Table(title=f"sovgate {scenario}: {plain['rps']:.0f} req/s, {cpu_us:.0f} µs CPU/request")
    for col in ("self %", "≈µs/req", "function (self)", "incl %", "≈µs/req ", "function (inclusive)"):
        table.add_column(col, justify="right" if "%" in col or "µs" in col else "left")
    for a, b in zip(summary["self"], summary["inclusive"], strict=False):
        table.add_row(
            f"{a['share'] * 100:.1f}",
            f"{a['share'] * cpu_us:.0f}",
            a["function"],
            f"{b['share'] * 100:.1f}",
            f"{b['share'] * cpu_us:.0f}",
            b["function"],
        )
    console.print(table)
    console.print(f"collapsed stacks: {collapsed} (flamegraph.pl or speedscope.app can draw them)")
    plain.pop("sample", None)
    return {"scenario": scenario, "unprofiled": plain, "cpu_us_per_req": cpu_us, **summary}


def run_soak(bench: Bench, target: tg.Target, total: int) -> dict[str, Any]:
    """RSS of each sovgate process after warm-up and after every tenth of `total` requests."""
    assert target.proc is not None
    for stream in (False, True):
        bench.phase(target, "ticket", stream, 8, warmup=0.0, requests=2000)
    samples = [{"requests": 0, "rss_mb": _rss_mb(target.proc)}]
    steps = 10
    sent = 0
    with Progress(
        TextColumn("soak"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("soak", total=total)
        for i in range(steps):
            n = total // steps + (1 if i < total % steps else 0)
            # Alternate JSON and SSE, short and ticket prompts: every code path accumulates.
            parts = [n // 4] * 4
            parts[-1] += n - sum(parts)
            kinds = (("ticket", False), ("ticket", True), ("short", False), ("short", True))
            for (prompt, stream), k in zip(kinds, parts, strict=True):
                if not k:
                    continue
                r = bench.phase(target, prompt, stream, 8, warmup=0.0, requests=k)
                if r["errors"]:
                    raise RuntimeError(f"soak: {r['errors']} errors ({r['error_kinds']}, {r['statuses']})")
                sent += r["completed"]
                progress.advance(task, r["completed"])
            samples.append({"requests": sent, "rss_mb": _rss_mb(target.proc)})
    first, last = max(samples[0]["rss_mb"]), max(samples[-1]["rss_mb"])
    # Growth after the first tenth: allocator arenas and caches settle during it.
    settled = max(samples[1]["rss_mb"]) if len(samples) > 1 else first
    summary = {
        "requests": sent,
        "rss_mb_after_warmup": first,
        "rss_mb_after_first_tenth": settled,
        "rss_mb_end": last,
        "growth_mb": last - first,
        "growth_mb_after_first_tenth": last - settled,
        "samples": samples,
    }
    console.print(
        f"sovgate RSS: {first:.1f} MB after warm-up, {settled:.1f} MB after {samples[1]['requests']:,} "
        f"requests, {last:.1f} MB after {sent:,} (growth {last - first:+.1f} MB; "
        f"{last - settled:+.1f} MB after the first tenth)"
    )
    return summary


def cli() -> None:
    try:
        app()
    except RuntimeError as exc:  # a process that would not start or died: say so, no traceback
        console.print(f"[red]benchmark failed:[/red] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    cli()
