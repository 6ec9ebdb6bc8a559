"""Personal data out of text, before it is stored for review or shown to a role that
should not see it.

`redact(text, names=...)` replaces what identifies a customer with a typed placeholder:
`[EMAIL]`, `[CARD]` (13-19 digits, spaced or not), `[IBAN]`, `[PHONE]`, `[ORDER]` (our
six-digit order numbers), `[ADDRESS]` (a house number with a street word, or a postcode with
its place), `[NUMBER]` (any other run of six or more digits), and `[NAME]` for the names the
store knows. It errs on the side of hiding: a trainer loses a digit, never a customer's
privacy. Redacting twice changes nothing; everything runs in linear time on any input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import partial

MAX_TEXT_CHARS = 5000  # longer text is cut (with "…") before it is redacted

PLACEHOLDERS = ("EMAIL", "CARD", "IBAN", "PHONE", "ORDER", "ADDRESS", "NUMBER", "NAME")

# Single words that are also names; matched only when written with a capital letter.
COMMON_WORDS = frozenset(
    {
        "will",
        "may",
        "june",
        "april",
        "august",
        "mark",
        "bill",
        "grant",
        "rose",
        "summer",
        "hope",
        "faith",
        "joy",
        "dawn",
        "bob",
        "pat",
        "sue",
        "jack",
        "chase",
        "dean",
        "drew",
        "gene",
        "guy",
        "hunter",
        "ray",
        "rich",
        "sandy",
        "stone",
        "young",
        "king",
        "long",
        "brown",
        "green",
        "white",
        "black",
        "gray",
        "grey",
        "hill",
        "wood",
        "north",
        "west",
        "love",
        "page",
        "price",
        "lane",
    }
)

_EMAIL = re.compile(
    r"[\w.+\-']{1,64}\s?(?:@|\(at\)|\[at\]|\sat\s)\s?[\w\-]{1,63}"
    r"(?:\s?(?:\.|\(dot\)|\[dot\]|\sdot\s)\s?[\w\-]{1,63}){1,4}",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"(?<![0-9+])[0-9](?:[ \-]?[0-9]){12,18}(?![0-9])")
_PHONE = re.compile(
    r"(?<![\w])(?:\+|00)?(?:\(?[0-9]{1,5}\)?[ .\-/]?)?[0-9](?:[ .\-/]?[0-9]){6,14}(?![0-9])"
)
_ORDER = re.compile(r"(?<![0-9$€£.,])#?[0-9]{6}(?![0-9]|[.,][0-9])")
_LONG_NUMBER = re.compile(r"(?<![0-9$€£.,])[0-9]{6,}(?![0-9]|[.,][0-9])")
_DATE = re.compile(
    r"[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}|[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{2,4}"
)
_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    r"square|sq|terrace|crescent|close|parkway|pkwy|highway|hwy|"
    r"stra(?:ss|ß)e|str|weg|gasse|platz|allee|ring|damm|"
    r"rue|avenida|calle|via|viale|piazza|strada|laan|straat|gracht|plein"
)
_COMPOUND_STREETS = r"stra(?:ss|ß)e|str|weg|gasse|platz|allee|damm|straat|gracht|laan|plein"
_LEADING_STREETS = r"rue|avenida|calle|via|viale|piazza|strada|avenue|boulevard"
_ADDRESS = re.compile(
    # 12 Baker Street / 221B Baker St. / 1600 Amphitheatre Pkwy
    rf"\b[0-9]{{1,5}}[a-z]?,?\s+(?:[^\W\d_][\w'\-]*\s+){{0,2}}(?:{_STREET_WORDS})\b\.?"
    # Hauptstraße 5 / Rue de Rivoli 10 / Calle Mayor 3
    rf"|\b[^\W\d_][\w'\-]*(?:{_COMPOUND_STREETS})\.?\s+[0-9]{{1,5}}[a-z]?\b"
    rf"|\b(?:{_LEADING_STREETS})\s+(?:[^\W\d_][\w'\-]*\s+){{0,2}}[0-9]{{1,5}}[a-z]?\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(
    # UK: NW1 6XE; NL: 1012 AB; US ZIP+4; then a 4-5 digit code followed by a place name
    r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}\b"
    r"|\b[0-9]{4}\s?[A-Z]{2}\b"
    r"|\b[0-9]{5}-[0-9]{4}\b"
    r"|\b[A-Z]{2}\s[0-9]{5}\b"
    r"|\b[0-9]{4,5}\s+[A-ZÀ-Þ][^\W\d_]{2,}(?:\s[A-ZÀ-Þ][^\W\d_]{2,})?\b",
)
_NAME_RUN = re.compile(r"\[NAME\](?:\s+\[NAME\])+")
_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(PLACEHOLDERS) + r")\]")

# Order matters: the most specific shapes claim their text first.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", _EMAIL),
    ("IBAN", _IBAN),
    ("CARD", _CARD),
    ("ADDRESS", _ADDRESS),
    ("ADDRESS", _POSTCODE),
    ("PHONE", _PHONE),
    ("ORDER", _ORDER),
    ("NUMBER", _LONG_NUMBER),
)


@dataclass(frozen=True)
class Redacted:
    text: str
    found: tuple[str, ...]  # the placeholder types used, in first-seen order

    @property
    def changed(self) -> bool:
        return bool(self.found)


class NameMatcher:
    """The customers' names the store knows, as one regular expression."""

    def __init__(self, names: Iterable[str]) -> None:
        always: set[str] = set()
        capitalised: set[str] = set()
        for name in names:
            for word in _normalise(name).split():
                word = word.strip(".,'-")
                if len(word) < 2:
                    continue
                (capitalised if word.casefold() in COMMON_WORDS else always).add(word.casefold())
        self._always = _word_pattern(always, re.IGNORECASE)
        self._capitalised = _word_pattern({w.capitalize() for w in capitalised}, 0)

    def sub(self, text: str) -> tuple[str, int]:
        count = 0
        for pattern in (self._always, self._capitalised):
            if pattern is not None:
                text, n = pattern.subn("[NAME]", text)
                count += n
        return text, count


