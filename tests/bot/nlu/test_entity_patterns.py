import time

import pytest

from bot.nlu.entity_patterns import ENTITY_TYPES, EntityRules, Found, normalise_amount, resolve

PRODUCTS = {
    "Trail Runner 2": "Trail Runner 2",
    "Summit Hiking Boots": "Summit Hiking Boots",
    "hiking boots": "Summit Hiking Boots",
    "Ünïcode Mug": "Ünïcode Mug",
}


@pytest.fixture(scope="module")
def rules() -> EntityRules:
    return EntityRules(ENTITY_TYPES, PRODUCTS)


def found(rules: EntityRules, text: str) -> list[tuple[str, str, str]]:
    """(entity, matched text, value) for each entity."""
    return [(f.entity, text[f.start : f.end], f.value) for f in rules.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it's 100234", ("100234", "100234")),
        # the span is the digits alone, as the training data annotates them
        ("order #100234 please", ("100234", "100234")),
        ("order no.100234.", ("100234", "100234")),
        ("Order No. 100234", ("100234", "100234")),
        ("(#100234)", ("100234", "100234")),
    ],
)
def test_order_numbers_are_six_digits_with_an_optional_prefix(
    rules: EntityRules, text: str, expected: tuple[str, str]
) -> None:
    assert found(rules, text) == [("order_number", *expected)]


@pytest.mark.parametrize("text", ["12345", "1002345", "10023a", "a100234", "١٠٠٢٣٤"])
def test_other_digit_runs_are_not_order_numbers(rules: EntityRules, text: str) -> None:
    assert found(rules, text) == []


@pytest.mark.parametrize(
    "email",
    ["jane@example.com", "jane.doe+shop@mail.example.co.uk", "j_d-1@sub.example.io"],
)
def test_emails_are_found_without_trailing_punctuation(rules: EntityRules, email: str) -> None:
    assert found(rules, f"mail me at {email}, thanks.") == [("email", email, email)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("+1 (555) 123-4567", "+15551234567"),
        ("555-123-4567", "5551234567"),
        ("555.123.4567", "5551234567"),
        ("+44 7911 123456", "+447911123456"),
        ("07911 123456", "07911123456"),
        ("(020) 7946 0958", "02079460958"),
        ("+31 6 12345678", "+31612345678"),
        ("06 12 34 56 78", "0612345678"),
        ("0612345678", "0612345678"),
    ],
)
def test_phones_in_international_and_local_formats(
    rules: EntityRules, text: str, value: str
) -> None:
    assert found(rules, f"call me on {text}.") == [("phone", text, value)]


@pytest.mark.parametrize("text", ["1234567", "2024-01-15", "15.01.2024", "12345678901234567"])
def test_short_runs_dates_and_overlong_runs_are_not_phones(rules: EntityRules, text: str) -> None:
    assert [e for e, _, _ in found(rules, text)] == []


@pytest.mark.parametrize(
    ("text", "matched", "value"),
    [
        ("$25", "$25", "25.00"),
        ("$ 25.5", "$ 25.5", "25.50"),
        ("25$", "25$", "25.00"),
        ("€25,50", "€25,50", "25.50"),
        ("25.00€.", "25.00€", "25.00"),
        ("£1,299.99", "£1,299.99", "1299.99"),
        ("1.299,99 €", "1.299,99 €", "1299.99"),
        ("25 dollars", "25 dollars", "25.00"),
        ("25 Euros", "25 Euros", "25.00"),
        ("40 bucks", "40 bucks", "40.00"),
        ("25 usd", "25 usd", "25.00"),
        ("25EUR", "25EUR", "25.00"),
        ("10 pounds", "10 pounds", "10.00"),
    ],
)
def test_amounts_are_normalised(rules: EntityRules, text: str, matched: str, value: str) -> None:
    assert found(rules, f"I paid {text} yesterday") == [("amount", matched, value)]


@pytest.mark.parametrize("text", ["25 europe", "the dollar is weak", "25 dollarsign"])
def test_currency_words_need_a_word_boundary_and_a_number(rules: EntityRules, text: str) -> None:
    assert [e for e, _, _ in found(rules, text)] == []


def test_normalise_amount_reads_separators_by_the_digits_after_them() -> None:
    assert normalise_amount("1,299") == "1299.00"
    assert normalise_amount("1.299.000") == "1299000.00"
    assert normalise_amount("0,5") == "0.50"


def test_order_number_phone_and_amount_in_one_sentence(rules: EntityRules) -> None:
    text = "Order #100234 cost $100235 and my number is 0612345678 100236, mail a+b@c.io"

    assert found(rules, text) == [
        ("order_number", "100234", "100234"),
        ("amount", "$100235", "100235.00"),
        ("phone", "0612345678", "0612345678"),
        ("order_number", "100236", "100236"),
        ("email", "a+b@c.io", "a+b@c.io"),
    ]


def test_a_phone_does_not_swallow_a_leading_order_number(rules: EntityRules) -> None:
    assert found(rules, "100234 555 123 4567") == [
        ("order_number", "100234", "100234"),
        ("phone", "555 123 4567", "5551234567"),
    ]
    assert found(rules, "order 100234 5551234") == [("order_number", "100234", "100234")]


def test_products_match_case_insensitively_and_give_the_canonical_name(rules: EntityRules) -> None:
    assert found(rules, "are the HIKING BOOTS or the trail runner 2 waterproof?") == [
        ("product", "HIKING BOOTS", "Summit Hiking Boots"),
        ("product", "trail runner 2", "Trail Runner 2"),
    ]


def test_the_longest_product_phrase_wins(rules: EntityRules) -> None:
    assert found(rules, "summit hiking boots") == [
        ("product", "summit hiking boots", "Summit Hiking Boots")
    ]


def test_unicode_products_match(rules: EntityRules) -> None:
    assert found(rules, "ünïcode mug?") == [("product", "ünïcode mug", "Ünïcode Mug")]


def test_only_enabled_entity_types_are_extracted() -> None:
    rules = EntityRules(["email"], PRODUCTS)

    assert found(rules, "#100234 a@b.io $5 hiking boots 0612345678") == [
        ("email", "a@b.io", "a@b.io")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀🙈 👍🏽",
        "مرحبا، رقم طلبي 100234 شكرا",
        "שלום 0612345678",
        "nul\x00 bytes\x00 #100234\x00",
        "\u200f\u202e reversed",
        "[](){}<>@#$€£",
    ],
)
def test_odd_text_never_crashes(rules: EntityRules, text: str) -> None:
    for entity in rules.find(text):
        assert 0 <= entity.start < entity.end <= len(text)


def test_right_to_left_text_keeps_character_offsets(rules: EntityRules) -> None:
    text = "مرحبا، رقم طلبي 100234 شكرا"

    assert found(rules, text) == [("order_number", "100234", "100234")]


@pytest.mark.parametrize(
    "text",
    [
        "a" * 100_000,
        "1" * 100_000,
        "1 " * 50_000,
        "100234 " * 14_285,
        ("hiking boots a@b.io $5 " * 5_000)[:100_000],
    ],
)
def test_huge_input_stays_fast(rules: EntityRules, text: str) -> None:
    started = time.perf_counter()
    rules.find(text)
    assert time.perf_counter() - started < 3.0


def test_resolve_prefers_priority_then_length() -> None:
    candidates = [
        Found("order_number", 1, 7, "100234"),
        Found("amount", 0, 7, "100234.00"),
        Found("product", 8, 12, "a"),
        Found("product", 8, 15, "b"),
    ]

    assert resolve(candidates, 20) == [candidates[1], candidates[3]]
