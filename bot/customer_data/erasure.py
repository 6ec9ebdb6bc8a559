"""Erasure: a customer (or one of their conversations) removed or irreversibly anonymised
everywhere the product keeps them, with a receipt.

What goes where (the store's reasons are in erasure_store.py):

- customers: the row stays, anonymised (no name, email or phone; the public id becomes a
  random erased id), because orders must keep a customer row and the shop must keep its orders
  for its accounts. Orders keep their numbers, items, amounts, status and dates (the
  bookkeeping record; an order number names no one once its customer row is anonymous),
  lose the ship-to name, street, city, postcode and tracking number (the carrier's tracking
  page shows the address); refunds keep amount and status and lose the customer's reason;
  the loyalty account keeps its points (a liability in the books) on the anonymous row.
- their conversations, wherever a row links one to them (bot.customer_data.footprint) or an
  event holds their email: tracker events, the interaction log, handoffs with agent notes,
  verified sessions, inbox items and throttle counters are deleted; ratings and NPS answers
  keep their score only; each KPI fact stays, counts and all, under a random conversation id
  with no customer, so the dashboard's totals do not move (only `identified` becomes
  anonymous).
- training data: labelled inbox texts from those conversations come out of `data/` and the
  regression file, and the next retraining is flagged (erasure_training.py).
- the console access log stays: it is the trail, and its rows hold ids only.
- caches: a tracker cached by any replica is checked against the events table on every read,
  so it is not served once the rows are gone (erasure_tracker.py). The encoder's vector cache
  (bot/nlu/encoder.py) is keyed by message text and holds no conversation, customer or time;
  texts with an email or any digit are never cached, so no identifier but a typed name can be
  a key, and then one not linked to anyone; it lives in each process's memory only, bounded
  (LRU), and is gone at restart: not personal data the product can tie to the customer.
  Redis stores no conversation: socket.io's pub/sub passes messages between replicas without
  keeping them, and Rasa's lock store holds short-lived lock tickets per conversation id.

Known limits (each needs the other part's help, see the issue's report):

- a turn in flight in the conversation while its rows are deleted saves its new events after
  the deletion (our cached store writes that turn's events only; Rasa's own store would write
  the whole history again); the conversation's lock (Rasa's lock store) held around the
  deletion would close that, from the Rasa process;
- a KPI refresh that read a conversation's rows before the erasure committed may write its
  fact again under the old id afterwards; the next erasure run does not see it (the customer
  is erased), so the refresher and the erasure should not overlap.

Idempotent: an `erasure_records` row (no personal data, a keyed hash of the subject) commits
with the store's changes; a second run finds it, removes nothing and says "already erased".
The tracker's rows go first, in their own transaction: if the store's part then fails, the
customer is still there and a second run does it all again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.customer_data import erasure_store as rows
from bot.customer_data.erasure_tracker import delete_events, mentioning
from bot.customer_data.erasure_training import flag_retrain, remove_examples
from bot.customer_data.footprint import (
    LINKING_TABLES,
    CustomerRef,
    UnknownCustomer,
    conversations_of,
    find_customer,
    session_of,
)
from bot.customer_data.locations import DataLocations, events_engine
from bot.settings import get_settings
from bot.store.columns import utcnow
from bot.store.privacy_models import ErasureRecord

__all__ = [
    "NotTheirConversation",
    "Receipt",
    "UnknownCustomer",
    "erase_conversation",
    "erase_customer",
]


ERASED_PREFIX = "ERASED-"  # an anonymised customer's public id: ERASED- and 9 hex digits


class NotTheirConversation(LookupError):
    """The conversation is not linked to that customer (or does not exist)."""


@dataclass(frozen=True)
class Receipt:
    """What an erasure did: per place the rows (or file lines) removed or anonymised."""

    kind: str  # "customer" or "conversation"
    erased_id: str
    actor: str
    erased_at: datetime
    removed: Mapping[str, int]
    retrain_flagged: bool
    already_erased: bool = False
    how: Mapping[str, str] = field(default_factory=dict)
    kept: Mapping[str, str] = field(default_factory=lambda: dict(rows.KEPT))

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "erased_id": self.erased_id,
            "actor": self.actor,
            "erased_at": self.erased_at.isoformat(),
            "already_erased": self.already_erased,
            "removed": dict(self.removed),
            "total": self.total,
            "retrain_flagged": self.retrain_flagged,
            "how": dict(self.how),
            "kept": dict(self.kept),
        }


def subject_key(subject: str, *, secret: str | None = None) -> str:
    """The keyed hash an erasure record is found by; the subject itself is never stored."""
    key = (secret or get_settings().token_secret).encode("utf-8")
    return hmac.new(key, subject.encode("utf-8"), hashlib.sha256).hexdigest()


def erase_customer(
    locations: DataLocations,
    *,
    public_id: str,
    actor: str,
    now: datetime | None = None,
    secret: str | None = None,
) -> Receipt:
    """Erase the customer `public_id` everywhere (see the module docstring)."""
    moment, secret = now or utcnow(), secret or get_settings().token_secret
    subject = subject_key(f"customer:{public_id.strip().upper()}", secret=secret)
    with locations.new_uow() as uow:
        customer = find_customer(uow, public_id=public_id)
        earlier = _earlier(session_of(uow), customer, subject)
    if customer is None or earlier is not None:
        if earlier is None:
            raise UnknownCustomer(public_id)
        return _again(earlier, actor, moment)
    conversations = _their_conversations(locations, customer)
    return _erase(locations, customer, conversations, subject, actor, moment, secret)


def erase_conversation(
    locations: DataLocations,
    *,
    conversation_id: str,
    customer_id: int,
    actor: str,
    now: datetime | None = None,
    secret: str | None = None,
    owner_proven: bool = False,
) -> Receipt:
    """Erase one conversation of the customer ("delete my chat"): its events, log lines,
    handoffs and notes, inbox items and examples from it, its rating's comment; the customer
    stays. Refused (`NotTheirConversation`) unless a row links it to `customer_id`, or the
    caller proved the customer holds it (`owner_proven`: the chat channel's session id is
    signed for that customer, bot/channels/session_ids.py) and no row names another customer."""
    moment, secret = now or utcnow(), secret or get_settings().token_secret
    subject = subject_key(f"conversation:{customer_id}:{conversation_id}", secret=secret)
    with locations.new_uow() as uow:
        earlier = _record(session_of(uow), ErasureRecord.subject_key == subject)
    if earlier is not None:
        return _again(earlier, actor, moment)
    if not _theirs(locations, conversation_id, customer_id, owner_proven=owner_proven):
        raise NotTheirConversation(conversation_id)
    return _erase(locations, None, [conversation_id], subject, actor, moment, secret)


def _theirs(
    locations: DataLocations, conversation_id: str, customer_id: int, *, owner_proven: bool
) -> bool:
    if conversation_id in conversations_of(locations, customer_id=customer_id):
        return True
    if not owner_proven:
        return False
    with locations.new_uow() as uow:
        return not _claimed_by_others(session_of(uow), {conversation_id}, customer_id)


def _earlier(session: Session, customer: CustomerRef | None, subject: str) -> _Earlier | None:
    """The record of an earlier erasure: of this public id, or, when the id given is an
    erased id, of the erasure that gave it."""
    if customer is None:
        return _record(session, ErasureRecord.subject_key == subject)
    if customer.public_id.startswith(ERASED_PREFIX):
        return _record(session, ErasureRecord.erased_id == customer.public_id)
    return None


def _their_conversations(locations: DataLocations, customer: CustomerRef) -> list[str]:
    """Linked by a row, or anonymous and holding their email or phone number."""
    linked = set(conversations_of(locations, customer_id=customer.id))
    mentioned = mentioning(events_engine(locations), [customer.email, customer.phone]) - linked
    if mentioned:
        with locations.new_uow() as uow:
            mentioned -= _claimed_by_others(session_of(uow), mentioned, customer.id)
    return sorted(linked | mentioned)


def _claimed_by_others(session: Session, conversations: set[str], customer_id: int) -> set[str]:
    claimed: set[str] = set()
    for model in LINKING_TABLES:
        query = sa.select(model.conversation_id).where(
            model.conversation_id.in_(sorted(conversations)),
            model.customer_id.is_not(None),
            model.customer_id != customer_id,
        )
        claimed.update(session.scalars(query))
    return claimed


def _erase(
    locations: DataLocations,
    customer: CustomerRef | None,
    conversations: Sequence[str],
    subject: str,
    actor: str,
    moment: datetime,
    secret: str,
) -> Receipt:
    removed = {"events": delete_events(events_engine(locations), conversations)}
    with locations.new_uow() as uow:
        texts = rows.labelled_texts(session_of(uow), conversations)
    files = remove_examples(locations.data_dir, texts)
    erased_id = _erased_id(customer)
    flagged = bool(files) and locations.data_dir is not None
    if flagged and locations.data_dir is not None:
        reason = f"erasure {erased_id} removed {sum(files.values())} example(s)"
        flag_retrain(locations.data_dir, reason=reason, now=moment)
    with locations.new_uow() as uow:
        session = session_of(uow)
        rows.allow_long_statements(session.connection())
        store = _store_part(session, customer, conversations, erased_id, secret)
        if store is None:  # another erasure of this customer committed first
            uow.rollback()
            return _again(_record(session, ErasureRecord.subject_key == subject), actor, moment)
        removed |= {**store, **files}
        session.add(_new_record(customer, subject, erased_id, actor, moment, removed, flagged))
        uow.commit()
    kind = "customer" if customer is not None else "conversation"
    how = {place: rows.HOW.get(place, "example lines removed") for place in removed}
    return Receipt(kind, erased_id, actor, moment, removed, flagged, how=how, kept=_kept(kind))


def _kept(kind: str) -> dict[str, str]:
    """What the receipt says was kept on purpose: a conversation's erasure leaves the
    customer's orders and account alone, so only the conversation's kept rows are named."""
    if kind == "customer":
        return dict(rows.KEPT)
    return {place: rows.KEPT[place] for place in rows.CONVERSATION_KEPT}


def _erased_id(customer: CustomerRef | None) -> str:
    """The anonymised customer's new public id (16 characters, as the column holds), or
    the erased conversation's reference."""
    if customer is None:
        return rows.random_id()
    return (ERASED_PREFIX + rows.random_id("").upper())[:16]


