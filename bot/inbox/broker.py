"""Rasa's event broker, pointed at the review inbox.

Rasa publishes every new tracker event to the configured broker. This one keeps only the
customer messages that fell back, were out of scope or were parsed below `review_below`,
and records them (redacted, merged) from one background thread, so a turn never waits on
the inbox. endpoints.yml::

    event_broker:
      type: bot.inbox.broker.InboxEventBroker
      review_below: 0.3      # intent confidence under which a message is reviewed
      max_pending: 1000      # beyond this backlog, observations are dropped (and logged)
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.blocking import in_thread
from bot.inbox.service import Names, Observation, observation_from_parse, record
from bot.store.unit_of_work import AbstractUnitOfWork

logger = logging.getLogger(__name__)

DEFAULT_REVIEW_BELOW = 0.3
DEFAULT_MAX_PENDING = 1000


class InboxEventBroker(EventBroker):
    def __init__(
        self,
        *,
        review_below: float = DEFAULT_REVIEW_BELOW,
        max_pending: int = DEFAULT_MAX_PENDING,
        new_uow: Callable[[], AbstractUnitOfWork] | None = None,
    ) -> None:
        if not 0.0 <= review_below <= 1.0:
            raise ValueError("review_below must be between 0 and 1")
        self.review_below, self.max_pending = review_below, max_pending
        self._new_uow = new_uow
        self._names: Names | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._pending = 0
        self._lock = threading.Lock()

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> InboxEventBroker:
        options = broker_config.kwargs or {}
        return cls(
            review_below=float(options.get("review_below", DEFAULT_REVIEW_BELOW)),
            max_pending=int(options.get("max_pending", DEFAULT_MAX_PENDING)),
        )

    def publish(self, event: dict[str, Any]) -> None:
        if event.get("event") != "user":
            return
        parse_data = dict(event.get("parse_data") or {})
        parse_data.setdefault("text", event.get("text"))
        observation = observation_from_parse(
            parse_data, conversation_id=event.get("sender_id"), review_below=self.review_below
        )
        if observation is None:
            return
        with self._lock:
            if self._pending >= self.max_pending:
                logger.warning("Review inbox backlog full; a message was not recorded.")
                return
            self._pending += 1
        self._pool().submit(self._record, observation)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await in_thread(executor.shutdown)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until everything published so far is recorded (tests, shutdown)."""
        executor = self._executor
        if executor is not None:
            executor.submit(lambda: None).result(timeout=timeout)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox")
        return self._executor

    def _record(self, observation: Observation) -> None:
        try:
            new_uow = self._uow_factory()
            if self._names is None:
                self._names = Names(new_uow)
            record(new_uow(), observation, names=self._names.matcher())
        except Exception:
            logger.exception("Could not record a message for review.")
        finally:
            with self._lock:
                self._pending -= 1

    def _uow_factory(self) -> Callable[[], AbstractUnitOfWork]:
        if self._new_uow is None:
            from bot.store.unit_of_work import SqlAlchemyUnitOfWork

            self._new_uow = SqlAlchemyUnitOfWork
        return self._new_uow
