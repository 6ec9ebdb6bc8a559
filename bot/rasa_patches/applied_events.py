"""A tracker's applied events resumed for a history that only grew.

`DialogueStateTracker.applied_events` is recomputed from the first event, with several
`isinstance` checks per event, several times a turn (every policy, every state
featurization), so its cost grows with the conversation. For a tracker that only grew since
the last call (same event objects, no new form name, see `growth.Seen`), the computation
resumes where it stopped; otherwise it starts again, as Rasa's does. Callers get a new list
each time, as from Rasa.

Measured (bench/results/rasa-patches.md, 120-turn conversations): +1.7 ms/turn (20 %).

Kind: speed (the same events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.rasa_patches.base import Patch
from bot.rasa_patches.growth import Seen

APPLIED_ATTRIBUTE = "_cim_applied_events"


@dataclass
class AppliedMemo:
    seen: Seen
    loop_names: frozenset[str]
    applied: list[Any]


def applied_events(self: Any) -> list[Any]:
    """`DialogueStateTracker.applied_events`, resumed for a tracker that only grew."""
    from rasa.shared.core.events import ActiveLoop

    events = self.events
    memo: AppliedMemo | None = self.__dict__.get(APPLIED_ATTRIBUTE)
    new = memo.seen.grown_by(events) if memo else None
    names = {e.name for e in new or () if isinstance(e, ActiveLoop) and e.name}
    if memo is None or new is None or not names <= memo.loop_names:
        new = list(events)
        loop_names = frozenset(e.name for e in new if isinstance(e, ActiveLoop) and e.name)
        memo = AppliedMemo(Seen(), loop_names, [])
    _apply(self, new, memo.loop_names, memo.applied)
    memo.seen.mark(events)
    self.__dict__[APPLIED_ATTRIBUTE] = memo
    return list(memo.applied)


def _apply(tracker: Any, events: list[Any], loop_names: frozenset[str], applied: list[Any]) -> None:
    """The loop of Rasa's `applied_events`, on `applied`, for `events` in order."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


PATCH = Patch(
    target="rasa.shared.core.trackers:DialogueStateTracker.applied_events",
    sha256="764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
    kind="speed",
    why=__doc__ or "",
    replacement=applied_events,
)
