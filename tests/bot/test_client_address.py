"""Who the client is, as rate limits and login throttles see it."""

from __future__ import annotations

import pytest

from bot.client_address import SettingsError, client_address, parse_trusted

PROXY = parse_trusted("10.0.0.5, 192.168.1.0/24")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", [], "203.0.113.9"),  # no proxy
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # untrusted peer: header ignored
        ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),  # trusted proxy: its hop believed
        ("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # a spoofed left hop ignored
        ("10.0.0.5", ["198.51.100.1, 192.168.1.7"], "198.51.100.1"),  # two of our proxies
        ("10.0.0.5", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # header given twice
        ("10.0.0.5", ["not-an-ip, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["198.51.100.1, junk"], "10.0.0.5"),  # malformed nearest hop: the proxy
        ("10.0.0.5", [], "10.0.0.5"),
        (None, [], "unknown"),
    ],
)
def test_client_is_the_first_hop_not_ours(
    peer: str | None, forwarded: list[str], expected: str
) -> None:
    assert client_address(peer, forwarded, PROXY) == expected


def test_without_trusted_proxies_the_header_is_never_believed() -> None:
    assert client_address("127.0.0.1", ["1.2.3.4"], parse_trusted("")) == "127.0.0.1"


def test_a_bad_proxy_list_is_refused_with_its_name() -> None:
    with pytest.raises(SettingsError, match="CIM_TRUSTED_PROXIES"):
        parse_trusted("10.0.0.1, example.com")
