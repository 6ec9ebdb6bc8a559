"""Who is the client? The TCP peer, unless a proxy we trust says who it forwarded.

Rate limits and login throttles are keyed on the client's address. Behind HAProxy every request
comes from the proxy, so its `X-Forwarded-For` has to be read, but only from proxies listed in
`CIM_TRUSTED_PROXIES`: anyone else could write any address into that header. The header is
walked from the right (the hop nearest to us) past our own trusted proxies; the first address
not in the list is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from bot.settings import SettingsError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_trusted(spec: str) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"` -> networks; an empty string trusts no proxy."""
    networks: list[Network] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(
                f"CIM_TRUSTED_PROXIES: {item!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _forwarded_hops(headers: Iterable[str]) -> list[str]:
    hops: list[str] = []
    for header in headers:
        hops.extend(hop.strip() for hop in header.split(",") if hop.strip())
    return hops


def client_address(
    peer: str | None, forwarded_for: Iterable[str] = (), trusted: Sequence[Network] = ()
) -> str:
    """The client's address: `peer` itself unless `peer` is a trusted proxy, in which case the
    rightmost `X-Forwarded-For` hop that is not a trusted proxy (malformed hops stop the walk
    there: whatever stands left of them was written by the client)."""
    address = (peer or "").strip() or "unknown"
    if not trusted or not _is_trusted(address, trusted):
        return address
    for hop in reversed(_forwarded_hops(forwarded_for)):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address
        address = hop
        if not _is_trusted(hop, trusted):
            return hop
    return address


def request_client_address(request: object, trusted_spec: str | None = None) -> str:
    """The client of a Sanic request (`request.ip` is the TCP peer; Sanic's own
    `remote_addr` believes any forwarded header, so it is not used)."""
    if trusted_spec is None:
        from bot.settings import get_settings  # read when first asked, not at import

        trusted_spec = get_settings().trusted_proxies
    headers = getattr(request, "headers", None)
    forwarded: list[str] = []
    if headers is not None and hasattr(headers, "getall"):
        forwarded = list(headers.getall("x-forwarded-for", []))
    elif headers is not None and hasattr(headers, "get"):
        value = headers.get("x-forwarded-for")
        forwarded = [value] if value else []
    return client_address(getattr(request, "ip", None), forwarded, parse_trusted(trusted_spec))
