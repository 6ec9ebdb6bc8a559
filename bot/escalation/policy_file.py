"""Reading `escalation.yml` into an `EscalationPolicy`, refusing anything doubtful.

Unknown keys are errors rather than ignored, so a misspelt threshold cannot silently
fall back to its default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.escalation import parsing
from bot.escalation.hours_file import SHOP_FILE_NAME, business_hours, shop_hours_section
from bot.escalation.parsing import PolicyError
from bot.escalation.policy import EscalationPolicy, Routing, Thresholds, Weights

POLICY_FILE_NAME = "escalation.yml"
_TOP_LEVEL = (
    "escalate_at",
    "weights",
    "thresholds",
    "negative_words",
    "vip_tiers",
    "priorities",
    "default_priority",
    "sla_minutes",
    "handle_minutes",
    "abandon_after_minutes",
    "routing",
    "business_hours",
)


def load_policy(path: Path) -> EscalationPolicy:
    """The policy in `path`; a missing, unreadable or invalid file raises PolicyError."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"{path}: cannot read the escalation policy ({error})") from error
    except (yaml.YAMLError, ValueError) as error:
        # PyYAML raises a bare ValueError for impossible dates such as 2024-13-01.
        raise PolicyError(f"{path}: not valid YAML ({error})") from error
    if isinstance(document, dict) and "business_hours" not in document:
        document = {**document, **_shop_hours(path)}
    try:
        return parse_policy(document)
    except PolicyError as error:
        raise PolicyError(f"{path}: {error}") from None


def _shop_hours(policy_path: Path) -> dict[str, Any]:
    """The opening hours of shop.yml beside the policy, the one place the shop states them
    (bot/shop.py), as a business_hours section; nothing without the file."""
    try:
        hours = shop_hours_section(policy_path.parent / SHOP_FILE_NAME)
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise PolicyError(f"{policy_path.parent / SHOP_FILE_NAME}: {error}") from error
    return {"business_hours": hours} if hours is not None else {}


@lru_cache(maxsize=1)
def project_policy() -> EscalationPolicy:
    """The project's own policy (CIM_ESCALATION_FILE), read once on first use, never at import."""
    from bot.settings import get_settings

    return load_policy(Path(get_settings().escalation_file))


def parse_policy(document: object) -> EscalationPolicy:
    raw = parsing.mapping(document, "the policy")
    parsing.known_keys(raw, _TOP_LEVEL, "the policy")
    policy = EscalationPolicy()
    for key, value in raw.items():
        policy = replace(policy, **{key: _PARSERS[key](value, key)})
    _check_slas_cover_priorities(policy)
    return policy


def _escalate_at(value: object, where: str) -> float:
    return parsing.number(value, where, integer=False)


def _words(value: object, where: str) -> frozenset[str]:
    words = frozenset(word.lower() for word in parsing.names(value, where))
    if not words:
        raise PolicyError(f"{where} must list at least one word")
    return words


def _tiers(value: object, where: str) -> frozenset[str]:
    return frozenset(parsing.names(value, where))


def _priorities(value: object, where: str) -> Mapping[str, int]:
    raw = parsing.mapping(value, where)
    return {
        parsing.name(kind, where): parsing.positive_int(level, f"{where}.{kind}")
        for kind, level in raw.items()
    }


def _sla_minutes(value: object, where: str) -> Mapping[int, int]:
    raw = parsing.mapping(value, where)
    if not raw:
        raise PolicyError(f"{where} must give the SLA of at least one priority")
    return {
        parsing.positive_int(level, f"{where} key {level!r}"): parsing.positive_int(
            minutes, f"{where}.{level}"
        )
        for level, minutes in raw.items()
    }


def _routing(value: object, where: str) -> Routing:
    raw = parsing.mapping(value, where)
    parsing.known_keys(raw, ("default_team", "teams"), where)
    default = parsing.name(raw.get("default_team", Routing.default_team), f"{where}.default_team")
    teams = raw["teams"] if "teams" in raw else dict(Routing.teams)
    return Routing(default_team=default, teams=_teams(teams, f"{where}.teams"))


def _teams(value: object, where: str) -> Mapping[str, tuple[str, ...]]:
    teams: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for team, intents in parsing.mapping(value, where).items():
        team_name = parsing.name(team, where)
        teams[team_name] = parsing.names(intents, f"{where}.{team_name}")
        for intent in teams[team_name]:
            if owner.setdefault(intent, team_name) != team_name:
                raise PolicyError(
                    f"{where}: intent {intent!r} is routed to both {owner[intent]!r} "
                    f"and {team_name!r}"
                )
    return teams


def _check_slas_cover_priorities(policy: EscalationPolicy) -> None:
    used = {*policy.priorities.values(), policy.default_priority}
    missing = sorted(used - set(policy.sla_minutes))
    if missing:
        raise PolicyError(
            f"sla_minutes has no entry for priority {', '.join(map(str, missing))}, "
            "which priorities or default_priority use"
        )


_PARSERS: dict[str, Any] = {
    "escalate_at": _escalate_at,
    "weights": lambda value, where: parsing.numbers_into(Weights, value, where),
    "thresholds": lambda value, where: parsing.numbers_into(Thresholds, value, where),
    "negative_words": _words,
    "vip_tiers": _tiers,
    "priorities": _priorities,
    "default_priority": parsing.positive_int,
    "sla_minutes": _sla_minutes,
    "handle_minutes": parsing.positive_int,
    "abandon_after_minutes": lambda value, where: parsing.number(value, where, integer=False),
    "routing": _routing,
    "business_hours": business_hours,
}
