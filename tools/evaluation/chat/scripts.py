"""What the simulated customers say: 10-turn conversations of our own domain.

Each turn says whether it runs a custom action (`action=True`), so the share of action turns
is known. Identified customers carry a signed token (bot/customer_tokens.py) in every message's
metadata; anonymous ones verify with their email and an order number, both read from the
seeded store.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from bot.customer_tokens import METADATA_KEY, sign_token


@dataclass(frozen=True)
class Step:
    text: str  # may name {email}, {order} and {address}
    action: bool = False  # runs a custom action that reads the store


@dataclass(frozen=True)
class Script:
    name: str
    identified: bool
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Customer:
    public_id: str
    email: str
    order: str


def _s(text: str, action: bool = False) -> Step:
    return Step(text, action)


A = True  # readability in the tables below
SCRIPTS: tuple[Script, ...] = (
    Script(
        "order status, anonymous, verifies",
        False,
        (
            _s("hi", A),
            _s("what are your opening hours?"),
            _s("where is my order?", A),
            _s("my email is {email} and my order number is {order}", A),
            _s("thanks"),
            _s("how much is shipping?"),
            _s("what is your return policy?"),
            _s("what payment methods do you accept?"),
            _s("thank you"),
            _s("bye"),
        ),
    ),
    Script(
        "points and orders, identified",
        True,
        (
            _s("hello", A),
            _s("how many points do I have", A),
            _s("what can you do?"),
            _s("how do returns work"),
            _s("show my orders", A),
            _s("thanks"),
            _s("how much is shipping?"),
            _s("can I pay with paypal"),
            _s("thank you"),
            _s("goodbye"),
        ),
    ),
    Script(
        "cancellation, identified, keeps the order",
        True,
        (
            _s("hi", A),
            _s("I want to cancel my order {order}", A),
            _s("no", A),
            _s("what is your return policy?"),
            _s("when are you open"),
            _s("shipping costs"),
            _s("what can you help me with"),
            _s("thanks"),
            _s("how do returns work"),
            _s("bye"),
        ),
    ),
    Script(
        "address change, identified",
        True,
        (
            _s("hello", A),
            _s("what are your opening hours?"),
            _s("I need to change the delivery address of order {order}", A),
            _s("{address}", A),
            _s("thanks"),
            _s("how much is shipping?"),
            _s("can I pay with paypal"),
            _s("what is your return policy?"),
            _s("thank you"),
            _s("bye"),
        ),
    ),
    Script(
        "refund and account, identified",
        True,
        (
            _s("hi", A),
            _s("where is my refund?", A),
            _s("what can you do?"),
            _s("what email is on my account", A),
            _s("thanks"),
            _s("how do returns work"),
            _s("shipping costs"),
            _s("when are you open"),
            _s("thank you"),
            _s("goodbye"),
        ),
    ),
    Script(
        "late delivery, anonymous, complains",
        False,
        (
            _s("hello", A),
            _s("what are your opening hours"),
            _s("how much is shipping?"),
            _s("where is my order", A),
            _s("my email is {email}, order {order}", A),
            _s("what is your return policy?"),
            _s("can I pay with paypal"),
            _s("what can you do?"),
            _s("thanks"),
            _s("my order is late and I am really unhappy about it", A),
        ),
    ),
)
ADDRESS = "42 Pine Road, Riverside, 90210, US"


def action_share(scripts: tuple[Script, ...] = SCRIPTS) -> float:
    steps = [step for script in scripts for step in script.steps]
    return sum(step.action for step in steps) / len(steps)


def customers_from_store(database_url: str, *, limit: int = 500) -> list[Customer]:
    """Customers of the seeded store with one of their orders each."""
    engine = create_engine(database_url, future=True)
    sql = text(
        "SELECT c.public_id, c.email, MIN(o.number) FROM customers c "
        "JOIN orders o ON o.customer_id = c.id GROUP BY c.public_id, c.email "
        "ORDER BY c.public_id LIMIT :limit"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(sql, {"limit": limit}).all()
    finally:
        engine.dispose()
    if not rows:
        raise ValueError(f"the store at {database_url} has no customers with orders")
    return [Customer(str(row[0]), str(row[1]), str(row[2])) for row in rows]


@dataclass(frozen=True)
class Message:
    text: str
    metadata: dict[str, str]
    action: bool


def render(script: Script, customer: Customer, *, secret: str) -> list[Message]:
    """The conversation's messages for this customer; identified ones carry a token."""
    metadata: dict[str, str] = {}
    if script.identified:
        metadata[METADATA_KEY] = sign_token(customer.public_id, secret=secret, ttl_seconds=86400)
    values = {"email": customer.email, "order": customer.order, "address": ADDRESS}
    return [Message(step.text.format(**values), metadata, step.action) for step in script.steps]


def pick(rng: random.Random, customers: list[Customer]) -> tuple[Script, Customer]:
    return rng.choice(SCRIPTS), rng.choice(customers)


def long_conversation(customer: Customer, *, turns: int, secret: str) -> list[Message]:
    """One identified customer's `turns`-turn conversation: the scripts back to back, with
    the complaint left out (it may hand the conversation to a person)."""
    messages: list[Message] = []
    scripts = [s for s in SCRIPTS if s.identified]
    while len(messages) < turns:
        for script in scripts:
            messages.extend(render(script, customer, secret=secret))
    return messages[:turns]
