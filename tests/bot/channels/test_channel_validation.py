"""The checks behind the channel's error codes, one rule at a time."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.validation import (
    InvalidInput,
    has_words,
    parse_metadata,
    parse_origins,
    polling_packets_ok,
    require_text,
    session_id_or_new,
)


@pytest.mark.parametrize(
    "text",
    ["hi", "7", "\u00e9", "\u0623", "\u05d0", "\u6ce8", "\u2163", "#100234", "\U0001f4e6 box"],
)
def test_text_with_a_letter_or_digit_in_any_script_has_words(text: str) -> None:
    assert has_words(text)


@pytest.mark.parametrize(
    "text", ["?!", "\U0001f44d", "   ...", "\u2764\ufe0f", "\u200f", "-_-", "\u0301", "\u3000"]
)
def test_symbols_and_emoji_alone_have_no_words(text: str) -> None:
    assert not has_words(text)


@pytest.mark.parametrize("candidate", ["abcdefgh", "A_b-9" * 2, "x" * 64])
def test_well_formed_session_ids_are_kept(candidate: str) -> None:
    assert session_id_or_new(candidate) == candidate


@pytest.mark.parametrize("candidate", [None, "abcdefg", "x" * 65, "abc defgh", "abcdefgh\n", 1])
def test_other_session_ids_are_replaced(candidate: Any) -> None:
    replacement = session_id_or_new(candidate)

    assert replacement != candidate and len(replacement) == 32


def test_the_message_limit_counts_characters_not_bytes() -> None:
    assert require_text({"m": "\u00e9" * 10}, key="m", max_length=10) == "\u00e9" * 10
    with pytest.raises(InvalidInput) as too_long:
        require_text({"m": "\u00e9" * 11}, key="m", max_length=10)

    assert too_long.value.payload()["limit"] == 10


def test_metadata_from_both_keys_is_merged_metadata_last() -> None:
    payload = {"customData": {"a": 1, "b": 1}, "metadata": '{"b": 2}'}

    assert parse_metadata(payload, max_bytes=100) == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    "raw", ["[" * 3000 + "]" * 3000, '"just a string"', "null", "{bad", {"k": "v" * 9000}]
)
def test_metadata_that_is_deep_not_an_object_or_too_big_is_rejected(raw: Any) -> None:
    with pytest.raises(InvalidInput) as rejected:
        parse_metadata({"metadata": raw}, max_bytes=8192)

    assert rejected.value.code == "bad_metadata"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        (" , ", None),
        ("*", ["*"]),
        ("http://a:8000, https://b/", ["http://a:8000", "https://b"]),
        (["http://a:8000"], ["http://a:8000"]),
    ],
)
def test_origins_from_credentials(raw: Any, expected: list[str] | None) -> None:
    assert parse_origins(raw) == expected


def test_origins_of_another_type_are_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="cors_allowed_origins"):
        parse_origins(8000)


@pytest.mark.parametrize("raw", [{"n": "\ud800"}, '{"n": "\\ud800"}', "\udc00"])
def test_metadata_with_a_lone_surrogate_is_bad_metadata(raw: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_metadata({"metadata": raw}, max_bytes=8192)

    assert refused.value.code == "bad_metadata"


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (b"", True),
        (b"40", True),
        (b'42["user_uttered",{}]\x1e3', True),
        (b"1", True),
        (b"bAQID", True),
        (b"6", False),
        (b"2", False),
        (b"40\x1e", False),
        (b"\xff", False),
    ],
)
def test_only_packets_a_client_sends_may_be_posted(body: bytes, ok: bool) -> None:
    assert polling_packets_ok(body) is ok


def test_a_lone_surrogate_in_the_text_is_a_bad_request_not_a_failed_turn() -> None:
    with pytest.raises(InvalidInput) as raised:
        require_text({"message": "where is my order \ud800"}, key="message", max_length=2000)
    assert raised.value.code == "bad_request"


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_metadata_nested_past_the_limit_is_refused_even_under_the_byte_limit() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_metadata({"metadata": _nested(500)}, max_bytes=8192)
    assert raised.value.code == "bad_metadata"


def test_ordinary_nesting_is_kept() -> None:
    metadata = parse_metadata({"metadata": _nested(10)}, max_bytes=8192)
    assert "a" in metadata
