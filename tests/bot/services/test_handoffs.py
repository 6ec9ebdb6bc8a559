from __future__ import annotations

from bot.services.handoffs import MAX_REASONS, clean_reasons


def test_reasons_are_distinct_non_empty_and_in_first_seen_order() -> None:
    assert clean_reasons(["b", "a", "b", "", "  ", None, "a"]) == ("b", "a")


def test_a_lone_string_is_one_reason_and_anything_else_none() -> None:
    assert clean_reasons("explicit_request") == ("explicit_request",)
    assert clean_reasons(42) == ()
    assert clean_reasons({"a": 1}) == ()


def test_reasons_are_capped_in_count_and_length() -> None:
    many = clean_reasons([f"r{i}" for i in range(100)])
    assert len(many) == MAX_REASONS
    assert len(clean_reasons(["x" * 10_000])[0]) <= 100
