"""Who plays a conversation: the customer whose situation fits, and the orders it names.

Resolved against the store when the conversation starts, never hard-coded, so the suite runs
on any seed and keeps meaning the same thing ("has two open orders, one in transit"). The
pick is deterministic (the candidates are rotated by a hash of the conversation's id) and
prefers customers no earlier conversation of the run has used, because a conversation may
change what it touches.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tools.evaluation.simulate.phrases import money_forms
from tools.evaluation.simulate.store import CustomerFacts, OrderFacts, RefundFacts
from tools.evaluation.simulate.suite import (
    PERSONA_FIELDS,
    PLACEHOLDER,
    Conversation,
    OrderSelector,
    Situation,
)
from tools.evaluation.simulate.vocabulary import orders_named


class SetupError(RuntimeError):
    """No customer in the store fits the conversation; it is reported, not played."""


@dataclass(frozen=True)
class World:
    """The store as a conversation starts: everyone, with their orders and refunds."""

    customers: tuple[CustomerFacts, ...]
    orders: dict[int, tuple[OrderFacts, ...]]  # customer id -> newest first
    refunds: dict[int, tuple[RefundFacts, ...]]
    nicknames: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Cast:
    persona: CustomerFacts | None
    other: CustomerFacts | None
    orders: dict[str, OrderFacts]
    texts: tuple[str, ...]

    @property
    def customer_ids(self) -> tuple[int, ...]:
        """Whose orders the conversation may touch (and so whose are snapshotted)."""
        ids = {order.customer_id for order in self.orders.values()}
        if self.persona is not None:
            ids.add(self.persona.id)
        return tuple(sorted(ids))


def cast(conversation: Conversation, world: World, *, used: set[str]) -> Cast:
    """The first fitting customer in this conversation's rotation, unused ones first."""
    spec = conversation.customer
    if spec.situation is None:
        return _with_other(conversation, world, None)
    candidates = _rotation(world.customers, conversation.id)
    ordered = [c for c in candidates if c.public_id not in used]
    ordered += [c for c in candidates if c.public_id in used]
    for customer in ordered:
        if not fits(
            spec.situation,
            world.orders.get(customer.id, ()),
            world.refunds.get(customer.id, ()),
            customer,
        ):
            continue
        try:
            return _with_other(conversation, world, customer)
        except SetupError:
            continue
    raise SetupError(f"no customer in the store fits {conversation.id}'s situation and orders")


def candidates(conversation: Conversation, world: World) -> int:
    """How many customers of the store fit the conversation's situation (no situation: all).

    The runner plays the scarcest conversations first, so that an earlier conversation's
    cancellation cannot use up the only customer a later one fits."""
    spec = conversation.customer
    if spec.situation is None:
        return len(world.customers)
    return sum(
        fits(spec.situation, world.orders.get(c.id, ()), world.refunds.get(c.id, ()), c)
        for c in world.customers
    )


def _rotation(customers: Sequence[CustomerFacts], key: str) -> list[CustomerFacts]:
    ordered = sorted(customers, key=lambda c: c.public_id)
    if not ordered:
        return []
    start = int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(ordered)
    return ordered[start:] + ordered[:start]


def fits(
    situation: Situation,
    orders: Sequence[OrderFacts],
    refunds: Sequence[RefundFacts],
    customer: CustomerFacts,
) -> bool:
    open_count = sum(order.is_open for order in orders)
    statuses = Counter(order.status for order in orders)
    checks = (
        situation.open_orders is None or open_count == situation.open_orders,
        situation.min_open_orders is None or open_count >= situation.min_open_orders,
        not Counter(situation.has) - statuses,
        not any(statuses[status] for status in situation.lacks),
        _refund_fits(situation.refund, refunds),
        not situation.tier or customer.tier in situation.tier,
        situation.min_orders is None or len(orders) >= situation.min_orders,
    )
    return all(checks)


def _refund_fits(wanted: str | None, refunds: Sequence[RefundFacts]) -> bool:
    if wanted is None:
        return True
    if wanted == "none":
        return not refunds
    if wanted == "any":
        return bool(refunds)
    return any(refund.status == wanted for refund in refunds)


def _with_other(conversation: Conversation, world: World, persona: CustomerFacts | None) -> Cast:
    """Name the persona's orders, then find another customer for the `owner: other` ones."""
    selectors = conversation.customer.orders
    named = _pick(selectors, "self", world, persona) if persona else {}
    if persona is not None:
        named.update(_builtins(world.orders.get(persona.id, ())))
    others = [s for s in selectors if s.owner == "other"]
    needs_other = others or any(
        name == "other" for turn in conversation.turns for name, _ in PLACEHOLDER.findall(turn.say)
    )
    other = None
    if needs_other:
        other, picked = _other(conversation, world, persona, others)
        named.update(picked)
    _require_referenced(conversation, named)
    texts = tuple(
        render(turn.say, persona=persona, other=other, orders=named, world=world)
        for turn in conversation.turns
    )
    return Cast(persona, other, named, texts)


