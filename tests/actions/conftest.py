"""Actions against a real, seeded SQLite store; trackers built by small factories."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from bot.customer_tokens import sign_token
from bot.settings import get_settings
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tools.seed.databases import seeded_database


@pytest.fixture
def store() -> Iterator[str]:
    """A freshly seeded store per test, so writes never leak between tests."""
    with seeded_database("sqlite", customers=20, orders=80) as factory:
        deps.override_uow_factory(lambda: SqlAlchemyUnitOfWork(factory))
        yield str(factory.kw["bind"].url)
        deps.override_uow_factory(None)


def token_metadata(public_id: str, *, secret: str | None = None) -> dict[str, str]:
    token = sign_token(public_id, secret=secret or get_settings().token_secret, ttl_seconds=600)
    return {"customer_token": token}


def user_event(intent: str, *, text: str = "", interaction_type: str | None = None) -> dict:
    parse_data: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "text": text}
    if interaction_type:
        parse_data["interaction_type"] = {"name": interaction_type, "confidence": 0.9}
    return {"event": "user", "text": text, "parse_data": parse_data}


def make_tracker(
    intent: str,
    *,
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    interaction_type: str | None = None,
    history: list[dict[str, Any]] | None = None,
    sender_id: str = "conversation-1",
) -> Tracker:
    latest = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "text": text,
        "metadata": metadata or {},
        "interaction_type": {"name": interaction_type, "confidence": 0.9},
    }
    events = [
        *(history or []),
        {**user_event(intent, text=text, interaction_type=interaction_type), "parse_data": latest},
    ]
    return Tracker(sender_id, dict(slots or {}), latest, events, False, None, {}, "action_listen")


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value}


@dataclass
class Result:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages if m.get("response")]

    def slot(self, name: str) -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == name]
        return values[-1] if values else "<unset>"

    def message(self, response: str) -> dict[str, Any]:
        return next(m for m in self.messages if m.get("response") == response)


async def run(action: Action, tracker: Tracker) -> Result:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return Result(list(events), dispatcher.messages)
