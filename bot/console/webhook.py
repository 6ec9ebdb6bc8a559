"""Tell an outside system (Slack, a helpdesk) about each new handoff.

Posted with `requests` from a small thread pool, retried with exponential backoff. The
chat never waits for it: `notify` only queues the delivery, and at most `max_pending`
deliveries wait at once; past that, new ones are dropped (and logged), never blocking.
`HandoffWebhook` is the part the process bootstrap starts (bot/bootstrap.py): from `start`
to `stop` the relay's new handoffs are posted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from bot.channels.handoff import HandoffRelay
    from bot.services.views import HandoffView

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    timeout_seconds: float = 5.0
    attempts: int = 4  # the first try and three retries
    backoff_seconds: float = 1.0  # 1 s, 2 s, 4 s between attempts
    max_pending: int = 100
    workers: int = 2


class WebhookNotifier:
    def __init__(
        self,
        config: WebhookConfig,
        *,
        post: Callable[..., Any] = requests.post,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config, self._post, self._sleep = config, post, sleep
        self._pool = ThreadPoolExecutor(config.workers, thread_name_prefix="handoff-webhook")
        self._slots = threading.BoundedSemaphore(config.max_pending)
        self.dropped = 0

    def notify(self, payload: dict[str, Any]) -> Future[bool] | None:
        """Queue one delivery and return at once; None when too many are pending."""
        if not self._slots.acquire(blocking=False):
            self.dropped += 1
            logger.warning("Handoff webhook backlog full; dropping a notification.")
            return None
        try:
            return self._pool.submit(self._deliver, payload)
        except RuntimeError:  # shut down
            self._slots.release()
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _deliver(self, payload: dict[str, Any]) -> bool:
        try:
            for attempt in range(self.config.attempts):
                if attempt:
                    self._sleep(self.config.backoff_seconds * 2 ** (attempt - 1))
                if self._try(payload, attempt):
                    return True
            logger.error("Handoff webhook failed %d times; giving up.", self.config.attempts)
            return False
        finally:
            self._slots.release()

    def _try(self, payload: dict[str, Any], attempt: int) -> bool:
        try:
            response = self._post(
                self.config.url, json=payload, timeout=self.config.timeout_seconds
            )
        except requests.RequestException as error:
            logger.warning("Handoff webhook attempt %d: %s", attempt + 1, error)
            return False
        if 200 <= response.status_code < 300:
            return True
        logger.warning("Handoff webhook attempt %d: HTTP %s", attempt + 1, response.status_code)
        return response.status_code < 500 and response.status_code != 429  # 4xx: no retry


class HandoffWebhook:
    """The notifier, listening to the relay's new handoffs while started."""

    def __init__(
        self,
        notifier: WebhookNotifier,
        relay: HandoffRelay,
        link_to: Callable[[int], str | None],
    ) -> None:
        self.notifier, self.relay, self.link_to = notifier, relay, link_to

    def start(self) -> None:
        self.relay.new_handoff_listeners.append(self.notify)

    async def stop(self) -> None:
        if self.notify in self.relay.new_handoff_listeners:
            self.relay.new_handoff_listeners.remove(self.notify)
        self.notifier.close()

    def notify(self, handoff: HandoffView) -> Future[bool] | None:
        return self.notifier.notify(handoff_payload(handoff, self.link_to(handoff.id)))


def handoff_payload(handoff: Any, console_url: str | None) -> dict[str, Any]:
    """What the outside system gets: enough to triage, and a link to the console (when
    CIM_CONSOLE_ORIGIN is set). No transcript and no conversation id: the id is the key to
    the customer's chat (whoever holds it can write as them), so it stays with us; the
    handoff's number is the reference."""
    return {
        "event": "handoff.created",
        "handoff_id": handoff.id,
        "state": handoff.state,
        "priority": handoff.priority,
        "team": handoff.team,
        "reasons": list(handoff.reasons),
        "interaction_type": handoff.interaction_type,
        "text": f"New handoff H-{handoff.id} ({', '.join(handoff.reasons) or 'no reason'})",
        "console_url": console_url,
    }
