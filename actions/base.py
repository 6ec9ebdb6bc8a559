"""The shape every store-backed action shares.

`StoreAction.run` builds a `Turn` (who is talking, about what), calls the subclass's `handle`,
turns store failures into a polite message, and writes the interaction log. `IdentifiedAction`
adds one rule: nothing personal is revealed until the customer is identified, by a signed
token or by a matching email and order number. `Turn.say` shows every string value as text
(actions/markdown.py): a customer's input never becomes a link in a bot message.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import deps
from actions.markdown import escape
from bot.interaction_types import type_of
from bot.services import interactions
from bot.services.views import CustomerView

logger = logging.getLogger(__name__)

# Where the chat channel puts its key for the client (a keyed hash of the address, never
# what the client sent); other channels leave it out.
CLIENT_METADATA_KEY = "cim_client"
MAX_CLIENT_KEY_LENGTH = 256


@dataclass
class Turn:
    """One action's view of the conversation, and what it will send back."""

    dispatcher: CollectingDispatcher
    tracker: Tracker
    events: list[EventType] = field(default_factory=list)
    outcome: str = "answered"
    details: dict[str, Any] | None = None
    customer: CustomerView | None = None

    @property
    def conversation_id(self) -> str:
        return str(self.tracker.sender_id)

    @property
    def intent(self) -> str | None:
        return (self.tracker.latest_message.get("intent") or {}).get("name")

    @property
    def interaction_type(self) -> str | None:
        parsed = (self.tracker.latest_message.get("interaction_type") or {}).get("name")
        return parsed or type_of(self.intent)

    @property
    def metadata(self) -> dict[str, Any]:
        metadata = self.tracker.latest_message.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    @property
    def client(self) -> str:
        """Who is sending, for the server's counters: the channel's client key, or else
        the conversation."""
        value = self.metadata.get(CLIENT_METADATA_KEY)
        if isinstance(value, str) and 0 < len(value) <= MAX_CLIENT_KEY_LENGTH:
            return f"client:{value}"
        return f"conversation:{self.conversation_id}"

    @property
    def session_key(self) -> str:
        """The current Rasa session, by when it started (its `session_started` event):
        a new session, expired or started by hand, has a new key."""
        for event in reversed(self.tracker.events):
            if event.get("event") == "session_started":
                stamp = event.get("timestamp")
                return f"{stamp:.6f}" if isinstance(stamp, (int, float)) else "unknown"
        return "none"

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    def entity(self, name: str) -> Any:
        return next(self.tracker.get_latest_entity_values(name), None)

    def say(self, response: str, **values: Any) -> None:
        """Send a response by name; string values read as text, `Markdown` ones as markup."""
        shown = {name: escape(v) if isinstance(v, str) else v for name, v in values.items()}
        self.dispatcher.utter_message(response=response, **shown)

    def set_slot(self, name: str, value: Any) -> None:
        self.events.append(SlotSet(name, value))
        self.tracker.slots[name] = value


class StoreAction(Action, ABC):
    """An action that reads or writes the customer store."""

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abstractmethod
    async def handle(self, turn: Turn) -> None:
        """Do the work: call services, `turn.say(...)`, `turn.set_slot(...)`."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = Turn(dispatcher, tracker)
        try:
            await self.prepare(turn)
            await self.handle(turn)
        except SQLAlchemyError:
            logger.exception("%s: the customer store is unavailable", self.name())
            dispatcher.utter_message(response="utter_store_unavailable")
            turn.outcome = "store_unavailable"
            return turn.events
        self._log(turn)
        return turn.events

    async def prepare(self, turn: Turn) -> None:
        """Find out who the customer is, without asking them."""
        from actions.identification import resolve_customer

        turn.customer = resolve_customer(turn)

    def _log(self, turn: Turn) -> None:
        customer_id = turn.customer.id if turn.customer else None
        try:
            interactions.log_interaction(
                deps.new_uow(),
                conversation_id=turn.conversation_id,
                customer_id=customer_id,
                intent=turn.intent,
                interaction_type=turn.interaction_type,
                action=self.name(),
                outcome=turn.outcome,
                details=turn.details,
            )
        except SQLAlchemyError:
            logger.exception("%s: could not write the interaction log", self.name())


class IdentifiedAction(StoreAction, ABC):
    """A personal request: verify the customer first, then resume the request."""

    async def prepare(self, turn: Turn) -> None:
        from actions.identification import verify_or_ask

        await super().prepare(turn)
        if turn.customer is None:
            turn.customer = verify_or_ask(turn, pending=self.name())

    async def handle(self, turn: Turn) -> None:
        if turn.customer is None:
            turn.outcome = "verification_pending"
            return
        await self.serve(turn, turn.customer)

    @abstractmethod
    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        """Answer the identified customer."""


def identified_action(name: str) -> IdentifiedAction | None:
    """The concrete IdentifiedAction called `name`, for resuming a request after verification."""
    import inspect

    pending = [IdentifiedAction]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not inspect.isabstract(cls):
            action = cls()
            if action.name() == name:
                return action
    return None
