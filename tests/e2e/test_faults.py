"""When a part is down, the customer gets a polite message, never silence or a stack trace."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.customer_tokens import sign_token
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


def test_a_hung_action_server_costs_a_few_seconds_and_an_apology(
    broken_store_stack: Stack,
) -> None:
    """The action server takes the connection and never answers (SIGSTOP): the call is cut
    off at endpoints.yml's request_timeout (5 s), not Rasa's 300 s."""
    group = broken_store_stack.supervisor.pid("actions")
    os.killpg(group, signal.SIGSTOP)
    try:
        started = time.monotonic()
        answer = texts(broken_store_stack.say(uuid.uuid4().hex, "where is my order?"))
        waited = time.monotonic() - started
        routine = texts(broken_store_stack.say(uuid.uuid4().hex, "what is your return policy?"))
    finally:
        os.killpg(group, signal.SIGCONT)
    assert "something went wrong on our side" in answer.lower()
    assert 4.5 <= waited < 9, waited
    assert "30 days" in routine
    log = broken_store_stack.log.read_text()
    assert "exception while running action 'action_order_status'" in log
    assert "TimeoutError" in log
    after = texts(broken_store_stack.say(uuid.uuid4().hex, "where is my order?"))
    assert "something went wrong" not in after.lower(), after


def test_action_server_down_gives_a_polite_message(broken_store_stack: Stack) -> None:
    broken_store_stack.supervisor.stop_one("actions")
    answer = texts(broken_store_stack.say(uuid.uuid4().hex, "where is my order?"))
    assert "something went wrong on our side" in answer.lower()
