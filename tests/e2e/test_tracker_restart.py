"""Conversations kept by the cached tracker store (endpoints.yml) survive a Rasa restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.db import scalar
from tests.e2e.stack import Stack, running_stack, texts
from tools.seed.demo_store import ensure_seeded


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    """Rasa and the action server only, on their own stores, restarted by the test."""
    database_url = f"sqlite:///{tmp_path / 'shop.db'}"
    ensure_seeded(database_url)
    with running_stack(tmp_path, database_url=database_url, only={"actions", "rasa"}) as stack:
        yield stack


def _events(stack: Stack, sender: str) -> list[dict]:
    return list(stack.tracker(sender)["events"])


def test_a_verified_conversation_continues_after_rasa_restarts(
    own_stack: Stack, tmp_path: Path
) -> None:
    sender = uuid.uuid4().hex
    assert "email" in texts(own_stack.say(sender, "where is my order 100002?")).lower()
    assert "verified" in texts(own_stack.say(sender, "maria.garcia@example.com"))
    assert "You're welcome" in texts(own_stack.say(sender, "thanks"))
    before = _events(own_stack, sender)
    stored = scalar(
        f"sqlite:///{tmp_path / 'tracker.db'}",
        "SELECT count(*) FROM events WHERE sender_id = :s",
        s=sender,
    )
    assert stored == len(before)  # every event is in the database, once

    own_stack.restart()

    assert _events(own_stack, sender) == before  # read back from the database
    answer = texts(own_stack.say(sender, "show my orders"))
    assert "email" not in answer.lower()  # still verified: the slot came back
    assert "#100002" in answer
    after = _events(own_stack, sender)
    assert after[: len(before)] == before and len(after) > len(before)
