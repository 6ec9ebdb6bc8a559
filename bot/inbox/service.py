"""Record what deserves review, list it grouped, and take the trainer's decisions.

Everything is redacted (`bot.privacy`) before a row is written: the inbox tables never
hold an email, a phone or order number, a card, an address or a customer's name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.inbox.grouping import Group, group_items
from bot.inbox.views import ItemView, item_view
from bot.interaction_types import INTERACTION_TYPES
from bot.privacy import NameMatcher, redact
from bot.services.inputs import clean_text, valid_id
from bot.store.columns import utcnow
from bot.store.review_models import REVIEW_SOURCES, ReviewItem
from bot.store.unit_of_work import AbstractUnitOfWork

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
MAX_TEXT = 1000
MAX_KEY = 512
NAMES_TTL_SECONDS = 300.0
DECISIONS = ("label", "out_of_scope", "discard")
INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


@dataclass(frozen=True)
class Observation:
    """Something a customer wrote that the trainers should see (not yet redacted)."""

    text: str
    source: str
    conversation_id: str | None = None
    intent: str | None = None
    confidence: float | None = None
    interaction_type: str | None = None
    suggestions: tuple[tuple[str, float], ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionResult:
    ok: bool
    reason: str | None = None
    items: tuple[ItemView, ...] = ()


class Names:
    """The store's customer names for redaction, reloaded every few minutes."""

    def __init__(self, new_uow: Callable[[], AbstractUnitOfWork], ttl: float = NAMES_TTL_SECONDS):
        self.new_uow, self.ttl = new_uow, ttl
        self._matcher: NameMatcher | None = None
        self._loaded = 0.0

    def matcher(self) -> NameMatcher:
        if self._matcher is None or time.monotonic() - self._loaded > self.ttl:
            with self.new_uow() as uow:
                self._matcher = NameMatcher(uow.reviews.customer_names())
            self._loaded = time.monotonic()
        return self._matcher


def observation_from_parse(
    parse_data: Mapping[str, Any], *, conversation_id: str | None, review_below: float
) -> Observation | None:
    """A user message's parse, if it fell back, was out of scope or was unsure."""
    text = parse_data.get("text")
    intent = parse_data.get("intent")
    if not isinstance(intent, Mapping):
        return None
    name, confidence = intent.get("name"), _number(intent.get("confidence"))
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None  # button payloads are not language
    if name == "nlu_fallback":
        source = "fallback"
    elif name == "out_of_scope":
        source = "out_of_scope"
    elif confidence is not None and confidence < review_below:
        source = "low_confidence"
    else:
        return None
    ranking = parse_data.get("intent_ranking") or []
    suggestions = tuple(
        (str(entry.get("name")), round(_number(entry.get("confidence")) or 0.0, 4))
        for entry in ranking
        if isinstance(entry, Mapping) and entry.get("name") not in FALLBACK_INTENTS
    )[:3]
    kind = parse_data.get("interaction_type") or {}
    return Observation(
        text=text,
        source=source,
        conversation_id=conversation_id,
        intent=name if isinstance(name, str) else None,
        confidence=confidence,
        interaction_type=kind.get("name") if isinstance(kind, Mapping) else None,
        suggestions=suggestions,
    )


def record(
    uow: AbstractUnitOfWork,
    observation: Observation,
    *,
    names: NameMatcher | None = None,
    now: datetime | None = None,
) -> ItemView | None:
    """Redact and store, merging an exact duplicate; None when nothing is left to review."""
    if observation.source not in REVIEW_SOURCES:
        raise ValueError(f"unknown review source {observation.source!r}")
    redacted = redact(observation.text, names=names)
    text = redacted.text[:MAX_TEXT].strip()
    if not text:
        return None
    details = {
        key: redact(value, names=names).text if isinstance(value, str) else value
        for key, value in observation.details.items()
    }
    moment = now or utcnow()
    try:
        return _store(uow, observation, text, details, moment)
    except IntegrityError:  # another process stored the same text a moment ago: merge
        return _store(uow, observation, text, details, moment)


def list_groups(uow: AbstractUnitOfWork, *, limit: int = 500) -> list[Group]:
    """Open items grouped by similarity, the most frequent group first."""
    with uow:
        items = [item_view(item) for item in uow.reviews.in_state(state="new", limit=limit)]
    return group_items(items)


def decide(
    uow: AbstractUnitOfWork,
    *,
    item_ids: Collection[object],
    decision: str,
    intent: str | None = None,
    agent_id: int | None = None,
    known_intents: Collection[str] = (),
    new_intent_type: str | None = None,
    now: datetime | None = None,
) -> DecisionResult:
    """Label items into a known intent, or into a new one of `new_intent_type` (created
    in the data when the labels are trained), mark them out of scope, or discard them."""
    ids = {i for i in (valid_id(raw) for raw in item_ids) if i is not None}
    if decision not in DECISIONS:
        return DecisionResult(ok=False, reason="unknown_decision")
    if not ids:
        return DecisionResult(ok=False, reason="no_items")
    label = None
    if decision == "label":
        label = clean_text(intent, max_length=60)
        if label is None or not INTENT_NAME.match(label):
            return DecisionResult(ok=False, reason="bad_intent_name")
        if new_intent_type is not None:
            if label in known_intents:
                return DecisionResult(ok=False, reason="intent_exists")
            if new_intent_type not in INTERACTION_TYPES:
                return DecisionResult(ok=False, reason="unknown_interaction_type")
        elif label not in known_intents:
            return DecisionResult(ok=False, reason="unknown_intent")
    states = {"label": "labelled", "out_of_scope": "out_of_scope", "discard": "discarded"}
    with uow:
        items = uow.reviews.get_many(ids=ids)
        if len(items) != len(ids):
            return DecisionResult(ok=False, reason="not_found")
        if any(item.state != "new" for item in items):
            return DecisionResult(ok=False, reason="already_decided")
        for item in items:
            item.state, item.label = states[decision], label
            item.decided_by, item.decided_at = agent_id, now or utcnow()
            if new_intent_type is not None:
                item.details = {**(item.details or {}), "new_intent_type": new_intent_type}
        uow.commit()
        return DecisionResult(ok=True, items=tuple(item_view(item) for item in items))


def normalised_key(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .!?,;:")[:MAX_KEY]


def _store(
    uow: AbstractUnitOfWork,
    observation: Observation,
    text: str,
    details: dict[str, Any],
    moment: datetime,
) -> ItemView:
    key = normalised_key(text) or text[:MAX_KEY]
    suggestions = [{"intent": n, "confidence": c} for n, c in observation.suggestions]
    with uow:
        item = uow.reviews.by_key(key=key)
        if item is None:
            item = ReviewItem(
                key=key,
                text=text,
                source=observation.source,
                sources=[observation.source],
                count=1,
                intent=clean_text(observation.intent, max_length=100),
                confidence=observation.confidence,
                interaction_type=clean_text(observation.interaction_type, max_length=32),
                suggestions=suggestions,
                details=details,
                conversation_id=clean_text(observation.conversation_id, max_length=128),
                first_seen_at=moment,
                last_seen_at=moment,
            )
            uow.reviews.add(item)
        else:
            item.count += 1
            item.last_seen_at = moment
            if observation.source not in item.sources:
                item.sources = [*item.sources, observation.source]
            if details:
                item.details = {**(item.details or {}), **details}
            if suggestions:
                item.suggestions = suggestions
        uow.commit()
        return item_view(item)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
