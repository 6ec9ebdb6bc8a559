from __future__ import annotations

import time

import pytest

from bot.escalation.frustration import (
    MAX_TEXT_CHARS,
    NEGATIVE_WORDS,
    caps_ratio,
    negative_words_in,
    normalise,
    similarity,
)


def test_normalise_keeps_words_only() -> None:
    assert normalise("  Where's   MY order?!  #100234 ") == "where's my order 100234"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("This is USELESS!", ("useless",)),
        ("what a waste of time, terrible", ("terrible", "waste of time")),
        ("I'm fed-up", ("fed up",)),
        ("uselessness is not a word I use", ()),
        ("scampi for dinner", ()),
        ("", ()),
    ],
)
def test_negative_words_match_whole_words_and_phrases(text: str, found: tuple[str, ...]) -> None:
    assert negative_words_in(text, NEGATIVE_WORDS) == found


@pytest.mark.parametrize(
    ("text", "ratio", "letters"),
    [
        ("WHERE IS IT", 1.0, 9),
        ("Where is it", 1 / 9, 9),
        ("!!! 123", 0.0, 0),
        ("注文はどこ OK", 1.0, 2),  # letters without case do not count
        ("ÄRGERLICH", 1.0, 9),
    ],
)
def test_caps_ratio_counts_cased_letters(text: str, ratio: float, letters: int) -> None:
    assert caps_ratio(text) == (pytest.approx(ratio), letters)


def test_similarity_ignores_case_and_punctuation() -> None:
    assert similarity("Where is my parcel??", "where is my parcel") == 1.0
    assert similarity("where is my parcel", "where is my parcl") > 0.9
    assert similarity("where is my parcel", "can I pay by card") < 0.5


def test_huge_messages_are_cut_before_comparing() -> None:
    huge = "a" * (50 * MAX_TEXT_CHARS)
    start = time.perf_counter()
    assert similarity(huge, huge + "b") == 1.0
    assert time.perf_counter() - start < 0.5
    assert caps_ratio(huge.upper())[1] == MAX_TEXT_CHARS