def _builtins(orders: Sequence[OrderFacts]) -> dict[str, OrderFacts]:
    named = {}
    if orders:
        named["newest"] = orders[0]
    open_orders = [order for order in orders if order.is_open]
    if open_orders:
        named["newest_open"] = open_orders[0]
    return named


def _other(
    conversation: Conversation,
    world: World,
    persona: CustomerFacts | None,
    selectors: list[OrderSelector],
) -> tuple[CustomerFacts, dict[str, OrderFacts]]:
    for customer in _rotation(world.customers, conversation.id + "/other"):
        if persona is not None and customer.id == persona.id:
            continue
        try:
            return customer, _pick(selectors, "other", world, customer)
        except SetupError:
            continue
    raise SetupError(f"no other customer has the orders {conversation.id} names")


def _pick(
    selectors: Iterable[OrderSelector], owner: str, world: World, customer: CustomerFacts
) -> dict[str, OrderFacts]:
    orders = world.orders.get(customer.id, ())
    refunds = world.refunds.get(customer.id, ())
    named: dict[str, OrderFacts] = {}
    for selector in (s for s in selectors if s.owner == owner):
        taken = {order.number for order in named.values()}
        fitting = [o for o in orders if o.number not in taken and _selects(selector, o, refunds)]
        if not fitting:
            raise SetupError(f"{customer.public_id} has no order for {selector.name}")
        named[selector.name] = fitting[-1] if selector.rank == "oldest" else fitting[0]
    return named


def _selects(selector: OrderSelector, order: OrderFacts, refunds: Sequence[RefundFacts]) -> bool:
    own = [refund for refund in refunds if refund.order_number == order.number]
    return all(
        (
            not selector.statuses or order.status in selector.statuses,
            selector.open is None or order.is_open == selector.open,
            _refund_fits(selector.refund, own),
        )
    )


def _require_referenced(conversation: Conversation, named: dict[str, OrderFacts]) -> None:
    expectations = [e for t in conversation.turns for e in t.expect] + list(conversation.end)
    wanted = {name for e in expectations for name in orders_named(e)}
    wanted |= {
        name
        for turn in conversation.turns
        for name, _ in PLACEHOLDER.findall(turn.say)
        if name not in PERSONA_FIELDS and name != "other"
    }
    missing = sorted(wanted - set(named))
    if missing:
        raise SetupError(f"the customer has no order for {missing}")


def render(
    text: str,
    *,
    persona: CustomerFacts | None,
    other: CustomerFacts | None,
    orders: dict[str, OrderFacts],
    world: World,
) -> str:
    """The turn as the customer types it: placeholders replaced by this cast's facts."""

    def value(match: object) -> str:
        name, attribute = match.group(1), match.group(2)  # type: ignore[attr-defined]
        if name == "other":
            return _person_field(other, attribute)
        if name in PERSONA_FIELDS:
            return _person_field(persona, name)
        return _order_field(orders[name], attribute, orders, world)

    return PLACEHOLDER.sub(value, text).replace("{{", "{").replace("}}", "}")


def _person_field(person: CustomerFacts | None, name: str) -> str:
    if person is None:
        raise SetupError(f"{{{name}}} needs a customer")
    if name == "full_name":
        return person.full_name
    value = getattr(person, name)
    if value is None:
        raise SetupError(f"{person.public_id} has no {name}")
    return str(value)


def _order_field(
    order: OrderFacts, attribute: str | None, orders: dict[str, OrderFacts], world: World
) -> str:
    if not attribute:
        return order.number
    if attribute in ("item", "thing"):
        item = distinctive_item(order, world.orders.get(order.customer_id, ()), orders)
        return item if attribute == "item" else world.nicknames.get(item, (item.lower(),))[0]
    if attribute == "total":
        return money_forms(order.total_cents)[0]
    value = order.carrier if attribute == "carrier" else order.tracking_number
    if value is None:
        raise SetupError(f"order {order.number} has no {attribute}")
    return value


def distinctive_item(
    order: OrderFacts, owners_orders: Sequence[OrderFacts], named: dict[str, OrderFacts]
) -> str:
    """A product in `order` that is in none of the owner's other open or named orders, so
    "the one with the tent in it" can mean only this order."""
    rivals = {o.number: o for o in owners_orders if o.is_open}
    rivals.update({o.number: o for o in named.values() if o.customer_id == order.customer_id})
    rivals.pop(order.number, None)
    elsewhere = {item for rival in rivals.values() for item in rival.items}
    for item in order.items:
        if item not in elsewhere:
            return item
    raise SetupError(f"order {order.number} has no item that tells it apart")
