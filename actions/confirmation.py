"""Yes and no: they mean whatever the bot last offered, kept in the pending_confirmation slot
(actions/transactions.py). A "no" that corrects the order ("no, the other one") moves the offer."""

from __future__ import annotations

from actions import subject, transactions
from actions.base import StoreAction, Turn
from actions.followups import continue_choice
from bot.services.views import OrderView


class ActionHandleAffirm(StoreAction):
    def name(self) -> str:
        return "action_handle_affirm"

    def handle(self, turn: Turn) -> None:
        offer = transactions.pending(turn)
        turn.set_slot("pending_confirmation", None)
        if offer is not None and turn.customer is not None:
            transactions.apply(turn, turn.customer, offer)
            return
        if turn.customer is not None and continue_choice(turn, turn.customer):
            return  # "yes, the daypack one" answers "which order do you mean?"
        turn.say("utter_nothing_pending")
        turn.outcome = "nothing_pending"


class ActionHandleDeny(StoreAction):
    def name(self) -> str:
        return "action_handle_deny"

    def handle(self, turn: Turn) -> None:
        offer = transactions.pending(turn)
        turn.set_slot("pending_confirmation", None)
        if offer is not None and turn.customer is not None:
            meant = self._meant(turn, offer)
            if meant is not None:
                transactions.retarget(turn, turn.customer, offer, meant)
                return
            turn.say("utter_cancel_kept", order_number=offer.get("order_number"))
            turn.outcome = "change_declined"
            return
        if turn.customer is not None and continue_choice(turn, turn.customer):
            return  # "no, the daypack one" answers "which order do you mean?"
        turn.say("utter_rephrase_ok")
        turn.outcome = "declined"

    @staticmethod
    def _meant(turn: Turn, offer: dict[str, object]) -> OrderView | None:
        """The order a "no" points to instead ("no, 100974", "no, the other one"), if any."""
        assert turn.customer is not None
        recent = subject.recent_orders(turn.customer)
        number = subject.typed_number(turn)
        if number:
            return next((o for o in recent if o.number == number), None)
        text = subject.text_of(turn)
        refund = offer.get("action") == transactions.REFUND
        candidates = [o for o in recent if (o.status == "delivered" if refund else o.is_open)]
        meant = subject.described(text, candidates, str(offer.get("order_number")))
        return meant if meant is not None and meant.number != offer.get("order_number") else None
