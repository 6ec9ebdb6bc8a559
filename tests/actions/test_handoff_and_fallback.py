from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker

from actions import deps
from actions.fallback import ActionHandleFallback
from actions.handoff import ActionHandleConflict, ActionHandoff, ActionOfferHuman
from bot.settings import get_settings
from tests.actions.conftest import Result, make_tracker, run, token_metadata, user_event
from tests.db import rows

OPEN = datetime(2024, 6, 5, 10, 0, tzinfo=timezone.utc)  # a Wednesday morning
CLOSED = datetime(2024, 6, 8, 22, 0, tzinfo=timezone.utc)  # a Saturday night


@pytest.fixture(autouse=True)
def office_hours() -> object:
    deps.override_clock(lambda: OPEN)
    yield
    deps.override_clock(None)


def offered(result: Result) -> bool:
    """The offer of a person is its own action, run next (a typed yes to it hands off)."""
    return {"event": "followup", "name": "action_offer_human"} in [
        {key: event.get(key) for key in ("event", "name")} for event in result.events
    ]


def handoff_rows(url: str) -> list[tuple]:
    return rows(url, "SELECT conversation_id, state, reasons, customer_id FROM handoffs")


async def test_first_misunderstanding_asks_to_rephrase(store: str) -> None:
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", text="blorf"))
    assert result.responses == ["utter_clarify"]


async def test_out_of_scope_says_so(store: str) -> None:
    result = await run(ActionHandleFallback(), make_tracker("out_of_scope", text="weather?"))
    assert result.responses == ["utter_out_of_scope"]


async def test_second_misunderstanding_in_a_row_offers_a_human(store: str) -> None:
    tracker = make_tracker("nlu_fallback", history=[user_event("nlu_fallback")])
    result = await run(ActionHandleFallback(), tracker)
    assert offered(result)
    assert handoff_rows(store) == []


async def test_an_understood_message_resets_the_count(store: str) -> None:
    history = [user_event("nlu_fallback"), user_event("greet")]
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", history=history))
    assert result.responses == ["utter_clarify"]


async def test_asking_for_a_human_records_the_handoff_with_reasons(store: str) -> None:
    history = [user_event("nlu_fallback"), user_event("out_of_scope")]
    tracker = make_tracker(
        "request_human",
        history=history,
        interaction_type="conflict",
        metadata=token_metadata("C0003"),
    )
    result = await run(ActionHandoff(), tracker)
    assert result.responses == ["utter_handoff_queued"]
    [(conversation, state, reasons, customer_id)] = handoff_rows(store)
    assert conversation == "conversation-1" and state == "queued" and customer_id is not None
    assert "explicit_request" in reasons and "repeated_fallback" in reasons


async def test_a_complaint_is_handed_off_as_a_conflict(store: str) -> None:
    tracker = make_tracker("complaint", interaction_type="conflict", text="terrible service")
    result = await run(ActionHandleConflict(), tracker)
    assert result.responses == ["utter_conflict_empathy", "utter_handoff_queued"]
    [(_, _, reasons, customer_id)] = handoff_rows(store)
    assert "conflict" in reasons and customer_id is None


async def test_late_delivery_of_a_known_customer_names_the_order(store: str) -> None:
    tracker = make_tracker(
        "late_delivery", interaction_type="conflict", metadata=token_metadata("C0002")
    )
    result = await run(ActionHandleConflict(), tracker)
    assert result.responses == [
        "utter_conflict_empathy",
        "utter_late_order",
        "utter_handoff_queued",
    ]
    assert result.message("utter_late_order")["order_number"] == "100004"


async def test_a_second_request_merges_into_the_same_handoff(store: str) -> None:
    tracker = make_tracker("request_human", interaction_type="conflict")
    await run(ActionHandoff(), tracker)
    await run(ActionHandoff(), tracker)
    assert len(handoff_rows(store)) == 1


async def test_outside_business_hours_a_ticket_is_created(store: str) -> None:
    deps.override_clock(lambda: CLOSED)
    result = await run(ActionHandoff(), make_tracker("request_human", text="a person please"))
    assert result.responses == ["utter_handoff_ticket"]
    assert "Monday" in result.message("utter_handoff_ticket")["next_open"]
    [(_, state, _, _)] = handoff_rows(store)
    assert state == "ticket"


async def test_the_customer_hears_their_place_in_the_queue(store: str) -> None:
    await run(ActionHandoff(), make_tracker("request_human", sender_id="first"))
    second = await run(ActionHandoff(), make_tracker("request_human", sender_id="second"))
    message = second.message("utter_handoff_queued")
    assert message["position"] == 2 and message["wait"] >= 1


async def test_a_mild_conflict_offers_a_person_instead_of_queueing(store: str) -> None:
    tracker = make_tracker("complaint", interaction_type="conflict", text="hmm")
    tracker.latest_message["interaction_type"]["confidence"] = 0.3
    result = await run(ActionHandleConflict(), tracker)
    assert result.responses == ["utter_conflict_empathy"] and offered(result)
    assert handoff_rows(store) == []


def close_handoffs(url: str) -> None:
    """An agent resolved every open handoff: the conversation is back with the bot."""
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE handoffs SET state = 'resolved'"))
    engine.dispose()


