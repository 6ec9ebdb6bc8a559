"""Action-server replies are judged as Rasa's `_validate_action_result` judges them."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_patches import action_result_validation as patch

RESPONSES: list[Any] = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "customer_id", "value": "C0001"}], "responses": [{}]},
    {"events": [{"event": "bot", "text": "hi"}, {"event": "action", "name": "x"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "missing the event key"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
    {"events": [{"event": "slot", "name": 3}]},
    [],
    "text",
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": "x"}}] * 50},
]


def _outcome(function: Any, response: Any) -> tuple[str, Any]:
    try:
        return "ok", function(RemoteAction("action_x", None), response)
    except ValidationError as error:
        return "invalid", (error.message, list(error.absolute_path), error.validator)


@pytest.mark.parametrize("response", RESPONSES)
def test_action_responses_are_judged_as_rasa_judges_them(response: Any) -> None:
    rasa = _outcome(patch.PATCH.rasa(), response)
    assert _outcome(patch.validate_action_result, response) == rasa


def test_invalid_responses_are_refused_with_rasas_message() -> None:
    kind, (message, _, _) = _outcome(patch.validate_action_result, {"events": "x"})
    assert kind == "invalid" and "Failed to validate Action server response" in message
