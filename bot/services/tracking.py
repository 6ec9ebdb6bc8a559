"""Public tracking pages of the carriers the shop ships with."""

from __future__ import annotations

from urllib.parse import quote

TRACKING_URL_PATTERNS = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
    "?submit=1&tracking-id={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
}


def tracking_url(carrier: str | None, tracking_number: str | None) -> str | None:
    """The carrier's tracking page for the parcel, or None for an unknown carrier."""
    if not carrier or not tracking_number:
        return None
    pattern = TRACKING_URL_PATTERNS.get(carrier.strip().lower())
    if pattern is None:
        return None
    return pattern.format(number=quote(tracking_number.strip(), safe=""))
