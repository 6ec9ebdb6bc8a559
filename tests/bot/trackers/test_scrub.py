"""What the tracker store leaves out of the stored events (secrets, wherever nested) and
masks in them (contact data in replies)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from bot.trackers.scrub import MAX_DEPTH, is_secret_key, masked_text, scrubbed, stored_json
from bot.trackers.store import CachedSQLTrackerStore
from tests.db import rows as db_rows
from tools.seed.databases import BACKENDS, temporary_database


def test_the_token_and_client_key_are_left_out_at_any_depth() -> None:
    event: dict[str, Any] = {
        "event": "user",
        "metadata": {"customer_token": "v1.a.b", "cim_client": "k", "page": "/"},
        "parse_data": {"metadata": {"customer_token": "v1.a.b"}, "entities": [{"a": 1}]},
        "value": [{"customer_token": "v1.a.b", "kept": True}],
    }

    assert json.loads(stored_json(event)) == {
        "event": "user",
        "metadata": {"page": "/"},
        "parse_data": {"metadata": {}, "entities": [{"a": 1}]},
        "value": [{"kept": True}],
    }
    assert event["metadata"]["customer_token"] == "v1.a.b"  # the live event is not changed


def test_an_event_without_them_is_stored_as_rasa_stores_it() -> None:
    event = {"event": "bot", "text": 'I said "customer" and token', "data": {"buttons": []}}

    assert stored_json(event) == json.dumps(event)


def test_a_text_naming_the_key_is_kept() -> None:
    event = {"event": "user", "text": 'my "customer_token" is broken'}

    assert json.loads(stored_json(event)) == event


def test_nesting_deeper_than_any_event_of_ours_is_dropped() -> None:
    deep: Any = {"customer_token": "v1.a.b"}
    for _ in range(MAX_DEPTH + 5):
        deep = {"x": deep}

    assert "v1.a.b" not in json.dumps(scrubbed({"metadata": deep}))


def test_any_key_naming_a_secret_is_left_out() -> None:
    metadata = {
        "Authorization": "Bearer abc.def",
        "X-Api-Key": "k-123",
        "accessToken": "t-456",
        "user_password": "hunter2",
        "session_id": "s-1",
        "page": "/",
    }

    assert json.loads(stored_json({"event": "user", "metadata": metadata}))["metadata"] == {
        "session_id": "s-1",
        "page": "/",
    }
    assert [key for key in metadata if is_secret_key(key)] == list(metadata)[:4]


def test_a_slot_named_like_a_secret_is_stored_without_its_value() -> None:
    event = {"event": "slot", "name": "password", "value": "hunter2"}

    assert json.loads(stored_json(event)) == {"event": "slot", "name": "password", "value": None}
    assert event["value"] == "hunter2"


def test_a_reply_is_stored_with_contact_data_masked_and_the_rest_kept() -> None:
    event = {
        "event": "bot",
        "text": "Thanks, Maria: we'll email maria.garcia@example.com and call +1 555 0101 "
        "about order #100002 ($42.50, 2024-05-01); it goes to 9 Quay Street, Galway. "
        "Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00.",
        "data": {"buttons": [{"title": "Email maria@example.com", "payload": "/affirm"}]},
    }

    stored = json.loads(stored_json(event))

    assert stored["text"] == (
        "Thanks, Maria: we'll email [EMAIL] and call [PHONE] about order #100002 ($42.50, "
        "2024-05-01); it goes to [ADDRESS], Galway. Card [CARD], IBAN [IBAN]."
    )
    assert stored["data"]["buttons"] == [{"title": "Email [EMAIL]", "payload": "/affirm"}]
    assert "maria.garcia@example.com" in event["text"]  # the live event is not changed


def test_a_reply_keeps_links_and_the_references_they_carry() -> None:
    text = (
        "It's travelling with FedEx, tracking number 612999000000: "
        "https://www.fedex.com/fedextrack/?trknbr=612999000000"
    )

    assert masked_text(text) == text
    assert masked_text("call 612999000000") == "call [PHONE]"


def test_a_reply_listing_products_keeps_their_names() -> None:
    text = "Your order #100004 (Daypack 22L, Trail Gaiters x3, Trail Runner 2) is on its way."

    assert masked_text(text) == text


def test_a_reply_with_at_in_a_sentence_is_not_taken_for_an_email() -> None:
    for text in (
        "Your parcel arrives at noon. Tracking follows by email.",
        "We open at nine.Our team answers within the hour.",
        "Returns are free. Look at returns.example.com for the label.",
    ):
        assert masked_text(text) == text
    assert masked_text("Write to maria@example.com at noon.") == "Write to [EMAIL] at noon."


def test_a_customers_own_message_is_stored_as_written() -> None:
    event = {"event": "user", "text": "I'm at 9 Quay Street, email maria@example.com"}

    assert json.loads(stored_json(event)) == event


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    with temporary_database(request.param) as database_url:
        yield database_url


SECRETS = {
    "customer_token": "v1.eyJzdWIiOiJDMDAwMSJ9.c2lnbmF0dXJl",
    "Authorization": "Bearer sk-live-0123456789",
    "password": "correct horse battery staple",
}
DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\n')


@pytest.mark.parametrize("cache_size", [1000, 0])
async def test_secrets_and_reply_contact_data_leave_no_trace_in_stored_rows(
    url: str, cache_size: int
) -> None:
    store = CachedSQLTrackerStore(DOMAIN, host=url, cache_size=cache_size)
    tracker = await store.get_or_create_tracker("kim")
    metadata = {**SECRETS, "page": "/cart"}
    parse_data = {"intent": {"name": "greet", "confidence": 1.0}, "metadata": dict(metadata)}
    reply = "We'll write to kim.lee@example.com or call +44 20 7946 0958."
    tracker.update_with_events(
        [
            UserUttered("hi", parse_data["intent"], parse_data=parse_data, metadata=metadata),
            BotUttered(reply, metadata={"utter_action": "utter_greet"}),
        ],
        DOMAIN,
    )
    await store.save(tracker)

    stored = "\n".join(str(row) for row in db_rows(url, "SELECT * FROM events"))
    assert [value for value in SECRETS.values() if value in stored] == []
    assert "kim.lee@example.com" not in stored and "7946" not in stored
    assert "[EMAIL]" in stored and "/cart" in stored
    assert tracker.latest_message is not None and tracker.latest_message.metadata == metadata
    assert tracker.events[-1].as_dict()["text"] == reply  # the turn keeps the full text
