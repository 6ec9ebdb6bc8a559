"""Refund requests: offered with the exact amount and order, opened once on a yes."""

from __future__ import annotations

from actions import subject, transactions
from actions.base import Turn
from actions.identification import IdentifiedAction
from actions.orders import find_order
from bot.services.views import CustomerView, OrderView


class ActionRequestRefund(IdentifiedAction):
    """The order meant (named, described by its items, or under discussion), else the latest
    delivered one; the refund is only opened after the customer confirms."""

    def name(self) -> str:
        return "action_request_refund"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        if transactions.confirmed_now(turn, customer, transactions.REFUND):
            return
        order = self._meant(turn, customer) or find_order(turn, customer, open_only=False)
        if order is not None:
            transactions.offer_refund(turn, customer, order, subject.text_of(turn))

    @staticmethod
    def _meant(turn: Turn, customer: CustomerView) -> OrderView | None:
        if subject.subject_number(turn):
            return None
        delivered = [o for o in subject.recent_orders(customer) if o.status == "delivered"]
        return subject.described(subject.text_of(turn), delivered) or (
            delivered[0] if delivered else None
        )
