"""The servers under test: started here, on free loopback ports, measured from /proc.

Each build is a Rasa server and an action server. Ours is exactly what `cim run` starts
(tools/processes/stack.py, minus the shop); stock is `rasa run` with the stock model, the REST
channel, the in-memory tracker store and the same action server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.settings import PROJECT_ROOT, Settings
from tools.evaluation.chat.stats import ProcessUse
from tools.evaluation.chat.stock import STOCK_CREDENTIALS, STOCK_ENDPOINTS
from tools.processes.stack import Ports, services

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Ours as measured: behind a proxy on loopback (the load generator presents each customer's
# address in X-Forwarded-For, tools/evaluation/chat/load.py), so the per-client chat limit
# applies per simulated customer as it would in production. The per-conversation limit is
# lifted: simulated customers think for a second or less, and the long conversation sends
# its turns back to back, faster than any person (the product's defaults are unchanged).
BENCH_ENV = {
    "CIM_TRUSTED_PROXIES": "127.0.0.1",
    "CIM_CHAT_CONVERSATION_BURST": "100000",
    "CIM_CHAT_CONVERSATION_PER_MINUTE": "6000000",
}
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    ready_seconds: float = float("nan")

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Build:
    """One build of the bot under test: its Rasa server and action server."""

    name: str
    webhook: str
    procs: dict[str, Proc] = field(default_factory=dict)

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(proc.pid) for name, proc in self.procs.items()}

    def use_since(self, before: dict[str, float]) -> dict[str, ProcessUse]:
        now = self.cpu()
        return {
            name: ProcessUse(now[name] - before[name], rss_mb(proc.pid))
            for name, proc in self.procs.items()
        }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(200 <= response.status < 500)
    except (urllib.error.URLError, OSError):
        return False


def _start(
    name: str,
    argv: list[str],
    env: dict[str, str],
    ready_url: str,
    log: IO[bytes],
    timeout: float,
) -> Proc:
    began = time.monotonic()
    process = subprocess.Popen(
        argv,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    proc = Proc(name, process)
    while not _answers(ready_url):
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see {log.name}")
        if time.monotonic() - began > timeout:
            _stop(proc)
            raise RuntimeError(f"{name} was not ready after {timeout:.0f} s; see {log.name}")
        time.sleep(0.1)
    proc.ready_seconds = time.monotonic() - began
    return proc


def _stop(proc: Proc) -> None:
    if proc.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.process.wait()


@contextlib.contextmanager
def running(build: Build) -> Iterator[Build]:
    try:
        yield build
    finally:
        stop(build)


def stop(build: Build) -> None:
    for proc in reversed(list(build.procs.values())):
        _stop(proc)


@contextlib.contextmanager
def _stopped_on_failure(build: Build) -> Iterator[None]:
    """A build whose start fails leaves nothing running."""
    try:
        yield
    except BaseException:
        stop(build)
        raise


@dataclass(frozen=True)
class BuildSpec:
    settings: Settings
    model: Path
    work: Path  # logs, tracker database, generated endpoint files
    timeout: float = 240.0
    endpoints: Path | None = None  # ours only; default endpoints.yml


def start_ours(spec: BuildSpec, log: IO[bytes]) -> Build:
    """Rasa and the action server exactly as `cim run` starts them (the shop left out)."""
    ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
    build = Build("ours", f"http://127.0.0.1:{ports.rasa}/webhooks/web/webhook")
    with _stopped_on_failure(build):
        for service in services(spec.settings, model=spec.model, ports=ports, var_dir=spec.work):
            if service.name == "shop":
                continue
            argv = list(service.argv)
            if spec.endpoints is not None and "--endpoints" in argv:
                argv[argv.index("--endpoints") + 1] = str(spec.endpoints)
            env = {**service.env, **BENCH_ENV}
            build.procs[service.name] = _start(
                service.name, argv, env, service.ready_url, log, spec.timeout
            )
    return build


def start_stock(spec: BuildSpec, log: IO[bytes]) -> Build:
    """`rasa run` with the stock model, REST channel, in-memory stores; the same actions."""
    rasa_port, actions_port = free_port(), free_port()
    endpoints, credentials = spec.work / "stock-endpoints.yml", spec.work / "stock-credentials.yml"
    endpoints.write_text(STOCK_ENDPOINTS)
    credentials.write_text(STOCK_CREDENTIALS)
    env = {
        "DATABASE_URL": spec.settings.database_url,
        "CIM_ENV": spec.settings.env,
        "CIM_TOKEN_SECRET": spec.settings.token_secret,
        "CIM_ESCALATION_FILE": spec.settings.escalation_file,
        "CIM_ACTION_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "SANIC_HOST": "127.0.0.1",
    }
    bin_dir = Path(sys.executable).parent
    build = Build("stock", f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook")
    argv = [str(bin_dir / "rasa"), "run", "--model", str(spec.model), "--interface", "127.0.0.1"]
    argv += ["--port", str(rasa_port), "--endpoints", str(endpoints)]
    argv += ["--credentials", str(credentials)]
    with _stopped_on_failure(build):
        build.procs["actions"] = _start(
            "actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
            env,
            f"http://127.0.0.1:{actions_port}/health",
            log,
            spec.timeout,
        )
        build.procs["rasa"] = _start(
            "rasa", argv, env, f"http://127.0.0.1:{rasa_port}/", log, spec.timeout
        )
    return build
