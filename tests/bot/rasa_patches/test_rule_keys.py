"""RulePolicy's remembered rule keys are the keys Rasa's `_get_possible_keys` finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.rasa_patches import rule_keys as patch
from bot.rasa_patches import tracker_states
from tests.bot.rasa_patches.conftest import random_events


def _rule_policy_with_rules_from(states: list[Any], rng: Any) -> Any:
    """A RulePolicy whose rules are windows of real conversation states, some edited so
    that they no longer match, with lengths 1 to 4."""
    import copy
    import json

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(Path("/nonexistent")),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rules: dict[str, str] = {}
    for _ in range(60):
        length = rng.randint(1, min(4, len(states)))
        end = rng.randint(length, len(states))
        window = copy.deepcopy(states[end - length : end])
        if rng.random() < 0.3:
            window[-1].setdefault("user", {})["intent"] = "something_else"
        rules[json.dumps(window, sort_keys=True)] = "utter_x"
    return policy, rules


@pytest.mark.parametrize("seed", range(4))
def test_rule_keys_are_rasas_for_every_prefix_of_a_conversation(seed: int) -> None:
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    rng = random.Random(seed)
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    from rasa.shared.core.events import Restarted, SessionStarted

    tracker = DialogueStateTracker(f"k{seed}", domain.slots)
    for event in random_events(rng, 150):
        if not isinstance(event, (Restarted, SessionStarted)):  # keep the whole history
            tracker.update(event)
    states = tracker_states.PATCH.rasa()(domain, tracker)
    assert len(states) > 20
    policy, rules = _rule_policy_with_rules_from(states, rng)
    rasa = patch.PATCH.rasa()

    for _ in range(2):  # the second pass is answered from the memo
        for end in range(len(states) + 1):
            expected = rasa(policy, rules, states[:end])
            assert patch.get_possible_keys(policy, rules, states[:end]) == expected
    assert patch.get_possible_keys(policy, {}, states) == set()


def test_rule_keys_tell_lists_from_tuples_as_rasa_does() -> None:
    import json

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(Path("/nonexistent")),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rule = [
        {
            "prev_action": {"action_name": "action_listen"},
            "user": {"intent": "inform", "entities": ["email"]},
        }
    ]
    rules = {json.dumps(rule, sort_keys=True): "utter_x"}
    rasa = patch.PATCH.rasa()
    as_tuple = [
        {
            "prev_action": {"action_name": "action_listen"},
            "user": {"intent": "inform", "entities": ("email",)},
        }
    ]
    as_list = [
        {
            "prev_action": {"action_name": "action_listen"},
            "user": {"intent": "inform", "entities": ["email"]},
        }
    ]

    for states in (as_tuple, as_list, as_tuple):
        assert patch.get_possible_keys(policy, rules, states) == rasa(policy, rules, states)
    assert patch.get_possible_keys(policy, rules, as_tuple) == set(rules)


def test_the_rule_keys_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    monkeypatch.setattr(patch, "POSSIBLE_KEYS_MEMO_SIZE", 5)
    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(Path("/nonexistent")),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rules = {json.dumps([{"user": {"intent": "greet"}}]): "utter_greet"}
    for n in range(12):
        patch.get_possible_keys(policy, rules, [{"user": {"intent": f"i{n}"}}])
    assert len(policy.__dict__[patch.POSSIBLE_KEYS_ATTRIBUTE].answers) <= 5
