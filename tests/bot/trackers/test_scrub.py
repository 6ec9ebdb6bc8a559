"""What the tracker store leaves out of the stored events, found wherever it is nested."""

from __future__ import annotations

import json
from typing import Any

from bot.trackers.scrub import MAX_DEPTH, scrubbed, stored_json


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
