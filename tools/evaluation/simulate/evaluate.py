"""Judge a played conversation: its own expectations, and the ones every conversation has.

Every conversation is also held to three rules without saying so:
- no reply shows another customer's data (tools/evaluation/simulate/privacy.py);
- a customer who has to show who they are sees none of their data before they typed their
  email (the bot must not guess who they are);
- a routine conversation ends without a handoff (else the bot did not resolve it), and one
  that needs a person ends with one (it reached the queue), unless its `end:` says otherwise.
"""

from __future__ import annotations

from tools.evaluation.simulate.phrases import has_form, normalise
from tools.evaluation.simulate.privacy import PrivacyIndex
from tools.evaluation.simulate.record import (
    ConversationResult,
    Failure,
    Judge,
    TurnRecord,
    TurnResult,
)
from tools.evaluation.simulate.reply_checks import REPLY_CHECKS, revealed
from tools.evaluation.simulate.state_checks import STATE_CHECKS
from tools.evaluation.simulate.suite import Conversation
from tools.evaluation.simulate.vocabulary import Expectation

PRIVACY = "no_other_customer_data"
IDENTITY_FIRST = "nothing_before_identity"
CHECKS = {**REPLY_CHECKS, **STATE_CHECKS}


def judge_expectation(expectation: Expectation, turn: TurnRecord, judge: Judge) -> Failure | None:
    detail = CHECKS[expectation.kind](expectation.value, turn, judge)
    return None if detail is None else Failure(expectation.label, detail)


def evaluate(
    conversation: Conversation,
    records: list[TurnRecord],
    judge: Judge,
    privacy: PrivacyIndex,
    result: ConversationResult,
) -> ConversationResult:
    for spec, record in zip(conversation.turns, records, strict=False):
        failures = [f for e in spec.expect if (f := judge_expectation(e, record, judge))]
        failures += _automatic(conversation, record, judge, privacy)
        result.leaks += any(f.expectation == PRIVACY for f in failures)
        result.turns.append(TurnResult(record, failures))
    if records:
        last = records[-1]
        result.end_failures = [
            f for e in end_expectations(conversation) if (f := judge_expectation(e, last, judge))
        ]
    return result


def end_expectations(conversation: Conversation) -> list[Expectation]:
    """The conversation's `end:`, plus the handoff rule its `routine` flag implies."""
    stated = list(conversation.end)
    if any(e.kind in ("handoff", "no_handoff") for e in stated):
        return stated
    where = f"{conversation.source}: {conversation.id}, end (routine: {conversation.routine})"
    implied = (
        Expectation("no_handoff", True, where)
        if conversation.routine
        else Expectation("handoff", {}, where)
    )
    return [*stated, implied]


def _automatic(
    conversation: Conversation, record: TurnRecord, judge: Judge, privacy: PrivacyIndex
) -> list[Failure]:
    failures = []
    persona = judge.cast.persona
    allowed = {persona.id} if persona is not None else set()
    allowed |= privacy.proven(record.typed)
    leaks = privacy.leaks(record.raw_reply, allowed=allowed, typed=record.typed)
    if leaks:
        failures.append(Failure(PRIVACY, "shows " + "; ".join(str(leak) for leak in leaks)))
    if _must_prove_identity(conversation, judge, record):
        shown = revealed(record, judge, record.typed)
        if shown:
            failures.append(Failure(IDENTITY_FIRST, "before verification: " + ", ".join(shown)))
    return failures


def _must_prove_identity(conversation: Conversation, judge: Judge, record: TurnRecord) -> bool:
    """An unsigned customer who has not typed their email yet."""
    persona = judge.cast.persona
    if persona is None or conversation.customer.identity == "signed_in":
        return False
    return not has_form(normalise(record.typed), persona.email)
