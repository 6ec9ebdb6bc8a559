"""The rules behind `SpacyRuleEntityExtractor`, free of Rasa so they test in microseconds.

Token-shaped entities (email, order number, product) use spaCy matchers on a blank
English tokenizer. Phone numbers and amounts use plain `re`: spaCy keeps `25.00€.`
or `555-123-4567` in shapes that are awkward to match token by token. When two
rules claim overlapping text, the more specific one wins (see `PRIORITY`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

EMAIL = "email"
ORDER_NUMBER = "order_number"
PHONE = "phone"
AMOUNT = "amount"
PRODUCT = "product"
ENTITY_TYPES: tuple[str, ...] = (EMAIL, ORDER_NUMBER, PHONE, AMOUNT, PRODUCT)

# Lower wins an overlap: "$100234" is an amount, "+44 7911 123456" a phone.
PRIORITY = {AMOUNT: 0, EMAIL: 1, PHONE: 2, ORDER_NUMBER: 3, PRODUCT: 4}

# Attribute checks before regexes: this matcher runs on every message.
_SIX_DIGITS = {"IS_DIGIT": True, "LENGTH": 6}
_ORDER_PATTERNS: list[list[dict]] = [
    [_SIX_DIGITS],
    [{"ORTH": "#"}, _SIX_DIGITS],
    [{"LOWER": "no"}, {"ORTH": "."}, _SIX_DIGITS],
    [{"LENGTH": 9, "LOWER": {"REGEX": r"^no\.[0-9]{6}$"}}],
]
_EMAIL_PATTERNS: list[list[dict]] = [[{"LIKE_EMAIL": True}]]

_NUMBER = r"[0-9]{1,3}(?:[,.][0-9]{3})+(?:[.,][0-9]{1,2})?|[0-9]+(?:[.,][0-9]{1,2})?"
_SYMBOL = r"[$€£]"
_WORD = r"(?:dollars?|euros?|pounds?|usd|eur|gbp|bucks?)\b"
_GAP = r"[ \u00a0\u202f]?"
_AMOUNT_RE = re.compile(
    rf"(?<![\w.,])(?:{_SYMBOL}{_GAP}(?P<after>{_NUMBER})(?![0-9])"
    rf"|(?P<before>{_NUMBER}){_GAP}(?:{_SYMBOL}|{_WORD}))",
    re.IGNORECASE,
)
# Bounded repetition keeps a 100,000-digit message linear; the digit count is checked after.
_PHONE_RE = re.compile(
    r"(?<![\w#+@.,/])(?:\+[0-9]{1,3}[ .\-]?)?(?:\([0-9]{1,5}\)[ .\-]?)?"
    r"[0-9](?:[ .\-]?[0-9]){5,16}(?![\w@])"
)
_DATE_RE = re.compile(
    r"[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}|[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{4}"
)
_PHONE_DIGITS = range(8, 16)  # E.164 allows at most 15


@dataclass(frozen=True)
class Found:
    entity: str
    start: int
    end: int
    value: str


def normalise_amount(number: str) -> str:
    """`1,299.99`, `1.299,99` and `1299.99` all become `1299.99`; `25` becomes `25.00`.

    A separator followed by one or two digits is the decimal point; followed by three,
    it groups thousands.
    """
    last = max(number.rfind(","), number.rfind("."))
    whole, fraction = number, "0"
    if last >= 0 and len(number) - last - 1 in (1, 2):
        whole, fraction = number[:last], number[last + 1 :]
    digits = whole.replace(",", "").replace(".", "") or "0"
    return f"{Decimal(f'{digits}.{fraction}'):.2f}"


def _phone_span(text: str, start: int, end: int) -> tuple[bool, tuple[int, int]]:
    """Trim a six-digit order number off either end; (is it still a phone, span)."""
    candidate = text[start:end]
    if _DATE_RE.fullmatch(candidate):
        return False, (start, end)
    head = re.match(r"[0-9]{6}[ .\-]", candidate)
    if head:
        start += head.end()
    tail = re.search(r"[ .\-][0-9]{6}$", text[start:end])
    if tail and _digit_count(text[start : start + tail.start()]) in _PHONE_DIGITS:
        end = start + tail.start()
    return _digit_count(text[start:end]) in _PHONE_DIGITS, (start, end)


def _digit_count(text: str) -> int:
    return sum(character.isdigit() for character in text)


def _phones(text: str) -> Iterator[Found]:
    for match in _PHONE_RE.finditer(text):
        is_phone, (start, end) = _phone_span(text, match.start(), match.end())
        if is_phone:
            raw = text[start:end]
            value = ("+" if raw.startswith("+") else "") + re.sub(r"[^0-9]", "", raw)
            yield Found(PHONE, start, end, value)


def _amounts(text: str) -> Iterator[Found]:
    for match in _AMOUNT_RE.finditer(text):
        number = match.group("after") or match.group("before")
        yield Found(AMOUNT, match.start(), match.end(), normalise_amount(number))


def resolve(candidates: list[Found], length: int) -> list[Found]:
    """Keep the non-overlapping candidates, preferring priority, then length."""
    taken = bytearray(length)
    kept: list[Found] = []
    order = sorted(candidates, key=lambda f: (PRIORITY[f.entity], f.start - f.end, f.start))
    for found in order:
        if not any(taken[found.start : found.end]):
            taken[found.start : found.end] = b"\x01" * (found.end - found.start)
            kept.append(found)
    return sorted(kept, key=lambda f: f.start)


class EntityRules:
    """A blank English tokenizer plus matchers for the enabled entity types."""

    def __init__(self, enabled: Collection[str], products: Mapping[str, str]) -> None:
        """`products` maps each phrase to match (any case) to its canonical name."""
        self.enabled = frozenset(enabled)
        self._nlp = spacy.blank("en")
        self._matcher = Matcher(self._nlp.vocab)
        if EMAIL in self.enabled:
            self._matcher.add(EMAIL, _EMAIL_PATTERNS)
        if ORDER_NUMBER in self.enabled:
            self._matcher.add(ORDER_NUMBER, _ORDER_PATTERNS)
        self._products = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        if PRODUCT in self.enabled:
            self._add_products(products)

    def _add_products(self, products: Mapping[str, str]) -> None:
        by_name: dict[str, list[Doc]] = {}
        for phrase, canonical in products.items():
            by_name.setdefault(canonical, []).append(self._nlp.make_doc(phrase))
        for canonical, docs in by_name.items():
            self._products.add(canonical, docs)

    def find(self, text: str) -> list[Found]:
        """All entities in `text`, without overlaps, in text order."""
        candidates = list(self._token_entities(text))
        if PHONE in self.enabled:
            candidates.extend(_phones(text))
        if AMOUNT in self.enabled:
            candidates.extend(_amounts(text))
        return resolve(candidates, len(text))

    def _token_entities(self, text: str) -> Iterator[Found]:
        if not len(self._matcher) and not len(self._products):
            return  # nothing token-shaped is enabled: skip tokenizing
        doc = self._nlp.make_doc(text)
        strings = self._nlp.vocab.strings
        for match_id, start, end in self._matcher(doc) if len(self._matcher) else []:
            span = doc[start:end]
            entity = strings[match_id]
            if entity == EMAIL:
                yield Found(entity, span.start_char, span.end_char, span.text)
            elif span.text[-6:].isascii():  # IS_DIGIT also accepts e.g. Arabic-Indic digits
                # The span is the digits alone, as the training data annotates them.
                yield Found(entity, span.end_char - 6, span.end_char, span.text[-6:])
        for match_id, start, end in self._products(doc):
            span = doc[start:end]
            yield Found(PRODUCT, span.start_char, span.end_char, strings[match_id])
