"""The suite: YAML conversations, one file per category (or a folder per category).

A conversation names who the customer is by their situation (resolved against the store
at run time, never an id), the turns they type, and what must be true after each turn and
at the end. simulations/README.md describes the format; this module reads it and refuses,
with the file and the conversation named, anything it could not run as written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.evaluation.simulate.vocabulary import (
    BUILTIN_ORDERS,
    ORDER_STATUSES,
    STATE_KINDS,
    Expectation,
    SuiteError,
    orders_named,
    parse_expectation,
)

IDENTITIES = ("signed_in", "verifies", "anonymous")
PERSONA_FIELDS = ("email", "first_name", "last_name", "full_name", "phone")
ORDER_FIELDS = ("item", "thing", "total", "carrier", "tracking")
OTHER_FIELDS = ("email", "first_name", "full_name")
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_]+))?\}(?!\})")
_CONVERSATION_KEYS = ("id", "routine", "customer", "turns", "end", "note")
_SITUATION_KEYS = ("open_orders", "min_open_orders", "has", "lacks", "refund", "tier", "min_orders")
_SELECTOR_KEYS = ("status", "open", "refund", "rank", "owner")
REFUND_CHOICES = ("requested", "approved", "paid", "rejected", "any", "none")


@dataclass(frozen=True)
class Situation:
    """Constraints on the customer; all must hold. Empty: anyone."""

    open_orders: int | None = None
    min_open_orders: int | None = None
    has: tuple[str, ...] = ()  # statuses the customer has orders in (repeat one to need two)
    lacks: tuple[str, ...] = ()  # statuses the customer has no order in
    refund: str | None = None  # a refund in this state, "any", or "none"
    tier: tuple[str, ...] = ()
    min_orders: int | None = None


@dataclass(frozen=True)
class OrderSelector:
    """One named order of the conversation: the newest (or oldest) order that fits."""

    name: str
    statuses: tuple[str, ...] = ()
    open: bool | None = None
    refund: str | None = None
    rank: str = "newest"
    owner: str = "self"  # or "other": another customer's order


@dataclass(frozen=True)
class CustomerSpec:
    identity: str = "anonymous"
    situation: Situation | None = None  # None: nobody in particular (anonymous only)
    orders: tuple[OrderSelector, ...] = ()

    @property
    def has_persona(self) -> bool:
        return self.situation is not None


@dataclass(frozen=True)
class TurnSpec:
    say: str
    expect: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Conversation:
    id: str
    category: str
    routine: bool
    customer: CustomerSpec
    turns: tuple[TurnSpec, ...]
    end: tuple[Expectation, ...] = ()
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Suite:
    conversations: tuple[Conversation, ...]
    files: tuple[Path, ...] = field(default=())

    def categories(self) -> list[str]:
        return list(dict.fromkeys(c.category for c in self.conversations))


Topics = Mapping[str, Collection[str]]


def load_suite(
    path: Path, *, categories: Iterable[str] | None = None, topics: Topics | None = None
) -> Suite:
    """Every conversation under `path` (a folder or one file), in file order; `categories`
    keeps only those; `topics` (the shop facts: topic -> facts) check answers_policy."""
    files = _suite_files(path)
    if not files:
        raise SuiteError(f"{path}: no .yml conversation files")
    wanted = set(categories) if categories else None
    conversations: list[Conversation] = []
    for file in files:
        category = file.parent.name if file.parent != path and path.is_dir() else file.stem
        conversations += load_file(file, category=category, topics=topics)
    _check_unique(conversations)
    if wanted is not None:
        unknown = wanted - {c.category for c in conversations}
        if unknown:
            raise SuiteError(f"{path}: no conversations in categories {sorted(unknown)}")
        conversations = [c for c in conversations if c.category in wanted]
    return Suite(tuple(conversations), tuple(files))


def _suite_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SuiteError(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*.yml") if not p.name.startswith("_"))


def _check_unique(conversations: list[Conversation]) -> None:
    seen: dict[str, str] = {}
    for conversation in conversations:
        if conversation.id in seen:
            raise SuiteError(
                f"{conversation.source}: conversation id {conversation.id!r} is also used in "
                f"{seen[conversation.id]}"
            )
        seen[conversation.id] = conversation.source


def load_file(
    file: Path, *, category: str | None = None, topics: Topics | None = None
) -> list[Conversation]:
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SuiteError(f"{file.name}: not valid YAML ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("conversations"), list):
        raise SuiteError(f"{file.name}: needs a top-level 'conversations:' list")
    name = str(document.get("category") or category or file.stem)
    return [
        parse_conversation(item, category=name, source=file.name, topics=topics)
        for item in document["conversations"]
    ]


def parse_conversation(
    item: Any, *, category: str, source: str, topics: Topics | None = None
) -> Conversation:
    where = f"{source}: conversation {item.get('id', '?') if isinstance(item, dict) else '?'}"
    fields = _fields(item, where, ("id", "routine", "turns"), _CONVERSATION_KEYS)
    if not isinstance(fields["routine"], bool):
        raise SuiteError(f"{where}: 'routine' must be true or false")
    customer = _customer(fields.get("customer") or {}, f"{where}, customer")
    turns = _turns(fields["turns"], where)
    end = tuple(_expectation(e, f"{where}, end") for e in _list(fields.get("end"), where, "end"))
    conversation = Conversation(
        id=str(fields["id"]),
        category=category,
        routine=fields["routine"],
        customer=customer,
        turns=turns,
        end=end,
        source=source,
        note=str(fields.get("note") or ""),
    )
    _check_references(conversation, where, topics)
    return conversation


def _fields(item: Any, where: str, required: tuple[str, ...], known: tuple[str, ...]) -> dict:
    if not isinstance(item, dict):
        raise SuiteError(f"{where}: must be a mapping")
    missing = [key for key in required if key not in item]
    if missing:
        raise SuiteError(f"{where}: missing field(s) {missing}")
    unknown = sorted(set(item) - set(known))
    if unknown:
        raise SuiteError(f"{where}: unknown field(s) {unknown}; known: {', '.join(known)}")
    return dict(item)


def _list(value: Any, where: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SuiteError(f"{where}: '{key}' must be a list")
    return value


def _expectation(item: Any, where: str) -> Expectation:
    expectation = parse_expectation(item, where)
    if where.endswith(", end") and expectation.kind not in STATE_KINDS:
        raise SuiteError(
            f"{where}: {expectation.kind} judges a reply, so it belongs to a turn; at the end "
            f"only {', '.join(sorted(STATE_KINDS))}"
        )
    return expectation


def _turns(value: Any, where: str) -> tuple[TurnSpec, ...]:
    items = _list(value, where, "turns")
    if not items:
        raise SuiteError(f"{where}: 'turns' must list at least one turn")
    turns = []
    for index, item in enumerate(items, start=1):
        at = f"{where}, turn {index}"
        if isinstance(item, str):
            item = {"say": item}
        fields = _fields(item, at, ("say",), ("say", "expect"))
        if not isinstance(fields["say"], str) or not fields["say"].strip():
            raise SuiteError(f"{at}: 'say' must be the text the customer types")
        expect = tuple(_expectation(e, at) for e in _list(fields.get("expect"), at, "expect"))
        turns.append(TurnSpec(fields["say"], expect))
    return tuple(turns)


def _customer(value: Any, where: str) -> CustomerSpec:
    fields = _fields(value, where, (), ("identity", "situation", "orders"))
    identity = fields.get("identity", "anonymous")
    if identity not in IDENTITIES:
        raise SuiteError(f"{where}: identity {identity!r}; known: {', '.join(IDENTITIES)}")
    situation = _situation(fields["situation"], where) if "situation" in fields else None
    if situation is None and identity != "anonymous":
        situation = Situation()
    orders = _selectors(fields.get("orders") or {}, where)
    if situation is None and any(s.owner == "self" for s in orders):
        situation = Situation()
    return CustomerSpec(identity, situation, orders)


def _situation(value: Any, where: str) -> Situation:
    at = f"{where}, situation"
    fields = _fields(value or {}, at, (), _SITUATION_KEYS)
    for key in ("open_orders", "min_open_orders", "min_orders"):
        if key in fields and not isinstance(fields[key], int):
            raise SuiteError(f"{at}: '{key}' must be a whole number")
    if fields.get("refund", "any") not in REFUND_CHOICES:
        raise SuiteError(f"{at}: 'refund' must be one of {', '.join(REFUND_CHOICES)}")
    return Situation(
        open_orders=fields.get("open_orders"),
        min_open_orders=fields.get("min_open_orders"),
        has=_statuses(fields.get("has"), at),
        lacks=_statuses(fields.get("lacks"), at),
        refund=fields.get("refund"),
        tier=tuple(_as_list(fields.get("tier"))),
        min_orders=fields.get("min_orders"),
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statuses(value: Any, where: str) -> tuple[str, ...]:
    statuses = _as_list(value)
    unknown = [s for s in statuses if s not in ORDER_STATUSES]
    if unknown:
        raise SuiteError(f"{where}: unknown order status(es) {unknown}; known: {ORDER_STATUSES}")
    return tuple(statuses)


def _selectors(value: Any, where: str) -> tuple[OrderSelector, ...]:
    if not isinstance(value, dict):
        raise SuiteError(f"{where}: 'orders' maps names to what each order is like")
    selectors = []
    for name, spec in value.items():
        at = f"{where}, orders.{name}"
        if name in BUILTIN_ORDERS or name in ("other", *PERSONA_FIELDS):
            raise SuiteError(f"{at}: {name!r} is a reserved name")
        fields = _fields(spec or {}, at, (), _SELECTOR_KEYS)
        if fields.get("rank", "newest") not in ("newest", "oldest"):
            raise SuiteError(f"{at}: 'rank' is newest or oldest")
        if fields.get("owner", "self") not in ("self", "other"):
            raise SuiteError(f"{at}: 'owner' is self or other")
        if fields.get("refund", "any") not in REFUND_CHOICES:
            raise SuiteError(f"{at}: 'refund' must be one of {', '.join(REFUND_CHOICES)}")
        selectors.append(
            OrderSelector(
                name=str(name),
                statuses=_statuses(fields.get("status"), at),
                open=fields.get("open"),
                refund=fields.get("refund"),
                rank=fields.get("rank", "newest"),
                owner=fields.get("owner", "self"),
            )
        )
    return tuple(selectors)


def _check_references(conversation: Conversation, where: str, topics: Topics | None) -> None:
    """Every order an expectation or a turn names is declared; persona fields need a persona."""
    customer = conversation.customer
    declared = {s.name for s in customer.orders}
    if customer.has_persona:
        declared |= set(BUILTIN_ORDERS)
    expectations = [e for t in conversation.turns for e in t.expect] + list(conversation.end)
    for expectation in expectations:
        for name in orders_named(expectation):
            if name not in declared:
                raise SuiteError(
                    f"{expectation.where}: order {name!r} is not declared in "
                    f"customer.orders (declared: {sorted(declared) or 'none'})"
                )
        if expectation.kind == "answers_policy" and topics is not None:
            _check_topic(expectation, topics)
    for index, turn in enumerate(conversation.turns, start=1):
        for name, attribute in PLACEHOLDER.findall(turn.say):
            _check_placeholder(name, attribute, customer, declared, f"{where}, turn {index}")


def _check_topic(expectation: Expectation, topics: Topics) -> None:
    topic, facts = expectation.value["topic"], expectation.value["facts"]
    if topic not in topics:
        raise SuiteError(
            f"{expectation.where}: unknown policy topic {topic!r}; known: {sorted(topics)}"
        )
    unknown = [fact for fact in facts if fact not in topics[topic]]
    if unknown:
        raise SuiteError(
            f"{expectation.where}: topic {topic} has no facts {unknown}; known: "
            f"{sorted(topics[topic])}"
        )


def _check_placeholder(
    name: str, attribute: str, customer: CustomerSpec, declared: set[str], where: str
) -> None:
    if name in PERSONA_FIELDS and not attribute:
        if not customer.has_persona:
            raise SuiteError(f"{where}: {{{name}}} needs a customer with a situation")
        return
    if name == "other":
        if attribute not in OTHER_FIELDS:
            raise SuiteError(f"{where}: {{other.{attribute}}}; known: {OTHER_FIELDS}")
        return
    if name not in declared:
        raise SuiteError(
            f"{where}: unknown placeholder {{{name}}}; declared orders: "
            f"{sorted(declared) or 'none'}, customer fields: {PERSONA_FIELDS}"
        )
    if attribute and attribute not in ORDER_FIELDS:
        raise SuiteError(f"{where}: {{{name}.{attribute}}}; known: {ORDER_FIELDS}")