def redact(text: object, *, names: NameMatcher | Collection[str] | None = None) -> Redacted:
    """`text` with personal data replaced by typed placeholders; non-text gives ""."""
    if not isinstance(text, str):
        return Redacted("", ())
    clean = _normalise(text)
    if len(clean) > MAX_TEXT_CHARS:
        clean = clean[:MAX_TEXT_CHARS] + "…"
    found: list[str] = []
    for kind, pattern in _RULES:
        clean, count = pattern.subn(partial(_keep_placeholders, kind=kind), clean)
        if count and f"[{kind}]" in clean and kind not in found:
            found.append(kind)
    matcher = names if isinstance(names, NameMatcher) else NameMatcher(names or ())
    clean, count = matcher.sub(clean)
    if count:
        found.append("NAME")
        clean = _NAME_RUN.sub("[NAME]", clean)  # "Maria Lopez": one name, not two
    return Redacted(clean, tuple(found))


def _keep_placeholders(match: re.Match[str], *, kind: str) -> str:
    """A match that only spans placeholders (redacting twice) stays as it is, and so does
    a date that looks like a phone number."""
    if not _PLACEHOLDER.sub("", match.group(0)).strip(" ,.-#"):
        return match.group(0)
    if kind == "PHONE" and _DATE.fullmatch(match.group(0).strip()):
        return match.group(0)
    return f"[{kind}]"


def _normalise(text: str) -> str:
    """NFKC (full-width digits and letters become plain ones), no control characters."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in folded).strip()


def _word_pattern(words: Collection[str], flags: int) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w\[])(?:{alternatives})(?![\w\]])", flags)
