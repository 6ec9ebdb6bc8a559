"""The export archive: every piece of a customer's footprint, and nothing of anyone else's."""

from __future__ import annotations

import json
import re
import stat
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.customer_data.export import Archive, UnknownCustomer, export_customer
from bot.customer_data.footprint import session_of
from bot.customer_data.locations import DataLocations
from bot.services.interactions import log_interaction
from bot.store.models import Customer
from tests.bot.customer_data.footprints import TOKEN, Footprint, make_footprint


async def two_footprints(
    locations: DataLocations, store_url: str, tracker_url: str
) -> tuple[Footprint, Footprint]:
    """C0001 and C0002 with the same kinds of data, written the same way."""

    async def footprint(public_id: str, tag: str, agent_name: str) -> Footprint:
        return await make_footprint(
            locations,
            store_url=store_url,
            tracker_url=tracker_url,
            public_id=public_id,
            tag=tag,
            agent_name=agent_name,
        )

    mine = await footprint("C0001", "mine", "Ann")
    other = await footprint("C0002", "other", "Bo")
    return mine, other


def text_of(archive: Archive) -> str:
    return archive.json_text()


def messages(archive: dict[str, Any], conversation: str) -> list[dict[str, Any]]:
    found = [c for c in archive["conversations"] if c["conversation_id"] == conversation]
    assert len(found) == 1
    return list(found[0]["messages"])


