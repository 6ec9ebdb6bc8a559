"""The event broker Rasa publishes to: only what deserves review reaches the inbox."""

from __future__ import annotations

import pytest
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.orm import sessionmaker

from bot.inbox import service
from bot.inbox.broker import InboxEventBroker
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW


def user(text: object, intent: str, confidence: float) -> dict[str, object]:
    return {
        "event": "user",
        "sender_id": "conv-1",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}},
    }


async def test_endpoint_config_options() -> None:
    broker = await InboxEventBroker.from_endpoint_config(
        EndpointConfig(type="bot.inbox.broker.InboxEventBroker", review_below=0.5, max_pending=3)
    )
    assert (broker.review_below, broker.max_pending) == (0.5, 3)
    with pytest.raises(ValueError):
        InboxEventBroker(review_below=2)


async def test_published_events_are_filtered_and_recorded(factory: sessionmaker) -> None:
    broker = InboxEventBroker(new_uow=lambda: UoW(factory))
    broker.publish({"event": "bot", "text": "hello"})
    broker.publish(user("where is my order", "order_status", 0.99))
    broker.publish(user("asdkjh qwe, I'm Maria Lopez", "nlu_fallback", 0.3))
    broker.publish(user(None, "nlu_fallback", 0.3))
    broker.publish({"event": "user"})  # malformed: ignored
    broker.drain()
    groups = service.list_groups(UoW(factory))
    assert [g.text for g in groups] == ["asdkjh qwe, I'm [NAME]"]
    await broker.close()


async def test_a_full_backlog_drops_instead_of_blocking(factory: sessionmaker) -> None:
    broker = InboxEventBroker(new_uow=lambda: UoW(factory), max_pending=0)
    broker.publish(user("zzz", "nlu_fallback", 0.1))
    assert service.list_groups(UoW(factory)) == []
    await broker.close()


async def test_a_broken_store_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> UoW:
        raise RuntimeError("database down")

    broker = InboxEventBroker(new_uow=broken)
    broker.publish(user("zzz", "nlu_fallback", 0.1))
    broker.drain()
    assert "Could not record a message for review" in caplog.text
    await broker.close()