def from_client(client: str, sender: str) -> Tracker:
    return make_tracker("request_human", metadata={"cim_client": client}, sender_id=sender)


async def test_one_client_opens_at_most_its_quota_of_handoffs(store: str) -> None:
    cap = get_settings().handoff_max_per_client
    answers = [
        (await run(ActionHandoff(), from_client("flooder", f"flood-{n}"))).responses
        for n in range(cap + 3)
    ]

    assert answers == [["utter_handoff_queued"]] * cap + [["utter_handoff_limited"]] * 3
    assert len(handoff_rows(store)) == cap
    other = await run(ActionHandoff(), from_client("someone-else", "legit"))
    assert other.responses == ["utter_handoff_queued"]


async def test_one_conversation_opens_at_most_its_quota_of_handoffs(store: str) -> None:
    cap = get_settings().handoff_max_per_conversation
    for _ in range(cap):
        result = await run(ActionHandoff(), make_tracker("request_human"))
        assert result.responses == ["utter_handoff_queued"]
        close_handoffs(store)

    capped = await run(ActionHandoff(), make_tracker("request_human"))

    assert capped.responses == ["utter_handoff_limited"]
    assert len(handoff_rows(store)) == cap


async def test_asking_again_while_queued_costs_nothing(store: str) -> None:
    cap = get_settings().handoff_max_per_conversation
    for _ in range(cap + 2):
        result = await run(ActionHandoff(), make_tracker("request_human"))
        assert result.responses == ["utter_handoff_queued"]


async def test_the_quota_window_passes(store: str) -> None:
    cap = get_settings().handoff_max_per_client
    for n in range(cap):
        await run(ActionHandoff(), from_client("busy", f"busy-{n}"))
    window = get_settings().handoff_limit_window_seconds
    deps.override_clock(lambda: OPEN + timedelta(seconds=window + 1))

    later = await run(ActionHandoff(), from_client("busy", "busy-later"))

    assert later.responses == ["utter_handoff_queued"]


async def test_the_offer_of_a_person_asks_with_buttons(store: str) -> None:
    result = await run(ActionOfferHuman(), make_tracker("nlu_fallback", text="hmm"))
    assert result.responses == ["utter_offer_human"]


async def test_a_yes_to_the_offer_hands_off_with_that_reason(store: str) -> None:
    history = [user_event("nlu_fallback"), user_event("nlu_fallback")]
    result = await run(ActionHandoff(), make_tracker("affirm", text="go on then", history=history))
    assert result.responses == ["utter_handoff_queued"]
    [(_, state, reasons, _)] = handoff_rows(store)
    assert state == "queued" and "accepted_offer" in reasons


async def test_a_billing_dispute_the_classifier_missed_goes_to_billing(store: str) -> None:
    tracker = make_tracker(
        "nlu_fallback", text="there are two payments on my card for a single order"
    )
    result = await run(ActionHandleFallback(), tracker)
    assert result.responses == ["utter_conflict_empathy", "utter_handoff_queued"]
    [(team, priority, reasons)] = rows(store, "SELECT team, priority, reasons FROM handoffs")
    assert team == "billing" and priority == 1 and "billing_dispute" in reasons


async def test_a_legal_threat_in_a_complaint_is_served_first(store: str) -> None:
    tracker = make_tracker(
        "complaint", interaction_type="conflict", text="my solicitor will be in touch"
    )
    tracker.latest_message["interaction_type"]["confidence"] = 0.3
    await run(ActionHandleConflict(), tracker)
    [(priority, reasons)] = rows(store, "SELECT priority, reasons FROM handoffs")
    assert priority == 1 and "legal_threat" in reasons


async def test_a_shop_question_the_classifier_missed_is_answered_from_the_catalogue(
    store: str,
) -> None:
    result = await run(
        ActionHandleFallback(), make_tracker("nlu_fallback", text="do you guys do snowshoes")
    )
    assert result.responses == ["utter_product_not_sold"]
    assert result.message("utter_product_not_sold")["thing"] == "snowshoes"


async def test_misunderstood_again_while_frustrated_goes_to_a_person(store: str) -> None:
    history = [user_event("nlu_fallback", text="gnnnh")]
    tracker = make_tracker(
        "nlu_fallback", text="THIS IS RIDICULOUS, NOTHING WORKS", history=history
    )
    result = await run(ActionHandleFallback(), tracker)
    assert result.responses == ["utter_conflict_empathy", "utter_handoff_queued"]
    [(_, _, reasons, _)] = handoff_rows(store)
    assert "repeated_fallback" in reasons and "negative_words" in reasons


async def test_a_first_frustrated_misunderstanding_is_only_clarified(store: str) -> None:
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", text="ugh, useless"))
    assert result.responses == ["utter_clarify"]
    assert handoff_rows(store) == []


async def test_a_product_named_in_an_order_request_is_left_to_the_order_actions(
    store: str,
) -> None:
    text = "please send the headlamp order to my sister's place instead"
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", text=text))
    assert result.responses == ["utter_clarify"]


async def test_a_product_named_in_passing_is_no_product_question(store: str) -> None:
    text = "my son took the first aid kit camping last week"
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", text=text))
    assert result.responses == ["utter_clarify"]
