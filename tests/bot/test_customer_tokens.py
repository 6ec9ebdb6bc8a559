from __future__ import annotations

import pytest

from bot.customer_tokens import sign_token, token_from_metadata, verify_token

SECRET = "shop-secret-0123456789"


def test_a_signed_token_verifies_to_its_subject() -> None:
    token = sign_token("C0001", secret=SECRET, ttl_seconds=60, now=1000)
    claims = verify_token(token, secret=SECRET, now=1030)
    assert claims is not None and claims.subject == "C0001" and claims.expires_at == 1060


def test_an_expired_token_is_refused() -> None:
    token = sign_token("C0001", secret=SECRET, ttl_seconds=60, now=1000)
    assert verify_token(token, secret=SECRET, now=1061) is None


def test_another_secret_is_refused() -> None:
    token = sign_token("C0001", secret="someone-else", ttl_seconds=60)
    assert verify_token(token, secret=SECRET) is None


def test_a_tampered_payload_is_refused() -> None:
    version, _, signature = sign_token("C0001", secret=SECRET, ttl_seconds=60).split(".")
    other_payload = sign_token("C0002", secret="x", ttl_seconds=60).split(".")[1]
    assert verify_token(f"{version}.{other_payload}.{signature}", secret=SECRET) is None


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        b"bytes",
        "",
        "v1",
        "v1..",
        "v2.a.b",
        "a.b.c.d",
        "v1.!!!.???",
        "x" * 100_000,
        "v1.\u00e9\u00e9.\u00e9",
        "v1.e30.\x00",
        {"sub": "C0001"},
    ],
)
def test_garbage_is_refused_without_raising(garbage: object) -> None:
    assert verify_token(garbage, secret=SECRET) is None


def test_a_validly_signed_payload_without_claims_is_refused() -> None:
    import base64
    import hashlib
    import hmac

    payload = base64.urlsafe_b64encode(b'{"sub": 5}').rstrip(b"=").decode()
    signature = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
    token = f"v1.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert verify_token(token, secret=SECRET) is None


def test_token_is_read_from_metadata_only_when_metadata_is_a_dict() -> None:
    assert token_from_metadata({"customer_token": "t"}) == "t"
    assert token_from_metadata("customer_token") is None
    assert token_from_metadata(None) is None
