"""A raw socket.io client for the fuzz pass: Engine.IO 4 long-polling spoken over `requests`.

A library client would refuse to send what an attacker sends (extra arguments, broken
packets, surrogates, oversized frames), and python-socketio's websocket transport needs a
newer aiohttp than Rasa's; plain HTTP polling reaches exactly the same server handlers.

Every event is sent with an ack id. python-socketio acknowledges an event once its handler has
returned, and never when the handler raised, so the ack is the proof that the server handled the
input (answered it or ignored it) rather than failed on it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.security.fuzz_http import BUDGET_SECONDS, Answer, send

SEPARATOR = "\x1e"  # Engine.IO 4 joins the packets of one polling payload with it
OPEN, CLOSE, PING, PONG, MESSAGE = "0", "1", "2", "3", "4"
# socket.io packet types, inside an Engine.IO MESSAGE
CONNECT, EVENT, ACK, CONNECT_ERROR = "0", "2", "3", "4"


class SocketClosed(AssertionError):
    """The server ended the Engine.IO session (or forgot it)."""


@dataclass
class Received:
    events: list[tuple[str, list[Any]]] = field(default_factory=list)
    acks: dict[int, list[Any]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _ in self.events}


@dataclass
class PollingSocket:
    """One Engine.IO session on `base_url` (the Rasa server), root namespace by default."""

    http: requests.Session
    base_url: str
    path: str = "/socket.io/"
    sid: str | None = None
    received: Received = field(default_factory=Received)

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.path}"

    def params(self) -> dict[str, str]:
        params = {"EIO": "4", "transport": "polling", "t": str(time.monotonic_ns())}
        if self.sid is not None:
            params["sid"] = self.sid
        return params

    def open(self) -> None:
        response = self.http.get(self.url, params=self.params(), timeout=BUDGET_SECONDS)
        assert response.status_code == 200, f"handshake: {response.status_code} {response.text}"
        assert response.text.startswith(OPEN), f"handshake: {response.text[:200]}"
        self.sid = json.loads(response.text[1:])["sid"]

    def post(self, payload: str | bytes) -> requests.Response:
        """Send a raw polling payload; the answer's status is the caller's to check."""
        return self.http.post(
            self.url,
            params=self.params(),
            data=payload if isinstance(payload, bytes) else payload.encode("utf-8"),
            headers={"Content-Type": "text/plain;charset=UTF-8"},
            timeout=BUDGET_SECONDS,
        )

    def send(self, payload: bytes) -> Answer:
        """A raw polling POST, timed, for the caller to judge with `assert_sound`."""
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        return send(
            self.http, "POST", self.url, params=self.params(), data=payload, headers=headers
        )

    def poll(self, timeout: float = BUDGET_SECONDS) -> None:
        """One long-poll: file what arrived; pings are answered so the session stays open."""
        response = self.http.get(self.url, params=self.params(), timeout=timeout)
        if response.status_code != 200:
            raise SocketClosed(f"poll: {response.status_code} {response.text[:200]}")
        for packet in response.text.split(SEPARATOR):
            self._file(packet)

    def _file(self, packet: str) -> None:
        if packet == PING:
            self.post(PONG)
        elif packet.startswith(CLOSE):
            raise SocketClosed("the server closed the session")
        elif packet.startswith(MESSAGE + EVENT):
            name, *args = json.loads(packet[2:])
            self.received.events.append((name, args))
        elif packet.startswith(MESSAGE + ACK):
            ack_id, _, data = packet[2:].partition("[")
            self.received.acks[int(ack_id)] = json.loads("[" + data)
        else:
            self.received.other.append(packet)

    def connect(self, namespace: str = "/", auth: Any = None) -> str:
        """Join a namespace: its answer, "0..." (connected) or "4..." (refused)."""
        prefix = "" if namespace == "/" else namespace + ","
        body = "" if auth is None else json.dumps(auth)
        sent = self.post(MESSAGE + CONNECT + prefix + body)
        if sent.status_code in (400, 413):  # an oversized or malformed packet, refused at once
            raise SocketClosed(f"connect refused: {sent.status_code} {sent.text[:200]}")
        sent.raise_for_status()
        deadline = time.monotonic() + BUDGET_SECONDS
        while time.monotonic() < deadline:
            self.poll()
            for packet in self.received.other:
                if packet.startswith(MESSAGE + CONNECT + prefix):
                    return CONNECT
                if packet.startswith(MESSAGE + CONNECT_ERROR + prefix):
                    return CONNECT_ERROR
        raise AssertionError(f"no answer to the connection to {namespace}")

    def emit(self, event: str, *args: Any, ack: int) -> Answer:
        """An event as the server decodes it (json.dumps escapes control characters, and
        writes lone surrogates as \\udXXX escapes that json.loads turns back into them)."""
        packet = MESSAGE + EVENT + str(ack) + json.dumps([event, *args])
        return self.send(packet.encode("utf-8"))

    def wait_ack(self, ack: int, timeout: float = BUDGET_SECONDS) -> float:
        """Seconds until the ack came; fails if the handler never returned."""
        started = time.monotonic()
        while ack not in self.received.acks:
            left = timeout - (time.monotonic() - started)
            assert left > 0, f"no ack {ack} in {timeout} s: the handler failed or hung"
            try:
                self.poll(timeout=left)
            except requests.Timeout:
                continue  # nothing arrived: the loop's assertion reports the missing ack
        return time.monotonic() - started

    def close(self) -> None:
        if self.sid is not None:
            try:
                self.post(MESSAGE + "1")  # socket.io disconnect, then Engine.IO close
                self.post(CLOSE)
            except requests.RequestException:
                pass
