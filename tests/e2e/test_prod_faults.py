"""Faults in the production profile's stores: Redis stopped for 10 s, PostgreSQL restarted.

Both run on private servers started here (a Redis on a free port, a PostgreSQL cluster in a
temporary directory), so stopping them never disturbs the machine's shared services. Turns in
the outage get an answer (an apology when the turn cannot run), never silence or an error
text; afterwards the same processes answer normally, nothing restarted.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.cli import prod
from bot.cli.supervisor import Supervisor
from bot.settings import Settings
from tests.e2e.stack import MODEL, START_TIMEOUT, always_open_policy, free_port
from tests.e2e.test_prod_profile import Customer, ProdStack, pinned_client

APOLOGY = "something went wrong on our side"
OUTAGE_SECONDS = 10.0
RECOVERY_SECONDS = 60.0


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return str(found[-1])


@dataclass
class PrivateRedis:
    port: int
    workdir: Path

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "yes",
                "--dir", str(self.workdir), "--pidfile", str(self.workdir / "redis.pid"),
                "--logfile", str(self.workdir / "redis.log"),
            ],
            check=True, timeout=30,
        )
        _wait(lambda: _redis_answers(self.port), "Redis to start")

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True, timeout=30,
        )
        _wait(lambda: not _redis_answers(self.port), "Redis to stop")


def _redis_answers(port: int) -> bool:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10
    )
    return done.stdout.strip() == "PONG"


@dataclass
class PrivatePostgres:
    """A throw-away cluster owned by the `postgres` user (the server refuses to run as root)."""

    port: int
    datadir: Path

    def _as_postgres(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.datadir.parent, "postgres")
        self._as_postgres(
            _pg_bin("initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir.parent} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            _pg_bin("pg_ctl"), "-D", str(self.datadir), "-o", options, "-w", "-l",
            str(self.datadir.parent / "pg.log"), "start",
        )

    def stop(self) -> None:
        self._as_postgres(_pg_bin("pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/cim_faults"


def _wait(ready: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


@dataclass
class FaultStack:
    stack: ProdStack
    redis: PrivateRedis
    postgres: PrivatePostgres


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    tmp: Path = tmp_path_factory.mktemp("prod-faults")
    workdir = Path(tempfile.mkdtemp(prefix="cim-pg-"))
    postgres = PrivatePostgres(free_port(), workdir / "data")
    redis = PrivateRedis(free_port(), tmp)
    postgres.init()
    postgres.start()
    redis.start()
    stores = prod.ProdStores(postgres.url, f"redis://127.0.0.1:{redis.port}/0", "faults")
    settings = Settings(
        env="test",
        database_url=postgres.url,
        token_secret="e2e-token-secret-0123456789",
        rasa_auth_token="e2e-rasa-token-0123456789",
        escalation_file=str(always_open_policy(tmp)),
    )
    ports = prod.ProdPorts(
        free_port(), free_port(), (free_port(), free_port()), (free_port(), free_port())
    )
    try:
        prod.prepare(stores)
        with (tmp / "prod.log").open("w") as echo:
            supervisor = Supervisor(echo=echo)
            try:
                for service in prod.services(settings, model=MODEL, ports=ports, stores=stores):
                    supervisor.start(service)
                supervisor.wait_ready(timeout=START_TIMEOUT)
                stack = ProdStack(settings, ports, stores, supervisor, tmp / "prod.log")
                yield FaultStack(stack, redis, postgres)
            finally:
                supervisor.stop()
    finally:
        redis.stop()
        try:
            postgres.stop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def rest_turn(stack: ProdStack, sender: str, text: str) -> str:
    response = requests.post(
        f"{stack.rasa_url}/webhooks/web/webhook",
        json={"sender": sender, "message": text},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    replies = response.json()
    assert replies, "a turn was answered with silence"
    return "\n".join(str(reply.get("text", "")) for reply in replies)


def recovered(stack: ProdStack) -> str:
    """Turns keep getting polite answers until one is a real one; that one."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        answer = rest_turn(stack, uuid.uuid4().hex, "what is your return policy?")
        if "30 days" in answer:
            return answer
        assert APOLOGY in answer.lower(), answer
        assert time.monotonic() < deadline, "no recovery"
        time.sleep(1)


async def test_redis_stopped_for_ten_seconds(fault_stack: FaultStack) -> None:
    stack = fault_stack.stack
    session_id = uuid.uuid4().hex
    async with pinned_client(stack, "rasa1") as socket:
        customer = await Customer(socket, session_id).start(stack.rasa_url)
        assert "30 days" in await customer.say("what is your return policy?")
        fault_stack.redis.stop()
        stopped = time.monotonic()
        try:
            during = await customer.say("where is order 100002?")
            assert APOLOGY in during.lower(), during
            assert APOLOGY in rest_turn(stack, uuid.uuid4().hex, "hello there").lower()
        finally:
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
            fault_stack.redis.start()
        assert "30 days" in recovered(stack)
        after = await customer.say("where is order 100002?")
        assert "email" in after.lower(), after


def test_postgresql_restarted(fault_stack: FaultStack) -> None:
    stack = fault_stack.stack
    sender = uuid.uuid4().hex
    assert "email" in rest_turn(stack, sender, "where is order 100002?").lower()
    fault_stack.postgres.stop()
    try:
        # Rasa's FailSafeTrackerStore answers from an in-memory tracker while the database is
        # down (those turns are kept only by the replica that served them); personal answers
        # say the order system is out of reach. Either way: an answer, no error text.
        for text in ("what is your return policy?", "where is my order?"):
            during = rest_turn(stack, uuid.uuid4().hex, text)
            assert "Traceback" not in during and "OperationalError" not in during, during
    finally:
        fault_stack.postgres.start()
    assert "30 days" in recovered(stack)
    # The conversation from before the restart continues where it was.
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        answer = rest_turn(stack, sender, "maria.garcia@example.com")
        if "#100002" in answer or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "#100002" in answer, answer
