"""Token buckets per client and per conversation, on a clock the tests move."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.channels.ratelimit import Buckets, ChatLimits, Rate
from bot.settings import Settings


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def admitted(limits: ChatLimits, count: int, *, client: str = "c", conversation: str = "x") -> int:
    return sum(limits.admit(client=client, conversation=conversation) == 0 for _ in range(count))


def test_a_burst_is_admitted_then_the_rate_holds() -> None:
    clock = Clock()
    limits = ChatLimits(Rate(100, 600), Rate(3, 60), clock=clock)

    assert admitted(limits, 5) == 3
    assert limits.admit(client="c", conversation="x") == pytest.approx(1.0)
    clock.now += 1.0
    assert admitted(limits, 2) == 1
    clock.now += 10.0
    assert admitted(limits, 5) == 3  # refilled to the burst, never beyond


def test_new_conversations_do_not_escape_the_client_limit() -> None:
    limits = ChatLimits(Rate(4, 60), Rate(10, 60), clock=Clock())

    answers = [limits.admit(client="c", conversation=str(n)) for n in range(6)]

    assert [wait == 0 for wait in answers] == [True] * 4 + [False] * 2
    assert limits.admit(client="another", conversation="x") == 0


def test_a_refused_message_takes_no_token() -> None:
    clock = Clock()
    limits = ChatLimits(Rate(2, 60), Rate(10, 60), clock=clock)
    assert admitted(limits, 2, conversation="a") == 2

    assert limits.admit(client="c", conversation="b") > 0  # refused by the client bucket...
    clock.now += 1.0
    assert admitted(limits, 1, conversation="b") == 1  # ...so "b" still had its tokens


def test_idle_buckets_are_forgotten_and_the_keys_are_bounded() -> None:
    clock = Clock()
    buckets = Buckets(Rate(2, 60), clock=clock, max_keys=3)
    for key in "abcd":
        buckets.take(key)

    assert len(buckets) == 3 and buckets.available("a") == 2  # dropped: full again
    clock.now += 2.0  # a refill of the whole burst: everything idle is dropped on next take
    buckets.take("e")
    assert len(buckets) == 1


@pytest.mark.parametrize(("burst", "per_minute"), [(0, 10), (10, 0), (-1, 5)])
def test_a_rate_needs_positive_numbers(burst: int, per_minute: int) -> None:
    with pytest.raises(ValueError):
        Rate(burst, per_minute)


def test_the_defaults_leave_room_for_people_and_stop_a_replay() -> None:
    settings = Settings()
    clock = Clock()
    limits = ChatLimits(
        Rate(settings.chat_client_burst, settings.chat_client_per_minute),
        Rate(settings.chat_conversation_burst, settings.chat_conversation_per_minute),
        clock=clock,
    )
    person = 0
    for _ in range(60):  # a fast typist: a message every 3 s for three minutes
        person += limits.admit(client="person", conversation="p") == 0
        clock.now += 3.0
    replayed = sum(limits.admit(client="script", conversation=str(n)) == 0 for n in range(2000))

    assert person == 60
    assert replayed == settings.chat_client_burst
