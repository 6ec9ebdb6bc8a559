"""Tracker events as the widget's history: only what the customer saw."""

from __future__ import annotations

from typing import Any

from bot.channels.history import widget_messages


def test_only_utterances_are_kept_and_nothing_internal_leaks() -> None:
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hi", "metadata": {"customer_token": "v1.x.y"}, "timestamp": 2},
        {"event": "slot", "name": "email", "value": "a@b.c"},
        {"event": "bot", "text": "Hello!", "data": {"custom": {"secret": 1}}, "metadata": {}},
        {"event": "user", "text": None},
        {"event": "bot", "text": None, "data": {}},
    ]

    assert widget_messages(events) == [
        {"from": "user", "text": "hi", "at": 2},
        {"from": "bot", "text": "Hello!"},
    ]


def test_buttons_go_with_the_last_part_and_a_click_shows_its_title() -> None:
    buttons = [{"title": "Yes, cancel it", "payload": "/affirm"}]
    events: list[dict[str, Any]] = [
        {"event": "bot", "text": "Sure.\n\nShall I cancel it?", "data": {"buttons": buttons}},
        {"event": "user", "text": "/affirm"},
        {"event": "user", "text": "/affirm"},  # typed again, no buttons on screen: shown as is
    ]

    assert widget_messages(events) == [
        {"from": "bot", "text": "Sure."},
        {"from": "bot", "text": "Shall I cancel it?", "buttons": buttons},
        {"from": "user", "text": "Yes, cancel it"},
        {"from": "user", "text": "/affirm"},
    ]


def test_the_history_is_cut_to_the_latest_messages() -> None:
    events = [{"event": "user", "text": f"message {n}"} for n in range(150)]

    kept = widget_messages(events, limit=100)

    assert len(kept) == 100 and kept[0]["text"] == "message 50"
    assert widget_messages(events, limit=0) == []


def test_malformed_events_are_skipped() -> None:
    events: list[Any] = [
        {"event": "bot", "text": 42, "data": "not a dict", "metadata": ["x"]},
        {"event": "bot", "text": "ok", "data": {"buttons": [{"title": 1}]}, "metadata": None},
        {},
    ]

    assert widget_messages(events) == [{"from": "bot", "text": "ok", "buttons": [{"title": 1}]}]
