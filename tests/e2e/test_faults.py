"""When a part is down, the customer gets a polite message, never silence or a stack trace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.identity import sign_token
from tests.e2e.stack import Stack, running_stack, texts

UNREACHABLE_DATABASE = "postgresql+psycopg2://postgres@127.0.0.1:9/unreachable"


@pytest.fixture(scope="module")
def broken_store_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("faults")
    with running_stack(tmp, database_url=UNREACHABLE_DATABASE, only={"rasa", "actions"}) as stack:
        yield stack


def test_unreachable_database_gives_a_polite_message(broken_store_stack: Stack) -> None:
    token = sign_token("C0001", secret=broken_store_stack.settings.token_secret, ttl_seconds=600)
    replies = broken_store_stack.say(
        uuid.uuid4().hex, "where is my order?", {"customer_token": token}
    )
    answer = texts(replies)
    assert "can't reach our order system" in answer
    assert "Traceback" not in answer and "OperationalError" not in answer


def test_routine_answers_still_work_without_the_store(broken_store_stack: Stack) -> None:
    answer = texts(broken_store_stack.say(uuid.uuid4().hex, "what is your return policy?"))
    assert "30 days" in answer


def test_action_server_down_gives_a_polite_message(broken_store_stack: Stack) -> None:
    broken_store_stack.supervisor.stop_one("actions")
    answer = texts(broken_store_stack.say(uuid.uuid4().hex, "where is my order?"))
    assert "something went wrong on our side" in answer.lower()
