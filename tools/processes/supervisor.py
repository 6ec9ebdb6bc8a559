"""Runs the product's processes together: started in order, watched, stopped together.

A crash of any process is reported with the last lines it printed, and stops the others, so a
broken product is never silently half up. Ctrl-C (SIGINT) or SIGTERM stops everything.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

STOP_GRACE_SECONDS = 10.0
TAIL_LINES = 40


@dataclass
class Service:
    name: str
    argv: Sequence[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None


@dataclass
class Running:
    service: Service
    process: subprocess.Popen[str]
    tail: collections.deque[str]
    pump: threading.Thread


class ServiceFailed(RuntimeError):
    """A service exited or never became ready; the message carries its last output."""


class Supervisor:
    def __init__(self, *, echo: IO[str] | None = sys.stdout) -> None:
        self._echo = echo
        self._running: list[Running] = []

    def start(self, service: Service) -> None:
        process = subprocess.Popen(
            list(service.argv),
            cwd=service.cwd,
            env={**os.environ, **service.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )
        tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        pump = threading.Thread(target=self._pump, args=(service.name, process, tail), daemon=True)
        pump.start()
        self._running.append(Running(service, process, tail, pump))

    def _pump(
        self, name: str, process: subprocess.Popen[str], tail: collections.deque[str]
    ) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            tail.append(line.rstrip("\n"))
            if self._echo is not None:
                self._echo.write(f"[{name}] {line}")
                self._echo.flush()

    def wait_ready(self, timeout: float) -> None:
        """Block until every service answers its ready URL; raise if one dies or times out."""
        deadline = time.monotonic() + timeout
        for running in self._running:
            while not _answers(running.service.ready_url):
                self._raise_if_exited()
                if time.monotonic() > deadline:
                    raise ServiceFailed(self._report(running, "did not become ready in time"))
                time.sleep(0.25)

    def _raise_if_exited(self) -> None:
        for running in self._running:
            code = running.process.poll()
            if code is not None:
                running.pump.join(timeout=2)
                raise ServiceFailed(self._report(running, f"exited with code {code}"))

    def _report(self, running: Running, what: str) -> str:
        lines = "\n".join(f"    {line}" for line in running.tail)
        return f"{running.service.name} {what}. Its last output:\n{lines}"

    def watch(self, poll_seconds: float = 0.5) -> None:
        """Return when a signal arrives; raise ServiceFailed when a service exits."""
        stop = threading.Event()
        previous = {
            s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not stop.wait(poll_seconds):
                self._raise_if_exited()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """SIGTERM every process group, newest first; SIGKILL what is left after the grace time."""
        for running in reversed(self._running):
            _signal_group(running.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for running in reversed(self._running):
            try:
                running.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(running.process, signal.SIGKILL)
                running.process.wait()
        self._running.clear()

    def pid(self, name: str) -> int:
        """The process id (and process group) of a running service."""
        return next(r.process.pid for r in self._running if r.service.name == name)

    def stop_one(self, name: str) -> None:
        """Kill one service (fault tests); the others keep running, no longer watching it."""
        running = next(r for r in self._running if r.service.name == name)
        _signal_group(running.process, signal.SIGKILL)
        running.process.wait()
        self._running.remove(running)


def serve(
    services: Iterable[Service],
    *,
    start_timeout: float,
    on_ready: Callable[[], None],
    supervisor: Supervisor | None = None,
) -> int:
    """What `cim run` does with its services: start them in order, wait until every one is
    ready, call `on_ready`, then watch until Ctrl-C (exit status 0) or a crash (1, with the
    service's last output on stderr); everything is stopped either way."""
    supervisor = supervisor or Supervisor()
    try:
        for service in services:
            supervisor.start(service)
        supervisor.wait_ready(timeout=start_timeout)
        on_ready()
        supervisor.watch()
        print("\nStopping…")
        return 0
    except ServiceFailed as failure:
        print(f"\nerror: {failure}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()


def _signal_group(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(200 <= response.status < 500)
    except (urllib.error.URLError, OSError):
        return False
