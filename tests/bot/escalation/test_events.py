from __future__ import annotations

from typing import Any

from bot.escalation import EscalationPolicy, decide, signals_from_events
from bot.escalation.events import fallback_streak


def user(text: str, intent: str, message_id: str | None = None, **parse: Any) -> dict[str, Any]:
    parse_data = {"intent": {"name": intent, "confidence": 0.9}, "text": text, **parse}
    event = {"event": "user", "text": text, "parse_data": parse_data}
    if message_id:
        event["message_id"] = message_id
    return event


def latest_of(event: dict[str, Any]) -> dict[str, Any]:
    """What `tracker.latest_message` holds for a user event."""
    return {**event["parse_data"], "message_id": event.get("message_id")}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


def test_two_misunderstandings_then_a_request_for_a_person() -> None:
    request = user("/request_human", "request_human", "m3")
    events = [
        user("blorp", "nlu_fallback", "m1"),
        bot("Sorry?"),
        user("zzz qqq", "nlu_fallback", "m2"),
        bot("Want a person?"),
        request,
    ]
    signals = signals_from_events(events, latest_of(request), "standard")
    assert signals.consecutive_fallbacks == 2
    assert signals.explicit_request is True
    assert signals.latest_text == ""  # a button payload is no wording
    assert signals.recent_texts == ("blorp", "zzz qqq")


def test_the_latest_message_is_not_counted_twice() -> None:
    first = user("where is my parcel", "order_status", "m1")
    second = user("where is my parcel", "order_status", "m2")
    signals = signals_from_events([first, bot("..."), second], latest_of(second), None)
    assert signals.recent_texts == ("where is my parcel",)
    assert decide(signals, EscalationPolicy()).codes == ("repetition",)


def test_without_message_ids_the_latest_is_matched_by_text_and_intent() -> None:
    only = user("hello", "greet")
    signals = signals_from_events([only], latest_of(only), None)
    assert signals.recent_texts == ()


def test_a_latest_message_missing_from_the_events_still_counts() -> None:
    earlier = user("asdf", "nlu_fallback", "m1")
    latest = latest_of(user("qwer", "nlu_fallback", "m2"))
    assert signals_from_events([earlier], latest, None).consecutive_fallbacks == 2


def test_the_classifiers_type_and_confidence_are_used() -> None:
    typed = user("my parcel came broken", "damaged_item", "m1")
    typed["parse_data"]["interaction_type"] = {"name": "conflict", "confidence": 0.83}
    signals = signals_from_events([typed], latest_of(typed), "vip")
    assert (signals.interaction_type, signals.interaction_confidence) == ("conflict", 0.83)
    decision = decide(signals, EscalationPolicy())
    assert decision.codes == ("conflict", "vip") and decision.team == "orders"


def test_an_untyped_button_is_typed_by_its_intent() -> None:
    button = user("/complaint", "complaint", "m1")
    signals = signals_from_events(
        [button], latest_of(button), None, type_of=lambda intent: "conflict"
    )
    assert (signals.interaction_type, signals.interaction_confidence) == ("conflict", None)
    assert signals_from_events([button], latest_of(button), None).interaction_type is None


def test_a_rejected_action_since_the_last_message_is_a_failure() -> None:
    message = user("change my address", "change_address", "m1")
    rejected = {"event": "action_execution_rejected", "name": "address_form"}
    assert signals_from_events([message, rejected], latest_of(message), None).failed_action
    earlier = [rejected, message]
    assert not signals_from_events(earlier, latest_of(message), None).failed_action
    assert signals_from_events(earlier, latest_of(message), None, failed_action=True).failed_action


def test_recent_intents_are_newest_first_for_routing() -> None:
    events = [user("refund?", "refund_status", "m1"), user("hm", "greet", "m2")]
    request = user("a person please", "request_human", "m3")
    signals = signals_from_events([*events, request], latest_of(request), None)
    assert signals.recent_intents == ("greet", "refund_status")
    assert decide(signals, EscalationPolicy()).team == "billing"


def test_fallback_streak() -> None:
    assert fallback_streak(["nlu_fallback", "nlu_fallback"], "request_human") == 2
    assert fallback_streak(["nlu_fallback", "greet"], "out_of_scope") == 1
    assert fallback_streak(["nlu_fallback", "greet"], "request_human") == 0
    assert fallback_streak([], None) == 0


def test_odd_events_do_not_break_the_signals() -> None:
    events: list[dict[str, Any]] = [{"event": "user"}, {"event": "user", "text": None}, {}]
    signals = signals_from_events(events, {}, None)
    assert signals.intent is None and signals.latest_text == ""
