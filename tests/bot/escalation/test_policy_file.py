from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.escalation import EscalationPolicy, PolicyError, load_policy, parse_policy, project_policy
from bot.escalation.hours import OpeningSpan
from bot.settings import PROJECT_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "escalation.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_file_loads_and_documents_the_defaults() -> None:
    """escalation.yml shows every default; if they drift apart, one of them is wrong."""
    project_policy.cache_clear()
    assert load_policy(PROJECT_ROOT / "escalation.yml") == EscalationPolicy()
    assert project_policy() is project_policy()


def test_an_empty_file_is_the_default_policy(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, "")) == EscalationPolicy()


def test_given_values_override_the_defaults(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            "escalate_at: 0.8\n"
            "thresholds: {conflict_confidence: 0.75}\n"
            "weights: {all_caps: 0.5}\n"
            "negative_words: [Dreadful]\n"
            "vip_tiers: [vip, gold]\n"
            "routing: {default_team: frontline, teams: {returns: [request_refund]}}\n",
        )
    )
    assert policy.escalate_at == 0.8
    assert policy.thresholds.conflict_confidence == 0.75
    assert policy.thresholds.consecutive_fallbacks == 2
    assert (policy.weights.all_caps, policy.weights.conflict) == (0.5, 1.0)
    assert policy.negative_words == frozenset({"dreadful"})
    assert policy.vip_tiers == frozenset({"vip", "gold"})
    assert policy.routing.team_for("request_refund") == "returns"
    assert policy.routing.team_for("order_status") is None
    assert policy.routing.default_team == "frontline"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weights: [1, 2", "not valid YAML"),
        ("- just\n- a list\n", "the policy must be a mapping"),
        ("escalate_when: 1\n", "unknown key(s) escalate_when"),
        ("weights: {wieght: 1}\n", "weights: unknown key(s) wieght"),
        ("weights: {conflict: -1}\n", "weights.conflict must be ≥ 0"),
        ("weights: {conflict: high}\n", "weights.conflict must be a number"),
        ("weights: {conflict: true}\n", "weights.conflict must be a number"),
        ("thresholds: {caps_ratio: 70}\n", "thresholds.caps_ratio must be between 0 and 1"),
        ("thresholds: {consecutive_fallbacks: 1.5}\n", "must be a whole number"),
        ("handle_minutes: 0\n", "handle_minutes must be at least 1"),
        ("negative_words: []\n", "negative_words must list at least one word"),
        ("vip_tiers: vip\n", "vip_tiers must be a list of names"),
        ("sla_minutes: {1: 15}\n", "sla_minutes has no entry for priority 2, 3"),
        ("priorities: {conflict: 0}\n", "priorities.conflict must be at least 1"),
        (
            "routing: {teams: {orders: [order_status], billing: [order_status]}}\n",
            "intent 'order_status' is routed to both 'orders' and 'billing'",
        ),
        ("routing: {team: x}\n", "routing: unknown key(s) team"),
    ],
)
def test_a_bad_file_gives_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("{days: {mon: '9-17'}}", 'business_hours.days.mon must be "HH:MM-HH:MM" or closed'),
        ("{days: {mon: '17:00-09:00'}}", "closes before it opens"),
        ("{days: {mon: '09:00-09:00'}}", "closes before it opens"),
        ("{days: {tue: '25:00-26:00'}}", "'25:00-26:00' is not a time of day"),
        ("{days: {wed: '09:60-17:00'}}", "is not a time of day"),
        ("{days: {thurs: '09:00-17:00'}}", "business_hours.days: unknown key(s) thurs"),
        ("{days: {fri: 9}}", 'business_hours.days.fri must be "HH:MM-HH:MM"'),
        ("{timezone: Mars/Olympus_Mons}", "unknown time zone 'Mars/Olympus_Mons'"),
        ("{timezone: ''}", "business_hours.timezone must be a non-empty name"),
        ("{closed_dates: ['2024-13-01']}", "closed_dates[0] must be a date"),
        ("{closed_dates: [2024-13-01]}", "not valid YAML (month must be in 1..12)"),
        ("{closed_dates: 2024-12-25}", "closed_dates must be a list of dates"),
        ("{open: always}", "business_hours: unknown key(s) open"),
    ],
)
def test_bad_business_hours_give_a_clear_error(tmp_path: Path, hours: str, message: str) -> None:
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, f"business_hours: {hours}\n"))
    assert message in str(error.value)


def test_business_hours_are_read(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            "business_hours:\n"
            "  timezone: Europe/Berlin\n"
            "  days: {mon: '08:30-24:00', sat: closed, sun: Closed}\n"
            "  closed_dates: [2024-12-25, '2024-12-26']\n",
        )
    )
    hours = policy.business_hours
    assert hours.timezone == "Europe/Berlin"
    assert hours.days[0] == OpeningSpan(time(8, 30), time.max)
    assert hours.days[1:] == (None,) * 6  # days left out are closed
    assert hours.closed_dates == frozenset({date(2024, 12, 25), date(2024, 12, 26)})


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the escalation policy"):
        load_policy(tmp_path / "nope.yml")


def test_parse_policy_takes_plain_data() -> None:
    assert parse_policy({"handle_minutes": 5}).handle_minutes == 5
    assert parse_policy(None) == EscalationPolicy()
