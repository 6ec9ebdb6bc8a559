"""The runner with a fake bot (a fake of the transport layer only) on a real seeded store:
what the customer types, who they are signed in as, the snapshots, the verdicts, the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from bot.customer_tokens import METADATA_KEY, verify_token
from tests.tools.evaluation.simulate.conftest import cast_of, conversation
from tools.evaluation.simulate.report import markdown, summarise
from tools.evaluation.simulate.runner import Runner, Target, notes_from_tracker
from tools.evaluation.simulate.shop_facts import ShopFacts
from tools.evaluation.simulate.suite import Suite
from tools.evaluation.simulate.transport import Exchange, Reply, Transport

SECRET = "runner-test-secret"
Answer = Callable[[str, dict[str, Any]], list[str]]


class FakeBot(Transport):
    """Answers each message with `answer(text, metadata)`; remembers what it was sent."""

    def __init__(self, answer: Answer, log: list[tuple[str, dict[str, Any]]]) -> None:
        self.answer, self.log = answer, log
        self.metadata: dict[str, Any] = {}

    def open(self, metadata: dict[str, Any]) -> str:
        self.metadata = metadata
        return "fake-conversation"

    def say(self, text: str) -> Exchange:
        self.log.append((text, self.metadata))
        return Exchange([Reply(r) for r in self.answer(text, self.metadata)])


def run(url: str, shop: ShopFacts, answer: Answer, *texts: str) -> tuple[dict, list]:
    log: list[tuple[str, dict[str, Any]]] = []
    runner = Runner(
        Target("http://unused", url, SECRET),
        shop,
        {},
        pace=0.0,
        say=lambda _: None,
        transport_factory=lambda client: FakeBot(answer, log),
    )
    suite = Suite(tuple(conversation(text) for text in texts))
    report = summarise(runner.run(suite), meta={"command": "test"})
    return report, log


STATUS = """
id: status
routine: true
customer:
  identity: signed_in
  situation: {open_orders: 1, has: [in_transit]}
  orders:
    moving: {status: in_transit}
turns:
  - say: "where is {moving}?"
    expect:
      - mentions_order: {order: moving, facts: [number, status]}
"""
WRONG = STATUS.replace("id: status", "id: wrong").replace("[number, status]", "[total]")


def _customer_of(metadata: dict[str, Any]) -> str:
    claims = verify_token(metadata[METADATA_KEY], secret=SECRET)
    assert claims is not None
    return claims.subject


def _status_answer(url: str) -> Answer:
    def answer(text: str, metadata: dict[str, Any]) -> list[str]:
        number = text.split()[-1].rstrip("?")
        owner = _scalar(
            url,
            "SELECT c.public_id FROM orders o JOIN customers c ON "
            "c.id = o.customer_id WHERE o.number = :n",
            n=number,
        )
        assert owner == _customer_of(metadata)  # signed in as the customer whose order it is
        return [f"Order #{number} is in transit."]

    return answer


def _scalar(url: str, sql: str, **params: Any) -> Any:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def test_a_correct_answer_resolves_and_a_wrong_expectation_fails(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    report, log = run(fresh_store_url, shop, _status_answer(fresh_store_url), STATUS, WRONG)
    assert [text.startswith("where is 1") for text, _ in log] == [True, True]
    resolved = {c["id"]: c["resolved"] for c in report["conversations"]}
    assert resolved == {"status": True, "wrong": False}
    failing = report["conversations"][1]["turns"][0]["failures"]
    assert failing[0]["expectation"] == "mentions_order(order: moving, facts: total)"
    assert report["overall"]["routine"] == 2 and report["overall"]["routine_resolved"] == 1
    assert report["failed_expectations"] == {"mentions_order": 1}
    assert "### test · wrong (routine; signed_in C" in markdown(report)


def test_every_reply_is_checked_for_other_customers_data(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    def leaky(text: str, metadata: dict[str, Any]) -> list[str]:
        return ["Order in transit. By the way, james.smith@example.com ordered one too."]

    report, _ = run(fresh_store_url, shop, leaky, STATUS)
    (played,) = report["conversations"]
    failures = played["turns"][0]["failures"]
    if played["customer"] == "C0002":  # James may see his own email; nobody else may
        assert failures == []
    else:
        assert {
            "expectation": "no_other_customer_data",
            "detail": "shows email james.smith@example.com of customer C0002",
        } in failures
        assert report["overall"]["replies_with_other_customer_data"] == 1


def test_the_routine_flag_implies_the_handoff_outcome(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    person = """
id: person
routine: false
customer: {identity: anonymous}
turns: ["I want a manager"]
"""
    report, _ = run(fresh_store_url, shop, lambda text, metadata: ["Sure."], person)
    (played,) = report["conversations"]
    assert played["end_failures"] == [
        {"expectation": "handoff", "detail": "no handoff for this conversation"}
    ]
    assert report["overall"]["needs_person"] == 1
    assert report["overall"]["needs_person_reached_queue"] == 0
    assert report["targets"]["needs_person_met"] is False
    assert report["targets"]["routine_met"] is None  # no routine conversation: nothing to meet
    assert "| routine conversations resolved | 0/0 (-) | ≥ 95 % | - |" in markdown(report)


def test_an_anonymous_customer_sees_nothing_before_their_email(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    verify = """
id: verify
routine: true
customer:
  identity: verifies
  situation: {has: [in_transit]}
  orders:
    moving: {status: in_transit}
