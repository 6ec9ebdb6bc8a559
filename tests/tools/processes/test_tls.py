from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509

from tools.processes.tls import ensure_self_signed, self_signed_pem


def test_a_certificate_for_loopback_is_made_once(tmp_path: Path) -> None:
    path = tmp_path / "tls" / "loopback.pem"
    assert ensure_self_signed(path) is True
    first = path.read_bytes()
    assert ensure_self_signed(path) is False and path.read_bytes() == first
    assert b"BEGIN CERTIFICATE" in first and b"BEGIN PRIVATE KEY" in first
    certificate = x509.load_pem_x509_certificate(first)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert certificate.issuer == certificate.subject  # a client may trust this file alone


def test_an_expiring_or_broken_certificate_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "loopback.pem"
    path.write_bytes(self_signed_pem(now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=364)))
    assert ensure_self_signed(path) is True
    path.write_text("not a certificate")
    assert ensure_self_signed(path) is True
    assert ensure_self_signed(path) is False
