from __future__ import annotations

from actions import deps
from actions.account import (
    ActionAccountDetails,
    ActionLoyaltyBalance,
    ActionRefundStatus,
)
from actions.feedback import ActionRecordFeedback
from actions.greeting import ActionGreet
from actions.sales import ActionProductInfo, ActionRecommend, ActionUpgrade
from bot.store.db import session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.actions.conftest import entity, make_tracker, run, token_metadata
from tests.db import rows, scalar


async def test_anonymous_greeting_is_generic(store: str) -> None:
    result = await run(ActionGreet(), make_tracker("greet"))
    assert result.responses == ["utter_greet"]


async def test_known_customer_is_greeted_with_the_open_order(store: str) -> None:
    result = await run(ActionGreet(), make_tracker("greet", metadata=token_metadata("C0001")))
    assert result.responses == ["utter_greet_known_open_order"]
    message = result.message("utter_greet_known_open_order")
    assert message["first_name"] == "Maria" and message["order_number"].startswith("10000")


async def test_account_details_only_of_the_customer(store: str) -> None:
    result = await run(
        ActionAccountDetails(), make_tracker("account_details", metadata=token_metadata("C0002"))
    )
    assert result.message("utter_account_details")["email"] == "james.smith@example.com"


async def test_loyalty_balance_and_next_tier(store: str) -> None:
    result = await run(
        ActionLoyaltyBalance(), make_tracker("loyalty_points", metadata=token_metadata("C0001"))
    )
    assert result.responses == ["utter_loyalty_balance", "utter_loyalty_next_tier"]
    assert result.message("utter_loyalty_balance")["points"] == "2,450"


async def test_refund_status(store: str) -> None:
    result = await run(
        ActionRefundStatus(), make_tracker("refund_status", metadata=token_metadata("C0001"))
    )
    assert result.responses == ["utter_refund_line"]
    assert result.message("utter_refund_line")["order_number"] == "100003"


async def test_product_info_and_unknown_product(store: str) -> None:
    known = await run(
        ActionProductInfo(),
        make_tracker("product_question", entities=[entity("product", "alpine down jacket")]),
    )
    assert known.message("utter_product_info")["price"] == "$229.00"
    unknown = await run(
        ActionProductInfo(),
        make_tracker("product_question", entities=[entity("product", "<b>flux capacitor</b>")]),
    )
    assert unknown.responses == ["utter_product_unknown"]
    none = await run(ActionProductInfo(), make_tracker("product_question"))
    assert none.responses == ["utter_product_help"]


async def test_recommendations_are_personal_for_a_known_customer(store: str) -> None:
    personal = await run(
        ActionRecommend(), make_tracker("recommend_product", metadata=token_metadata("C0001"))
    )
    generic = await run(ActionRecommend(), make_tracker("recommend_product"))
    assert personal.responses[0] == "utter_recommend_intro_personal"
    assert generic.responses[0] == "utter_recommend_intro"
    bought = {"Trail Runner 2", "Wool Hiking Socks", "Alpine Down Jacket", "Daypack 22L"}
    names = [m["product_name"] for m in personal.messages if m.get("product_name")]
    assert names and not bought & set(names)


async def test_upgrade_mentions_the_next_tier_for_a_known_customer(store: str) -> None:
    result = await run(ActionUpgrade(), make_tracker("upgrade", metadata=token_metadata("C0001")))
    assert result.responses == [
        "utter_upgrade_info",
        "utter_loyalty_balance",
        "utter_loyalty_next_tier",
    ]


async def test_feedback_is_logged_with_its_text(store: str) -> None:
    await run(ActionRecordFeedback(), make_tracker("give_feedback", text="great shop, 5 stars"))
    details = scalar(
        store, "SELECT details FROM interactions WHERE action = 'action_record_feedback'"
    )
    assert "great shop, 5 stars" in str(details)


async def test_every_action_writes_the_interaction_log(store: str) -> None:
    await run(ActionGreet(), make_tracker("greet", interaction_type="informative"))
    [row] = rows(store, "SELECT intent, interaction_type, action, outcome FROM interactions")
    assert row == ("greet", "informative", "action_greet", "answered")


async def test_an_unreachable_store_gives_a_polite_message() -> None:
    factory = session_factory("postgresql+psycopg2://postgres@127.0.0.1:9/unreachable")
    deps.override_uow_factory(lambda: SqlAlchemyUnitOfWork(factory))
    try:
        result = await run(
            ActionLoyaltyBalance(), make_tracker("loyalty_points", metadata=token_metadata("C0001"))
        )
    finally:
        deps.override_uow_factory(None)
    assert result.responses == ["utter_store_unavailable"]


