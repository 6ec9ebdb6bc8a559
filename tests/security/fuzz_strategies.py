"""What the fuzz pass sends: hostile strings, arbitrary JSON, and the shapes of our inputs.

The hostile pieces are the ones that broke chat servers before: control characters, lone
surrogates (valid JSON escapes, invalid UTF-8), right-to-left and zero-width marks, huge and
deeply nested values, texts that look like Rasa payloads, and markup probes that name
`fuzz_http.MARKER` so a reflection is found whatever else the page contains.

Strings come in two sizes: `hostile_text` goes past every size limit of ours (2,000
characters, 8 kB metadata, 64 kB bodies, Sanic's request size); `bounded_text` stays near
them. Only single strings are ever huge: JSON values take bounded leaves, so a body stays
under a megabyte and the examples are spent on our code rather than on uploads.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.security.fuzz_http import MARKER

MARKUP = (
    f"<{MARKER}>",
    f"<script>{MARKER}()</script>",
    f'"><{MARKER} x=1>',
    f"'><{MARKER} x=1>",
    f'" on{MARKER}="1',
    f"' on{MARKER}='1",
    f"</textarea></title><{MARKER}>",
    f"<!--{MARKER}-->",
)
PAYLOADS = (
    "/restart",
    "/session_start",
    "/action_listen",
    '/inform{"email":"maria.garcia@example.com","order_number":"100002"}',
    '/inform{"customer_id":"C0001"}',
    "/request_human",
    "/greet{",
    "/" + "a" * 300,
    '/inform{"x":' * 50,
)
ODD = (
    "\x00",
    "\x1e",
    "\r\n\r\n",
    "\u202e",  # right-to-left override
    "\u200b\u200d\ufeff",
    "\ud800",  # a lone surrogate: json.dumps writes it as an escape
    "\udfff\ud800",
    "\U0001f600" * 3,
    "Ω≈ç√∫",
    "%00%0d%0a",
    "../../etc/passwd",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "' OR 1=1 --",
)

hostile_piece = st.sampled_from(MARKUP + PAYLOADS + ODD)
any_char = st.characters(exclude_categories=())  # every code point, surrogates too
short_text = st.one_of(
    st.text(max_size=40),
    st.text(any_char, max_size=40),
    hostile_piece,
    st.lists(st.one_of(hostile_piece, st.text(max_size=8)), min_size=2, max_size=6).map("".join),
)


def repeated(min_chars: int, max_chars: int) -> st.SearchStrategy[str]:
    """A hostile piece repeated to an exact length (JSON may escape each char to 6 bytes)."""
    return st.tuples(hostile_piece, st.integers(min_chars, max_chars)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]]
    )


bounded_text = st.one_of(short_text, repeated(1_900, 9_000))
hostile_text = st.one_of(short_text, repeated(1_900, 9_000), repeated(70_000, 200_000))


def json_values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    )
    return st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)
        ),
        max_leaves=12,
    )


def nested(depth: int, leaf: Any = 1) -> Any:
    """`depth` levels of alternately lists and objects (parsers and encoders recurse)."""
    value = leaf
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


_MISSING = object()  # the key is left out


def _without_missing(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not _MISSING}


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(_MISSING), strategy)


def chat_payloads(
    text: st.SearchStrategy[str], message_text: st.SearchStrategy[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """An object with our chat inputs' keys, each missing, well-formed or of any shape;
    `message_text` for the message, `text` for every other string."""
    values = json_values(text)
    wrong_type = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.lists(values))
    sender = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True), text, wrong_type)
    message = st.one_of(message_text, st.sampled_from(PAYLOADS), wrong_type)
    metadata = st.one_of(
        st.dictionaries(text, values, max_size=5),
        values,
        st.integers(1, 600).map(nested),  # json.dumps in this process manages ~900 levels
        values.map(json.dumps),  # metadata given as a JSON string, as Rasa allows
        text.map(lambda token: {"customer_token": token}),
    )
    return st.fixed_dictionaries(
        {
            "sender": optional(sender),
            "session_id": optional(sender),
            "message": optional(message),
            "metadata": optional(metadata),
            "customData": optional(metadata),
        },
        optional={key: values for key in ("history", "rating", "comment", "score", "nps")},
    ).map(_without_missing)


WORDS = (
    "where is my order",
    "#100002",
    "100004",
    "maria.garcia@example.com",
    "james.smith@example.com",
    "cancel",
    "refund",
    "change my address to",
    "Trail Runner 2",
    "I want to talk to a human",
    "this is useless",
    "points",
    "hello",
    "yes",
    "no",
)
chat_text = st.lists(
    st.one_of(st.sampled_from(WORDS), hostile_piece, st.text(max_size=10)), min_size=1, max_size=6
).map(" ".join)


def plausible_chat_payloads() -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed enough to pass the channel's checks, so the text reaches Rasa, the actions
    and the store (a customer's words with hostile pieces among them)."""
    small = json_values(short_text)
    return st.fixed_dictionaries(
        {
            "sender": st.from_regex(r"fuzz-[a-z0-9]{8,24}", fullmatch=True),
            "message": st.one_of(chat_text, short_text, st.sampled_from(PAYLOADS)),
        },
        optional={
            "metadata": st.dictionaries(short_text, small, max_size=3),
            "customData": st.dictionaries(short_text, small, max_size=3),
            "rating": st.one_of(st.integers(-1, 7), small),
            "score": st.one_of(st.integers(-1, 11), small),
            "comment": short_text,
            "history": st.one_of(st.just(True), small),
        },
    )


json_value = json_values(bounded_text)  # huge leaves would make multi-megabyte bodies
chat_payload = chat_payloads(bounded_text, hostile_text)
bounded_chat_payload = chat_payloads(bounded_text, bounded_text)
plausible_chat_payload = plausible_chat_payloads()
