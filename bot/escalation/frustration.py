"""Frustration in the customer's own words: negative wording, shouting, saying it again.

Deliberately simple measures that a person can check by reading the message, so every
reason the decision gives can be verified by the agent who picks the conversation up.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

# Texts are cut before they are measured; difflib is quadratic in the worst case, so
# repetition compares a shorter prefix (two 2000-letter "aaaa…" messages cost a second).
MAX_TEXT_CHARS = 2000
MAX_COMPARED_CHARS = 400

# Words and short phrases that rarely appear in a calm message to a shop.
NEGATIVE_WORDS: frozenset[str] = frozenset(
    {
        "angry",
        "annoyed",
        "annoying",
        "awful",
        "disappointed",
        "disappointing",
        "disgusted",
        "disgusting",
        "fed up",
        "frustrated",
        "frustrating",
        "furious",
        "garbage",
        "hate",
        "horrible",
        "incompetent",
        "joke",
        "lousy",
        "nonsense",
        "outrageous",
        "pathetic",
        "ridiculous",
        "rubbish",
        "scam",
        "sick of",
        "stupid",
        "terrible",
        "unacceptable",
        "useless",
        "waste of time",
        "worst",
    }
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def normalise(text: str) -> str:
    """Case-folded words separated by single spaces; punctuation and emphasis dropped."""
    return " ".join(_WORD.findall(text[:MAX_TEXT_CHARS].casefold()))


def negative_words_in(text: str, lexicon: Collection[str]) -> tuple[str, ...]:
    """The lexicon entries that occur in `text` as whole words, sorted."""
    padded = f" {normalise(text)} "
    found = {entry for entry in lexicon if f" {normalise(entry)} " in padded}
    return tuple(sorted(found))


def caps_ratio(text: str) -> tuple[float, int]:
    """(share of capitals, number of cased letters); scripts without case do not count."""
    cased = [char for char in text[:MAX_TEXT_CHARS] if char.isupper() or char.islower()]
    if not cased:
        return 0.0, 0
    return sum(char.isupper() for char in cased) / len(cased), len(cased)


def similarity(first: str, second: str) -> float:
    """difflib's ratio of the normalised texts: 1.0 for the same words."""
    a, b = normalise(first)[:MAX_COMPARED_CHARS], normalise(second)[:MAX_COMPARED_CHARS]
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
