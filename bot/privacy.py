"""Personal data out of text, before it is stored for review or shown to a role that
should not see it.

`redact(text, names=...)` replaces what identifies a customer with a typed placeholder:
`[EMAIL]`, `[CARD]` (13-19 digits that pass the Luhn check), `[IBAN]`, `[PHONE]`, `[ORDER]`
(our six-digit order numbers), `[ADDRESS]` (a house number with a street word, or a postcode
with its place), `[NUMBER]` (any other long run of digits), and `[NAME]` for the names the
store knows.

Digits are read as runs: groups joined by whatever a keyboard or a phone inserts (spaces,
double spaces, tabs, `-`, ` - `, `_`, `,`, `.`, `/`, dashes, brackets), so the spacing never
decides whether a number is hidden; only what the run is does. It errs on the side of hiding
(fails closed): every run of seven or more digits is hidden, except a date or an amount of
money; a trainer loses a digit, never a customer's privacy. Redacting twice changes nothing;
everything runs in linear time on any input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
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
# What may join two groups of one number: 1-3 blanks, or one or two separators (`,` only
# alone, so that "sizes 42, 44" stays two numbers) with at most two blanks either side.
_GAP = r"(?:[ \t]{1,3}|,|[ \t]{0,2}[\-_./()\u2010-\u2015\u2212]{1,2}[ \t]{0,2})"
# A maximal run of digit groups, with a leading + or ( of a phone number. The match always
# starts at the run's first digit and takes all of it, so a run is never split in two.
_DIGIT_RUN = re.compile(rf"(?<![0-9])(?:\+[ \t]?|\([ \t]?)?[0-9](?:{_GAP}?[0-9])*\)?")
_ORDER = re.compile(r"(?<![0-9$€£.,])#?[0-9]{6}(?![0-9]|[.,][0-9])")
_LONG_NUMBER = re.compile(r"(?<![0-9$€£.,])[0-9]{6,}(?![0-9]|[.,][0-9])")
_MONEY = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]{2})?|[0-9]+(?:\.[0-9]{2})?")
CARD_DIGITS = range(13, 20)
PHONE_DIGITS = range(7, 16)  # E.164 allows 15; fewer than 7 is a quantity, a year, an order
_DATE = re.compile(
    r"[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}|[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{2,4}"
)
_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    r"square|sq|terrace|crescent|close|parkway|pkwy|highway|hwy|"
    r"gardens|gdns|grove|mews|quay|wharf|heights|hts|vale|ridge|trail|trl|plaza|parade|"
    r"promenade|esplanade|embankment|circle|cir|approach|rise|alley|loop|"
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


def luhn_valid(digits: str) -> bool:
    """The check digit every payment card number carries (ISO/IEC 7812)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _card(match: re.Match[str]) -> str | None:
    digits = _digits(match.group(0))
    return "CARD" if len(digits) in CARD_DIGITS and luhn_valid(digits) else None


def _is_money(match: re.Match[str]) -> bool:
    before = match.string[max(0, match.start() - 1) : match.start()]
    return before in ("$", "€", "£") and _MONEY.fullmatch(match.group(0)) is not None


def _phone_or_number(match: re.Match[str]) -> str | None:
    """Fail closed: a run too long to be anything ordinary is hidden, whatever it is."""
    digits = _digits(match.group(0))
    if len(digits) < PHONE_DIGITS.start or _is_money(match):
        return None
    if _DATE.fullmatch(match.group(0).strip(" ()+")):
        return None
    return "PHONE" if len(digits) in PHONE_DIGITS else "NUMBER"


Classifier = Callable[[re.Match[str]], "str | None"]

# Order matters: the most specific shapes claim their text first. A rule is a fixed kind,
# or a classifier that names the kind of a match (None: not this rule's, left as it is).
_RULES: tuple[tuple[str | Classifier, re.Pattern[str]], ...] = (
    ("EMAIL", _EMAIL),
    ("IBAN", _IBAN),
    (_card, _DIGIT_RUN),
    ("ADDRESS", _ADDRESS),
    ("ADDRESS", _POSTCODE),
    (_phone_or_number, _DIGIT_RUN),
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
    for rule, pattern in _RULES:
        clean = pattern.sub(partial(_replace, rule=rule, found=found), clean)
    matcher = names if isinstance(names, NameMatcher) else NameMatcher(names or ())
    clean, count = matcher.sub(clean)
    if count:
        found.append("NAME")
        clean = _NAME_RUN.sub("[NAME]", clean)  # "Maria Lopez": one name, not two
    return Redacted(clean, tuple(found))


def _replace(match: re.Match[str], *, rule: str | Classifier, found: list[str]) -> str:
    """The placeholder for a match, noted in `found`; a match that only spans placeholders
    (redacting twice), or that the rule's classifier declines, stays as it is."""
    if not _PLACEHOLDER.sub("", match.group(0)).strip(" ,.-#"):
        return match.group(0)
    kind = rule if isinstance(rule, str) else rule(match)
    if kind is None:
        return match.group(0)
    if kind not in found:
        found.append(kind)
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


def mask(
    text: str, *, kinds: Collection[str], keep: Callable[[str, str], bool] | None = None
) -> Redacted:
    """Only the placeholders named in `kinds`, with `redact`'s rules, on `text` as written
    (no normalising, no cut, no names): for text that must keep its shape and everything
    else it says, such as the bot's replies as the tracker store keeps them. `keep(kind,
    matched)` may spare a match its caller knows is no personal data."""
    found: list[str] = []
    for rule, pattern in _RULES:
        if isinstance(rule, str) and rule not in kinds:
            continue
        chosen = partial(_chosen, rule, kinds, keep)
        text = pattern.sub(partial(_replace, rule=chosen, found=found), text)
    return Redacted(text, tuple(found))


def _chosen(
    rule: str | Classifier,
    kinds: Collection[str],
    keep: Callable[[str, str], bool] | None,
    match: re.Match[str],
) -> str | None:
    kind = rule if isinstance(rule, str) else rule(match)
    if kind is None or kind not in kinds or (keep is not None and keep(kind, match.group(0))):
        return None
    return kind
