"""The shape every store-backed action shares.

`StoreAction.run` builds a `Turn` (who is talking, about what), finds out who the customer
is without asking them, calls the subclass's `handle`, turns store failures into a polite
message, and writes the interaction log. The store is synchronous SQLAlchemy, so all of that
runs on a worker thread (`bot.blocking.in_thread`): one call waiting on a lock never holds
the action server's event loop, and every other conversation goes on. `handle` is a plain
function for that reason. Asking who the customer is (identification.py) and handing off
(handoff.py) sit above this module, never below it. `Turn.say` shows every string value as
text (actions/markdown.py): a customer's input never becomes a link in a bot message.
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
from bot.blocking import in_thread
from bot.customer_tokens import token_from_metadata, verify_token
from bot.interaction_types import type_of
from bot.services import customers, interactions, verification
from bot.services.verification import ChatSession, VerificationPolicy
from bot.services.views import CustomerView
from bot.settings import get_settings

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
    def handle(self, turn: Turn) -> None:
        """Do the work: call services, `turn.say(...)`, `turn.set_slot(...)`."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The turn on a worker thread: the loop serves other conversations meanwhile."""
        return await in_thread(self.respond, dispatcher, tracker)

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The whole turn, store calls included, on the calling thread. The dispatcher, the
        tracker and the turn belong to this call alone, and each store call opens a unit of
        work (a session) of its own, so nothing here is shared with another thread."""
        turn = Turn(dispatcher, tracker)
        try:
            self.prepare(turn)
            self.handle(turn)
        except SQLAlchemyError:
            logger.exception("%s: the customer store is unavailable", self.name())
            dispatcher.utter_message(response="utter_store_unavailable")
            turn.outcome = "store_unavailable"
            return turn.events
        self._log(turn)
        return turn.events

    def prepare(self, turn: Turn) -> None:
        """Find out who the customer is, without asking them."""
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


def verification_policy() -> VerificationPolicy:
    return VerificationPolicy.from_settings(get_settings())


def chat_session(turn: Turn) -> ChatSession:
    """Where a verification counts: this conversation, its current session, its client."""
    return ChatSession(turn.conversation_id, turn.session_key, turn.client)


def _customer_from_token(turn: Turn) -> CustomerView | None:
    token = token_from_metadata(turn.metadata)
    if token is None:
        return None
    claims = verify_token(token, secret=get_settings().token_secret)
    if claims is None:
        logger.warning("conversation %s: rejected an invalid customer token", turn.conversation_id)
        return None
    return customers.find_customer_by_public_id(deps.new_uow(), public_id=claims.subject)


def _customer_from_verification(turn: Turn) -> CustomerView | None:
    if not turn.slot("customer_id"):  # nobody was identified in this conversation
        return None
    return verification.verified_customer(
        deps.new_uow(), where=chat_session(turn), now=deps.now(), policy=verification_policy()
    )


def resolve_customer(turn: Turn) -> CustomerView | None:
    """The identified customer: a valid token wins over a verification in this session
    (the `customer_id` slot is a hint, never proof: slots carry over into new sessions)."""
    customer = _customer_from_token(turn)
    if customer is not None:
        if turn.slot("customer_id") != str(customer.id):
            turn.set_slot("customer_id", str(customer.id))
        return customer
    return _customer_from_verification(turn)
