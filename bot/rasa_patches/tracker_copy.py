"""A tracker copied by taking its state, not by replaying every event into a new one.

Rasa copies the tracker before every action it runs (`DialogueStateTracker.copy` →
`travel_back_in_time`, which replays every event into a new tracker), so each turn costs more
the longer the conversation. A tracker's state is what its events made it, so the copy takes
that state directly: the same events (a new deque of the same objects, as the replay appends
them), each slot copied with its value, and the other fields the events set (`latest_*`,
`followup_action`, `active_loop`, paused). A tracker with an event that a replay would skip
(a timestamp that is not a number) is replayed, as Rasa does. `travel_back_in_time` is not
replaced; it is reviewed with this patch because it is what the copy reproduces.

The action-payload patch's kept event dicts are handed on to the copy (see
`growth.EVENT_DICTS_ATTRIBUTE`); they are only ever reused for the same event objects.

Measured (bench/results/rasa-patches.md, 120-turn conversations): +0.2 ± 0.3 ms/turn, near
the noise at that length; it grows with the conversation.

Kind: speed (an equal, independent tracker).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from bot.rasa_patches.base import Patch, Reviewed
from bot.rasa_patches.growth import EVENT_DICTS_ATTRIBUTE


def copy_tracker(self: Any) -> Any:
    """`DialogueStateTracker.copy` without replaying the events (see the module docstring)."""
    if any(not math.isfinite(event.timestamp) for event in self.events):
        return PATCH.rasa()(self)
    duplicate = self.init_copy()
    duplicate.events.extend(self.events)
    duplicate.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
    duplicate._paused = self._paused
    duplicate.followup_action = self.followup_action
    duplicate.latest_action = copy.copy(self.latest_action)
    duplicate.latest_message = self.latest_message
    duplicate.latest_bot_utterance = self.latest_bot_utterance
    duplicate.active_loop = copy.deepcopy(self.active_loop)
    if EVENT_DICTS_ATTRIBUTE in self.__dict__:
        duplicate.__dict__[EVENT_DICTS_ATTRIBUTE] = self.__dict__[EVENT_DICTS_ATTRIBUTE]
    return duplicate


PATCH = Patch(
    target="rasa.shared.core.trackers:DialogueStateTracker.copy",
    sha256="dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285",
    kind="speed",
    why=__doc__ or "",
    replacement=copy_tracker,
    relies_on=(
        Reviewed(
            "rasa.shared.core.trackers:DialogueStateTracker.travel_back_in_time",
            "09d16f28f007492f653b504cf2b6064dc453444c524799378609a85b04efd632",
        ),
    ),
)
