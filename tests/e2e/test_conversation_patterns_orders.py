"""Issue 20's order patterns through the real Rasa and action servers: the order under discussion,
corrections that move what is pending, and changes confirmed with their exact effect, applied once.

Seeded store: C0010 and C0022 each have one processing and one in-transit order (looked up here);
C0003 Aiko has 100007 (pending, GPS Watch Pro) and 100008 (delivered, Storm Rain Shell). The store
is shared by the session's tests, so these change orders no other e2e test relies on.
"""

from __future__ import annotations

from tests.db import order_status, rows, scalar
from tests.e2e.stack import Stack, texts
from tests.e2e.test_conversations import new_sender, token_for


def address_of(stack: Stack, number: str) -> str:
    sql = f"SELECT ship_to_line1 FROM orders WHERE number = '{number}'"
    return str(scalar(stack.settings.database_url, sql))


def open_orders(stack: Stack, public_id: str) -> dict[str, str]:
    sql = (
        "SELECT orders.status, orders.number FROM orders JOIN customers"
        " ON customers.id = orders.customer_id WHERE customers.public_id = :p"
        " AND orders.status IN ('pending', 'processing', 'shipped', 'in_transit')"
    )
    return dict(rows(stack.settings.database_url, sql, p=public_id))


def test_a_correction_moves_the_pending_cancel(stack: Stack) -> None:
    sender, me = new_sender(), token_for(stack, "C0010")
    numbers = open_orders(stack, "C0010")  # seeded: one processing, one in transit
    moving, waiting = numbers["in_transit"], numbers["processing"]
    first = texts(stack.say(sender, f"cancel order {moving}", me))
    assert f"#{moving}" in first and "can't cancel" in first
    asked = texts(stack.say(sender, f"sorry, I meant {waiting}", me))
    assert f"Shall I cancel order #{waiting}" in asked and "$" in asked
    assert order_status(stack.settings.database_url, waiting) == "processing"
    done = texts(stack.say(sender, "yes please", me))
    assert f"#{waiting} is cancelled" in done
    assert order_status(stack.settings.database_url, waiting) == "cancelled"
    assert order_status(stack.settings.database_url, moving) == "in_transit"
    again = texts(stack.say(sender, "yes", me))
    assert "cancelled" not in again


def test_two_open_orders_the_one_on_its_way_first_then_the_other(stack: Stack) -> None:
    sender, me = new_sender(), token_for(stack, "C0022")
    numbers = open_orders(stack, "C0022")  # seeded: one processing, one in transit
    moving, waiting = numbers["in_transit"], numbers["processing"]
    answer = texts(stack.say(sender, "where's my stuff?", me))
    assert answer.index(f"#{moving}") < answer.index(f"#{waiting}")
    assert "tracking number" in answer
    follow_up = texts(stack.say(sender, "so when will it turn up?", me))
    assert f"#{moving}" in follow_up and f"#{waiting}" not in follow_up


def test_the_address_form_follows_a_correction_and_refuses_what_is_not_an_address(
    stack: Stack,
) -> None:
    sender, me = new_sender(), token_for(stack, "C0003")
    ask = texts(stack.say(sender, "I need to change the delivery address for order 100008", me))
    assert "#100008" in ask and "delivered" in ask  # delivered: a return instead
    ask = texts(stack.say(sender, "change the address of my GPS watch order", me))
    assert "new delivery address for order #100007" in ask
    junk = texts(stack.say(sender, "oops, next door please", me))
    assert "complete address" in junk
    assert "next door" not in address_of(stack, "100007")
    confirm = texts(stack.say(sender, "it's 9 Quay Street, Galway, H91 X2Y4", me))
    assert "#100007" in confirm and "9 Quay Street, Galway" in confirm and "?" in confirm
    assert "9 Quay Street" not in address_of(stack, "100007")
    done = texts(stack.say(sender, "yep go ahead", me))
    assert "will now be delivered to 9 Quay Street" in done
    assert address_of(stack, "100007") == "9 Quay Street"


def test_an_order_picked_by_its_item_and_a_refund_confirmed_once(stack: Stack) -> None:
    sender, me = new_sender(), token_for(stack, "C0003")
    asked = texts(stack.say(sender, "I'd like a refund for the rain shell, it leaks", me))
    assert "#100008" in asked and "$" in asked and "?" in asked
    count = "SELECT count(*) FROM refunds JOIN orders ON orders.id = refunds.order_id "
    count += "WHERE orders.number = '100008' AND refunds.status = 'requested'"
    before = int(scalar(stack.settings.database_url, count))
    done = texts(stack.say(sender, "yes", me))
    assert "requested a refund" in done and "#100008" in done
    assert int(scalar(stack.settings.database_url, count)) == before + 1
    texts(stack.say(sender, "yes", me))
    assert int(scalar(stack.settings.database_url, count)) == before + 1
