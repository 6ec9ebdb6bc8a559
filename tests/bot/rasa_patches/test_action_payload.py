"""What actions receive: Rasa's body with slim earlier messages (CIM_ACTION_PAYLOAD=slim), or
Rasa's own body (full)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction

from bot.rasa_patches import action_payload as patch
from bot.rasa_patches import tracker_copy
from tests.bot.rasa_patches.conftest import random_events


def _remote_action(name: str = "action_order_status") -> Any:
    from rasa.utils.endpoints import EndpointConfig

    return RemoteAction(name, EndpointConfig("http://127.0.0.1:9/webhook"))


def _rasa_call_slimmed(action: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    """Rasa's own request body, with the slimming of override 10 applied to its events."""
    body = patch.PATCH.rasa()(action, tracker, domain)
    body["tracker"]["events"] = [patch.slim_event(e) for e in body["tracker"]["events"]]
    return body


@pytest.mark.parametrize("seed", range(4))
def test_action_calls_carry_rasas_body_with_slim_user_events(seed: int) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    action = _remote_action()
    tracker = DialogueStateTracker(f"a{seed}", domain.slots)
    for event in random_events(random.Random(seed), 120):
        tracker.update(event)
        ours = patch.action_call_format(action, tracker, domain)
        assert json.dumps(ours, sort_keys=True) == json.dumps(
            _rasa_call_slimmed(action, tracker, domain), sort_keys=True
        )
        # Rasa calls the action server with a copy that holds the prediction's events too.
        temporary = tracker_copy.copy_tracker(tracker)
        temporary.update(ActionExecutedLike("action_order_status"))
        assert (
            patch.action_call_format(action, temporary, domain)["tracker"]
            == (_rasa_call_slimmed(action, temporary, domain)["tracker"])
        )


def ActionExecutedLike(name: str) -> Any:
    from rasa.shared.core.events import ActionExecuted

    return ActionExecuted(name)


def test_earlier_messages_go_without_rankings_and_token_and_the_events_keep_theirs() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    parse = {
        "intent": {"name": "order_status", "confidence": 0.9},
        "intent_ranking": [{"name": "order_status", "confidence": 0.9}],
        "interaction_type": {"name": "service", "confidence": 0.9},
        "interaction_type_ranking": [{"name": "service", "confidence": 0.9}],
        "entities": [],
    }
    tracker = DialogueStateTracker("slim", domain.slots)
    for text in ("where is my order", "and the other one"):
        tracker.update(ActionExecuted("action_listen"))
        data = {**parse, "metadata": {"customer_token": "secret"}}
        tracker.update(
            UserUttered(text, data["intent"], [], data, metadata={"customer_token": "secret"})
        )
    body = patch.action_call_format(_remote_action(), tracker, domain)

    users = [e for e in body["tracker"]["events"] if e["event"] == "user"]
    assert [u["metadata"] for u in users] == [{}, {}]
    assert all("intent_ranking" not in u["parse_data"] for u in users)
    assert [u["parse_data"]["intent"]["name"] for u in users] == ["order_status"] * 2
    assert [u["parse_data"]["interaction_type"]["name"] for u in users] == ["service"] * 2
    assert body["tracker"]["latest_message"]["intent_ranking"]  # the latest goes whole
    assert "secret" not in json.dumps(body["tracker"]["events"])
    assert body["tracker"]["latest_message"]["metadata"] == {"customer_token": "secret"}
    assert tracker.latest_message.metadata == {"customer_token": "secret"}  # untouched
    assert "intent_ranking" in tracker.latest_message.parse_data


def _conversation_with_tokens(domain: Any) -> Any:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("tokens", domain.slots)
    for text in ("where is my order", "and the other one"):
        tracker.update(ActionExecuted("action_listen"))
        parse = {
            "intent": {"name": "order_status", "confidence": 0.9},
            "intent_ranking": [{"name": "order_status", "confidence": 0.9}],
            "metadata": {"customer_token": "secret"},
        }
        tracker.update(
            UserUttered(text, parse["intent"], [], parse, metadata={"customer_token": "secret"})
        )
    return tracker


@pytest.mark.parametrize(("payload", "earlier_token"), [("slim", False), ("full", True)])
def test_the_payload_setting_decides_what_actions_receive(
    domain: Any, payload: str, earlier_token: bool
) -> None:
    from bot import rasa_patches
    from bot.settings import Settings

    tracker = _conversation_with_tokens(domain)
    action = _remote_action()
    rasa_body = patch.PATCH.rasa()(action, tracker, domain)

    installed = rasa_patches.install(Settings(action_payload=payload))
    body = action._action_call_format(tracker, domain)

    assert ("RemoteAction._action_call_format" in installed) is not earlier_token
    assert ("secret" in json.dumps(body["tracker"]["events"])) is earlier_token
    assert body["tracker"]["latest_message"]["metadata"] == {"customer_token": "secret"}
    if earlier_token:  # full: Rasa's own body, metadata and all
        assert json.dumps(body, sort_keys=True) == json.dumps(rasa_body, sort_keys=True)
