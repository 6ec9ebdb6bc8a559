"""Play the suite's conversations through a running product, one after the other.

For each conversation: find the customer its situation describes, sign them in (or not),
type each turn at a human pace, snapshot the store after every turn, read Rasa's tracker
at the end (to tell a fallback, and for the report), then judge. Conversations run one at a
time, so one cannot disturb another's store rows or the order the bot sees them in.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.customer_tokens import METADATA_KEY, sign_token
from tools.evaluation.chat.load import customer_address
from tools.evaluation.simulate.cast import Cast, SetupError, World, candidates, cast
from tools.evaluation.simulate.evaluate import evaluate
from tools.evaluation.simulate.privacy import PrivacyIndex
from tools.evaluation.simulate.record import ConversationResult, Judge, TurnNotes, TurnRecord
from tools.evaluation.simulate.restore import orders_restored
from tools.evaluation.simulate.shop_facts import ShopFacts
from tools.evaluation.simulate.store import StoreReader
from tools.evaluation.simulate.suite import Conversation, Suite
from tools.evaluation.simulate.transport import Transport, fetch_tracker, make_transport

TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Target:
    """The running product: where to talk to it, and what it trusts."""

    rasa_url: str
    database_url: str
    token_secret: str
    rasa_token: str | None = None  # for the tracker; None: no fallback detection
    transport: str = "rest"


@dataclass
class RunResult:
    conversations: list[ConversationResult] = field(default_factory=list)
    started_at: str = ""
    seconds: float = 0.0
    rate_limited: int = 0  # turns the channel refused for a rate limit (then retried)


Say = Callable[[str], None]


class Runner:
    def __init__(
        self,
        target: Target,
        shop: ShopFacts,
        nicknames: dict[str, tuple[str, ...]],
        *,
        pace: float = 0.3,
        say: Say = print,
        transport_factory: Callable[[str], Transport] | None = None,
    ) -> None:
        self.target, self.shop, self.nicknames = target, shop, nicknames
        self.pace, self.say = pace, say
        self.store = StoreReader(target.database_url)
        self.new_transport = transport_factory or (
            lambda client: make_transport(target.transport, target.rasa_url, client)
        )

    def run(self, suite: Suite) -> RunResult:
        began = time.monotonic()
        result = RunResult(started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        privacy = PrivacyIndex(self.store.customers(), self.store.orders())
        products = tuple(self.store.products())
        used: set[str] = set()
        total = len(suite.conversations)
        results: dict[int, ConversationResult] = {}
        for step, index in enumerate(self._scarcest_first(suite), start=1):
            conversation = suite.conversations[index]
            played = self.play(
                conversation,
                privacy=privacy,
                products=products,
                used=used,
                client=customer_address(index + 1),
            )
            results[index] = played
            result.rate_limited += sum(t.record.rate_limited for t in played.turns)
            mark = "ok  " if played.resolved else ("SKIP" if played.setup_error else "FAIL")
            self.say(f"[{step}/{total}] {mark} {conversation.category}: {conversation.id}")
        result.conversations.extend(results[index] for index in sorted(results))
        result.seconds = round(time.monotonic() - began, 1)
        return result

    def _scarcest_first(self, suite: Suite) -> list[int]:
        """The order of play: conversations that few customers fit first (ties in suite
        order); the report keeps the suite's order."""
        world = self.world()
        counts = [candidates(conversation, world) for conversation in suite.conversations]
        return sorted(range(len(counts)), key=lambda index: (counts[index], index))

    def world(self) -> World:
        customers = tuple(self.store.customers())
        orders: dict[int, list[Any]] = {}
        for order in self.store.orders():
            orders.setdefault(order.customer_id, []).append(order)
        refunds: dict[int, list[Any]] = {}
        by_number = {o.number: o.customer_id for group in orders.values() for o in group}
        for refund in self.store.refunds(customer_ids=[c.id for c in customers]):
            refunds.setdefault(by_number[refund.order_number], []).append(refund)
        return World(
            customers,
            {k: tuple(v) for k, v in orders.items()},
            {k: tuple(v) for k, v in refunds.items()},
            self.nicknames,
        )

    def play(
        self,
        conversation: Conversation,
        *,
        privacy: PrivacyIndex,
        products: tuple[Any, ...],
        used: set[str],
        client: str = "",
    ) -> ConversationResult:
        """One conversation, its customer at address `client` (X-Forwarded-For)."""
        result = ConversationResult(
            conversation.id,
            conversation.category,
            conversation.routine,
            conversation.source,
            identity=conversation.customer.identity,
        )
        try:
            chosen = cast(conversation, self.world(), used=used)
        except SetupError as error:
            result.setup_error = str(error)
            return result
        if chosen.persona is None:
            records, judge = self._converse(conversation, chosen, products, result, client)
            return evaluate(conversation, records, judge, privacy, result)
        used.add(chosen.persona.public_id)
        result.customer = chosen.persona.public_id
        with orders_restored(self.target.database_url, chosen.persona.id):
            records, judge = self._converse(conversation, chosen, products, result, client)
            return evaluate(conversation, records, judge, privacy, result)

    def _metadata(self, conversation: Conversation, chosen: Cast) -> dict[str, Any]:
        if conversation.customer.identity != "signed_in" or chosen.persona is None:
            return {}
        token = sign_token(
            chosen.persona.public_id,
            secret=self.target.token_secret,
            ttl_seconds=TOKEN_TTL_SECONDS,
        )
        return {METADATA_KEY: token}

    def _converse(
        self,
        conversation: Conversation,
        chosen: Cast,
        products: tuple[Any, ...],
        result: ConversationResult,
        client: str,
    ) -> tuple[list[TurnRecord], Judge]:
        transport = self.new_transport(client)
        conversation_id = transport.open(self._metadata(conversation, chosen))
        result.conversation_id = conversation_id
        snapshot = self.store.snapshot(
            customer_ids=chosen.customer_ids, conversation_id=conversation_id
        )
        judge = Judge(chosen, snapshot, self.shop, products, datetime.now(timezone.utc).date())
        records: list[TurnRecord] = []
        try:
            last_sent = 0.0
            for index, text in enumerate(chosen.texts, start=1):
                time.sleep(max(0.0, last_sent + self.pace - time.monotonic()))
                last_sent = time.monotonic()
                exchange = transport.say(text)
                after = self.store.snapshot(
                    customer_ids=chosen.customer_ids, conversation_id=conversation_id
                )
                typed = "\n".join(chosen.texts[:index])
                records.append(
                    TurnRecord(
                        index,
                        text,
                        tuple(exchange.replies),
                        snapshot,
                        after,
                        error=exchange.error,
                        rate_limited=exchange.rate_limited,
                        typed=typed,
                    )
                )
                snapshot = after
        finally:
            transport.close()
        return self._with_notes(records, conversation_id), judge

    def _with_notes(self, records: list[TurnRecord], conversation_id: str) -> list[TurnRecord]:
        if self.target.rasa_token is None:
            return records
        tracker = fetch_tracker(self.target.rasa_url, self.target.rasa_token, conversation_id)
        if tracker is None:
            return [dataclasses.replace(r, notes=TurnNotes(source="unreadable")) for r in records]
        notes = notes_from_tracker(tracker, [r.text for r in records])
        return [dataclasses.replace(r, notes=n) for r, n in zip(records, notes, strict=True)]


