"""The escalation policy: thresholds, weights, routing, business hours and SLAs.

Every value has a default, so `EscalationPolicy()` is a working policy and
`escalation.yml` only needs the values a shop wants to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from bot.escalation.frustration import NEGATIVE_WORDS
from bot.escalation.hours import BusinessHours

# Lower numbers are served first: conflict above service above informative.
PRIORITY_CONFLICT, PRIORITY_SERVICE, PRIORITY_INFORMATIVE = 1, 2, 3
# Field metadata: the value is a share between 0 and 1.
RATIO = MappingProxyType({"maximum": 1.0})


def _frozen(values: Mapping) -> Mapping:
    return MappingProxyType(dict(values))


DEFAULT_PRIORITIES = _frozen(
    {
        "conflict": PRIORITY_CONFLICT,
        "service": PRIORITY_SERVICE,
        "transactional": PRIORITY_SERVICE,
        "informative": PRIORITY_INFORMATIVE,
        "relationship": PRIORITY_INFORMATIVE,
        "feedback": PRIORITY_INFORMATIVE,
        "sales": PRIORITY_INFORMATIVE,
    }
)
DEFAULT_SLA_MINUTES = _frozen(
    {PRIORITY_CONFLICT: 15, PRIORITY_SERVICE: 30, PRIORITY_INFORMATIVE: 60}
)
DEFAULT_TEAMS: Mapping[str, tuple[str, ...]] = _frozen(
    {
        "orders": (
            "order_status",
            "list_orders",
            "cancel_order",
            "change_address",
            "late_delivery",
            "damaged_item",
            "exchange_item",
        ),
        "billing": (
            "billing_dispute",
            "refund_status",
            "request_refund",
            "payment_methods",
            "loyalty_points",
        ),
        "technical": ("account_details", "account_change", "reset_password"),
    }
)


@dataclass(frozen=True)
class Weights:
    """What each signal adds to the score; the decision escalates at `escalate_at`."""

    explicit_request: float = 1.0
    repeated_fallback: float = 1.0
    conflict: float = 1.0
    failed_action: float = 1.0
    negative_words: float = 0.4
    all_caps: float = 0.3
    repetition: float = 0.4
    vip: float = 0.2


@dataclass(frozen=True)
class Thresholds:
    consecutive_fallbacks: int = 2
    conflict_confidence: float = field(default=0.6, metadata=RATIO)
    negative_words: int = 1
    caps_ratio: float = field(default=0.7, metadata=RATIO)
    caps_min_letters: int = 8
    repetition_similarity: float = field(default=0.9, metadata=RATIO)
    repetition_min_chars: int = 8


@dataclass(frozen=True)
class Routing:
    default_team: str = "general"
    # team -> the intents it handles
    teams: Mapping[str, tuple[str, ...]] = DEFAULT_TEAMS

    def team_for(self, intent: str | None) -> str | None:
        """The team that handles `intent`, or None when no team names it."""
        return next((team for team, intents in self.teams.items() if intent in intents), None)


@dataclass(frozen=True)
class EscalationPolicy:
    escalate_at: float = 1.0
    weights: Weights = Weights()
    thresholds: Thresholds = Thresholds()
    negative_words: frozenset[str] = NEGATIVE_WORDS
    vip_tiers: frozenset[str] = frozenset({"vip"})
    # interaction type -> priority; other types (and none) get `default_priority`
    priorities: Mapping[str, int] = DEFAULT_PRIORITIES
    default_priority: int = PRIORITY_INFORMATIVE
    sla_minutes: Mapping[int, int] = DEFAULT_SLA_MINUTES
    handle_minutes: int = 8
    abandon_after_minutes: float = 15  # 0: not connected at a queue sweep means gone
    routing: Routing = Routing()
    business_hours: BusinessHours = field(default_factory=BusinessHours)

    def priority_for(self, interaction_type: str | None) -> int:
        if interaction_type is None:
            return self.default_priority
        return self.priorities.get(interaction_type, self.default_priority)

    def sla_for(self, priority: int) -> timedelta:
        """The loosest configured SLA for a priority without one of its own."""
        minutes = self.sla_minutes.get(priority, max(self.sla_minutes.values()))
        return timedelta(minutes=minutes)
