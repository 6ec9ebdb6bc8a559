"""Checks of what the conversation did to the store: orders, refunds, handoffs.

They compare the snapshot taken right after a turn (or after the last one, for `end:`) with
the one taken when the conversation started, so "unchanged" means unchanged by this
conversation, and a change made to the wrong order shows up as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.evaluation.simulate.phrases import normalise
from tools.evaluation.simulate.record import Judge, TurnRecord
from tools.evaluation.simulate.store import Snapshot

Verdict = str | None


def _order_changes(number: str, start: Snapshot, now: Snapshot) -> list[str]:
    before, after = start.orders.get(number), now.orders.get(number)
    changes = []
    if before and after and before.status != after.status:
        changes.append(f"order {number} went from {before.status} to {after.status}")
    if before and after and before.address != after.address:
        address = ", ".join(part for part in after.address if part)
        changes.append(f"order {number}'s address became {address}")
    if start.refunds_for(number) != now.refunds_for(number):
        changes.append(f"order {number} got a refund ({now.refunds_for(number)[-1].status})")
    return changes


def order_state(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    number = judge.cast.orders[value["order"]].number
    order = turn.after.orders.get(number)
    if order is None:
        return f"order {number} is not in the store"
    if order.status != value["status"]:
        return f"order {number} is {order.status}, not {value['status']}"
    return None


def order_unchanged(value: tuple[str, ...], turn: TurnRecord, judge: Judge) -> Verdict:
    changes = [
        change
        for name in value
        for change in _order_changes(judge.cast.orders[name].number, judge.start, turn.after)
    ]
    return "; ".join(changes) or None


def order_address(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    number = judge.cast.orders[value["order"]].number
    order = turn.after.orders.get(number)
    if order is None:
        return f"order {number} is not in the store"
    stored = normalise(" ".join(order.address))
    missing = [part for part in value["contains"] if normalise(part) not in stored]
    if missing:
        return f"order {number}'s address is {', '.join(p for p in order.address if p)!r}"
    return None


def refund_requested(value: str, turn: TurnRecord, judge: Judge) -> Verdict:
    number = judge.cast.orders[value].number
    if len(turn.after.refunds_for(number)) > len(judge.start.refunds_for(number)):
        return None
    return f"no new refund for order {number}"


def store_unchanged(value: bool, turn: TurnRecord, judge: Judge) -> Verdict:
    numbers = sorted(set(judge.start.orders) | set(turn.after.orders))
    changes = [c for number in numbers for c in _order_changes(number, judge.start, turn.after)]
    return "; ".join(changes) or None


def handoff(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    handoffs = turn.after.handoffs
    if not handoffs:
        return "no handoff for this conversation"
    if "team" in value and not any(h.team == value["team"] for h in handoffs):
        return f"handed to team {handoffs[-1].team}, not {value['team']}"
    return None


def no_handoff(value: bool, turn: TurnRecord, judge: Judge) -> Verdict:
    handoffs = turn.after.handoffs
    if handoffs:
        reasons = ", ".join(handoffs[-1].reasons) or "no reason recorded"
        return f"handed off to team {handoffs[-1].team} ({handoffs[-1].state}; {reasons})"
    return None


def feedback_recorded(value: bool, turn: TurnRecord, judge: Judge) -> Verdict:
    if len(turn.after.feedback) > len(judge.start.feedback):
        return None
    return "no feedback kept for the team in this conversation"


StateCheck = Callable[[Any, TurnRecord, Judge], Verdict]
STATE_CHECKS: dict[str, StateCheck] = {
    "order_state": order_state,
    "order_unchanged": order_unchanged,
    "order_address": order_address,
    "refund_requested": refund_requested,
    "store_unchanged": store_unchanged,
    "handoff": handoff,
    "no_handoff": no_handoff,
    "feedback_recorded": feedback_recorded,
}