def notes_from_tracker(tracker: dict[str, Any], texts: list[str]) -> list[TurnNotes]:
    """Each turn's intent and what the bot did, matched to the turns by their text in order
    (a message the channel refused never reached the tracker: its notes say "missing")."""
    buckets: list[dict[str, Any] | None] = [None] * len(texts)
    current: dict[str, Any] | None = None
    position = 0
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind == "user":
            current = None
            match = _next_turn(texts, position, str(event.get("text") or ""))
            if match is not None:
                position = match + 1
                parse = event.get("parse_data") or {}
                intent = parse.get("intent") or {}
                current = {
                    "intent": intent.get("name"),
                    "confidence": intent.get("confidence"),
                    "actions": [],
                    "utterances": [],
                }
                buckets[match] = current
        elif current is not None and kind == "action":
            if event.get("name") not in ("action_listen", None):
                current["actions"].append(event["name"])
        elif current is not None and kind == "bot":
            utter = (event.get("metadata") or {}).get("utter_action")
            if utter:
                current["utterances"].append(utter)
    return [_notes(bucket) for bucket in buckets]


def _next_turn(texts: list[str], start: int, text: str) -> int | None:
    for index in range(start, len(texts)):
        if texts[index].strip() == text.strip():
            return index
    return None


def _notes(bucket: dict[str, Any] | None) -> TurnNotes:
    if bucket is None:
        return TurnNotes(source="missing")
    return TurnNotes(
        intent=bucket["intent"],
        confidence=bucket["confidence"],
        actions=tuple(bucket["actions"]),
        utterances=tuple(bucket["utterances"]),
    )
