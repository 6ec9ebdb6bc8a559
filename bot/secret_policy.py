"""What production accepts as a secret, and why each rule is there.

Each secret guards a different boundary: the token secret is shared with the shop's
backend (it signs customer tokens), the Rasa API token protects the HTTP API, the console
secret signs staff sessions, the action token authenticates Rasa to the action server.
If two were equal, whoever holds one (the shop, say) would hold the other (and could sign
a supervisor's cookie). A secret has to be long and varied enough not to be guessed:
"x", one character repeated or a short pattern repeated are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

MIN_SECRET_CHARS = 32
MIN_DISTINCT_CHARS = 8  # `openssl rand -hex 16` has about 14; "Ab3$" * 8 has 4
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "password", "x"})


def secret_problem(value: str) -> str | None:
    """Why `value` is not a production secret, or None if it is acceptable."""
    if value.strip().lower() in PLACEHOLDERS or value.startswith("dev-only"):
        return "is missing or a placeholder"
    if len(value) < MIN_SECRET_CHARS:
        return f"is shorter than {MIN_SECRET_CHARS} characters"
    if len(set(value)) < MIN_DISTINCT_CHARS:
        return f"has fewer than {MIN_DISTINCT_CHARS} different characters"
    if _smallest_period(value) <= len(value) // 2:
        return "is a short pattern repeated"
    return None


def secrets_problems(secrets: Mapping[str, str]) -> list[str]:
    """Every problem with these named secrets (variable name -> value), each secret on its
    own and every pair: all must differ."""
    problems = [
        f"{name} {problem}"
        for name, value in secrets.items()
        if (problem := secret_problem(value)) is not None
    ]
    for (first, a), (second, b) in combinations(secrets.items(), 2):
        if a and a == b:
            problems.append(f"{first} and {second} are the same value")
    return problems


def _smallest_period(value: str) -> int:
    """The length of the shortest prefix that, repeated, gives `value` (KMP failure function)."""
    failure = [0] * len(value)
    for i in range(1, len(value)):
        k = failure[i - 1]
        while k and value[i] != value[k]:
            k = failure[k - 1]
        failure[i] = k + 1 if value[i] == value[k] else 0
    return len(value) - failure[-1] if value else 0
