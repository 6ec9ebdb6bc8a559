"""The handoff webhook: retried with backoff, bounded, and never in the chat's way."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import requests

from bot.channels.handoff import HandoffRelay
from bot.console.webhook import HandoffWebhook, WebhookConfig, WebhookNotifier, handoff_payload
from tests.bot.channels.test_handoff_relay import FakeConversations, FakeStore, handoff

URL = "http://127.0.0.1:9/hook"


class Flaky:
    """Fails `failures` times (connection refused), then answers `status`."""

    def __init__(self, failures: int, status: int = 200) -> None:
        self.failures, self.status, self.calls = failures, status, 0

    def __call__(self, url: str, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise requests.ConnectionError("down")
        return type("R", (), {"status_code": self.status})()


def test_a_down_webhook_is_retried_with_exponential_backoff() -> None:
    post, pauses = Flaky(failures=3), list[float]()
    notifier = WebhookNotifier(WebhookConfig(url=URL), post=post, sleep=pauses.append)
    future = notifier.notify({"handoff_id": 1})
    assert future is not None and future.result(5) is True
    assert post.calls == 4 and pauses == [1.0, 2.0, 4.0]


def test_it_gives_up_after_the_last_attempt() -> None:
    post = Flaky(failures=99)
    notifier = WebhookNotifier(WebhookConfig(url=URL, attempts=3), post=post, sleep=lambda _: None)
    future = notifier.notify({})
    assert future is not None and future.result(5) is False and post.calls == 3


def test_a_client_error_is_not_retried() -> None:
    post = Flaky(failures=0, status=404)
    notifier = WebhookNotifier(WebhookConfig(url=URL), post=post, sleep=lambda _: None)
    future = notifier.notify({})
    assert future is not None
    future.result(5)
    assert post.calls == 1


def test_notify_never_blocks_and_the_backlog_is_bounded() -> None:
    release = threading.Event()

    def hanging(url: str, **kwargs: Any) -> Any:
        release.wait(5)
        raise requests.Timeout("slow")

    config = WebhookConfig(url=URL, attempts=1, max_pending=3, workers=1)
    notifier = WebhookNotifier(config, post=hanging, sleep=lambda _: None)
    started = time.perf_counter()
    results = [notifier.notify({"n": n}) for n in range(10)]
    assert time.perf_counter() - started < 0.1
    assert sum(r is not None for r in results) == 3 and notifier.dropped == 7
    release.set()
    for result in results:
        if result is not None:
            assert result.result(5) is False
    assert notifier.notify({}) is not None  # the slots came back
    notifier.close()


def test_a_real_refused_connection_is_retried() -> None:
    config = WebhookConfig(url=URL, attempts=2, backoff_seconds=0.01, timeout_seconds=1)
    future = WebhookNotifier(config).notify({"handoff_id": 1})
    assert future is not None and future.result(10) is False


def test_the_handoff_webhook_posts_the_relays_new_handoffs_from_start_to_stop() -> None:
    posted: list[dict[str, Any]] = []

    def post(url: str, **kwargs: Any) -> Any:
        posted.append(kwargs["json"])
        return type("R", (), {"status_code": 200})()

    relay = HandoffRelay(None, FakeStore(), FakeConversations())  # type: ignore[arg-type]
    notifier = WebhookNotifier(WebhookConfig(url=URL), post=post)
    webhook = HandoffWebhook(notifier, relay, lambda id_: f"https://console.test/#H-{id_}")
    assert relay.new_handoff_listeners == []  # built, not started: nothing listens

    webhook.start()
    deliveries = [listener(handoff()) for listener in relay.new_handoff_listeners]
    assert [delivery.result(5) for delivery in deliveries] == [True]  # type: ignore[attr-defined]
    asyncio.run(webhook.stop())

    assert posted == [handoff_payload(handoff(), "https://console.test/#H-7")]
    assert relay.new_handoff_listeners == []
    assert notifier.notify({"handoff_id": 8}) is None  # closed: nothing more is sent
