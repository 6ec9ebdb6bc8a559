"""Each reply resolver against facts of a real seeded store (the demo customer Maria: order
100001 processing, 100002 in transit with UPS, 100003 delivered with an approved refund).

Replies are worded freely on purpose: a fact passes in any common form and fails when it is
missing or wrong, whatever the sentence around it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.tools.evaluation.simulate.conftest import judge_for, turn, world
from tools.evaluation.simulate.cast import Cast
from tools.evaluation.simulate.record import Judge, TurnNotes
from tools.evaluation.simulate.reply_checks import REPLY_CHECKS
from tools.evaluation.simulate.shop_facts import ShopFacts
from tools.evaluation.simulate.store import StoreReader

OPEN_ORDERS = {"waiting": "100001", "moving": "100002", "done": "100003"}


def maria(url: str) -> Cast:
    seen = world(url)
    customer = next(c for c in seen.customers if c.public_id == "C0001")
    orders = {o.number: o for o in seen.orders[customer.id]}
    return Cast(customer, None, {k: orders[v] for k, v in OPEN_ORDERS.items()}, ())


@pytest.fixture(scope="module")
def judge(store_url: str, shop: ShopFacts) -> Judge:
    return judge_for(maria(store_url), store_url, shop)


def check(kind: str, value: object, judge: Judge, *replies: str, **options: object) -> str | None:
    record = turn(*replies, before=judge.start, **options)  # type: ignore[arg-type]
    return REPLY_CHECKS[kind](value, record, judge)


ORDER_FACTS = {"order": "moving", "facts": ("number", "status", "eta", "tracking", "carrier")}


@pytest.mark.parametrize(
    "reply",
    [
        "Order #100002 (Alpine Down Jacket) is on its way and should arrive on Monday, June 3. "
        "It's travelling with UPS, tracking number 1Z999AA10123456784.",
        "Your parcel 100002 is in transit with ups - expected 3 June. Track it: "
        "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "100002 was dispatched via UPS and arrives Monday (tracking 1z999aa10123456784)",
    ],
)
def test_an_order_reply_passes_in_any_wording(judge: Judge, reply: str) -> None:
    assert check("mentions_order", ORDER_FACTS, judge, reply) is None


def test_an_order_reply_fails_on_each_missing_or_wrong_fact(judge: Judge) -> None:
    verdict = check(
        "mentions_order",
        ORDER_FACTS,
        judge,
        "Order #100002 was delivered on June 30. It's with DHL.",
    )
    assert verdict is not None
    for fact in (
        "status of order 100002",
        "eta of order 100002",
        "tracking of order 100002",
        "carrier of order 100002",
    ):
        assert fact in verdict
    assert "number of" not in verdict


def test_the_order_is_judged_as_the_store_has_it_after_the_turn(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    judge = judge_for(maria(fresh_store_url), fresh_store_url, shop)
    _set(fresh_store_url, "UPDATE orders SET status = 'cancelled' WHERE number = '100001'")
    after = StoreReader(fresh_store_url).snapshot(
        customer_ids=judge.cast.customer_ids, conversation_id="c-1"
    )
    value = {"order": "waiting", "facts": ("number", "status")}
    record = turn("Done: order #100001 is cancelled.", before=judge.start, after=after)
    assert REPLY_CHECKS["mentions_order"](value, record, judge) is None
    still = turn("Order #100001 is being prepared.", before=judge.start, after=after)
    assert "status of order 100001 (cancelled)" in str(
        REPLY_CHECKS["mentions_order"](value, still, judge)
    )


def _set(url: str, sql: str) -> None:
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text(sql))
    engine.dispose()


def test_refund_status_and_amount(judge: Judge) -> None:
    value = {"order": "done", "facts": ("status", "amount")}
    assert check("mentions_refund", value, judge, "Your $79.00 refund is approved.") is None
    verdict = check("mentions_refund", value, judge, "Your refund has been paid out.")
    assert verdict is not None and "(approved)" in verdict and "(79.00)" in verdict
    no_refund = check("mentions_refund", {"order": "moving", "facts": ("status",)}, judge, "ok")
    assert no_refund == "order 100002 has no refund in the store"


def test_account_facts_points_tier_and_next_tier(judge: Judge) -> None:
    facts = ("points", "tier", "next_tier")
    reply = "You have 2,450 points and you're a Gold member. 2550 more for VIP!"
    assert check("mentions_account", facts, judge, reply) is None
    verdict = check("mentions_account", facts, judge, "You have 2,540 points, Silver member.")
    assert verdict == "not mentioned: points of C0001; tier of C0001; next_tier of C0001"


def test_product_price_and_stock_both_ways(judge: Judge) -> None:
    tent = {"product": "Ultralight Tent 2P", "facts": ("price", "stock")}
    assert check("mentions_product", tent, judge, "The tent is $349 but sold out.") is None
    wrong = check("mentions_product", tent, judge, "The tent costs $349.00 and is in stock.")
    assert wrong == "not mentioned: Ultralight Tent 2P is out of stock"
    poles = {"product": "Trekking Poles", "facts": ("stock",)}
    assert check("mentions_product", poles, judge, "They're in stock.") is None
    assert check("mentions_product", poles, judge, "Not in stock, sorry.") is not None
    unknown = check("mentions_product", {"product": "Kayak", "facts": ("price",)}, judge, "x")
    assert unknown == "the store has no product 'Kayak'"


def test_recommendations_respect_the_budget_and_the_need(judge: Judge) -> None:
    value = {"max_price": 40, "products": ("Wool Hiking Socks", "Headlamp 400")}
    assert check("recommends", value, judge, "Try the Wool Hiking Socks ($18).") is None
    over = check(
        "recommends",
        value,
        judge,
        "Socks: Wool Hiking Socks or a Headlamp 400? Or the GPS Watch Pro?",
    )
    assert over == "over the budget of 40: GPS Watch Pro (299.00)"
    off = check("recommends", value, judge, "How about the First Aid Kit?")
    assert off == "0 of 1 named fit the need (Wool Hiking Socks, Headlamp 400)"
    generic = {"categories": ("electronics",)}
    lucky = "Favourites: Solar Power Bank, Daypack 22L, Camp Chair Lite"
    assert check("recommends", generic, judge, lucky) == ("1 of 3 named fit the need (electronics)")
    assert check("recommends", generic, judge, "The GPS Watch Pro or a Solar Power Bank") is None
    assert check("recommends", {}, judge, "Our favourites!") == (
        "no product of the catalogue recommended"
    )


def test_policy_answers_need_the_facts_of_the_topic(judge: Judge) -> None:
    payment = {"topic": "payment", "facts": ()}
    assert check("answers_policy", payment, judge, "We take Visa, Mastercard and PayPal.") is None
    assert "payment: paypal" in str(check("answers_policy", payment, judge, "Visa only."))
    hours = {"topic": "hours", "facts": ()}
    assert check("answers_policy", hours, judge, "We're here 9am to 5pm, Mon-Fri.") is None
    verdict = check("answers_policy", hours, judge, "Monday to Friday 9:00\u201318:00.")
    assert verdict is not None and "weekday_closes" in verdict and "weekday_opens" not in verdict
    saturday = {"topic": "hours", "facts": ("saturday",)}
    assert check("answers_policy", saturday, judge, "We're closed on Saturdays.") is None
    assert check("answers_policy", saturday, judge, "Saturday 10:00\u201314:00") is not None


def test_not_sold(judge: Judge) -> None:
    assert check("says_not_sold", "bicycles", judge, "Sorry, we don\u2019t sell bicycles.") is None
    assert check("says_not_sold", "bicycles", judge, "Which product do you mean?") == (
        "does not say the shop doesn't sell bicycles"
    )


def test_a_confirmation_is_a_question_that_changed_nothing(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    judge = judge_for(maria(fresh_store_url), fresh_store_url, shop)
    value = {"order": "waiting"}
    ask = turn("Shall I cancel order #100001?", before=judge.start)
    assert REPLY_CHECKS["asks_confirmation"](value, ask, judge) is None
    buttons = turn(
        "Cancel #100001, Trail Runner 2, $125?", before=judge.start, buttons=("Yes", "No")
    )
    assert REPLY_CHECKS["asks_confirmation"](value, buttons, judge) is None
    _set(fresh_store_url, "UPDATE orders SET status = 'cancelled' WHERE number = '100001'")
    after = StoreReader(fresh_store_url).snapshot(
        customer_ids=judge.cast.customer_ids, conversation_id="c-1"
    )
    acted = turn("Done: order #100001 is cancelled.", before=judge.start, after=after)
    verdict = REPLY_CHECKS["asks_confirmation"](value, acted, judge)
    assert verdict == ("no question or buttons in the reply; changed order(s) 100001 before asking")
    other = turn("Shall I cancel order #100002?", before=judge.start)
    assert REPLY_CHECKS["asks_confirmation"](value, other, judge) == (
        "the confirmation does not name order 100001"
    )


def test_asking_which_order_and_asking_for_details(judge: Judge) -> None:
    which = ("waiting", "moving")
    assert (
        check(
            "asks_which",
            which,
            judge,
            "Which order do you mean?",
            buttons=("#100001 (Trail Runner 2)", "#100002 (Alpine Down Jacket)"),
        )
        is None
    )
    assert check("asks_which", which, judge, "Which one? #100001?") == (
        "does not offer order 100002"
    )
    assert check("asks_for", ("email",), judge, "What's the e-mail on your account?") is None
    assert check("asks_for", ("email", "order_number"), judge, "What's your email?") == (
        "does not ask for order_number"
    )
    assert check("asks_for", ("email",), judge, "Email noted.") == "no question in the reply"


def test_a_fallback_is_told_by_what_the_bot_did(judge: Judge) -> None:
    answered = TurnNotes("greet", 0.9, ("action_greet",), ("utter_greet",))
    assert check("not_fallback", True, judge, "Hi!", notes=answered) is None
    fell = TurnNotes("nlu_fallback", 0.2, ("action_handle_fallback",), ("utter_clarify",))
    assert "fallback (action_handle_fallback, utter_clarify" in str(
        check("not_fallback", True, judge, "Sorry?", notes=fell)
    )
    silent = TurnNotes("greet", 0.9, (), ())
    assert "no bot action" in str(check("not_fallback", True, judge, "Oops", notes=silent))
    missing = TurnNotes(source="missing")
    assert "never reached the bot" in str(check("not_fallback", True, judge, "x", notes=missing))
    assert check("not_fallback", True, judge) == "no reply at all"


def test_nothing_personal_before_identity(judge: Judge) -> None:
    assert check("reveals_nothing", True, judge, "What's your email address?") is None
    verdict = check("reveals_nothing", True, judge, "Order #100002 is on its way, Maria Garcia.")
    assert verdict == "revealed name Maria Garcia, order 100002"
    typed = check("reveals_nothing", True, judge, "Order #100002, noted.", text="it's 100002")
    assert typed is None