def _store_part(
    session: Session,
    customer: CustomerRef | None,
    conversations: Sequence[str],
    erased_id: str,
    secret: str,
) -> dict[str, int] | None:
    """The store's changes, in the caller's transaction; None if the customer was erased
    meanwhile. The customer row is updated first: its row lock orders two erasures."""
    if customer is None:
        return rows.conversation_rows(session, conversations, secret=secret)
    anonymised = rows.anonymise_customer(
        session, customer_id=customer.id, public_id=customer.public_id, erased_id=erased_id
    )
    if not anonymised:
        return None
    # Read before the conversations' verified sessions go: their client keys are hashed.
    keys = rows.throttle_keys([customer.email], secret=secret)
    keys |= set(rows.client_keys(session, customer_id=customer.id))
    counts = {"customers": anonymised, **rows.anonymise_orders(session, customer_id=customer.id)}
    parts = [
        rows.conversation_rows(session, conversations, secret=secret),
        rows.customer_rows(session, customer_id=customer.id, throttle_keys=keys),
    ]
    for part in parts:
        for place, count in part.items():
            counts[place] = counts.get(place, 0) + count
    return counts


def _new_record(
    customer: CustomerRef | None,
    subject: str,
    erased_id: str,
    actor: str,
    moment: datetime,
    removed: Mapping[str, int],
    flagged: bool,
) -> ErasureRecord:
    return ErasureRecord(
        kind="customer" if customer is not None else "conversation",
        subject_key=subject,
        erased_id=erased_id,
        actor=actor[:100],
        erased_at=moment,
        removed=dict(removed),
        retrain_flagged=flagged,
    )


@dataclass(frozen=True)
class _Earlier:
    """What a second request needs of the first erasure's record."""

    kind: str
    erased_id: str
    places: tuple[str, ...]


def _record(session: Session, condition: Any) -> _Earlier | None:
    """The newest erasure record matching, read inside the transaction (the unit of
    work's rollback on leaving expires loaded rows)."""
    query = sa.select(ErasureRecord).where(condition)
    found = session.scalars(query.order_by(ErasureRecord.id.desc()).limit(1)).first()
    if found is None:
        return None
    return _Earlier(found.kind, found.erased_id, tuple(found.removed or {}))


def _again(earlier: _Earlier | None, actor: str, moment: datetime) -> Receipt:
    """The receipt of a repeated request: nothing removed, the first erasure's id."""
    if earlier is None:
        raise UnknownCustomer("erased meanwhile, but its record is not visible")
    places = {place: 0 for place in earlier.places}
    kind, erased_id = earlier.kind, earlier.erased_id
    return Receipt(
        kind, erased_id, actor, moment, places, False, already_erased=True, kept=_kept(kind)
    )
