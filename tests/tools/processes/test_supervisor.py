from __future__ import annotations

import sys
import threading
import time

import pytest

from tests.e2e.stack import free_port
from tools.processes.supervisor import Service, ServiceFailed, Supervisor

SERVE = (
    "import http.server, sys; http.server.test("
    "HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]), bind='127.0.0.1')"
)


def http_service(name: str) -> Service:
    port = free_port()
    return Service(
        name, [sys.executable, "-c", SERVE, str(port)], ready_url=f"http://127.0.0.1:{port}/"
    )


def test_services_start_and_stop_together() -> None:
    supervisor = Supervisor(echo=None)
    first, second = http_service("first"), http_service("second")
    supervisor.start(first)
    supervisor.start(second)
    supervisor.wait_ready(timeout=20)
    processes = [r.process for r in supervisor._running]
    supervisor.stop()
    assert all(p.poll() is not None for p in processes)


def test_a_crash_is_reported_with_its_last_output() -> None:
    supervisor = Supervisor(echo=None)
    supervisor.start(
        Service(
            "crasher",
            [sys.executable, "-c", "print('boom happened'); raise SystemExit(3)"],
            ready_url=f"http://127.0.0.1:{free_port()}/",
        )
    )
    with pytest.raises(ServiceFailed, match="crasher exited with code 3") as failure:
        supervisor.wait_ready(timeout=20)
    assert "boom happened" in str(failure.value)
    supervisor.stop()


def test_watch_raises_when_a_running_service_dies() -> None:
    supervisor = Supervisor(echo=None)
    service = http_service("server")
    supervisor.start(service)
    supervisor.wait_ready(timeout=20)
    killer = threading.Timer(0.5, lambda: supervisor._running[0].process.kill())
    killer.start()
    started = time.monotonic()
    with pytest.raises(ServiceFailed, match="server exited"):
        supervisor.watch(poll_seconds=0.1)
    assert time.monotonic() - started < 10
    supervisor.stop()


def test_a_service_that_never_gets_ready_times_out() -> None:
    supervisor = Supervisor(echo=None)
    supervisor.start(
        Service(
            "sleeper",
            [sys.executable, "-c", "import time; time.sleep(60)"],
            ready_url=f"http://127.0.0.1:{free_port()}/",
        )
    )
    with pytest.raises(ServiceFailed, match="did not become ready"):
        supervisor.wait_ready(timeout=1)
    supervisor.stop()


def test_serve_reports_a_crash_after_ready_and_stops_everything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tools.processes.supervisor import serve

    supervisor = Supervisor(echo=None)
    ready: list[bool] = []
    killer = threading.Timer(1.0, lambda: supervisor._running[0].process.kill())

    def on_ready() -> None:
        ready.append(True)
        killer.start()

    status = serve(
        [http_service("server"), http_service("other")],
        start_timeout=20,
        on_ready=on_ready,
        supervisor=supervisor,
    )

    assert status == 1 and ready == [True]
    assert "server exited" in capsys.readouterr().err
    assert supervisor._running == []


def test_serve_never_calls_on_ready_when_a_service_does_not_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tools.processes.supervisor import serve

    crasher = Service(
        "crasher",
        [sys.executable, "-c", "raise SystemExit(3)"],
        ready_url=f"http://127.0.0.1:{free_port()}/",
    )
    ready: list[bool] = []

    status = serve(
        [crasher],
        start_timeout=20,
        on_ready=lambda: ready.append(True),
        supervisor=Supervisor(echo=None),
    )

    assert status == 1 and ready == []
    assert "crasher exited with code 3" in capsys.readouterr().err
