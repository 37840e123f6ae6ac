"""Start, pin, probe and stop the processes of the benchmark.

Every process runs in its own session (process group), pinned to its cores with
sched_setaffinity (inherited by its children), with its output in a log file,
and is stopped by signalling its group: nothing outlives the benchmark.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LITELLM_VENVS = REPO / "bench" / ".venvs"  # one venv per LiteLLM requirement inside
# Issue 7 names LiteLLM proxy 1.110; its proxy extra needs `litellm-proxy`, and 1.108.10 to 1.109
# need litellm-enterprise / litellm-proxy-extras releases that the package registry reachable from
# the benchmark machines does not carry (checked 2026-11-27): 1.108.7 is the newest that installs.
LITELLM_SPEC = "litellm[proxy]==1.108.7"
MODEL = "bench-model"
SOVGATE_KEY = "sk-bench-sovgate"
LITELLM_KEY = "sk-bench-litellm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Scheduling priority of every process the benchmark starts (run.py --nice; 0: unchanged).
NICE = 0


def pinned(argv: list[str], cores: str | None) -> list[str]:
    """`argv` run pinned to `cores` ("1" or "1,2"; inherited by threads and children; pid kept by exec)."""
    if cores is None and not NICE:
        return argv
    code = (
        "import os, sys; c, n = sys.argv[1], int(sys.argv[2]); "
        "c and os.sched_setaffinity(0, {int(x) for x in c.split(',')}); "
        "n and os.setpriority(os.PRIO_PROCESS, 0, n); "
        "os.execvp(sys.argv[3], sys.argv[3:])"
    )
    return [sys.executable, "-c", code, cores or "", str(NICE), *argv]


@dataclass
class Proc:
    """A started process (group) and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, n: int = 30) -> str:
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)
        except ProcessLookupError:
            pass


@dataclass
class Target:
    """Where the load generator sends requests, and whose CPU it meters."""

    name: str
    url: str  # the chat completions URL
    headers: list[str] = field(default_factory=list)
    proc: Proc | None = None  # None: the direct upstream (metered as the upstream itself)
    meta: dict[str, object] = field(default_factory=dict)


def spawn(
    name: str, argv: list[str], logdir: Path, cores: str | None, env: dict[str, str] | None = None
) -> Proc:
    log = logdir / f"{name}.log"
    out = log.open("wb")
    popen = subprocess.Popen(
        pinned(argv, cores),
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=logdir,
        start_new_session=True,
    )
    out.close()
    return Proc(name, popen, log)


