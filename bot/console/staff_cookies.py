"""Agent sessions as HMAC-signed cookies, and the CSRF tokens bound to them.

The signature says the cookie is ours; the server's record of the session
(bot/services/agent_sessions.py) says whether it still stands (logout, revocation, the
maximum age), so a signed cookie alone never opens the console. The key comes from
CIM_CONSOLE_SECRET only, never from the token secret the shop's backend holds.
The CSRF token is derived from the session's random id: a page of ours can read it, a
page of another site cannot, and it is worthless without the matching cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "cim_agent_session"
LOGIN_COOKIE = "cim_agent_login"  # binds the login form's CSRF token before a session exists
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class AgentSession:
    agent_id: int
    session_id: str
    expires_at: int


def derive_secret(console_secret: str) -> bytes:
    """The console's key from CIM_CONSOLE_SECRET (checked in production), labelled with
    its purpose so the same secret could never sign anything else of ours."""
    return hmac.new(console_secret.encode(), b"cim-agent-console-v1", hashlib.sha256).digest()


def issue(secret: bytes, *, agent_id: int, ttl_seconds: int, now: float | None = None) -> str:
    payload = {
        "a": agent_id,
        "s": secrets.token_urlsafe(18),
        "e": int((now or time.time()) + ttl_seconds),
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(secret, 'session', body)}"


def verify(secret: bytes, cookie: str | None, *, now: float | None = None) -> AgentSession | None:
    """The session in a cookie we signed that has not expired; anything else is None."""
    if not cookie or cookie.count(".") != 1:
        return None
    body, signature = cookie.split(".")
    if not hmac.compare_digest(signature, _sign(secret, "session", body)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session = AgentSession(int(payload["a"]), str(payload["s"]), int(payload["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires_at > (now or time.time()) else None


def csrf_token(secret: bytes, session_id: str) -> str:
    return _sign(secret, "csrf", session_id)


def csrf_ok(secret: bytes, session_id: str, candidate: str | None) -> bool:
    if not candidate:
        return False
    # compare_digest refuses a str with non-ASCII characters (TypeError, a 500): compare bytes.
    expected = csrf_token(secret, session_id).encode()
    return hmac.compare_digest(str(candidate).encode("utf-8", "replace"), expected)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(18)


def _sign(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}|{value}".encode(), hashlib.sha256).digest()
    return _b64(digest)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
