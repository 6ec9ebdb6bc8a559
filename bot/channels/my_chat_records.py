"""What "download my chat" and "delete my chat" read and erase: one conversation's records.

The transcript is the export's own per-conversation view
(`bot.customer_data.export_transcripts.transcripts`): every session of the conversation from
the tracker's `events` rows, oldest first, with texts, names and times only (metadata stays on
the server; the token never reached those rows). So the customer's download and the archive
a supervisor exports say the same. Without an SQL tracker store (a development run keeping
trackers in memory) the channel's `Conversations` give what Rasa still holds, in that shape.

Deleting goes through `bot.customer_data.erasure.erase_conversation`, the same erasure the
staff's tools use, so one rule decides what a conversation's footprint is; its receipt is the
record of the customer's own deletion (the staff's access trail is for staff, not for this).
Every function here blocks: the routes call them through `bot.blocking.in_thread`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from bot.customer_data.locations import DataLocations


def product_locations(conversations: object) -> DataLocations:
    """The running product's locations, with the tracker the Rasa agent really writes to
    when it is an SQL tracker store (production may keep trackers in a database of their
    own, which CIM_TRACKER_DB does not name), else where the KPI refresh looks. Built per
    request: engines are cached, and the agent is loaded after the server starts."""
    from dataclasses import replace

    from bot.customer_data.locations import default_locations

    locations = default_locations()
    engine = _agent_tracker_engine(conversations)
    return locations if engine is None else replace(locations, tracker_engine=engine)


def _agent_tracker_engine(conversations: object) -> Engine | None:
    """`RasaConversations(app)`'s agent's SQL tracker store engine (Rasa may wrap the store
    in an `AwaitableTrackerStore`); None for any other store or before the model is loaded."""
    agent = getattr(getattr(getattr(conversations, "app", None), "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)
    engine = getattr(store, "engine", None)
    return engine if isinstance(engine, Engine) else None


def conversation_lock(
    conversations: object, conversation_id: str
) -> AbstractAsyncContextManager[Any]:
    """Rasa's own lock on the conversation (the one each turn holds), so a turn in progress
    cannot write its events back after they were erased; no lock where no agent is loaded."""
    agent = getattr(getattr(getattr(conversations, "app", None), "ctx", None), "agent", None)
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None:
        return nullcontext()
    lock: AbstractAsyncContextManager[Any] = lock_store.lock(conversation_id)
    return lock


def stored_transcript(locations: DataLocations, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's transcript from the tracker's table; None without an SQL tracker."""
    from bot.customer_data.export_transcripts import transcripts
    from bot.customer_data.locations import events_engine

    engine = events_engine(locations)
    if engine is None:
        return None
    return _dated(transcripts(engine, [conversation_id])[0])


def transcript_of_events(conversation_id: str, events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The same shape from tracker events in memory (`Conversations.history`)."""
    from bot.customer_data.export_transcripts import message

    lines = [message(json.dumps(event)) for event in events]
    return _dated(
        {"conversation_id": conversation_id, "messages": [line for line in lines if line]}
    )


def _dated(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def as_text(record: dict[str, Any], *, shop: str) -> str:
    """The same transcript for people: one line per message, plain text."""
    lines = [f"Your chat with {shop}", f"Downloaded {record['exported_at']}", ""]
    for line in record["messages"]:
        who = {"customer": "You", "agent": line.get("agent") or "Agent"}.get(
            line["from"], "Assistant"
        )
        when = f"[{line['at'][:19].replace('T', ' ')} UTC] " if line.get("at") else ""
        lines.append(f"{when}{who}: {line['text']}")
    return "\n".join(lines) + "\n"


def customer_id_of(locations: DataLocations, public_id: str) -> int | None:
    """The store's id of the customer a token names; None if the store has no such customer."""
    from bot.services.customers import find_customer_by_public_id

    customer = find_customer_by_public_id(locations.new_uow(), public_id=public_id)
    return customer.id if customer is not None else None


def erase(
    locations: DataLocations, *, conversation_id: str, customer_id: int
) -> dict[str, int] | None:
    """Erase the conversation for its customer; what was removed where (the receipt's), or
    None when a store row names another customer for it. The route has checked that the
    session id was signed for this customer (`owner_proven`), so a chat in which the bot
    never identified them is theirs to delete too."""
    from bot.customer_data.erasure import NotTheirConversation, erase_conversation

    try:
        receipt = erase_conversation(
            locations,
            conversation_id=conversation_id,
            customer_id=customer_id,
            actor="customer",
            owner_proven=True,
        )
    except NotTheirConversation:
        return None
    return dict(receipt.removed)
