"""Values in bot messages read as text in the widget; our own markdown stays markdown.

The oracle is the widget's parser itself (tests/widget_markdown.py), so a change there that
opens a new way to make markup shows up here.
"""

from __future__ import annotations

import re

import pytest

from actions.markdown import INVISIBLE, WORD_JOINER, Markdown, escape
from actions.sales import ActionProductInfo
from tests.actions.conftest import entity, make_tracker, run
from tests.widget_markdown import widget_parse

HOSTILE = [
    "[click here](https://evil.example/phish)",
    "https://evil.example/phish",
    "http://evil.example",
    "see [a](http://x.example) and [b](https://y.example)",
    "[t](https:///evil.example)",
    "**urgent**",
    "*italic* and _italic_",
    "__init__ and _x_",
    "`code`",
    "- a fake list item",
    "* another",
    "\u2022 a bullet",
    "line one\n- injected item\n\nnew paragraph",
    "tab\there\r\nand\u2028separator",
]
ORDINARY = [
    "Alpine Down Jacket",
    "maria.garcia@example.com",
    "john_doe@example.com",
    "12 Oak Street, Springfield 62701",
    "O'Brien & Sons: 50% off",
    "",
]


def test_the_widget_renders_markup_or_blocks_from_the_raw_values() -> None:
    """The oracle sees what the escaping must prevent (the last value only breaks a line)."""
    inline = widget_parse([f"It is '{value}'." for value in HOSTILE[:-1]])
    alone = widget_parse(HOSTILE[:-1])
    for value, in_sentence, by_itself in zip(HOSTILE[:-1], inline, alone, strict=True):
        assert in_sentence["markup"] or by_itself["blocks"] != ["paragraph"], value


def test_hostile_values_render_no_markup_and_stay_one_paragraph() -> None:
    parsed = widget_parse([f"It is '{escape(value)}'." for value in HOSTILE])
    for value, result in zip(HOSTILE, parsed, strict=True):
        assert result == {"markup": [], "blocks": ["paragraph"]}, value


def test_a_value_alone_on_a_line_is_no_list_item() -> None:
    parsed = widget_parse([escape(value) for value in HOSTILE if value.strip()])
    assert all(result["blocks"] == ["paragraph"] for result in parsed)


def test_escaped_values_read_the_same() -> None:
    for value in HOSTILE + ORDINARY:
        shown = escape(value).replace(INVISIBLE, "").replace(WORD_JOINER, "")
        assert shown == re.sub(r"[\t\r\n\u2028]", " ", value).replace("`", "\u02cb"), value


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_values_are_unchanged(value: str) -> None:
    assert escape(value) == value


def test_our_own_markdown_is_kept() -> None:
    lines = Markdown("#100001 · Monday · $12.00\n#100002 · Friday · $8.00")
    link = Markdown("https://www.ups.com/track?tracknum=1Z999")

    assert escape(lines) == lines and escape(link) == link
    assert widget_parse([str(link)])[0]["markup"][0]["type"] == "link"


async def test_a_typed_product_name_is_escaped_in_the_answer(store: str) -> None:
    typed = "[click here](https://evil.example/phish)"
    tracker = make_tracker("product_question", entities=[entity("product", typed)])

    result = await run(ActionProductInfo(), tracker)

    shown = result.message("utter_product_unknown")["product_name"]
    assert shown != typed and shown.replace(INVISIBLE, "") == typed
    assert widget_parse([shown])[0]["markup"] == []
