"""Products: questions about them, recommendations for a need and a budget, tier upgrades.

The answers come from the catalogue (bot/services/recommendations.py): every product a message
names gets its price and whether it is in stock; a thing the shop does not sell gets a
plain no, with what we have instead when something fits; a recommendation follows the
need, the budget and (signed in) what the customer bought, and says so when nothing fits
the budget. Praise for a product is feedback, kept for the team.
"""

from __future__ import annotations

import re

from actions import deps
from actions.base import StoreAction, Turn
from actions.formatting import money
from bot.services import loyalty, recommendations
from bot.services.recommendations import ProductAnswer
from bot.services.views import ProductView

MAX_FEEDBACK_CHARS = 1000
# Words that praise or criticise what the customer has, rather than ask about it.
_PRAISE_WORDS = (
    r"lovely|great|amazing|brilliant|fantastic|perfect|comfy|comfortable|excellent|awesome|"
    r"superb|gorgeous|nice|good|solid|sturdy|well made|disappointing|poor quality|flimsy|"
    r"rubbish|terrible"
)
# An opinion of something the customer has: "it's lovely", "they were comfy", or a verb of
# liking ("love my daypack"). "I'd like a good stove" is a request, not an opinion.
_OPINION = re.compile(
    rf"\b(?:is|are|was|were|feels?|felt|looks?|fits?|'s|'re)\b[^.?!]{{0,30}}\b(?:{_PRAISE_WORDS})\b"
    r"|\b(?:love|loving|happy with|pleased with|impressed|disappointed|comfiest|favourite|"
    r"favorite|worth it|well worth|best \w+ (?:i've|ive|i have) (?:ever )?(?:had|owned|bought))\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?|^\s*(?:do|does|is|are|can|could|have|has|what|which|how|where|when|will|would|any)\b",
    re.IGNORECASE,
)
_TIER_WORDS = re.compile(
    r"\b(?:tiers?|gold|silver|vip|status|upgrade|level|points?|member(?:ship)?|loyalty)\b",
    re.IGNORECASE,
)


def text_of(turn: Turn) -> str:
    return str(turn.tracker.latest_message.get("text") or "")


def is_opinion(text: str) -> bool:
    """A statement about a product that is not a question: "the fleece is lovely"."""
    return bool(_OPINION.search(text)) and not _QUESTION.search(text)


def say_product(turn: Turn, product: ProductView) -> None:
    turn.say(
        "utter_product_info",
        product_name=product.name,
        price=money(product.price_cents),
        stock_phrase="in stock" if product.in_stock else "out of stock right now",
        description=product.description,
    )


def say_answer(turn: Turn, answer: ProductAnswer) -> bool:
    """Say what the catalogue answers; False when it has nothing to say."""
    for product in answer.named:
        say_product(turn, product)
    for thing in answer.asked:
        if thing.sold:
            for product in thing.matches[:3]:
                say_product(turn, product)
        elif thing.matches:
            names = ", ".join(f"{p.name} ({money(p.price_cents)})" for p in thing.matches[:3])
            turn.say("utter_product_not_sold_alternative", thing=thing.text, alternatives=names)
        else:
            turn.say("utter_product_not_sold", thing=thing.text)
    if answer.named:
        turn.set_slot("product", answer.named[-1].name)
        turn.outcome = "product_answered"
    elif answer.asked:
        turn.outcome = (
            "product_not_sold" if not any(t.sold for t in answer.asked) else "product_answered"
        )
    return bool(answer.named or answer.asked)


def record_feedback(turn: Turn) -> None:
    turn.details = {"feedback": text_of(turn)[:MAX_FEEDBACK_CHARS]}
    turn.say("utter_feedback_thanks")
    turn.outcome = "feedback_recorded"


def catalogue_answer(turn: Turn, *, shop_verbs_only: bool = False) -> ProductAnswer:
    name = turn.entity("product")
    return recommendations.answer_question(
        deps.new_uow(),
        text=text_of(turn),
        product_name=name if isinstance(name, str) and name.strip() else None,
        shop_verbs_only=shop_verbs_only,
    )


class ActionProductInfo(StoreAction):
    def name(self) -> str:
        return "action_product_info"

    def handle(self, turn: Turn) -> None:
        answer = catalogue_answer(turn)
        if answer.named and is_opinion(text_of(turn)):
            record_feedback(turn)
            return
        if say_answer(turn, answer):
            return
        named = turn.entity("product")
        if isinstance(named, str) and named.strip():  # a name the catalogue doesn't have
            turn.say("utter_product_unknown", product_name=named[:80])
            turn.outcome = "product_unknown"
            return
        earlier = turn.slot("product")
        product = (
            recommendations.find_product(deps.new_uow(), name=earlier)
            if isinstance(earlier, str)
            else None
        )
        if product is not None:  # "is it in stock?" about the product just discussed
            say_product(turn, product)
            return
        turn.say("utter_product_help")
        turn.outcome = "product_asked"


class ActionRecommend(StoreAction):
    def name(self) -> str:
        return "action_recommend"

    def handle(self, turn: Turn) -> None:
        answer, plainly = catalogue_answer(turn), catalogue_answer(turn, shop_verbs_only=True)
        # "looking for ski boots": a kind of thing we don't have, next to one we do; "do you
        # sell kayaks" asks the shop outright. ("looking for a birthday present" is neither.)
        not_sold = [t for t in answer.asked if not t.sold and (t.matches or t in plainly.asked)]
        if not answer.named and not_sold:
            say_answer(turn, ProductAnswer((), tuple(answer.asked)))
            return
        customer_id = turn.customer.id if turn.customer else None
        found = recommendations.recommend_for(
            deps.new_uow(), text=text_of(turn), customer_id=customer_id
        )
        budget = found.budget.stated if found.budget else None
        if found.over_budget and budget:
            turn.say("utter_recommend_over_budget", budget=budget)
        elif found.personal:
            turn.say("utter_recommend_intro_personal")
        elif budget:
            turn.say("utter_recommend_intro_budget", budget=budget)
        elif found.needs:
            turn.say("utter_recommend_intro_need")
        else:
            turn.say("utter_recommend_intro")
        for product in found.products:
            turn.say(
                "utter_recommend_line", product_name=product.name, price=money(product.price_cents)
            )
        turn.details = {"needs": list(found.needs), "budget": budget}
        if found.over_budget:
            turn.outcome = "recommended_over_budget"
        else:
            turn.outcome = "recommended_personal" if found.personal else "recommended"


class ActionUpgrade(StoreAction):
    def name(self) -> str:
        return "action_upgrade"

    def handle(self, turn: Turn) -> None:
        text = text_of(turn)
        if not _TIER_WORDS.search(text):  # "can I still buy the tent?" is about a product
            answer = catalogue_answer(turn)
            if answer.named and say_answer(turn, answer):
                return
        turn.say("utter_upgrade_info")
        if turn.customer is None:
            return
        account = loyalty.loyalty_balance(deps.new_uow(), customer_id=turn.customer.id)
        if account is not None and account.next_tier and account.points_to_next:
            turn.say(
                "utter_loyalty_balance",
                points=f"{account.points:,}",
                tier=account.tier.capitalize(),
            )
            turn.say(
                "utter_loyalty_next_tier",
                points_to_next=f"{account.points_to_next:,}",
                next_tier=account.next_tier.capitalize(),
            )
