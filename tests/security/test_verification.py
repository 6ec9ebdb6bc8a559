"""Attacks on customer identity, replayed against the real processes (issue 14).

1 and 2: guessing order numbers for a known email, resetting the chat's counter with
`/restart` and new sender ids; many emails from one client; a verification carried into a
new session or kept past its expiry. 16: a markdown link typed as a product name or as a
new delivery address, repeated by the bot. 10: a flood of "talk to a human" from one client.

The tests on `guarded` share one stack of their own, in the order written: the last ones
lock the verification of this test machine's client, which is what they prove.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.customer_tokens import sign_token
from bot.settings import Settings
from tests.db import scalar
from tests.e2e.stack import Stack, running_stack, texts
from tests.widget_markdown import widget_markup
from tools.seed.demo_store import ensure_seeded

TTL_SECONDS = 6
GUARDED_ENV = {
    "CIM_VERIFY_TTL_SECONDS": str(TTL_SECONDS),
    # Long enough to outlast a restart of every process.
    "CIM_VERIFY_LOCK_SECONDS": "900",
}
# What the chat channel puts in every message's metadata (it overwrites a client's own
# value with its keyed hash of the address, the same for every request from this machine).
ONE_CLIENT = {"cim_client": "one-attacking-client"}
JAMES = ("james.smith@example.com", "100004", "+1 555 0102")
MARIA = ("maria.garcia@example.com", "100001", "+1 555 0101")
# Orders that are not James's (his are 100004-100006).
WRONG_FOR_JAMES = ["100001", "100002", "100003", "100007", "100008", "100009", "100010"]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("verification-stack")
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    with running_stack(tmp, database_url=database_url, env=GUARDED_ENV) as running:
        yield running


def new_sender() -> str:
    return uuid.uuid4().hex


def try_pair(
    stack: Stack, sender: str, email: str, number: str, metadata: dict[str, Any] | None = None
) -> str:
    """Ask for something personal, then answer the verification with both details at once."""
    asked = texts(stack.say(sender, "show me my account details", metadata))
    assert "email" in asked.lower() or "security" in asked.lower(), asked
    return texts(stack.say(sender, f"{email} {number}", metadata))


def token_for(stack: Stack, public_id: str) -> dict[str, str]:
    return {
        "customer_token": sign_token(public_id, secret=stack.settings.token_secret, ttl_seconds=600)
    }


def restart_chat(stack: Stack, sender: str) -> None:
    """`/restart` resets the chat's slots (a channel may refuse it; the attack goes on)."""
    body = {"sender": sender, "message": "/restart"}
    requests.post(f"{stack.rasa_url}/webhooks/web/webhook", json=body, timeout=30)


def account_details(stack: Stack, sender: str) -> str:
    return texts(stack.say(sender, "show me my account details", ONE_CLIENT))


def verified(answer: str, phone: str) -> bool:
    return "you're verified" in answer or phone in answer


def test_the_widget_parser_makes_links_of_markdown_and_bare_urls() -> None:
    """The oracle of the escaping tests below can see a link."""
    assert widget_markup("see [here](https://evil.example/x), **now**: https://evil.example/y") == [
        {"type": "link", "text": "here", "href": "https://evil.example/x"},
        {"type": "strong", "text": "now"},
        {"type": "link", "text": "https://evil.example/y", "href": "https://evil.example/y"},
    ]


def start_new_session(stack: Stack, sender: str) -> None:
    """What Rasa does when a conversation comes back after the session expired: run
    `action_session_start` (a new `session_started`, slots carried over)."""
    response = requests.post(
        f"{stack.rasa_url}/conversations/{sender}/execute",
        params={"token": stack.settings.rasa_auth_token},
        json={"name": "action_session_start"},
        timeout=30,
    )
    response.raise_for_status()


def test_a_verification_is_not_carried_into_a_new_session(security_stack: Stack) -> None:
    email, number, phone = MARIA
    sender = new_sender()
    assert verified(try_pair(security_stack, sender, email, number), phone)

    start_new_session(security_stack, sender)
    tracker = security_stack.tracker(sender)
    assert [e["event"] for e in tracker["events"]].count("session_started") == 2
    assert tracker["slots"]["customer_id"], "the slot is carried over, as Rasa does"
    answer = texts(security_stack.say(sender, "show me my account details"))

    assert phone not in answer and "Garcia" not in answer
    assert "email" in answer.lower()


