"""Password hashing with the standard library's scrypt.

Stored as ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64), so the cost can be raised
later without invalidating existing hashes. Passwords are NFKC-normalised first, so
the same password typed on two keyboards ("é" composed or not) hashes the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

SCHEME = "scrypt"
COST_N, BLOCK_R, PARALLEL_P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
# scrypt needs 128 * n * r bytes; the limit also caps what a doctored hash may ask for.
MAX_MEMORY = 64 * 1024 * 1024
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
_DUMMY_SALT = b"\x00" * SALT_BYTES


class PasswordPolicyError(ValueError):
    """The new password is too short, too long or empty."""


def hash_password(password: str) -> str:
    check_new_password(password)
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
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=KEY_BYTES)


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
    plausible = n > 1 and n & (n - 1) == 0 and r > 0 and p > 0 and 128 * n * r <= MAX_MEMORY
    return (n, r, p, salt, key) if plausible and salt and key else None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
