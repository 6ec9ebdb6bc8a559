"""What a Turn reads from the tracker: who sends (for the server's counters) and which session."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.base import Turn
from tests.actions.conftest import make_tracker, user_event


def turn(**tracker_options: object) -> Turn:
    return Turn(CollectingDispatcher(), make_tracker("greet", **tracker_options))  # type: ignore[arg-type]


def test_the_client_is_the_channels_key_or_else_the_conversation() -> None:
    assert turn(metadata={"cim_client": "k1"}).client == "client:k1"
    for metadata in ({}, {"cim_client": ""}, {"cim_client": 7}, {"cim_client": "k" * 257}):
        assert turn(metadata=metadata, sender_id="c-9").client == "conversation:c-9"


def test_the_session_is_known_by_its_latest_start() -> None:
    first = {"event": "session_started", "timestamp": 100.5}
    second = {"event": "session_started", "timestamp": 200.25}

    assert turn(history=[first, user_event("greet")]).session_key == "100.500000"
    assert turn(history=[first, user_event("greet"), second]).session_key == "200.250000"
    assert turn(history=[user_event("greet")]).session_key == "none"
