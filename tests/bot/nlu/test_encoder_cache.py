"""The encoder's cache is shared by every conversation, so what it keeps must identify nobody:
a hit answers a few ms faster, and would tell that someone typed the same text recently."""

from __future__ import annotations

import pytest

from bot.nlu.encoder import CACHE_MAX_CHARS, DEFAULT_DIR, Encoder, cacheable


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("hi", True),
        ("where is my order?", True),
        ("I want to talk to a human", True),
        ("x" * CACHE_MAX_CHARS, True),
        ("x" * (CACHE_MAX_CHARS + 1), False),
        ("maria.garcia@example.com", False),
        ("my email is maria.garcia\uff20example.com", False),
        ("100002", False),
        ("where is order 100002", False),
        ("call me on +1 555 0101", False),
        ("4111 1111 1111 1111", False),
        ("12 Baker Street, London NW1 6XE", False),
        ("order ١٠٠٠٠٢", False),  # Arabic-Indic digits
        ("I need 2 tents", False),
    ],
)
def test_what_may_be_cached(text: str, kept: bool) -> None:
    assert cacheable(text) is kept


def test_an_email_typed_twice_is_computed_twice_and_never_kept() -> None:
    encoder = Encoder(DEFAULT_DIR, 1)
    first = encoder.embed(["maria.garcia@example.com"])

    again = encoder.embed(["maria.garcia@example.com"])

    assert (encoder.hits, encoder.misses, len(encoder._cache)) == (0, 0, 0)
    assert (first == again).all()
    encoder.embed(["thanks"])
    encoder.embed(["thanks"])
    assert (encoder.hits, encoder.misses, list(encoder._cache)) == (1, 1, ["thanks"])
