"""Signed customer tokens: how a shop tells the assistant who its customer is.

The shop's backend signs `{"sub": <customer public id>, "exp": <unix time>}` with
HMAC-SHA256 and a secret it shares with us; the widget passes the token in the
message metadata. Nothing else identifies a customer without verification.

Format: ``v1.<base64url(payload json)>.<base64url(signature)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

VERSION = "v1"
METADATA_KEY = "customer_token"
MAX_TOKEN_LENGTH = 2048


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    expires_at: int


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256)
    return _b64encode(digest.digest())


def sign_token(subject: str, *, secret: str, ttl_seconds: int, now: float | None = None) -> str:
    """Issue a token for `subject`; this is what the shop's backend does."""
    issued = int(time.time() if now is None else now)
    claims = {"sub": subject, "exp": issued + ttl_seconds}
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{VERSION}.{payload}.{_signature(secret, payload)}"


def verify_token(token: object, *, secret: str, now: float | None = None) -> TokenClaims | None:
    """The token's claims if it is well formed, correctly signed and unexpired; else None."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        return None
    _, payload, signature = parts
    try:
        expected = _signature(secret, payload)
    except UnicodeEncodeError:
        return None
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        claims = json.loads(_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    subject, expires = claims.get("sub"), claims.get("exp")
    if not isinstance(subject, str) or not isinstance(expires, int):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return TokenClaims(subject=subject, expires_at=expires)


def token_from_metadata(metadata: object) -> object:
    """The raw token a channel put in a message's metadata, if any."""
    return metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
