"""A real product stack for end-to-end tests: Rasa, the action server and the shop on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.settings import PROJECT_ROOT, Settings
from tools.processes.stack import Ports, services
from tools.processes.supervisor import Service, Supervisor
from tools.seed.demo_store import ensure_seeded

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
START_TIMEOUT = 240.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    settings: Settings
    ports: Ports
    supervisor: Supervisor
    log: Path
    started: list[Service] = field(default_factory=list)

    def restart(self) -> None:
        """Stop every process, then start them again on the same ports and stores."""
        self.supervisor.stop()
        for service in self.started:
            self.supervisor.start(service)
        self.supervisor.wait_ready(timeout=START_TIMEOUT)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    def say(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """One customer turn over the channel's REST webhook: the bot's replies."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        response = requests.post(f"{self.rasa_url}/webhooks/web/webhook", json=body, timeout=30)
        response.raise_for_status()
        return list(response.json())

    def parse(self, text: str) -> dict[str, Any]:
        response = requests.post(
            f"{self.rasa_url}/model/parse",
            params={"token": self.settings.rasa_auth_token},
            json={"text": text},
            timeout=30,
        )
        response.raise_for_status()
        return dict(response.json())

    def tracker(self, sender: str) -> dict[str, Any]:
        return conversation_tracker(self.rasa_url, self.settings.rasa_auth_token, sender)


def texts(replies: list[dict]) -> str:
    return "\n".join(str(reply.get("text", "")) for reply in replies)


def always_open_policy(tmp: Path, *, hours: str = "00:00-24:00", **changes: Any) -> Path:
    """The project's escalation policy with the team on duty around the clock, so that
    handoffs in these tests are queued (not tickets) whatever the time of day; `hours`
    "closed" makes every handoff a ticket. Other keys replace the policy's own."""
    policy = yaml.safe_load((PROJECT_ROOT / "escalation.yml").read_text())
    # The project's hours live in shop.yml (escalation.yml leaves them out): override here.
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    policy.setdefault("business_hours", {})["days"] = {day: hours for day in days}
    policy.update(changes)
    path = tmp / "escalation.yml"
    path.write_text(yaml.safe_dump(policy))
    return path


@contextmanager
def running_stack(
    tmp: Path,
    *,
    database_url: str,
    action_url: str | None = None,
    only: set[str] | None = None,
    policy: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """Start the named services (all by default) on free ports, and stop them afterwards.

    `policy` is an escalation.yml (default: always open); `env` is added to every service's.
    """
    settings = Settings(
        env="test",
        database_url=database_url,
        token_secret="e2e-token-secret-0123456789",
        rasa_auth_token="e2e-rasa-token-0123456789",
        escalation_file=str(policy or always_open_policy(tmp)),
    )
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
    log = tmp / "stack.log"
    with log.open("w") as echo:
        supervisor = Supervisor(echo=echo)
        started: list[Service] = []
        try:
            for service in services(settings, model=MODEL, ports=ports, var_dir=tmp):
                if only is not None and service.name not in only:
                    continue
                if action_url and service.name == "rasa":
                    service.env["CIM_ACTION_URL"] = action_url
                service.env.update(env or {})
                supervisor.start(service)
                started.append(service)
            supervisor.wait_ready(timeout=START_TIMEOUT)
            yield Stack(settings, ports, supervisor, log, started)
        finally:
            supervisor.stop()


@contextmanager
def seeded_stack(tmp: Path, **options: Any) -> Iterator[Stack]:
    """The whole product on a fresh seeded SQLite store in `tmp` (`running_stack`'s options)."""
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    with running_stack(tmp, database_url=database_url, **options) as running:
        yield running


def conversation_tracker(rasa_url: str, token: str, sender: str) -> dict[str, Any]:
    """The conversation's tracker from Rasa's HTTP API (any profile's Rasa or proxy URL)."""
    response = requests.get(
        f"{rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    )
    response.raise_for_status()
    return dict(response.json())
