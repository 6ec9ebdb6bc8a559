"""The REST transport against a small real HTTP server: the customer's own address, the
replies with their buttons, and a rate-limited turn waited out, retried and counted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tools.evaluation.simulate.transport import RestTransport, reply_from


class _Channel(BaseHTTPRequestHandler):
    """Refuses the first message with 429, then answers; records what it was sent."""

    seen: list[tuple[dict[str, Any], str | None]] = []
    refuse = 1

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Channel.seen.append((body, self.headers.get("X-Forwarded-For")))
        if _Channel.refuse:
            _Channel.refuse -= 1
            self._send(429, {"error": {"code": "rate_limited"}}, {"Retry-After": "0.5"})
            return
        answer = [
            {
                "recipient_id": body["sender"],
                "text": "Which order?",
                "buttons": [{"title": "#100001", "payload": "/order_status"}],
            }
        ]
        self._send(200, answer, {})

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {**headers, "Content-Type": "application/json"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        """Quiet."""


@pytest.fixture
def channel_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Channel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Channel.seen, _Channel.refuse = [], 1
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_rate_limited_turn_is_retried_and_counted(channel_url: str) -> None:
    transport = RestTransport(channel_url, client="10.0.0.7")
    sender = transport.open({"customer_token": "t"})
    exchange = transport.say("cancel my order")
    transport.close()
    assert exchange.rate_limited == 1 and exchange.error is None
    (reply,) = exchange.replies
    assert (reply.text, reply.buttons, reply.payloads) == (
        "Which order?",
        ("#100001",),
        ("/order_status",),
    )
    assert len(_Channel.seen) == 2
    for body, client in _Channel.seen:
        assert body == {
            "sender": sender,
            "message": "cancel my order",
            "metadata": {"customer_token": "t"},
        }
        assert client == "10.0.0.7"


def test_socketio_quick_replies_read_as_buttons() -> None:
    reply = reply_from(
        {
            "text": "Shall I?",
            "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}],
        }
    )
    assert reply.buttons == ("Yes",) and reply.payloads == ("/affirm",)
