"""Products: questions about one, recommendations from purchase history, tier upgrades."""

from __future__ import annotations

from actions import deps
from actions.base import StoreAction, Turn
from actions.formatting import money
from bot.services import catalogue, loyalty


class ActionProductInfo(StoreAction):
    def name(self) -> str:
        return "action_product_info"

    async def handle(self, turn: Turn) -> None:
        name = turn.entity("product") or turn.slot("product")
        if not isinstance(name, str) or not name.strip():
            turn.say("utter_product_help")
            turn.outcome = "product_asked"
            return
        product = catalogue.find_product(deps.new_uow(), name=name)
        if product is None:
            turn.say("utter_product_unknown", product_name=name[:80])
            turn.outcome = "product_unknown"
            return
        turn.say(
            "utter_product_info",
            product_name=product.name,
            price=money(product.price_cents),
            stock_phrase="in stock" if product.in_stock else "out of stock right now",
            description=product.description,
        )


class ActionRecommend(StoreAction):
    def name(self) -> str:
        return "action_recommend"

    async def handle(self, turn: Turn) -> None:
        customer_id = turn.customer.id if turn.customer else None
        products = catalogue.recommend(deps.new_uow(), customer_id=customer_id, limit=3)
        turn.say("utter_recommend_intro_personal" if customer_id else "utter_recommend_intro")
        for product in products:
            turn.say(
                "utter_recommend_line", product_name=product.name, price=money(product.price_cents)
            )
        turn.outcome = "recommended_personal" if customer_id else "recommended"


class ActionUpgrade(StoreAction):
    def name(self) -> str:
        return "action_upgrade"

    async def handle(self, turn: Turn) -> None:
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