async def test_a_product_question_gives_price_and_stock_of_every_product_named(
    store: str,
) -> None:
    tracker = make_tracker(
        "product_question", text="is the camp stove mini or the compact binoculars cheaper?"
    )
    result = await run(ActionProductInfo(), tracker)
    names = [
        m["product_name"] for m in result.messages if m.get("response") == "utter_product_info"
    ]
    assert names == ["Camp Stove Mini", "Compact Binoculars"]
    assert result.message("utter_product_info")["stock_phrase"] == "in stock"
    assert result.messages[-1]["stock_phrase"] == "out of stock right now"


async def test_something_we_dont_sell_gets_a_plain_no(store: str) -> None:
    result = await run(
        ActionProductInfo(), make_tracker("product_question", text="do you sell fishing rods?")
    )
    assert result.responses == ["utter_product_not_sold"]
    assert result.message("utter_product_not_sold")["thing"] == "fishing rods"


async def test_praise_for_a_product_is_kept_as_feedback(store: str) -> None:
    text = "the merino base layer is brilliant, wore it all week"
    result = await run(ActionProductInfo(), make_tracker("product_question", text=text))
    assert result.responses == ["utter_feedback_thanks"]
    assert rows(store, "SELECT outcome FROM interactions") == [("feedback_recorded",)]


async def test_a_wish_for_a_product_is_not_taken_as_praise(store: str) -> None:
    text = "I'd like a good camp stove"
    result = await run(ActionProductInfo(), make_tracker("product_question", text=text))
    assert result.responses == ["utter_product_info"]


async def test_a_product_asked_for_by_its_kind_alone_is_answered(store: str) -> None:
    result = await run(ActionProductInfo(), make_tracker("product_question", text="headlamps?"))
    assert result.message("utter_product_info")["product_name"] == "Headlamp 400"


async def test_a_recommendation_respects_the_budget_and_says_it(store: str) -> None:
    text = "something for a hiker, I can spend up to $30"
    result = await run(ActionRecommend(), make_tracker("recommend_product", text=text))
    assert result.responses[0] == "utter_recommend_intro_budget"
    prices = [m["price"] for m in result.messages if m.get("response") == "utter_recommend_line"]
    assert prices and all(float(price.lstrip("$")) <= 30 for price in prices)


async def test_nothing_within_the_budget_is_said(store: str) -> None:
    text = "a gps gadget for under $20?"
    result = await run(ActionRecommend(), make_tracker("recommend_product", text=text))
    assert result.responses[0] == "utter_recommend_over_budget"


async def test_a_general_loyalty_question_needs_no_identity(store: str) -> None:
    text = "what perks come with VIP?"
    result = await run(ActionLoyaltyBalance(), make_tracker("loyalty_points", text=text))
    assert result.responses == ["utter_upgrade_info"]


async def test_how_the_scheme_works_needs_no_identity(store: str) -> None:
    for text in ("how many points does each dollar earn?", "what loyalty levels are there?"):
        result = await run(ActionLoyaltyBalance(), make_tracker("loyalty_points", text=text))
        assert result.responses == ["utter_upgrade_info"], text


async def test_ones_own_points_still_need_identity(store: str) -> None:
    text = "how many points have I got?"
    result = await run(ActionLoyaltyBalance(), make_tracker("loyalty_points", text=text))
    assert "utter_ask_email" in result.responses


async def test_a_signed_in_question_about_tiers_gets_the_scheme_and_the_balance(
    store: str,
) -> None:
    tracker = make_tracker(
        "loyalty_points", text="how do I reach gold?", metadata=token_metadata("C0001")
    )
    result = await run(ActionLoyaltyBalance(), tracker)
    assert result.responses[:2] == ["utter_upgrade_info", "utter_loyalty_balance"]


async def test_how_long_refunds_take_needs_no_identity(store: str) -> None:
    text = "how many days does a refund normally take?"
    result = await run(ActionRefundStatus(), make_tracker("refund_status", text=text))
    assert result.responses == ["utter_return_policy"]


async def test_a_product_question_taken_for_an_upgrade_is_answered_as_one(store: str) -> None:
    text = "could I still order the sleeping pad air?"
    result = await run(ActionUpgrade(), make_tracker("upgrade", text=text))
    assert result.message("utter_product_info")["product_name"] == "Sleeping Pad Air"