turns:
  - "where's my order"
  - "{email} {moving}"
"""
    _, chosen = cast_of(verify, fresh_store_url)  # the runner casts the same customer
    number = chosen.orders["moving"].number

    def guesses(text: str, metadata: dict[str, Any]) -> list[str]:
        assert metadata == {}  # an anonymous customer carries no token
        return [f"Order #{number} is on its way."]

    report, log = run(fresh_store_url, shop, guesses, verify)
    first, second = report["conversations"][0]["turns"]
    assert first["failures"] == [
        {"expectation": "nothing_before_identity", "detail": f"before verification: order {number}"}
    ]
    assert second["failures"] == []  # after their email and number, it is theirs to see
    assert log[1][0] == f"{chosen.persona.email} {number}"  # type: ignore[union-attr]


def test_a_conversation_that_cannot_be_cast_is_reported_not_played(
    fresh_store_url: str, shop: ShopFacts
) -> None:
    impossible = """
id: nobody
routine: true
customer: {identity: signed_in, situation: {open_orders: 99}}
turns: ["hi"]
"""
    report, log = run(fresh_store_url, shop, lambda t, m: ["hi"], impossible)
    assert log == []
    assert report["overall"]["not_played"] == 1 and report["overall"]["played"] == 0
    assert "Not played: no customer in the store fits nobody" in markdown(report)


def test_tracker_events_are_matched_to_turns_by_text() -> None:
    tracker = {
        "events": [
            {"event": "action", "name": "action_session_start"},
            {
                "event": "user",
                "text": "hi",
                "parse_data": {"intent": {"name": "greet", "confidence": 0.9}},
            },
            {"event": "action", "name": "action_greet"},
            {"event": "bot", "text": "Hi!", "metadata": {"utter_action": "utter_greet"}},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "blah", "parse_data": {"intent": {"name": "nlu_fallback"}}},
            {"event": "action", "name": "action_handle_fallback"},
        ]
    }
    first, refused, last = notes_from_tracker(tracker, ["hi", "!!!", "blah"])
    assert (first.intent, first.actions, first.utterances) == (
        "greet",
        ("action_greet",),
        ("utter_greet",),
    )
    assert refused.source == "missing"
    assert last.intent == "nlu_fallback" and last.actions == ("action_handle_fallback",)