@pytest.mark.parametrize(
    "product",
    ["[click here](https://evil.example/phish)", "https://evil.example/phish", "**urgent**"],
)
def test_a_product_name_with_markdown_shows_no_link(security_stack: Stack, product: str) -> None:
    """The first vector found: a product name in a typed payload, repeated by the bot. The
    chat channel now refuses such payloads; either way nothing in the answer is markup."""
    payload = "/product_question" + json.dumps({"product": product})
    answer = texts(security_stack.say(new_sender(), payload))

    assert answer
    assert widget_markup(answer) == []


def test_a_typed_address_with_a_link_is_repeated_as_text(guarded: Stack) -> None:
    sender, me = new_sender(), token_for(guarded, "C0003")
    asked = texts(guarded.say(sender, "I need to change the delivery address for order 100007", me))
    assert "new delivery address" in asked
    typed = "12 Baker Street [track it here](https://evil.example/x), London NW1 6XE"

    confirm = texts(guarded.say(sender, typed, me))
    assert "12 Baker Street" in confirm and "evil.example" in confirm  # the exact effect, asked
    assert widget_markup(confirm) == []
    done = texts(guarded.say(sender, "yes", me))

    assert "will now be delivered to 12 Baker Street" in done and "evil.example" in done
    assert widget_markup(done) == []


def test_an_expired_verification_asks_again(guarded: Stack) -> None:
    email, number, phone = MARIA
    sender = new_sender()
    assert verified(try_pair(guarded, sender, email, number, ONE_CLIENT), phone)
    assert phone in account_details(guarded, sender)

    time.sleep(TTL_SECONDS + 1)  # lets the verification's time to live run out, on purpose
    answer = account_details(guarded, sender)

    assert phone not in answer and "Garcia" not in answer
    assert "email" in answer.lower()


def count_handoffs(stack: Stack, senders: list[str]) -> int:
    marks = ", ".join(f"'{sender}'" for sender in senders)
    return int(
        scalar(
            stack.settings.database_url,
            f"SELECT count(*) FROM handoffs WHERE conversation_id IN ({marks})",
        )
    )


def test_a_flood_of_handoff_requests_from_one_client_is_capped(guarded: Stack) -> None:
    cap = Settings.from_env(GUARDED_ENV).handoff_max_per_client
    first = new_sender()
    assert "reference H-" in texts(guarded.say(first, "I want to talk to a human", ONE_CLIENT))
    senders = [new_sender() for _ in range(30)]

    def ask(sender: str) -> str:
        return texts(guarded.say(sender, "I want to talk to a human", ONE_CLIENT))

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(ask, senders))

    assert count_handoffs(guarded, [first, *senders]) <= cap
    refused = [a for a in answers if "reference H-" not in a]
    assert refused and all("team" in a for a in refused), refused[:1]


def test_guessing_order_numbers_with_restarts_and_new_senders_does_not_verify(
    guarded: Stack,
) -> None:
    email, right, phone = JAMES
    answers = []
    sender = new_sender()
    for attempt, number in enumerate(WRONG_FOR_JAMES):
        if attempt % 2 == 0:
            sender = new_sender()
        else:
            restart_chat(guarded, sender)
        answers.append(try_pair(guarded, sender, email, number))
    assert not any(verified(a, phone) for a in answers)

    final = try_pair(guarded, new_sender(), email, right)

    assert not verified(final, phone), final
    assert "security" in final.lower()


def test_many_emails_from_one_client_lock_it_and_the_locks_survive_a_restart(
    guarded: Stack,
) -> None:
    for attempt in range(12):
        try_pair(guarded, new_sender(), f"someone{attempt}@example.net", "100001", ONE_CLIENT)
    email, right, phone = MARIA

    during = try_pair(guarded, new_sender(), email, right, ONE_CLIENT)
    assert not verified(during, phone), during

    guarded.restart()
    for email, right, phone in (MARIA, JAMES):
        after = try_pair(guarded, new_sender(), email, right, ONE_CLIENT)
        assert not verified(after, phone), after
        assert "security" in after.lower()
