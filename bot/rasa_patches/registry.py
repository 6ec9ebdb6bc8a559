"""Every Rasa patch of this project, in the order they are installed.

Order matters only for readability (each patch replaces a different function); the list is
what `install`, the tests and `python -m tools.rasa_upgrade_check` walk.
"""

from __future__ import annotations

from bot.rasa_patches import (
    action_payload,
    action_result_validation,
    action_sessions,
    action_timeout,
    applied_events,
    domain_is_empty,
    event_types,
    graph_runner,
    lazy_state_text,
    rule_keys,
    tracker_copy,
    tracker_states,
)
from bot.rasa_patches.base import Patch

PATCHES: tuple[Patch, ...] = (
    # The action-server hop.
    action_result_validation.PATCH,
    action_sessions.PATCH,
    action_timeout.PATCH,  # contract: CIM_ACTION_TIMEOUT_SECONDS
    action_payload.PATCH,  # contract: CIM_ACTION_PAYLOAD
    # The model's graph and the policies.
    graph_runner.PATCH,
    tracker_states.PATCH,
    rule_keys.PATCH,
    lazy_state_text.PATCH,
    domain_is_empty.PATCH,
    # Trackers and events.
    event_types.PATCH,
    tracker_copy.PATCH,
    applied_events.PATCH,
)


def by_label(label: str) -> Patch:
    """The patch that replaces "Class.function"."""
    for patch in PATCHES:
        if patch.label == label:
            return patch
    raise KeyError(label)
