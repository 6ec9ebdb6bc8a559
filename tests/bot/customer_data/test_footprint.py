"""Finding a customer and every conversation of theirs, in the store and in the tracker."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.customer_data.footprint import (
    conversations_of,
    find_customer,
    identifiers_of,
    slot_conversations,
)
from bot.customer_data.locations import DataLocations, events_engine
from bot.kpis.sources import events_table
from tests.bot.customer_data.footprints import make_footprint


def test_an_unknown_public_id_finds_nobody(locations: DataLocations) -> None:
    with locations.new_uow() as uow:
        assert find_customer(uow, public_id="C9999") is None


def test_identifiers_hold_the_public_id_email_name_phone_and_orders(
    locations: DataLocations,
) -> None:
    with locations.new_uow() as uow:
        customer = find_customer(uow, public_id="c0001")
    assert customer is not None and customer.public_id == "C0001"
    found = identifiers_of(customer)
    assert {customer.public_id, customer.email, *customer.name.split()} <= set(found)
    assert customer.order_numbers and set(customer.order_numbers) <= set(found)
    assert customer.phone is None or customer.phone in found


async def test_every_conversation_of_the_customer_and_none_of_another(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine = await make_footprint(
        locations, store_url=store_url, tracker_url=tracker_url, public_id="C0001", tag="mine"
    )
    other = await make_footprint(
        locations, store_url=store_url, tracker_url=tracker_url, public_id="C0002", tag="other"
    )
    found = conversations_of(locations, customer_id=mine.customer.id)
    assert found == sorted([mine.web_conversation, mine.rest_conversation])
    assert other.web_conversation not in found


def slot_row(sender: str, value: object) -> dict[str, object]:
    """The row SQLTrackerStore writes for a `customer_id` SlotSet (data is json.dumps's)."""
    data = {"event": "slot", "timestamp": 1.0, "name": "customer_id", "value": value}
    return {
        "sender_id": sender,
        "type_name": "slot",
        "action_name": "customer_id",
        "timestamp": 1.0,
        "data": json.dumps(data),
    }


async def test_a_conversation_only_the_tracker_links_is_found(
    locations: DataLocations, tracker: Engine
) -> None:
    rows = [
        slot_row("as-text", "7"),
        slot_row("as-number", 7),
        slot_row("seventy", "70"),
        slot_row("seventeen", 17),
        slot_row("nobody", None),
    ]
    with tracker.begin() as connection:
        connection.execute(sa.insert(events_table), rows)
    assert slot_conversations(tracker, customer_id=7) == {"as-text", "as-number"}
    assert {"as-text", "as-number"} <= set(conversations_of(locations, customer_id=7))


def test_no_tracker_store_is_no_tracker_to_search(locations: DataLocations) -> None:
    assert events_engine(DataLocations(locations.new_uow, None, None)) is None
    assert events_engine(locations) is locations.tracker_engine
