"""The customer's own account: details, loyalty points and refunds.

A general question under a personal intent ("what does Gold give me?", "how long do refunds
take?") is answered from the shop's facts without asking who the customer is: only their
own data needs identity. Signed in, they get both the general answer and their own figures.
"""

from __future__ import annotations

import re

from actions import deps
from actions.base import StoreAction, Turn
from actions.formatting import day, money, refund_phrase
from actions.identification import IdentifiedAction
from bot.services import loyalty, refunds
from bot.services.views import CustomerView


class ActionAccountDetails(IdentifiedAction):
    def name(self) -> str:
        return "action_account_details"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        turn.say(
            "utter_account_details",
            full_name=customer.full_name,
            email=customer.email,
            phone=customer.phone or "not set",
            tier=customer.tier.capitalize(),
            member_since=day(customer.member_since),
        )


# Asking about one's own figures; without these a loyalty question is about the scheme.
_PERSONAL = re.compile(
    r"\b(?:my|mine|balance|do i have|have i got|i have|i've got|am i|i'm on|"
    r"left|so far|expire|expiring)\b",
    re.IGNORECASE,
)
# How the scheme works: earning, tiers and what they give.
_SCHEME = re.compile(
    r"\b(?:earn|earned|earning|get|reach|gold|silver|vip|tiers?|status|levels?|perks?|"
    r"benefits?|give|gives|work|works|scheme|program|programme|rewards?|per dollar)\b",
    re.IGNORECASE,
)
# How refunds work in general: how long they take, when they arrive.
_REFUND_TIMING = re.compile(
    r"\b(?:how long|how many days|how quickly|how fast|usually|normally|typically|"
    r"in general|generally|take to)\b",
    re.IGNORECASE,
)


def _text(turn: Turn) -> str:
    return str(turn.tracker.latest_message.get("text") or "")


def asks_about_scheme(text: str) -> bool:
    return bool(_SCHEME.search(text))


def general_loyalty_question(text: str) -> bool:
    """About the scheme, not about the customer's own points."""
    return asks_about_scheme(text) and not _PERSONAL.search(text)


def general_refund_question(text: str) -> bool:
    """How refunds work in general, with no order of the customer's named."""
    return bool(_REFUND_TIMING.search(text)) and not re.search(r"\d{6}", text)


class ActionLoyaltyBalance(IdentifiedAction):
    def name(self) -> str:
        return "action_loyalty_balance"

    def prepare(self, turn: Turn) -> None:
        if general_loyalty_question(_text(turn)):
            StoreAction.prepare(self, turn)  # who is talking, without asking
            return
        super().prepare(turn)

    def handle(self, turn: Turn) -> None:
        if turn.customer is None and general_loyalty_question(_text(turn)):
            turn.say("utter_upgrade_info")
            turn.outcome = "answered_general"
            return
        super().handle(turn)

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        if asks_about_scheme(_text(turn)):
            turn.say("utter_upgrade_info")
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

    def prepare(self, turn: Turn) -> None:
        if general_refund_question(_text(turn)):
            StoreAction.prepare(self, turn)
            return
        super().prepare(turn)

    def handle(self, turn: Turn) -> None:
        if turn.customer is None and general_refund_question(_text(turn)):
            turn.say("utter_return_policy")
            turn.outcome = "answered_general"
            return
        super().handle(turn)

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        if general_refund_question(_text(turn)):
            turn.say("utter_return_policy")
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
