"""Tracker copies and applied events are Rasa's, for growing, reverted and capped histories."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bot.rasa_patches import applied_events, tracker_copy
from tests.bot.rasa_patches.conftest import random_events


def _tracker_state(tracker: Any) -> dict[str, Any]:
    """Everything a copy must reproduce, comparable with ==."""
    return {
        "events": list(tracker.events),
        "slots": {n: (s.value, s.has_been_set) for n, s in tracker.slots.items()},
        "paused": tracker._paused,
        "followup": tracker.followup_action,
        "latest_action": tracker.latest_action,
        "latest_message": tracker.latest_message,
        "latest_bot": tracker.latest_bot_utterance,
        "active_loop": tracker.active_loop,
        "maxlen": tracker.events.maxlen,
        "ids": (tracker.sender_id, tracker.model_id, tracker.assistant_id, tracker.is_rule_tracker),
    }


@pytest.mark.parametrize("seed", range(6))
def test_tracker_copies_and_applied_events_are_rasas(seed: int) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rasa_copy = tracker_copy.PATCH.rasa()
    rasa_applied = applied_events.PATCH.rasa()
    tracker = DialogueStateTracker(f"c{seed}", domain.slots)
    for event in random_events(random.Random(seed), 150):
        tracker.update(event)
        assert applied_events.applied_events(tracker) == rasa_applied(tracker)
        ours, theirs = tracker_copy.copy_tracker(tracker), rasa_copy(tracker)
        assert _tracker_state(ours) == _tracker_state(theirs) == _tracker_state(tracker)
        assert applied_events.applied_events(ours) == rasa_applied(theirs)
    # The copy is independent of the original, as a replayed one is.
    duplicate = tracker_copy.copy_tracker(tracker)
    duplicate.slots["email"].value = "changed@example.com"
    duplicate.update(__import__("rasa.shared.core.events").shared.core.events.BotUttered("x"))
    assert tracker.slots["email"].value != "changed@example.com"
    assert len(duplicate.events) == len(tracker.events) + 1


def test_applied_events_start_again_when_the_history_is_not_a_continuation() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rasa_applied = applied_events.PATCH.rasa()
    tracker = DialogueStateTracker("loop", domain.slots)
    for event in (
        ActionExecuted("action_listen"),
        UserUttered("hi"),
        ActionExecuted("address_form"),
        ActionExecuted("action_listen"),
        UserUttered("x"),
        ActionExecuted("address_form"),
    ):
        tracker.update(event)
    first = applied_events.applied_events(tracker)
    assert first == rasa_applied(tracker)
    tracker.update(ActiveLoop("address_form"))  # a new form name changes earlier events' fate
    assert applied_events.applied_events(tracker) == rasa_applied(tracker)
    capped = DialogueStateTracker("cap", domain.slots, max_event_history=3)
    for n in range(8):  # old events fall off the front of the deque
        capped.update(UserUttered(f"m{n}"))
        assert applied_events.applied_events(capped) == rasa_applied(capped)


def test_a_tracker_with_an_odd_timestamp_is_copied_by_replay() -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("nan", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("hi", timestamp=float("nan")))
    tracker.update(UserUttered("after"))
    ours = tracker_copy.copy_tracker(tracker)
    theirs = tracker_copy.PATCH.rasa()(tracker)
    assert list(ours.events) == list(theirs.events) and len(ours.events) == 1
