"""How the simulated customer reaches the bot: the channel's REST webhook or socket.io.

Both are the product's own web channel, as a shop's chat box uses it; the customer's signed
token travels in the message metadata. Each simulated customer presents an address of their
own in X-Forwarded-For (believed only from a proxy the product trusts, as --start-stack's
does), so the channel's per-client limits see many customers, not one client. A rate-limited
turn (HTTP 429, or an `error` event with a rate-limit code) is waited out and retried, and
counted, so the report says whether the suite ran into the channel's limits.
"""

from __future__ import annotations

import contextlib
import queue
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import requests

REPLY_TIMEOUT = 30.0
QUIET_SECONDS = 3.0  # socket.io: no event at all this long ends a turn that got no reply
MAX_RETRIES = 5
RATE_LIMIT_CODES = frozenset({"rate_limited", "too_many_requests", "rate_limit"})


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[str, ...] = ()  # titles, as the customer sees them
    payloads: tuple[str, ...] = ()


@dataclass
class Exchange:
    """What one customer message got back."""

    replies: list[Reply] = field(default_factory=list)
    rate_limited: int = 0
    error: str | None = None


def reply_from(message: dict[str, Any]) -> Reply:
    """A REST message or a socket.io `bot_uttered` payload (buttons or quick_replies)."""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    buttons = [b for b in buttons if isinstance(b, dict)]
    return Reply(
        text=str(message.get("text") or ""),
        buttons=tuple(str(b.get("title", "")) for b in buttons),
        payloads=tuple(str(b.get("payload", "")) for b in buttons),
    )


class Transport(ABC):
    """One conversation's connection; `open` returns the conversation id the bot uses."""

    @abstractmethod
    def open(self, metadata: dict[str, Any]) -> str:
        """Start a conversation; its id."""

    @abstractmethod
    def say(self, text: str) -> Exchange:
        """Send one message; what came back for it."""

    def close(self) -> None:  # noqa: B027 - most transports hold nothing
        """Let go of the conversation's connection."""


class RestTransport(Transport):
    def __init__(self, rasa_url: str, client: str = "") -> None:
        self.url = f"{rasa_url.rstrip('/')}/webhooks/web/webhook"
        self.http = requests.Session()
        if client:
            self.http.headers["X-Forwarded-For"] = client
        self.sender = ""
        self.metadata: dict[str, Any] = {}

    def open(self, metadata: dict[str, Any]) -> str:
        self.sender, self.metadata = f"sim-{uuid.uuid4().hex}", metadata
        return self.sender

    def say(self, text: str) -> Exchange:
        exchange = Exchange()
        body: dict[str, Any] = {"sender": self.sender, "message": text, "metadata": self.metadata}
        for _ in range(MAX_RETRIES):
            try:
                response = self.http.post(self.url, json=body, timeout=REPLY_TIMEOUT)
            except requests.RequestException as error:
                exchange.error = f"request failed: {error}"
                return exchange
            if response.status_code == 429:
                exchange.rate_limited += 1
                time.sleep(_retry_after(response.headers.get("Retry-After")))
                continue
            if response.status_code != 200:
                exchange.error = f"HTTP {response.status_code}: {response.text[:200]}"
                return exchange
            exchange.replies = [reply_from(m) for m in response.json() if isinstance(m, dict)]
            return exchange
        exchange.error = f"still rate-limited after {MAX_RETRIES} tries"
        return exchange

    def close(self) -> None:
        self.http.close()


def _retry_after(value: str | None) -> float:
    try:
        return min(10.0, max(0.5, float(value or 1)))
    except ValueError:
        return 1.0


class SocketIOTransport(Transport):
    """Rasa's socket.io protocol as a chat widget speaks it (long-polling: engine.io's
    websocket client needs a newer aiohttp than Rasa pins). A turn ends with the channel's
    `typing: false`, or after QUIET_SECONDS without any event."""

    def __init__(self, rasa_url: str, client: str = "") -> None:
        self.rasa_url = rasa_url
        self.headers = {"X-Forwarded-For": client} if client else {}
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client: Any = None
        self.session_id = ""

    def open(self, metadata: dict[str, Any]) -> str:
        import socketio

        self.client = socketio.Client(reconnection=False)
        for name in ("session_confirm", "bot_uttered", "typing", "error"):
            self.client.on(name, self._collector(name))
        self.client.connect(self.rasa_url, transports=["polling"], headers=self.headers)
        self.client.emit("session_request", {"customData": metadata})
        kind, value = self.events.get(timeout=REPLY_TIMEOUT)
        while kind != "session_confirm":
            kind, value = self.events.get(timeout=REPLY_TIMEOUT)
        self.session_id = str(value)
        return self.session_id

    def _collector(self, name: str) -> Any:
        def collect(data: Any = None) -> None:
            self.events.put((name, data))

        return collect

    def say(self, text: str) -> Exchange:
        exchange = Exchange()
        for _ in range(MAX_RETRIES):
            self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
            if not self._collect(exchange):
                return exchange
            exchange.rate_limited += 1
            time.sleep(1.0)
        exchange.error = f"still rate-limited after {MAX_RETRIES} tries"
        return exchange

    def _collect(self, exchange: Exchange) -> bool:
        """Gather this turn's events; True when the turn was refused by a rate limit."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                kind, data = self.events.get(timeout=QUIET_SECONDS)
            except queue.Empty:
                return False
            if kind == "bot_uttered" and isinstance(data, dict):
                exchange.replies.append(reply_from(data))
            elif kind == "typing" and isinstance(data, dict) and data.get("typing") is False:
                return False
            elif kind == "error":
                code = str((data or {}).get("code", "")) if isinstance(data, dict) else ""
                if code in RATE_LIMIT_CODES:
                    return True
                exchange.error = f"error event: {data}"
                return False
        exchange.error = "no end of turn within the timeout"
        return False

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # a dead connection needs no goodbye
                self.client.eio.disconnect(abort=True)


def make_transport(kind: str, rasa_url: str, client: str = "") -> Transport:
    if kind == "rest":
        return RestTransport(rasa_url, client)
    if kind == "socketio":
        return SocketIOTransport(rasa_url, client)
    raise ValueError(f"unknown transport {kind!r}: rest or socketio")


def fetch_tracker(rasa_url: str, token: str, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's tracker from Rasa's HTTP API (None when it cannot be read)."""
    try:
        response = requests.get(
            f"{rasa_url.rstrip('/')}/conversations/{conversation_id}/tracker",
            params={"token": token},
            timeout=REPLY_TIMEOUT,
        )
    except requests.RequestException:
        return None
    return dict(response.json()) if response.status_code == 200 else None
