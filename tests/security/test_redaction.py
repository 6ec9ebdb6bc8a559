"""Finding 6 of issue 14: personal data the redaction missed reached the trainers' review inbox.

A customer writes a card number, a phone number or a street address the way people do
(double spaces, underscores, commas, spaced hyphens, "Gardens"); the bot does not understand
the message, so the review inbox records it for the trainers. What the inbox stores must hold
none of it.
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from tests.e2e.stack import Stack
from tests.waiting import wait_until

# Wrapped in words the model knows nothing of, so each message falls back and is reviewed.
CARRIER = "zorblax quindle {} frabjous wug"
VARIANTS = {
    "4111  1111  1111  1111": ("4111", "1111"),
    "4111_1111_1111_1111": ("4111", "1111"),
    "4111,1111,1111,1111": ("4111", "1111"),
    "5555 - 5555 - 5555 - 4444": ("5555", "4444"),
    "555_123_4567": ("555", "4567"),
    "555 - 123 - 4567": ("555", "4567"),
    "+44  20  7946  0958": ("7946", "0958"),
    "12 Kensington Gardens": ("Kensington", "Gardens"),
    "4 Primrose Mews": ("Primrose", "Mews"),
    "123456789012": ("123456789012", "9012"),
}
INBOX_TIMEOUT = 60.0


def stored_rows(database_url: str, marker: str) -> list[tuple[str, int]]:
    """What the inbox stores of each message with `marker` (its text, merge key and details),
    and how many messages it stands for (the same redacted text is merged into one row)."""
    engine = sa.create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT text, key, details, count FROM review_items")
            ).all()
    finally:
        engine.dispose()
    dumped = [(f"{row.text} | {row.key} | {row.details}", int(row.count)) for row in rows]
    return [(text, count) for text, count in dumped if marker in text]


def wait_for(database_url: str, marker: str, wanted: int) -> list[str]:
    def collected() -> list[str]:
        rows = stored_rows(database_url, marker)
        assert sum(count for _, count in rows) >= wanted, f"the inbox holds {rows}"
        return [text for text, _ in rows]

    return wait_until(
        collected,
        timeout=INBOX_TIMEOUT,
        interval=0.2,
        what=f"{wanted} messages in the inbox",
        ignoring=(AssertionError,),
    )


def test_the_review_inbox_stores_messy_personal_data_redacted(security_stack: Stack) -> None:
    messages = [CARRIER.format(variant) for variant in VARIANTS]
    unsure = [m for m in messages if security_stack.parse(m)["intent"]["confidence"] < 0.3]
    assert unsure == messages, "each message must fall back, or the inbox never sees it"
    for message in messages:
        security_stack.say(f"redaction-{uuid.uuid4().hex}", message)

    rows = wait_for(security_stack.settings.database_url, "zorblax", len(messages))
    leaked = {
        variant: [row for row in rows if any(part in row for part in parts)]
        for variant, parts in VARIANTS.items()
    }
    assert {variant: found for variant, found in leaked.items() if found} == {}
    assert not any(re.search(r"[0-9]{3}", row) for row in rows), rows