async def test_the_archive_holds_every_piece_of_the_footprint(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, _ = await two_footprints(locations, store_url, tracker_url)
    archive = export_customer(locations, public_id="C0001").as_json()
    c = mine.customer
    assert archive["customer"] == "C0001"
    assert archive["profile"]["email"] == c.email and archive["profile"]["loyalty"]["points"] >= 0
    assert sorted(o["number"] for o in archive["orders"]) == sorted(c.order_numbers)
    assert all(order["items"] and order["items"][0]["product"] for order in archive["orders"])
    assert any(order["refunds"] for order in archive["orders"])
    web = messages(archive, mine.web_conversation)
    assert [m["text"] for m in web if m["from"] == "customer"] == list(mine.said)
    assert {m["channel"] for m in web if m["from"] == "customer"} == {"web"}
    assert any(m["from"] == "bot" and m["text"] == mine.bot_reply for m in web)
    agent_line = {"from": "agent", "agent": "Ann", "text": mine.agent_reply}
    assert agent_line.items() <= web[-1].items()
    rest = [t for t in archive["conversations"] if t["conversation_id"] == mine.rest_conversation]
    assert rest[0]["channels"] == ["rest"] and rest[0]["messages"]
    (handoff,) = archive["handoffs"]
    assert handoff["conversation_id"] == mine.web_conversation and handoff["agent"] == "Ann"
    assert [(n["agent"], n["body"]) for n in handoff["notes"]] == [("Ann", mine.note)]
    assert [r["comment"] for r in archive["feedback"]["ratings"]] == [mine.rating_comment]
    assert [(n["score"], n["comment"]) for n in archive["feedback"]["nps"]] == [
        (9, mine.nps_comment)
    ]
    conversations = {mine.web_conversation, mine.rest_conversation}
    assert {i["conversation_id"] for i in archive["interaction_log"]} == conversations
    assert [i["text"] for i in archive["review_inbox_items"]] == [mine.review_text]
    assert [v["conversation_id"] for v in archive["verified_sessions"]] == [mine.rest_conversation]
    assert {k["conversation_id"] for k in archive["kpi_facts"]} == conversations
    assert archive["consent"]["records"] == [] and archive["consent"]["note"]


async def test_no_token_is_exported_because_none_is_stored(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    await two_footprints(locations, store_url, tracker_url)
    assert TOKEN not in text_of(export_customer(locations, public_id="C0001"))


async def test_nothing_of_another_customer_appears(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, other = await two_footprints(locations, store_url, tracker_url)
    archive = export_customer(locations, public_id="C0001")
    everything = text_of(archive) + archive.html()
    theirs = [
        other.customer.public_id,
        other.customer.email,
        other.web_conversation,
        other.rest_conversation,
        other.note,
        other.rating_comment,
        other.review_text,
        other.agent_reply,
        *other.said,
        "Bo",
    ]
    assert [value for value in theirs if value in everything] == []
    numbers = [n for n in other.customer.order_numbers if re.search(rf"\b{n}\b", everything)]
    assert numbers == []
    assert mine.customer.email in everything


async def test_the_summary_escapes_a_hostile_name_and_message(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    with locations.new_uow() as uow:
        session_of(uow).execute(
            sa.update(Customer)
            .where(Customer.public_id == "C0003")
            .values(first_name="<script>alert('name')</script>")
        )
        uow.commit()
    await make_footprint(
        locations,
        store_url=store_url,
        tracker_url=tracker_url,
        public_id="C0003",
        tag="<script>alert('said')</script>",
    )
    page = export_customer(locations, public_id="C0003").html()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;said&#x27;)&lt;/script&gt;" in page
    assert "<h2>Your conversations</h2>" in page and "<h2>Your orders" in page


def test_an_unknown_customer_raises(locations: DataLocations) -> None:
    with pytest.raises(UnknownCustomer):
        export_customer(locations, public_id="C9999")


def test_a_customer_who_never_chatted_has_empty_sections(locations: DataLocations) -> None:
    no_tracker = DataLocations(locations.new_uow, tracker_engine=None, data_dir=None)
    archive = export_customer(no_tracker, public_id="C0002").as_json()
    assert archive["orders"] and archive["conversations"] == [] and archive["handoffs"] == []


async def test_the_zip_holds_the_json_and_the_summary_for_its_owner_only(
    locations: DataLocations, store_url: str, tracker_url: str, tmp_path: Path
) -> None:
    await two_footprints(locations, store_url, tracker_url)
    archive = export_customer(locations, public_id="C0001")
    path = archive.write(tmp_path / "out")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with zipfile.ZipFile(path) as written:
        assert sorted(written.namelist()) == ["customer.json", "summary.html"]
        assert json.loads(written.read("customer.json")) == archive.as_json()
        assert written.read("summary.html").decode() == archive.html()
    assert archive.write(tmp_path / "out") == path  # written again, replaced


def test_the_json_is_stable_with_iso_dates(locations: DataLocations) -> None:
    first = export_customer(locations, public_id="C0001").json_text()
    again = export_customer(locations, public_id="C0001").json_text()
    assert json.loads(first)["orders"] == json.loads(again)["orders"]
    placed = json.loads(first)["orders"][0]["placed_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", placed)


async def test_transcript_times_are_the_events_own_in_utc(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    at = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
    mine = await make_footprint(
        locations, store_url=store_url, tracker_url=tracker_url, public_id="C0001", tag="t", now=at
    )
    archive = export_customer(locations, public_id="C0001").as_json()
    web = next(t for t in archive["conversations"] if t["conversation_id"] == mine.web_conversation)
    assert web["started_at"] == "2024-05-01T10:00:01+00:00"
    assert [m["at"][11:19] for m in web["messages"]] == [
        "10:00:01",
        "10:00:02",
        "10:00:03",
        "10:00:04",
    ]
    assert archive["interaction_log"][0]["created_at"] == "2024-05-01T10:00:00+00:00"


async def test_a_row_naming_another_customer_stays_theirs_in_a_shared_conversation(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, other = await two_footprints(locations, store_url, tracker_url)
    log_interaction(
        locations.new_uow(),
        conversation_id=mine.web_conversation,
        customer_id=other.customer.id,
        intent="order_status",
        interaction_type="informative",
        action="action_order_status",
        outcome="signed in on the same device",
    )
    archive = export_customer(locations, public_id="C0001").as_json()
    assert [i for i in archive["interaction_log"] if i["outcome"] != "answered"] == []
    theirs = export_customer(locations, public_id="C0002").as_json()
    assert "signed in on the same device" in {i["outcome"] for i in theirs["interaction_log"]}