def wait_ready(proc: Proc, url: str, timeout: float) -> float:
    """Poll `url` until it answers 200; returns the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - t0
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"{proc.name} not ready after {timeout:.0f} s:\n{proc.log_tail()}")


def get_json(url: str) -> object:
    import msgspec

    with urllib.request.urlopen(url, timeout=5) as resp:
        return msgspec.json.decode(resp.read())


# --- the fake upstream ----------------------------------------------------------


def start_upstream(logdir: Path, cores: str | None) -> tuple[Proc, str]:
    port = free_port()
    proc = spawn("upstream", [sys.executable, str(HERE / "upstream.py"), "--port", str(port)], logdir, cores)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, base + "/healthz", 30)
    return proc, base


def start_otlp_sink(logdir: Path, cores: str | None) -> tuple[Proc, str]:
    """The minimal trace collector of `--traced`, on the client cores; returns its traces URL."""
    port = free_port()
    argv = [sys.executable, str(HERE / "otlp_sink.py"), "--port", str(port)]
    proc = spawn("otlp-sink", argv, logdir, cores)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, base + "/healthz", 30)
    return proc, base + "/v1/traces"


def direct_target(upstream: Proc, base: str) -> Target:
    return Target("direct", base + "/v1/chat/completions", proc=upstream)


# --- sovgate ----------------------------------------------------------------------


def start_sovgate(
    logdir: Path,
    cores: str | None,
    upstream_base: str,
    workers: int = 1,
    src: Path | None = None,
    traces_to: str | None = None,
    trace_ratio: float = 1.0,
) -> Target:
    """sovgate from `src` (default: this checkout's src/), full pipeline, on the fake upstream;
    with `traces_to` (an OTLP/HTTP traces URL), requests traced (`gateway.tracing`) at `trace_ratio`."""
    port = free_port()
    text = (
        (HERE / "sovgate.yaml")
        .read_text()
        .format(
            port=port,
            audit=logdir / "audit.db",
            upstream=upstream_base + "/v1",
            model=MODEL,
            key_sha256=hashlib.sha256(SOVGATE_KEY.encode()).hexdigest(),
        )
    )
    if traces_to is not None:
        tracing = f'  tracing: {{endpoint: "{traces_to}", sample_ratio: {trace_ratio}}}\n'
        text = text.replace("\ngateway:\n", "\ngateway:\n" + tracing, 1)
    config = logdir / "sovgate.yaml"
    config.write_text(text)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src or REPO / "src"), env.get("PYTHONPATH")]))
    env["BENCH_UPSTREAM_KEY"] = "sk-upstream-fake"
    argv = [sys.executable, "-m", "sovgate", "serve", "--config", str(config), "--workers", str(workers)]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    proc = spawn("sovgate", argv, logdir, cores, env)
    base = f"http://127.0.0.1:{port}"
    ready_s = wait_ready(proc, base + "/healthz", 60)
    # `serve` names the detection core's build: compiled, or Python (compare like with like)
    banner = re.search(r"detection core (.+)", proc.log.read_text(errors="replace"))
    core = banner.group(1).strip() if banner else "unknown"
    return Target(
        "sovgate",
        base + "/v1/chat/completions",
        [f"authorization: Bearer {SOVGATE_KEY}"],
        proc,
        {"ready_s": ready_s, "workers": workers, "src": str(src or REPO / "src"), "core": core},
    )


# --- LiteLLM ----------------------------------------------------------------------


def litellm_venv(spec: str) -> Path:
    """One venv per requirement, so that `--litellm-spec` never runs a venv of another version."""
    return LITELLM_VENVS / ("litellm-" + re.sub(r"[^A-Za-z0-9.]+", "_", spec).strip("_"))


def litellm_bin(spec: str = LITELLM_SPEC) -> Path:
    return litellm_venv(spec) / "bin" / "litellm"


def ensure_litellm(spec: str, say: Callable[[str], None]) -> str:
    """Install LiteLLM proxy into its own venv (once per requirement); returns its version."""
    venv = litellm_venv(spec)
    py = venv / "bin" / "python"
    if not litellm_bin(spec).exists():
        say(f"installing {spec} into {venv} (once; a few minutes)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", spec],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if pip.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)  # no half-installed venv for the next run
            lines = [line for line in pip.stderr.splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith("ERROR")] or lines
            raise RuntimeError(f"pip could not install {spec}: " + " ".join(errors[-2:]))
    out = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def start_litellm(logdir: Path, cores: str | None, upstream_base: str, spec: str = LITELLM_SPEC) -> Target:
    port = free_port()
    config = logdir / "litellm.yaml"
    template = (HERE / "litellm.yaml").read_text()
    config.write_text(template.format(upstream=upstream_base + "/v1", model=MODEL, key=LITELLM_KEY))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LITELLM_", "REDIS_"))}
    # Offline and lean: bundled cost map, no telemetry, quiet logs, no database.
    env.update(
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        LITELLM_TELEMETRY="False",
        LITELLM_LOG="ERROR",
        NO_DOCS="True",
        DISABLE_ADMIN_UI="True",
    )
    argv = [str(litellm_bin(spec)), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--num_workers", "1"]
    proc = spawn("litellm", argv, logdir, cores, env)
    base = f"http://127.0.0.1:{port}"
    ready_s = wait_ready(proc, base + "/health/liveliness", 120)
    auth = [f"authorization: Bearer {LITELLM_KEY}"]
    return Target("litellm", base + "/v1/chat/completions", auth, proc, {"ready_s": ready_s})
