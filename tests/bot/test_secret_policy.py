"""What production accepts as a secret (bot/secret_policy.py)."""

from __future__ import annotations

import secrets

import pytest

from bot.secret_policy import secret_problem, secrets_problems

STRONG = "q8Rv2LmZx0Tn4Kp7Ws1Yb6Hd3Jf9Gc5E"  # 32 varied characters


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is missing or a placeholder"),
        ("x", "is missing or a placeholder"),
        ("change-me", "is missing or a placeholder"),
        ("dev-only-console-secret-0123456789abcdef", "is missing or a placeholder"),
        ("s3cr3t-0123456789-abc", "is shorter than 32 characters"),
        ("z" * 48, "has fewer than 8 different characters"),
        ("Ab3$" * 12, "has fewer than 8 different characters"),
        ("abcdefgh12345678" * 3, "is a short pattern repeated"),
        (("abcdefghijkl" * 3)[:33], "is a short pattern repeated"),  # not a whole number of times
    ],
)
def test_weak_secrets_are_named_with_the_reason(value: str, problem: str) -> None:
    assert secret_problem(value) == problem


@pytest.mark.parametrize(
    "value", [STRONG, secrets.token_hex(16), secrets.token_urlsafe(32), "ab" + STRONG + "ab"]
)
def test_random_secrets_pass(value: str) -> None:
    assert secret_problem(value) is None


def test_every_secret_must_differ_from_every_other() -> None:
    other = secrets.token_urlsafe(32)
    problems = secrets_problems({"A": STRONG, "B": other, "C": STRONG, "D": STRONG})
    assert problems == [
        "A and C are the same value",
        "A and D are the same value",
        "C and D are the same value",
    ]
    assert secrets_problems({"A": STRONG, "B": other}) == []
