"""What Rasa posts to the action server: earlier user messages without metadata or rankings.

Rasa's `RemoteAction._action_call_format` sends the whole tracker, every event as a dict
built anew for each call; at turn 200 that was most of an action turn's cost. Here the body
is built the same way, from `current_state` and `domain.as_dict()` as Rasa does, with two
differences:

- earlier user messages go without what our actions never read there (`intent_ranking`,
  `interaction_type_ranking`, `response_selector`, and the message metadata, in the event
  and in its parse data, which holds the customer's signed token), so the token is not
  copied into every call's history; the latest message goes whole, as
  `tracker.latest_message` (where `Turn.metadata` reads the token);
- the event dicts of a tracker that only grew (`growth.Seen`) are kept from the last call
  and only the new ones are built (the tracker-copy patch hands them on to the copy Rasa
  calls the action server with).

The contract (docs/architecture.md, "What an action receives") is governed by
CIM_ACTION_PAYLOAD (bot/settings.py): `slim` (the default) installs this patch, `full` leaves
it out, so actions get Rasa's own body, every message whole with its metadata (and the dicts
are built anew for each call, as Rasa does).

Measured (bench/results/rasa-patches.md, 120-turn conversations): +1.1 ± 0.8 ms/turn (0.7 in
an earlier run), growing with the conversation's length.

Kind: contract (a smaller body than Rasa's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.rasa_patches.base import Patch
from bot.rasa_patches.growth import EVENT_DICTS_ATTRIBUTE, Seen
from bot.settings import ACTION_PAYLOAD_SLIM, Settings

SETTING = "CIM_ACTION_PAYLOAD"
# What earlier user messages leave out in an action call.
SLIM_PARSE_KEYS = frozenset(
    {"intent_ranking", "interaction_type_ranking", "response_selector", "metadata"}
)


def slim_event(data: dict[str, Any]) -> dict[str, Any]:
    """An event dict as sent to the action server: a user message loses its rankings and
    metadata (new dicts; the event's own are left alone), anything else is unchanged."""
    if data.get("event") != "user":
        return data
    parse = data.get("parse_data") or {}
    return {
        **data,
        "metadata": {},
        "parse_data": {k: v for k, v in parse.items() if k not in SLIM_PARSE_KEYS},
    }


@dataclass
class EventDicts:
    seen: Seen
    dicts: list[dict[str, Any]]


def event_dicts(tracker: Any) -> list[dict[str, Any]]:
    """The tracker's events as slim dicts, reusing those built for a shorter history.

    The holder may have come from the tracker this one was copied from; whichever of them
    asks, it is only reused for events that are the same objects, in order."""
    events = tracker.events
    holder: EventDicts = tracker.__dict__.setdefault(EVENT_DICTS_ATTRIBUTE, EventDicts(Seen(), []))
    new = holder.seen.grown_by(events)
    kept = holder.dicts if new is not None else []
    holder.dicts = kept + [slim_event(e.as_dict()) for e in (new if new is not None else events)]
    holder.seen.mark(events)
    return list(holder.dicts)


def action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    """`RemoteAction._action_call_format` with kept, slimmer event dicts."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = event_dicts(tracker)
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def _wanted(settings: Settings) -> bool:
    return settings.action_payload == ACTION_PAYLOAD_SLIM


PATCH = Patch(
    target="rasa.core.actions.action:RemoteAction._action_call_format",
    sha256="428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492",
    kind="contract",
    why=__doc__ or "",
    replacement=action_call_format,
    setting=SETTING,
    wanted=_wanted,
)
