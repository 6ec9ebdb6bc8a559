"""The console's CSRF check never fails on what a client can type."""

from __future__ import annotations

import pytest

from bot.console.staff_cookies import csrf_ok, csrf_token

SECRET = b"k" * 32


def test_the_right_token_passes() -> None:
    assert csrf_ok(SECRET, "session-1", csrf_token(SECRET, "session-1"))


@pytest.mark.parametrize("candidate", [None, "", "x", "\x80", "\u00e9t\u00e9", "\ud800", "a" * 500])
def test_any_other_candidate_is_refused_without_an_error(candidate: str | None) -> None:
    assert csrf_ok(SECRET, "session-1", candidate) is False
