"""RulePolicy's debug text of the states is Rasa's text whenever it is shown."""

from __future__ import annotations

import copy
import random

from bot.rasa_patches import lazy_state_text as patch
from bot.rasa_patches import tracker_states
from tests.bot.rasa_patches.conftest import random_events


def test_formatted_states_are_rasas_text_when_shown() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("fmt", domain.slots)
    for event in random_events(random.Random(3), 60):
        tracker.update(event)
    states = tracker_states.PATCH.rasa()(domain, tracker)
    rasa = patch.PATCH.rasa()(states)

    lazy = patch.format_tracker_states(states)

    assert str(lazy) == rasa and lazy == rasa and f"{lazy}" == rasa
    assert repr(lazy) == repr(rasa)
    assert copy.deepcopy(lazy) is lazy
    assert str(patch.format_tracker_states([])) == patch.PATCH.rasa()([])
