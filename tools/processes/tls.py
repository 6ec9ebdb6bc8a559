"""A self-signed TLS certificate for the production profile on loopback and its tests.

HAProxy terminates TLS (deploy/haproxy.cfg); on one machine there is no public name to get a
certificate for, so `cim run --profile prod` makes one for 127.0.0.1 and localhost, valid for a
year, and keeps it. It is its own issuer (a CA certificate), so a client that is told to trust
this one file verifies it: `requests.get(url, verify=path)`. Real deployments give HAProxy
their own certificate (deploy/compose.yml).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tempfile
from pathlib import Path

VALID_DAYS = 365
RENEW_BEFORE = dt.timedelta(days=7)
NAMES = ("localhost",)
ADDRESSES = ("127.0.0.1", "::1")


def ensure_self_signed(path: Path) -> bool:
    """Write a fresh certificate and key to `path` (one PEM, as HAProxy's `crt` takes it)
    unless a valid one is there; True if it wrote one. The file appears whole or not at all,
    so two profiles starting at once never read half of it."""
    if _valid_for_a_while(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tls-", suffix=".pem")
    with os.fdopen(handle, "wb") as out:
        out.write(self_signed_pem())
    os.replace(temporary, path)
    return True


def self_signed_pem(now: dt.datetime | None = None) -> bytes:
    """A P-256 key and its self-signed certificate for `NAMES` and `ADDRESSES`, as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cim-assistant loopback")])
    start = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(minutes=5)
    alternative = [x509.DNSName(name) for name in NAMES] + [
        x509.IPAddress(ipaddress.ip_address(address)) for address in ADDRESSES
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _valid_for_a_while(path: Path) -> bool:
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return False
    expires = certificate.not_valid_after_utc
    return expires - dt.datetime.now(dt.timezone.utc) > RENEW_BEFORE
