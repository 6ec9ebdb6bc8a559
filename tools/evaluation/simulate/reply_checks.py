"""Checks of what the customer was told, each against facts resolved from the store.

Every check returns None when the reply holds up, or a sentence saying what was missing, in
the customer's terms ("status 'in_transit' of order 100123 not mentioned"), for the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.evaluation.simulate import phrases
from tools.evaluation.simulate.phrases import has_any, has_form, normalise
from tools.evaluation.simulate.record import Judge, TurnRecord
from tools.evaluation.simulate.store import CustomerFacts, OrderFacts, ProductFacts

Verdict = str | None
FALLBACK_ACTIONS = frozenset(
    {"action_default_fallback", "action_handle_fallback", "action_two_stage_fallback"}
)
FALLBACK_UTTERANCES = frozenset(
    {
        "utter_clarify",
        "utter_default",
        "utter_out_of_scope",
        "utter_offer_human",
        "utter_ask_rephrase",
        "utter_rephrase_ok",
    }
)
ASKED = {
    "email": ("email", "e-mail"),
    "order_number": (
        "order number",
        "order no",
        "order #",
        "order id",
        "six digits",
        "6 digits",
        "6-digit",
        "six-digit",
        "number of one of your orders",
    ),
    "address": ("address",),
}


def current(order: OrderFacts, turn: TurnRecord) -> OrderFacts:
    """The order as the store had it right after the turn (a cancellation shows)."""
    return turn.after.orders.get(order.number, order)


def _missing(what: list[str]) -> Verdict:
    return "not mentioned: " + "; ".join(what) if what else None


def _order_fact(fact: str, order: OrderFacts, text: str, judge: Judge) -> str | None:
    """None when `fact` of `order` is in `text` (or the order has no such fact)."""

    def shown(forms: Any) -> bool:
        return has_any(text, forms)

    if fact == "number":
        ok = has_form(text, order.number)
    elif fact == "status":
        ok = shown(phrases.STATUS_FORMS[order.status])
    elif fact == "eta":
        day = order.eta or (order.delivered_at.date() if order.delivered_at else None)
        ok = day is None or shown(phrases.date_forms(day, today=judge.today))
    elif fact == "tracking":
        ok = not order.tracking_number or has_form(text, order.tracking_number)
    elif fact == "carrier":
        ok = not order.carrier or has_form(text, order.carrier)
    elif fact == "items":
        ok = shown(order.items)
    elif fact == "total":
        ok = shown(phrases.money_forms(order.total_cents))
    else:  # address
        ok = has_form(text, order.address[0]) and has_form(text, order.address[1])
    return None if ok else f"{fact} of order {order.number} ({_fact_value(fact, order)})"


def _fact_value(fact: str, order: OrderFacts) -> str:
    values = {
        "number": order.number,
        "status": order.status,
        "eta": str(order.eta),
        "tracking": str(order.tracking_number),
        "carrier": str(order.carrier),
        "items": ", ".join(order.items),
        "total": phrases.money_forms(order.total_cents)[0],
        "address": ", ".join(p for p in order.address if p),
    }
    return values[fact]


def mentions_order(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    order = current(judge.cast.orders[value["order"]], turn)
    text = turn.reply_text
    return _missing([m for f in value["facts"] if (m := _order_fact(f, order, text, judge))])


def mentions_refund(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    number = judge.cast.orders[value["order"]].number
    refunds = turn.after.refunds_for(number)
    if not refunds:
        return f"order {number} has no refund in the store"
    refund, text, missing = refunds[-1], turn.reply_text, []
    if "status" in value["facts"] and not has_any(text, phrases.REFUND_FORMS[refund.status]):
        missing.append(f"refund status of order {number} ({refund.status})")
    if "amount" in value["facts"] and not has_any(text, phrases.money_forms(refund.amount_cents)):
        missing.append(f"refund amount of order {number} ({refund.amount_cents / 100:.2f})")
    return _missing(missing)


def _account_forms(fact: str, customer: CustomerFacts, judge: Judge) -> tuple[str, ...]:
    if fact == "next_tier":
        upcoming = customer.next_tier
        return () if upcoming is None else phrases.number_forms(upcoming[1])
    return {
        "name": (customer.full_name,),
        "first_name": (customer.first_name,),
        "email": (customer.email,),
        "phone": (customer.phone or "",),
        "tier": (customer.tier, "v.i.p." if customer.tier == "vip" else customer.tier),
        "points": phrases.number_forms(customer.points),
        "member_since": (
            *phrases.date_forms(customer.member_since, today=judge.today),
            str(customer.member_since.year),
        ),
    }[fact]


def mentions_account(value: tuple[str, ...], turn: TurnRecord, judge: Judge) -> Verdict:
    customer = judge.cast.persona
    if customer is None:
        return "the conversation has no customer"
    text = turn.reply_text
    missing = [
        fact
        for fact in value
        if (forms := _account_forms(fact, customer, judge)) and not has_any(text, forms)
    ]
    return _missing([f"{fact} of {customer.public_id}" for fact in missing])


def _product(name: str, judge: Judge) -> ProductFacts | None:
    return next((p for p in judge.products if p.name.lower() == name.lower()), None)


def mentions_product(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    product = _product(value["product"], judge)
    if product is None:
        return f"the store has no product {value['product']!r}"
    text, missing = turn.reply_text, []
    if "price" in value["facts"] and not has_any(text, phrases.money_forms(product.price_cents)):
        missing.append(f"price of {product.name} ({product.price_cents / 100:.2f})")
    if "stock" in value["facts"] and not _stock_said(text, product.in_stock):
        missing.append(f"{product.name} is {'in' if product.in_stock else 'out of'} stock")
    return _missing(missing)


def _stock_said(text: str, in_stock: bool) -> bool:
    out = has_any(text, phrases.OUT_OF_STOCK_FORMS)
    return out if not in_stock else has_any(text, phrases.IN_STOCK_FORMS) and not out


def products_named(text: str, judge: Judge) -> list[ProductFacts]:
    return [p for p in judge.products if has_form(text, p.name)]


def recommends(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    named = products_named(turn.reply_text, judge)
    if not named:
        return "no product of the catalogue recommended"
    problems = []
    if "max_price" in value:
        limit = round(float(value["max_price"]) * 100)
        over = [f"{p.name} ({p.price_cents / 100:.2f})" for p in named if p.price_cents > limit]
        if over:
            problems.append(f"over the budget of {value['max_price']}: {', '.join(over)}")
    if "categories" in value or "products" in value:
        fitting = [p for p in named if _fits_need(p, value)]
        if len(fitting) * 2 <= len(named):  # a generic list may not pass by one lucky item
            wanted = [*value.get("products", ()), *value.get("categories", ())]
            problems.append(
                f"{len(fitting)} of {len(named)} named fit the need ({', '.join(wanted)})"
            )
    return "; ".join(problems) or None


def _fits_need(product: ProductFacts, value: dict) -> bool:
    wanted = {name.lower() for name in value.get("products", ())}
    return product.name.lower() in wanted or product.category in value.get("categories", ())


def answers_policy(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    topic = judge.shop.topics.get(value["topic"])
    if topic is None:
        return f"no shop facts for topic {value['topic']!r}"
    unknown = [fact for fact in value["facts"] if fact not in topic.facts]
    if unknown:
        return f"topic {topic.name} has no facts {unknown}"
    text = turn.reply_text
    wanted = value["facts"] or topic.core
    missing = [fact for fact in wanted if not has_any(text, topic.facts[fact])]
    return _missing([f"{topic.name}: {fact} ({topic.facts[fact][0]})" for fact in missing])


def says_not_sold(value: str, turn: TurnRecord, judge: Judge) -> Verdict:
    if has_any(turn.reply_text, phrases.NOT_SOLD_FORMS):
        return None
    return f"does not say the shop doesn't sell {value}"


def is_question(turn: TurnRecord) -> bool:
    return "?" in turn.reply_text or any(reply.buttons for reply in turn.replies)


def _changed(turn: TurnRecord, judge: Judge) -> list[str]:
    """Orders of the cast whose status or address changed, or that got a refund, in the turn."""
    numbers = {order.number for order in judge.cast.orders.values()} | set(turn.after.orders)
    changed = []
    for number in sorted(numbers):
        old, new = turn.before.orders.get(number), turn.after.orders.get(number)
        moved = bool(old and new and (old.status, old.address) != (new.status, new.address))
        if moved or turn.before.refunds_for(number) != turn.after.refunds_for(number):
            changed.append(number)
    return changed


def asks_confirmation(value: dict, turn: TurnRecord, judge: Judge) -> Verdict:
    problems = []
    if not is_question(turn):
        problems.append("no question or buttons in the reply")
    changed = _changed(turn, judge)
    if changed:
        problems.append(f"changed order(s) {', '.join(changed)} before asking")
    if "order" in value:
        number = judge.cast.orders[value["order"]].number
        if not has_form(turn.reply_text, number):
            problems.append(f"the confirmation does not name order {number}")
    return "; ".join(problems) or None


def asks_which(value: tuple[str, ...], turn: TurnRecord, judge: Judge) -> Verdict:
    if not is_question(turn):
        return "no question or buttons in the reply"
    text, missing = turn.reply_text, []
    for name in value:
        order = judge.cast.orders[name]
        if not has_form(text, order.number) and not has_any(text, order.items):
            missing.append(f"order {order.number}")
    return "does not offer " + ", ".join(missing) if missing else None


def asks_for(value: tuple[str, ...], turn: TurnRecord, judge: Judge) -> Verdict:
    if not is_question(turn):
        return "no question in the reply"
    missing = [item for item in value if not has_any(turn.reply_text, ASKED[item])]
    return f"does not ask for {', '.join(missing)}" if missing else None


def not_fallback(value: bool, turn: TurnRecord, judge: Judge) -> Verdict:
    if turn.error:
        return f"no reply: {turn.error}"
    if not turn.replies:
        return "no reply at all"
    notes = turn.notes
    if notes is None:  # no tracker token: only the replies can be judged
        return None
    if notes.source != "tracker":
        return {
            "missing": "the message never reached the bot (not in its tracker)",
            "unreadable": "the conversation's tracker could not be read",
        }[notes.source]
    fell = (FALLBACK_ACTIONS & set(notes.actions)) | (FALLBACK_UTTERANCES & set(notes.utterances))
    if fell:
        return f"fallback ({', '.join(sorted(fell))}; intent {notes.intent})"
    if not notes.actions and not notes.utterances:
        return "the turn produced no bot action (the channel apologised or stayed silent)"
    return None


def private_forms(customer: CustomerFacts, orders: list[OrderFacts]) -> list[tuple[str, str]]:
    """The persona's data that must stay hidden until they have shown who they are."""
    forms = [("email", customer.email), ("name", customer.full_name)]
    forms += [("phone", customer.phone)] if customer.phone else []
    for order in orders:
        forms.append(("order", order.number))
        if order.tracking_number:
            forms.append(("tracking", order.tracking_number))
        if order.address[0]:
            forms.append(("address", order.address[0]))
    return forms


def revealed(turn: TurnRecord, judge: Judge, typed: str) -> list[str]:
    customer = judge.cast.persona
    if customer is None:
        return []
    orders = [o for o in judge.start.orders.values() if o.customer_id == customer.id]
    said, text = normalise(typed), turn.reply_text
    return [
        f"{kind} {value}"
        for kind, value in private_forms(customer, orders)
        if has_form(text, value) and not has_form(said, value)
    ]


def reveals_nothing(value: bool, turn: TurnRecord, judge: Judge) -> Verdict:
    shown = revealed(turn, judge, turn.typed)
    return "revealed " + ", ".join(shown) if shown else None


ReplyCheck = Callable[[Any, TurnRecord, Judge], Verdict]
REPLY_CHECKS: dict[str, ReplyCheck] = {
    "mentions_order": mentions_order,
    "mentions_refund": mentions_refund,
    "mentions_account": mentions_account,
    "mentions_product": mentions_product,
    "recommends": recommends,
    "answers_policy": answers_policy,
    "says_not_sold": says_not_sold,
    "asks_confirmation": asks_confirmation,
    "asks_which": asks_which,
    "asks_for": asks_for,
    "not_fallback": not_fallback,
    "reveals_nothing": reveals_nothing,
}
