"""Values put into the bot's messages are shown as text, never as markdown.

The widget (widget/src/markdown.js) renders a bot message's markdown: `[title](https://…)`
and bare `http(s)://` URLs as links, `**bold**`, `*italic*`, `_italic_`, `` `code` ``,
"- " lines as lists, and line breaks. It knows no backslash escapes, so a value that a
customer typed (a product name, an address) or that the store holds is neutralised with
characters that do not show: U+FEFF after what opens a link (`](`, `://`) or emphasis
(`*`, and `_` where it can open), since the widget's patterns need a non-space there and
JavaScript counts U+FEFF as a space; and a word joiner before a leading list marker.
Line breaks become spaces; a backtick becomes a look-alike.

`Turn.say` escapes every string value; text our own code builds as markdown (the order
list's lines, a carrier's tracking link) is passed as `Markdown(...)` and kept as it is.
"""

from __future__ import annotations

import re

INVISIBLE = "\ufeff"  # zero width; JavaScript's \s counts it as a space
WORD_JOINER = "\u2060"  # zero width; not a space, so a line starting with it is no list item

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_OPENERS = re.compile(r"(://|\]\(|\*|(?<![A-Za-z0-9_])_)")
_LEADING_LIST_MARKER = re.compile(r"^([\s\ufeff]*)(?=[-*\u2022][\s\ufeff])")


class Markdown(str):
    """Markdown our own code built (never from customer input): shown as written."""


def escape(value: str) -> str:
    """`value` as it reads, with nothing in it that the widget would render as markup."""
    if isinstance(value, Markdown):
        return str(value)
    text = _BREAKS.sub(" ", value).replace("`", "\u02cb")
    text = _OPENERS.sub(lambda match: match.group(0) + INVISIBLE, text)
    return _LEADING_LIST_MARKER.sub(lambda match: match.group(1) + WORD_JOINER, text)
