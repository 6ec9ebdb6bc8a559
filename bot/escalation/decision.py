"""The escalation decision: one place, one score, and a reason for every point of it.

Each check looks at one signal and returns a `Reason` (with the weight it adds) or
None. The decision escalates when the summed weights reach `policy.escalate_at`, and
keeps every reason so the agent and the customer's record can see why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.escalation.frustration import caps_ratio, negative_words_in, normalise, similarity
from bot.escalation.policy import EscalationPolicy
from bot.escalation.signals import Signals
from bot.escalation.situations import situations_in

CONFLICT = "conflict"


@dataclass(frozen=True)
class Reason:
    code: str
    explanation: str
    weight: float


@dataclass(frozen=True)
class Decision:
    escalate: bool
    reasons: tuple[Reason, ...]
    # Lower is served first (1: conflict, 2: service, 3: informative by default).
    priority: int
    team: str
    score: float
    vip: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def explain(self) -> str:
        verdict = "hand off" if self.escalate else "stay with the bot"
        because = "; ".join(reason.explanation for reason in self.reasons) or "no signal"
        return f"{verdict} (score {self.score:g}): {because}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for storing the decision with the handoff."""
        return {
            "escalate": self.escalate,
            "score": self.score,
            "priority": self.priority,
            "team": self.team,
            "vip": self.vip,
            "reasons": [
                {"code": r.code, "explanation": r.explanation, "weight": r.weight}
                for r in self.reasons
            ],
        }


def decide(signals: Signals, policy: EscalationPolicy) -> Decision:
    found = (check(signals, policy) for check in CHECKS)
    reasons = tuple(reason for reason in found if reason is not None)
    score = round(sum(reason.weight for reason in reasons), 3)
    return Decision(
        escalate=score > 0 and score >= policy.escalate_at,
        reasons=reasons,
        priority=priority_for(signals, policy),
        team=team_for(signals, policy),
        score=score,
        vip=is_vip(signals, policy),
    )


def priority_for(signals: Signals, policy: EscalationPolicy) -> int:
    """The interaction type's priority; a situation that belongs with a person (a billing
    dispute, a legal threat) is a conflict whatever the intent the classifier chose, and a
    calm request for a person is served like any service request."""
    if situations_in(signals.latest_text):
        return policy.priority_for(CONFLICT)
    if signals.explicit_request and signals.interaction_type == CONFLICT:
        # A calm "can I talk to a person?" is a service request; asked in anger it stays
        # a conflict. Otherwise every request for a person would be served first.
        frustrated = any(check(signals, policy) for check in FRUSTRATION_CHECKS)
        return policy.priority_for(CONFLICT if frustrated else "service")
    return policy.priority_for(signals.interaction_type)


def team_for(signals: Signals, policy: EscalationPolicy) -> str:
    """The team of a situation in the latest message ("you charged me twice" goes to
    billing), else of the newest intent that has one: "a person please" after a refund
    question goes to billing."""
    for situation in situations_in(signals.latest_text):
        if situation.team in policy.routing.teams:
            return situation.team
    for intent in (signals.intent, *signals.recent_intents):
        team = policy.routing.team_for(intent)
        if team is not None:
            return team
    return policy.routing.default_team


def is_vip(signals: Signals, policy: EscalationPolicy) -> bool:
    return signals.customer_tier is not None and signals.customer_tier in policy.vip_tiers


def _explicit_request(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    if not signals.explicit_request:
        return None
    asked = f" ({signals.intent})" if signals.intent else ""
    return Reason(
        "explicit_request",
        f"the customer asked for a person{asked}",
        policy.weights.explicit_request,
    )


def _repeated_fallback(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    count, limit = signals.consecutive_fallbacks, policy.thresholds.consecutive_fallbacks
    if count < limit:
        return None
    explanation = f"{count} misunderstood messages in a row ≥ {limit}"
    return Reason("repeated_fallback", explanation, policy.weights.repeated_fallback)


def _conflict(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    if signals.interaction_type != CONFLICT:
        return None
    about = f" ({signals.intent})" if signals.intent else ""
    confidence, limit = signals.interaction_confidence, policy.thresholds.conflict_confidence
    if confidence is None:
        explanation = f"conflict{about}, typed by its intent"
    elif confidence >= limit:
        explanation = f"conflict{about} with confidence {confidence:.2f} ≥ {limit:g}"
    else:
        return None
    return Reason(CONFLICT, explanation, policy.weights.conflict)


def _situation(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    found = situations_in(signals.latest_text)
    if not found:
        return None
    explanation = "; ".join(situation.explanation for situation in found)
    return Reason(found[0].code, explanation, policy.weights.conflict)


def _negative_words(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    words = negative_words_in(signals.latest_text, policy.negative_words)
    if not words or len(words) < policy.thresholds.negative_words:
        return None
    quoted = ", ".join(f"“{word}”" for word in words)
    return Reason("negative_words", f"negative wording: {quoted}", policy.weights.negative_words)


def _all_caps(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    ratio, letters = caps_ratio(signals.latest_text)
    limits = policy.thresholds
    if letters < limits.caps_min_letters or ratio < limits.caps_ratio:
        return None
    explanation = f"shouting: {ratio:.0%} capitals over {letters} letters ≥ {limits.caps_ratio:.0%}"
    return Reason("all_caps", explanation, policy.weights.all_caps)


def _repetition(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    limits = policy.thresholds
    if (
        not signals.recent_texts
        or len(normalise(signals.latest_text)) < limits.repetition_min_chars
    ):
        return None
    ratio = similarity(signals.recent_texts[-1], signals.latest_text)
    if ratio < limits.repetition_similarity:
        return None
    explanation = (
        f"said again: {ratio:.0%} like the previous message ≥ {limits.repetition_similarity:.0%}"
    )
    return Reason("repetition", explanation, policy.weights.repetition)


def _failed_action(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    if not signals.failed_action:
        return None
    return Reason(
        "failed_action", "the bot failed to carry out the request", policy.weights.failed_action
    )


def _vip(signals: Signals, policy: EscalationPolicy) -> Reason | None:
    if not is_vip(signals, policy):
        return None
    explanation = f"{signals.customer_tier} customer: served first within the priority"
    return Reason("vip", explanation, policy.weights.vip)


Check = Callable[[Signals, EscalationPolicy], "Reason | None"]
FRUSTRATION_CHECKS: tuple[Check, ...] = (_negative_words, _all_caps, _repetition)
CHECKS: tuple[Check, ...] = (
    _explicit_request,
    _repeated_fallback,
    _conflict,
    _situation,
    _negative_words,
    _all_caps,
    _repetition,
    _failed_action,
    _vip,
)
