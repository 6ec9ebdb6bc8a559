"""Situations that belong with a person, recognised in the customer's own words.

An intent says what the customer wants; some messages also say *who* must handle them,
whatever the intent the classifier picked: a card charged twice is a billing dispute even
when it reads like a refund question, and a mention of a solicitor is a legal threat even
inside a complaint about a late parcel. Each situation names its team and its reason, so
the handoff reaches the people who can act and tells them why at once.

The patterns are general wording (money taken, charged twice, legal steps), not sentences:
a person reading the reason can check it against the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TEXT_CHARS = 2000


@dataclass(frozen=True)
class Situation:
    code: str
    team: str
    explanation: str
    patterns: tuple[re.Pattern[str], ...]

    def found_in(self, text: str) -> bool:
        cut = text[:MAX_TEXT_CHARS]
        return any(pattern.search(cut) for pattern in self.patterns)


def _any(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


_CHARGE = r"(?:charg|bill|debit|tak|took|deduct|pa(?:id|y))\w*"
_MONEY = r"(?:money|card|account|payment|bank|funds|\$\s?\d)"
_TWICE = r"(?:twice|two times|2 times|double|two payments|2 payments|two charges|duplicate)"

BILLING_DISPUTE = Situation(
    "billing_dispute",
    "billing",
    "a billing dispute: a charge the customer does not recognise or should not have had",
    _any(
        # charged twice, billed two times, a double charge, a duplicate payment
        rf"\b{_CHARGE}\b[^.?!]{{0,40}}\b{_TWICE}",
        rf"\b{_TWICE}\b[^.?!]{{0,20}}\b(?:charge|payment|billing|debit)",
        r"\b(?:two|2|double|duplicate|multiple|three|3)\s+(?:charges|payments|debits|transactions)\b",
        # money taken after a cancellation or a failed order
        rf"\bcancel\w*\b[^.?!]{{0,80}}\b(?:{_CHARGE})\b[^.?!]{{0,30}}{_MONEY}",
        rf"\b{_CHARGE}\b[^.?!]{{0,30}}{_MONEY}[^?!]{{0,80}}"
        r"\b(?:cancel\w*|fail\w*|never (?:arrived|came|got))",
        r"\b(?:took|taken|take|charged|debited)\b[^.?!]{0,20}\bmy money\b",
        r"\b(?:unauthori[sz]ed|unrecogni[sz]ed|wrong(?:ly)?|incorrect(?:ly)?|over)[- ]?"
        r"(?:charge|charged|billed|payment|debit)\w*",
        r"\b(?:chargeback|charge back|dispute (?:the|a|this) (?:charge|payment))\b",
        r"\bwhere (?:has|did|is) my money\b",
    ),
)

LEGAL_THREAT = Situation(
    "legal_threat",
    "general",
    "a legal threat: the customer mentions lawyers, courts or a regulator",
    _any(
        r"\b(?:lawyers?|attorneys?|solicitors?|barristers?|legal (?:action|advice|steps)"
        r"|sue|suing|lawsuits?|courts?|small claims|trading standards|ombudsman"
        r"|consumer (?:protection|rights)|better business bureau|bbb|report you to)\b",
    ),
)

# Checked in this order: the first situation with a team decides where the handoff goes.
SITUATIONS: tuple[Situation, ...] = (BILLING_DISPUTE, LEGAL_THREAT)


def situations_in(text: str) -> tuple[Situation, ...]:
    """The situations the text describes, in `SITUATIONS` order."""
    return tuple(situation for situation in SITUATIONS if situation.found_in(text))
