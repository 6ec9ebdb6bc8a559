"""Conversation states resumed by `tracker_states` are the states Rasa computes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bot.rasa_patches import tracker_states as patch
from tests.bot.rasa_patches.conftest import random_events

STATES = "Domain.states_for_tracker_history"


def _all_states(domain: Any, tracker: Any, function: Any) -> list[Any]:
    rule_only = {"slots": ["address_order"], "active_loops": ["address_form"]}
    return [
        function(
            domain,
            tracker,
            omit_unset_slots=omit,
            ignore_rule_only_turns=ignore,
            rule_only_data=rule_only if ignore else None,
        )
        for omit in (False, True)
        for ignore in (False, True)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_states_of_a_growing_conversation_are_rasas(seed: int) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rasa = patch.PATCH.rasa()
    tracker = DialogueStateTracker(f"t{seed}", domain.slots)
    for event in random_events(random.Random(seed), 120):
        tracker.update(event)
        expected = _all_states(domain, tracker, rasa)
        assert _all_states(domain, tracker, patch.states_for_tracker_history) == expected
    fresh = DialogueStateTracker.from_events(f"f{seed}", list(tracker.events), domain.slots)
    assert _all_states(domain, fresh, patch.states_for_tracker_history) == expected


def test_states_are_resumed_not_recomputed() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("resume", domain.slots)
    for _ in range(20):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_greet"))
    patch.states_for_tracker_history(domain, tracker)
    memo = next(iter(getattr(tracker, patch.MEMO_ATTRIBUTE).values()))
    replayed_before = memo.replay
    tracker.update(ActionExecuted("action_listen"))
    states = patch.states_for_tracker_history(domain, tracker)
    assert memo.replay is replayed_before and len(memo.events) == 61  # resumed, not rebuilt
    assert states == patch.PATCH.rasa()(domain, tracker)


def test_callers_editing_the_states_do_not_change_the_next_answer() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("edited", domain.slots)
    for event in random_events(random.Random(99), 80):
        tracker.update(event)
        states = patch.states_for_tracker_history(domain, tracker)
        assert states == patch.PATCH.rasa()(domain, tracker)
        for state in states:  # what TrackerFeaturizer._remove_user_text_if_intent does
            state.get("user", {}).pop("text", None)
            state.get("user", {}).pop("intent", None)


def test_states_resume_when_rule_only_data_is_an_equal_new_dict() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("rule-only", domain.slots)

    def states() -> list[Any]:  # as RulePolicy calls it: a new dict every time
        rule_only = {"rule_only_slots": ["address_order"], "rule_only_loops": []}
        return patch.states_for_tracker_history(
            domain, tracker, ignore_rule_only_turns=True, rule_only_data=rule_only
        )

    for _ in range(5):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_greet"))
        states()
    memo = next(iter(getattr(tracker, patch.MEMO_ATTRIBUTE).values()))
    replay = memo.replay
    tracker.update(ActionExecuted("action_listen"))
    got = states()
    assert next(iter(getattr(tracker, patch.MEMO_ATTRIBUTE).values())) is memo  # resumed
    assert memo.replay is replay and len(memo.events) == 16
    rule_only = {"rule_only_slots": ["address_order"], "rule_only_loops": []}
    expected = patch.PATCH.rasa()(
        domain, tracker, ignore_rule_only_turns=True, rule_only_data=rule_only
    )
    assert got == expected
