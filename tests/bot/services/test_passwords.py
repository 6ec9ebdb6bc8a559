from __future__ import annotations

from typing import Any

import pytest

from bot.services.passwords import (
    MAX_PASSWORD_CHARS,
    PasswordPolicyError,
    hash_password,
    needs_rehash,
    verify_password,
)

PASSWORD = "correct horse battery staple"


def test_a_hash_carries_its_parameters_and_salt_but_not_the_password() -> None:
    encoded = hash_password(PASSWORD)
    scheme, n, r, p, salt, key = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "131072", "8", "1")  # OWASP's minimum for scrypt
    assert PASSWORD not in encoded and salt and key


def test_the_same_password_gets_a_new_salt_each_time() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_only_the_right_password_verifies() -> None:
    encoded = hash_password(PASSWORD)
    assert verify_password(PASSWORD, encoded)
    assert not verify_password(PASSWORD + " ", encoded)
    assert not verify_password(PASSWORD.upper(), encoded)
    assert not verify_password("", encoded)


def test_hashes_made_with_other_parameters_still_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services import passwords

    monkeypatch.setattr(passwords, "COST_N", 2**10)
    cheaper = hash_password(PASSWORD)
    monkeypatch.undo()
    assert cheaper.split("$")[1] == "1024" and verify_password(PASSWORD, cheaper)
    assert needs_rehash(cheaper)  # ...and the next login stores today's cost


def test_a_hash_of_todays_cost_or_more_is_kept() -> None:
    today = hash_password(PASSWORD)
    assert not needs_rehash(today)
    scheme, _n, r, p, salt, key = today.split("$")
    assert not needs_rehash("$".join((scheme, str(2**18), r, p, salt, key)))
    assert needs_rehash("$".join((scheme, str(2**17), "4", p, salt, key)))
    assert needs_rehash("not a hash")


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plaintext",
        "md5$abc",
        "scrypt$16384$8$1$!!!$???",
        "scrypt$1000$8$1$AAAA$AAAA",  # n not a power of two
        "scrypt$1048576$64$1$AAAA$AAAA",  # would need 8 GiB
        "scrypt$524288$8$1$AAAA$AAAA",  # 512 MiB: more than twice today's cost
        "scrypt$16384$8$64$AAAA$AAAA",  # p = 64: 64 times the work
        "scrypt$16384$8$1$$",
    ],
)
def test_a_malformed_hash_never_verifies(encoded: str) -> None:
    assert verify_password(PASSWORD, encoded) is False


def test_unicode_passwords_are_normalised() -> None:
    composed, decomposed = "pässwörd-ünïcode-🔑", "pa\u0308sswo\u0308rd-u\u0308ni\u0308code-🔑"
    encoded = hash_password(composed)
    assert verify_password(decomposed, encoded)
    assert not verify_password("passwoerd-uenicode-🔑", encoded)


def test_a_lone_surrogate_does_not_crash() -> None:
    encoded = hash_password("broken \ud800 surrogate password")
    assert verify_password("broken \ud800 surrogate password", encoded)


@pytest.mark.parametrize(
    "password",
    ["short", " " * 20, "", None, pytest.param("x" * (MAX_PASSWORD_CHARS + 1), id="huge")],
)
def test_weak_or_absurd_new_passwords_are_refused(password: object) -> None:
    with pytest.raises(PasswordPolicyError):
        hash_password(password)  # type: ignore[arg-type]


def test_a_huge_password_is_refused_without_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    encoded = hash_password(PASSWORD)
    calls: list[int] = []
    real = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    assert verify_password("x" * 10_000_000, encoded) is False
    assert calls == []
