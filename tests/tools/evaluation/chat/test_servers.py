"""Starting, measuring and stopping the processes under test, with a real HTTP server."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

import pytest

from tools.evaluation.chat import servers


def _http_server(log: IO[bytes], port: int) -> servers.Proc:
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return servers._start(  # the same start as the real servers get
        "web",
        argv,
        {},
        f"http://127.0.0.1:{port}/",
        log,
        timeout=30,
    )


def test_a_build_that_fails_half_way_leaves_nothing_running(tmp_path: Path) -> None:
    build = servers.Build("test", "http://127.0.0.1:1/webhook")
    log = (tmp_path / "log").open("wb")
    with log, pytest.raises(RuntimeError, match="second"), servers._stopped_on_failure(build):
        build.procs["first"] = _http_server(log, servers.free_port())
        raise RuntimeError("the second service did not start")
    assert build.procs["first"].process.poll() is not None


def test_a_running_build_reports_cpu_and_memory(tmp_path: Path) -> None:
    with (tmp_path / "log").open("wb") as log:
        build = servers.Build("test", "http://127.0.0.1:1/webhook")
        build.procs["web"] = _http_server(log, servers.free_port())
        with servers.running(build):
            before = build.cpu()
            use = build.use_since(before)["web"]
            assert use.cpu_seconds >= 0 and use.rss_mb > 5
            assert build.procs["web"].ready_seconds > 0
        assert build.procs["web"].process.poll() is not None


def test_cpu_and_rss_of_this_process() -> None:
    assert servers.cpu_seconds(os.getpid()) > 0
    assert servers.rss_mb(os.getpid()) > 10
