"""Redaction: the tricky cases. Each line is what a customer might type, and what a
trainer may see of it. Nothing personal may survive; ordinary numbers should."""

from __future__ import annotations

import re

import pytest

from bot.privacy import MAX_TEXT_CHARS, NameMatcher, redact

NAMES = ["Maria Lopez", "Will Smith", "José Núñez", "Aiko Tanaka"]

CASES = [
    # emails, plain, tagged, shouted, obfuscated
    ("my email is Maria.Lopez+shop@example.co.uk", "my email is [EMAIL]"),
    ("MARIA@EXAMPLE.COM is my login", "[EMAIL] is my login"),
    ("email: maria at example dot com", "email: [EMAIL]"),
    ("write to j.nunez(at)mail(dot)es", "write to [EMAIL]"),
    # phones, international and local
    ("call me on +49 30 1234 5678", "call me on [PHONE]"),
    ("my mobile +49 176 12345678", "my mobile [PHONE]"),
    ("(555) 123-4567 after 5pm", "[PHONE] after 5pm"),
    ("555.123.4567", "[PHONE]"),
    ("0176/12345678", "[PHONE]"),
    # order numbers, every way they are written
    ("where is order #100001?", "where is order [ORDER]?"),
    ("order no. 100001, please", "order no. [ORDER], please"),
    ("100001", "[ORDER]"),
    # cards and bank accounts
    ("card 4111 1111 1111 1111", "card [CARD]"),
    ("4111-1111-1111-1111 was charged twice", "[CARD] was charged twice"),
    ("charged on 4111111111111111", "charged on [CARD]"),
    ("IBAN DE89 3704 0044 0532 0130 00", "IBAN [IBAN]"),
    # postal addresses, several countries
    ("I live at 12 Baker Street, London NW1 6XE", "I live at [ADDRESS], London [ADDRESS]"),
    ("send it to 221B Baker St.", "send it to [ADDRESS]"),
    ("Hauptstraße 5, 10115 Berlin", "[ADDRESS], [ADDRESS]"),
    (
        "Ship to 1600 Amphitheatre Pkwy, Mountain View, CA 94043",
        "Ship to [ADDRESS], Mountain View, [ADDRESS]",
    ),
    ("rue de Rivoli 10, 75001 Paris", "[ADDRESS], [ADDRESS]"),
    ("Keizersgracht 123, 1015 CJ Amsterdam", "[ADDRESS], [ADDRESS] Amsterdam"),
    # names the store knows, in any case and spelling
    ("This is Maria Lopez", "This is [NAME]"),
    ("hi its maria", "hi its [NAME]"),
    ("JOSÉ NÚÑEZ here", "[NAME] here"),
    ("May I ask, Will?", "May I ask, [NAME]?"),
    # full-width characters and control characters hide nothing
    (
        "\uff2daria \uff4daria@example.com "
        + "".join(chr(0xFF10 + int(d)) for d in "017612345678"),
        "[NAME] [EMAIL] [PHONE]",
    ),
    ("order\x00100001", "order [ORDER]"),
    # long digit runs of no known shape
    ("my order 100001100002", "my order [PHONE]"),
    ("ref 12345678901234567890123", "ref [NUMBER]"),
]

KEPT = [
    "I want 2 jackets in size 42",
    "my last 2 orders",
    "at least 3 days",
    "I have 1500 points",
    "delivered on 2024-06-03",
    "a refund of $100234",
    "€1,299.99 was charged",
    "20% off the 2024 model",
    "will it arrive in may?",
    "where is my order",
    "مرحبا، أين طلبي؟",
    "😡😡 still nothing",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_personal_data_becomes_a_typed_placeholder(text: str, expected: str) -> None:
    redacted = redact(text, names=NAMES)
    assert redacted.text == expected
    assert not re.search(r"[0-9]{4}", redacted.text)  # no long digit run survives
    assert redact(redacted.text, names=NAMES).text == redacted.text  # idempotent


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept(text: str) -> None:
    redacted = redact(text, names=NAMES)
    assert redacted.text == text and not redacted.changed


def test_it_says_which_kinds_it_found() -> None:
    found = redact("Maria, maria@example.com, order 100001", names=NAMES).found
    assert found == ("EMAIL", "ORDER", "NAME")


def test_bad_input() -> None:
    assert redact(None).text == "" and redact(b"\xff").text == ""
    assert redact("").text == "" and redact("   ").text == ""
    huge = redact("1" * 200_000 + " maria@example.com" * 10_000)
    assert len(huge.text) <= MAX_TEXT_CHARS + 1 and "@" not in huge.text


def test_a_prepared_name_matcher_is_reused() -> None:
    matcher = NameMatcher([*NAMES, "", "x", "  "])
    assert redact("aiko tanaka", names=matcher).text == "[NAME]"
    assert redact("nothing", names=NameMatcher([])).text == "nothing"
