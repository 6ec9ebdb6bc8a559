"""The escalation decision: whether the bot hands a conversation to a person, and why.

`decide(signals, policy)` is pure: no database, no tracker, no clock, so every case is
a line in a decision table. `load_policy` / `project_policy` read `escalation.yml`;
`signals_from_events` turns rasa_sdk tracker events into `Signals`.
"""

from bot.escalation.decision import Decision, Reason, decide
from bot.escalation.events import signals_from_events
from bot.escalation.hours import BusinessHours, OpeningSpan
from bot.escalation.parsing import PolicyError
from bot.escalation.policy import EscalationPolicy, Routing, Thresholds, Weights
from bot.escalation.policy_file import load_policy, parse_policy, project_policy
from bot.escalation.signals import Signals

__all__ = [
    "BusinessHours",
    "Decision",
    "EscalationPolicy",
    "OpeningSpan",
    "PolicyError",
    "Reason",
    "Routing",
    "Signals",
    "Thresholds",
    "Weights",
    "decide",
    "load_policy",
    "parse_policy",
    "project_policy",
    "signals_from_events",
]
