"""Messages that ask two things at once: every clause answered, in order.

The NLU gives one intent per message, so "do you take PayPal and how long does delivery take?"
was answered about delivery only. Here a message is cut into clauses where a new question or
request visibly starts (after "?", "!", ";", a new line, or " and " / " also " / ", plus "
followed by a question opener such as "how", "do you", "can I", "what's"). Each clause is
classified with the loaded model; only when at least two clauses get confident intents that
differ (or the same intent about different things: "status of 100931 and 100656") does each
clause reach Rasa as its own customer message, one after the other in the same conversation,
so the replies arrive in order. Anything else goes through whole, as before: "cancel and
refund order 100804", "12 Smith and Sons Road", "the Tent and Stakes set" (an entity's span
is never cut), "I ordered boots and wanted to check them" (no opener after "and").

A clause that is only a greeting or a thank-you is kept with its neighbour, and a clause that
is only a thing ("... and 100656", "... and the summit boots") borrows the rest of the clause
before it, with the thing swapped in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sanic.exceptions import SanicException

logger = logging.getLogger(__name__)

Parse = Callable[[str], Awaitable[dict[str, Any]]]
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# A clause's intent counts only above this confidence (probability x cosine^2 of our
# classifier; the fallback threshold is 0.08, so this asks for a clearly recognised request).
MIN_CONFIDENCE = 0.1
MAX_CLAUSES = 4  # more pieces than this is a story, not a list of questions: keep it whole
SOCIAL = frozenset({"greet", "thanks", "goodbye"})
# Intents that are no request of their own (an answer to the bot's question, a yes or no).
NOT_A_REQUEST = frozenset({"inform", "affirm", "deny", "nlu_fallback", "out_of_scope"})
# A yes or no opening the message answers the bot's question; the rest is a new request.
ANSWERS = frozenset({"affirm", "deny"})
# A clause that goes to a person sends the whole message there: the team reads it all, and the
# bot must not answer the rest once a person owns the conversation.
TO_A_PERSON = frozenset(
    {"complaint", "billing_dispute", "damaged_item", "late_delivery", "request_human"}
    | {"account_change"}  # handed to a person too
)

_SUBJECT = (
    r"(?:you|u|ya|i|we|my|me|it|its|the|there|they|this|that|these|those|your|y'?all"
    r"|a|an|any|he|she)"
)
_AUX = r"(?:do|does|did|can|could|is|are|was|were|will|would|have|has|should|may)"
_OPENER = re.compile(
    rf"""^(?:(?:and|also|plus|oh|then|but)[,\s]+)*(?:
        (?:how|what|what's|whats|where|where's|wheres|when|when's|whens|which|who|why)\b
      | {_AUX}\s+{_SUBJECT}\b
      | (?:tell|remind|show|let)\s+me\b
      | i(?:'d|\s+would)?\s+(?:also\s+)?(?:like|want|need|wanted)\b
      | i\s+(?:also\s+)?(?:wanted|need|want)\b
      | (?:please|pls|plz)\b
      | (?:any|got)\s+\w+
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Hard breaks: the end of a question or exclamation, a semicolon, a new line.
_HARD = re.compile(r"(?<=[?!;])\s+|\s*\n+\s*")
# Soft breaks: a conjunction (or a full stop) that counts only before a question opener.
_SOFT = re.compile(
    r"\s*,\s*(?:and\s+also|and|also|plus)\s+|\s+and\s+also\s+|\s+(?:and|also|plus|&)\s+|\.\s+",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^(?:the\s+|order\s+|number\s+|no\.?\s*|#)*\d[\d\s-]*[?.!]*$", re.I)
_LEAD = re.compile(r"^(?:(?:and|also|plus|oh|then|but|&)[,\s]+)+", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    text: str
    intent: str
    confidence: float
    entities: tuple[tuple[str, str, int, int], ...]  # (type, value, start, end)

    @property
    def things(self) -> frozenset[tuple[str, str]]:
        return frozenset((kind, value.lower()) for kind, value, _, _ in self.entities)


def split_clauses(text: str, protected: Sequence[tuple[int, int]] = ()) -> list[str]:
    """The message cut where a new question or request starts; never inside `protected`
    character spans (entities); the leading "and"/"also" of a piece is dropped."""
    pieces: list[str] = []
    for part, offset in _hard_parts(text):
        pieces.extend(_soft_parts(part, offset, protected))
    cleaned = [_LEAD.sub("", p).strip(" ,;-") for p in pieces]
    return [c for c in cleaned if re.search(r"[a-z0-9]", c, re.IGNORECASE)]


def _hard_parts(text: str) -> list[tuple[str, int]]:
    parts, start = [], 0
    for match in _HARD.finditer(text):
        parts.append((text[start : match.start()], start))
        start = match.end()
    parts.append((text[start:], start))
    return parts


def _soft_parts(part: str, offset: int, protected: Sequence[tuple[int, int]]) -> list[str]:
    """Cut at a conjunction only when what follows opens a question or request."""
    out, start = [], 0
    for match in _SOFT.finditer(part):
        at = offset + match.start()
        if any(lo <= at < hi for lo, hi in protected):
            continue
        rest = part[match.end() :]
        ellipsis = match.group().strip(" ,.").lower() in {"and", "&"} and _looks_like_a_thing(rest)
        if not (_OPENER.match(rest) or ellipsis) or not part[start : match.start()].strip():
            continue
        out.append(part[start : match.start()])
        start = match.end()
    out.append(part[start:])
    return out


def _looks_like_a_thing(rest: str) -> bool:
    """ "100656", "#100656", "order 100656?": only another number for the clause before."""
    return bool(_BARE_NUMBER.match(rest.strip()))


async def plan(text: str, parse: Parse) -> list[str]:
    """The customer messages to send for `text`: its clauses, or `[text]` when it is one
    request (or when splitting is not clearly right)."""
    if len(split_clauses(text)) < 2:
        return [text]  # nowhere to cut, even ignoring entities: no parse spent (most messages)
    whole = await parse(text)
    pieces = split_clauses(text, _spans(whole))
    if not 2 <= len(pieces) <= MAX_CLAUSES:
        return [text]
    clauses = [_clause(piece, await parse(piece)) for piece in pieces]
    clauses = _merge_social(clauses)
    filled = _borrow(clauses)
    if any(
        _looks_like_a_thing(c.text) and f is c for c, f in zip(clauses[1:], filled[1:], strict=True)
    ):
        return [text]  # a number that is no thing of the clause before: "100234 and 100235"
    clauses = filled
    if any(c.intent in TO_A_PERSON for c in clauses):
        return [text]
    if len(clauses) < 2 or not all(_confident(c, first=i == 0) for i, c in enumerate(clauses)):
        return [text]
    keys = {(c.intent, c.things) for c in clauses}
    if len(keys) < len(clauses):  # two clauses ask the same thing: one answer covers both
        return [text]
    return [c.text for c in clauses]


def _spans(parsed: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(e["start"]), int(e["end"])) for e in parsed.get("entities") or [] if "start" in e]


def _clause(text: str, parsed: dict[str, Any]) -> Clause:
    intent = parsed.get("intent") or {}
    entities = tuple(
        (str(e["entity"]), str(e.get("value")), int(e["start"]), int(e["end"]))
        for e in parsed.get("entities") or []
        if "start" in e
    )
    return Clause(text, str(intent.get("name")), float(intent.get("confidence") or 0.0), entities)


def _confident(clause: Clause, *, first: bool) -> bool:
    allowed = first and clause.intent in ANSWERS
    return (allowed or clause.intent not in NOT_A_REQUEST) and clause.confidence >= MIN_CONFIDENCE


def _merge_social(clauses: list[Clause]) -> list[Clause]:
    """ "hi!" or "thanks," before a question is part of it, not a request to answer apart."""
    out: list[Clause] = []
    carry = ""
    for clause in clauses:
        if clause.intent in SOCIAL and clause is not clauses[-1]:
            carry += clause.text + " "
            continue
        if clause.intent in SOCIAL and out:
            continue  # a closing "cheers" after the questions needs no answer of its own
        out.append(
            Clause(
                carry + clause.text, clause.intent, clause.confidence, _shift(clause, len(carry))
            )
        )
        carry = ""
    return out


def _shift(clause: Clause, by: int) -> tuple[tuple[str, str, int, int], ...]:
    return tuple((k, v, s + by, e + by) for k, v, s, e in clause.entities)


def _borrow(clauses: list[Clause]) -> list[Clause]:
    """ "status of 100931 and 100656": the second clause is only a thing of a kind the first
    one names, so it asks the first clause's question about that thing."""
    out: list[Clause] = []
    for clause in clauses:
        before = out[-1] if out else None
        filled = _fill(before, clause) if before is not None else None
        out.append(filled or clause)
    return out


def _fill(before: Clause, clause: Clause) -> Clause | None:
    if len(clause.entities) != 1 or not _only_the_entity(clause):
        return None
    kind, value, _, _ = clause.entities[0]
    same = [e for e in before.entities if e[0] == kind]
    if len(same) != 1:
        return None
    _, _, start, end = same[0]
    text = before.text[:start] + value + before.text[end:]
    entity = (kind, value, start, start + len(value))
    others = tuple(e for e in before.entities if e is not same[0])
    return Clause(text, before.intent, before.confidence, (*others, entity))


def _only_the_entity(clause: Clause) -> bool:
    _, _, start, end = clause.entities[0]
    rest = (clause.text[:start] + " " + clause.text[end:]).lower()
    return not re.sub(r"\b(?:the|a|an|order|number|no|#|one|too|as well)\b|[^a-z0-9]", "", rest)


async def answer(on_new_message: OnNewMessage, message: UserMessage) -> None:
    """Rasa's handler for `message`, once per clause when it asks several things."""
    parse = agent_parser()
    parts = [message.text or ""]
    if parse is not None and message.text and not message.text.startswith("/"):
        try:
            parts = await plan(message.text, parse)
        except Exception:  # the plan is a refinement: never lose the customer's message over it
            logger.exception("Splitting a message into clauses failed; sending it whole.")
    if len(parts) == 1:
        await on_new_message(message)
        return
    logger.info(
        "Conversation %s: a message with %d requests, answered in turn.",
        message.sender_id,
        len(parts),
    )
    for part in parts:
        await on_new_message(
            UserMessage(
                part,
                message.output_channel,
                message.sender_id,
                input_channel=message.input_channel,
                metadata=message.metadata,
            )
        )


def agent_parser() -> Parse | None:
    """The running Rasa server's NLU, or None without one: then every message goes through
    whole."""
    app = _rasa_app()
    agent = getattr(app.ctx, "agent", None) if app is not None else None
    if agent is None or getattr(agent, "processor", None) is None:
        return None
    return agent.parse_message  # type: ignore[no-any-return]


def _rasa_app() -> Sanic | None:
    """Rasa names its app "rasa_server" (with the HTTP API) or "rasa_core_no_api"."""
    for name in ("rasa_server", "rasa_core_no_api"):
        try:
            return Sanic.get_app(name)
        except SanicException:
            continue
    return None
