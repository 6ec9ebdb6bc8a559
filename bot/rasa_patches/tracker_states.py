"""The conversation's states resumed where the last prediction left them, not replayed.

RulePolicy and MemoizationPolicy featurize the whole conversation for every prediction
(`tracker.past_states` → `Domain.states_for_tracker_history`): each event is replayed into a
fresh tracker and a state computed before every action, and in Rasa 3.6 `max_history` slices
only after all states were computed. So a turn costs more the longer the conversation (at
turn 300, 40 % of it; policies were ~13 % of a 10-turn chat's CPU,
../shared/notes/rasa-capacity.md). The states before an action depend only on the events
before it, so for a tracker that only grew since the last call (same event objects, in
order: the tracker store hands the same tracker to each turn) the replay resumes where it
stopped and only the new states are computed. Anything else (a reverted or restarted
conversation, another tracker, other options) computes from scratch, as Rasa does. Callers
get copies: Rasa's featurizers edit the states they are given in place.

Measured (bench/results/rasa-patches.md, 120-turn conversations): +3.8 ms/turn (33 %).

Kind: speed (the same states).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from bot.rasa_patches.base import Patch

MEMO_ATTRIBUTE = "_cim_states_memo"


@dataclass
class StatesMemo:
    """Where `states_for_tracker_history` stopped for one tracker and one set of options."""

    domain: Any
    options: tuple[bool, bool, Any]
    events: list[Any]  # the applied events already replayed (the objects themselves)
    replay: Any  # a tracker with exactly those events applied
    states: list[Any]  # the states before each ActionExecuted among them
    last_ml_action: Any = None
    turn_was_hidden: bool = False


def _memo_for(
    tracker: Any, domain: Any, options: tuple[bool, bool, Any], applied: list[Any]
) -> StatesMemo:
    """The tracker's memo for these options, or a fresh one where it cannot resume."""
    # RulePolicy builds a new, equal rule_only_data dict for every call: compare by value.
    key = (options[0], options[1], json.dumps(options[2], sort_keys=True, default=str))
    memos: dict[Any, StatesMemo] = tracker.__dict__.setdefault(MEMO_ATTRIBUTE, {})
    memo = memos.get(key)
    if (
        memo is None
        or memo.domain is not domain
        or len(memo.events) > len(applied)
        or any(old is not new for old, new in zip(memo.events, applied, strict=False))
    ):
        memo = memos[key] = StatesMemo(domain, options, [], tracker.init_copy(), [])
    memo.options = options
    return memo


def _state_step(domain: Any, memo: StatesMemo, tracker: Any, hide_rule_turn: bool) -> None:
    """One iteration of Rasa's loop in `states_for_tracker_history`, on `memo`."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    omit_unset_slots, ignore_rule_only_turns, rule_only_data = memo.options
    if ignore_rule_only_turns:
        if not memo.turn_was_hidden:
            memo.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            memo.turn_was_hidden = hide_rule_turn
        if memo.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if memo.states:
            domain._substitute_rule_only_user_input(state, memo.states[-1])
        if memo.last_ml_action:
            state[PREVIOUS_ACTION] = memo.last_ml_action
    memo.states.append(domain._clean_state(state))


def states_for_tracker_history(
    self: Any,
    tracker: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[Any]:
    """`Domain.states_for_tracker_history`, resuming the replay where the last call stopped."""
    from rasa.shared.core.events import ActionExecuted

    applied = tracker.applied_events()
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    memo = _memo_for(tracker, self, options, applied)
    for event in applied[len(memo.events) :]:
        if isinstance(event, ActionExecuted):
            _state_step(self, memo, memo.replay, event.hide_rule_turn)
        memo.replay.update(event)
        memo.events.append(event)
    # The state after the last event is not kept (the next event may not be an action).
    final = copy.copy(memo)
    final.states = [_copy_state(state) for state in memo.states]
    _state_step(self, final, memo.replay, False)
    return final.states


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A state's sub-states hold only immutable values: two levels make it independent."""
    return {key: dict(sub) if isinstance(sub, dict) else sub for key, sub in state.items()}


PATCH = Patch(
    target="rasa.shared.core.domain:Domain.states_for_tracker_history",
    sha256="035111ce73ac90ba50e143abf556f924af07d9f452893f5a96a62895d44df8b7",
    kind="speed",
    why=__doc__ or "",
    replacement=states_for_tracker_history,
)
