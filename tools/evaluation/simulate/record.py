"""What a played conversation left behind: each turn's text, replies and store snapshots,
and the verdicts on them. Plain data, so the checks are pure functions of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tools.evaluation.simulate.cast import Cast
from tools.evaluation.simulate.phrases import normalise
from tools.evaluation.simulate.shop_facts import ShopFacts
from tools.evaluation.simulate.store import ProductFacts, Snapshot
from tools.evaluation.simulate.transport import Reply


@dataclass(frozen=True)
class TurnNotes:
    """What Rasa's tracker says about the turn: for the report, and to tell a fallback."""

    intent: str | None = None
    confidence: float | None = None
    actions: tuple[str, ...] = ()
    utterances: tuple[str, ...] = ()
    # "tracker": read from it; "missing": the tracker has no such message (it never reached
    # the bot); "unreadable": the tracker could not be read at all.
    source: str = "tracker"


@dataclass(frozen=True)
class TurnRecord:
    index: int  # 1-based
    text: str
    replies: tuple[Reply, ...]
    before: Snapshot
    after: Snapshot
    notes: TurnNotes | None = None
    error: str | None = None
    rate_limited: int = 0
    typed: str = ""  # everything the customer typed up to and including this turn

    @property
    def reply_text(self) -> str:
        """Everything the customer saw, buttons included, normalised for fact checks."""
        parts = [reply.text for reply in self.replies]
        parts += [title for reply in self.replies for title in reply.buttons]
        return normalise("\n".join(parts))

    @property
    def raw_reply(self) -> str:
        parts = [reply.text for reply in self.replies]
        parts += [title for reply in self.replies for title in reply.buttons]
        return "\n".join(parts)


@dataclass(frozen=True)
class Judge:
    """What the checks need besides the turn: who played, how the store started, the facts."""

    cast: Cast
    start: Snapshot
    shop: ShopFacts
    products: tuple[ProductFacts, ...]
    today: date


@dataclass(frozen=True)
class Failure:
    expectation: str  # the expectation's label
    detail: str


@dataclass
class TurnResult:
    record: TurnRecord
    failures: list[Failure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        notes = self.record.notes
        return {
            "turn": self.record.index,
            "text": self.record.text,
            "replies": [
                {"text": r.text, **({"buttons": list(r.buttons)} if r.buttons else {})}
                for r in self.record.replies
            ],
            "intent": notes.intent if notes else None,
            "confidence": round(notes.confidence, 3) if notes and notes.confidence else None,
            "actions": list(notes.actions) if notes else [],
            "error": self.record.error,
            "rate_limited": self.record.rate_limited,
            "failures": [vars(f) for f in self.failures],
        }


@dataclass
class ConversationResult:
    id: str
    category: str
    routine: bool
    source: str
    customer: str | None = None  # the public id that played it
    identity: str = "anonymous"
    conversation_id: str = ""
    setup_error: str | None = None
    turns: list[TurnResult] = field(default_factory=list)
    end_failures: list[Failure] = field(default_factory=list)
    leaks: int = 0  # replies that showed another customer's data

    @property
    def resolved(self) -> bool:
        return (
            self.setup_error is None
            and not self.end_failures
            and all(not t.failures for t in self.turns)
        )

    @property
    def reached_queue(self) -> bool:
        return bool(self.turns) and bool(self.turns[-1].record.after.handoffs)

    def failures(self) -> list[tuple[int | None, Failure]]:
        found: list[tuple[int | None, Failure]] = [
            (t.record.index, f) for t in self.turns for f in t.failures
        ]
        return found + [(None, f) for f in self.end_failures]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "routine": self.routine,
            "source": self.source,
            "customer": self.customer,
            "identity": self.identity,
            "conversation_id": self.conversation_id,
            "resolved": self.resolved,
            "reached_queue": self.reached_queue,
            "setup_error": self.setup_error,
            "leaks": self.leaks,
            "turns": [t.as_dict() for t in self.turns],
            "end_failures": [vars(f) for f in self.end_failures],
        }
