"""Session ids a browser can keep, and prove it holds, without the server storing anything.

A session id the channel issues is ``<32 hex random>-<24 hex HMAC>``, the MAC binding the
random part to the conversation's owner: the customer id from a valid `customer_token`, or
"" for an anonymous visitor. 128 random bits cannot be guessed, and an id is only honoured
with the token of the customer it was issued to, so a customer never resumes (or reads the
history of) another customer's conversation, even with their id in hand.

Ids of other shapes (rasa-webchat makes its own uuids) are still accepted for the chat
itself, as Rasa does, but never get history: the server cannot tell who holds them.

The REST webhook applies the same rule (`may_post`): whoever knows one of our ids cannot
post into that conversation without its owner's token (the ids are shown to trainers and
sent in the handoff webhook).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from bot.customer_tokens import token_from_metadata, verify_token

SIGNED_PATTERN = re.compile(r"([0-9a-f]{32})-([0-9a-f]{24})")
_CONTEXT = b"cim-web-session"


@dataclass(frozen=True)
class ResolvedSession:
    session_id: str
    # True when the id is one we issued to this owner: history and rating are allowed.
    held: bool
    # The customer's public id from a valid token; None for anonymous visitors.
    owner: str | None


class SessionKeys:
    """Issues and checks signed session ids with the server's token secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a session secret is required")
        self._key = hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()

    def issue(self, owner: str | None) -> str:
        random_part = secrets.token_hex(16)
        return f"{random_part}-{self._mac(random_part, owner)}"

    def is_signed_shape(self, session_id: object) -> bool:
        return isinstance(session_id, str) and SIGNED_PATTERN.fullmatch(session_id) is not None

    def verify(self, session_id: object, owner: str | None) -> bool:
        match = SIGNED_PATTERN.fullmatch(session_id) if isinstance(session_id, str) else None
        if match is None:
            return False
        return hmac.compare_digest(match.group(2), self._mac(match.group(1), owner))

    def _mac(self, random_part: str, owner: str | None) -> str:
        message = f"{random_part}|{owner or ''}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:24]


def owner_from_metadata(metadata: dict[str, object], secret: str) -> str | None:
    """The customer's public id if the metadata carries a valid, unexpired token."""
    claims = verify_token(token_from_metadata(metadata), secret=secret)
    return claims.subject if claims is not None else None


def resolve_session(
    keys: SessionKeys, requested: object, *, owner: str | None, legacy_ok: bool
) -> ResolvedSession:
    """The session a `session_request` gets.

    - one of our ids, issued to this owner: resumed and held;
    - one of our ids for someone else (or forged): a new id, as if none was sent;
    - another well-formed id (a third-party client's own): resumed, not held;
    - anything else: a new id.
    """
    if keys.is_signed_shape(requested):
        if keys.verify(requested, owner):
            return ResolvedSession(str(requested), held=True, owner=owner)
    elif legacy_ok and isinstance(requested, str):
        return ResolvedSession(requested, held=False, owner=owner)
    return ResolvedSession(keys.issue(owner), held=True, owner=owner)


def may_post(keys: SessionKeys, sender_id: object, *, owner: str | None) -> bool:
    """Whether a REST client may post as `sender_id`: one of our ids only with the token of
    the customer it was issued to (an anonymous visitor's: no token); other ids, anyone."""
    if not keys.is_signed_shape(sender_id):
        return True
    return keys.verify(sender_id, owner)
