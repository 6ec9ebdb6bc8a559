"""Password hashing with the standard library's scrypt.

Stored as ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64), so the cost can be raised
without invalidating existing hashes: a hash weaker than today's cost still verifies, and
`needs_rehash` tells the login to store a new one. The cost is OWASP's minimum for scrypt
(N = 2^17, r = 8, p = 1: 128 MiB and about 0.4 s a hash here); at most `HASHING_SLOTS`
hashes run at once, so a burst of logins cannot take the process's memory. Passwords are
NFKC-normalised first, so the same password typed on two keyboards ("é" composed or not)
hashes the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import unicodedata

SCHEME = "scrypt"
COST_N, BLOCK_R, PARALLEL_P = 2**17, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
# scrypt needs about 128 * r * (n + p + 2) bytes; the limit also caps what a doctored hash
# may ask for (twice today's cost).
MAX_MEMORY = 2 * 128 * 2**17 * 8
HASHING_SLOTS = 2
_SLOTS = threading.BoundedSemaphore(HASHING_SLOTS)
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
_DUMMY_SALT = b"\x00" * SALT_BYTES


class PasswordPolicyError(ValueError):
    """The new password is too short, too long or empty."""


def hash_password(password: str) -> str:
    check_new_password(password)
    return rehash(password)


def rehash(password: str) -> str:
    """Today's hash of a password that just verified (no length rule: it predates them)."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, COST_N, BLOCK_R, PARALLEL_P)
    return "$".join((SCHEME, str(COST_N), str(BLOCK_R), str(PARALLEL_P), _b64(salt), _b64(key)))


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time comparison; a malformed hash or an overlong password is False."""
    parsed = _parse(encoded)
    if parsed is None or not _acceptable_length(password):
        return False
    n, r, p, salt, expected = parsed
    return hmac.compare_digest(_derive(password, salt, n, r, p), expected)


def needs_rehash(encoded: str) -> bool:
    """Whether a hash that just verified was made with less than today's cost."""
    parsed = _parse(encoded)
    if parsed is None:
        return True
    n, r, p, _, key = parsed
    return n < COST_N or r < BLOCK_R or p < PARALLEL_P or len(key) < KEY_BYTES


def burn_verification_time(password: str) -> None:
    """Spend what a real check would, so an unknown username answers as slowly as a
    known one with a wrong password."""
    if _acceptable_length(password):
        _derive(password, _DUMMY_SALT, COST_N, BLOCK_R, PARALLEL_P)


def check_new_password(password: object) -> None:
    if not isinstance(password, str) or len(password.strip()) < MIN_PASSWORD_CHARS:
        raise PasswordPolicyError(
            f"a password needs at least {MIN_PASSWORD_CHARS} characters (not only spaces)"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordPolicyError(f"a password may have at most {MAX_PASSWORD_CHARS} characters")


def _acceptable_length(password: object) -> bool:
    return isinstance(password, str) and 0 < len(password) <= MAX_PASSWORD_CHARS


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    secret = unicodedata.normalize("NFKC", password).encode("utf-8", "surrogatepass")
    memory = 128 * r * (n + p + 2) + 65536
    with _SLOTS:
        return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=KEY_BYTES)


def _parse(encoded: object) -> tuple[int, int, int, bytes, bytes] | None:
    parts = encoded.split("$") if isinstance(encoded, str) else []
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt, key = (
            base64.b64decode(parts[4], validate=True),
            base64.b64decode(parts[5], validate=True),
        )
    except ValueError:
        return None
    plausible = n > 1 and n & (n - 1) == 0 and r > 0 and 0 < p <= 4 and 128 * n * r <= MAX_MEMORY
    return (n, r, p, salt, key) if plausible and salt and key else None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
