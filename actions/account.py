"""The customer's own account: details, loyalty points and refunds."""

from __future__ import annotations

from actions import deps
from actions.base import IdentifiedAction, Turn
from actions.formatting import day, money, refund_phrase
from actions.orders import find_order
from bot.services import loyalty, refunds
from bot.services.views import CustomerView


class ActionAccountDetails(IdentifiedAction):
    def name(self) -> str:
        return "action_account_details"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        turn.say(
            "utter_account_details",
            full_name=customer.full_name,
            email=customer.email,
            phone=customer.phone or "not set",
            tier=customer.tier.capitalize(),
            member_since=day(customer.member_since),
        )


class ActionLoyaltyBalance(IdentifiedAction):
    def name(self) -> str:
        return "action_loyalty_balance"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        account = loyalty.loyalty_balance(deps.new_uow(), customer_id=customer.id)
        if account is None:
            turn.say("utter_loyalty_none")
            turn.outcome = "no_account"
            return
        turn.say(
            "utter_loyalty_balance", points=f"{account.points:,}", tier=account.tier.capitalize()
        )
        if account.next_tier and account.points_to_next:
            turn.say(
                "utter_loyalty_next_tier",
                points_to_next=f"{account.points_to_next:,}",
                next_tier=account.next_tier.capitalize(),
            )


class ActionRefundStatus(IdentifiedAction):
    def name(self) -> str:
        return "action_refund_status"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        number = turn.entity("order_number")
        found = refunds.refund_status(deps.new_uow(), customer_id=customer.id, order_number=number)
        if not found:
            turn.say("utter_no_refunds")
            turn.outcome = "no_refunds"
            return
        for refund in found[:3]:
            turn.say(
                "utter_refund_line",
                amount=money(refund.amount_cents),
                order_number=refund.order_number,
                status_phrase=refund_phrase(refund.status),
            )


class ActionRequestRefund(IdentifiedAction):
    def name(self) -> str:
        return "action_request_refund"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        order = find_order(turn, customer, open_only=False)
        if order is None:
            return
        reason = str(turn.tracker.latest_message.get("text") or "")[:500]
        result = refunds.request_refund(
            deps.new_uow(), customer_id=customer.id, order_number=order.number, reason=reason
        )
        turn.outcome = "refund_requested" if result.ok else f"refused:{result.reason}"
        if result.ok and result.refund is not None:
            turn.say(
                "utter_refund_requested",
                amount=money(result.refund.amount_cents),
                order_number=order.number,
            )
        elif result.reason == "refund_exists":
            existing = refunds.refund_status(
                deps.new_uow(), customer_id=customer.id, order_number=order.number
            )
            phrase = refund_phrase(existing[0].status) if existing else "in progress"
            turn.say("utter_refund_refused_exists", order_number=order.number, status_phrase=phrase)
        else:
            turn.say("utter_refund_refused_not_delivered", order_number=order.number)
