from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.services.tracking import tracking_url
from bot.services.views import OrderView


def _order(status: str) -> OrderView:
    moment = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return OrderView("100001", status, moment, None, None, None, None, None, None, "", 0, ())


@pytest.mark.parametrize(
    ("status", "is_open", "is_shipped"),
    [
        ("pending", True, False),
        ("processing", True, False),
        ("shipped", True, True),
        ("in_transit", True, True),
        ("delivered", False, True),
        ("returned", False, True),
        ("cancelled", False, False),
    ],
)
def test_order_state_properties(status: str, is_open: bool, is_shipped: bool) -> None:
    order = _order(status)
    assert (order.is_open, order.is_shipped) == (is_open, is_shipped)


@pytest.mark.parametrize(
    ("carrier", "url"),
    [
        ("UPS", "https://www.ups.com/track?tracknum=AB 1"),
        (
            "dhl",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
            "?submit=1&tracking-id=AB 1",
        ),
        ("FedEx", "https://www.fedex.com/fedextrack/?trknbr=AB 1"),
        ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=AB 1"),
    ],
)
def test_tracking_urls_follow_the_carrier(carrier: str, url: str) -> None:
    assert tracking_url(carrier, "AB 1") == url.replace("AB 1", "AB%201")


def test_unknown_carriers_have_no_tracking_url() -> None:
    assert tracking_url("Pigeon", "1") is None
    assert tracking_url("UPS", None) is None
    assert tracking_url(None, "1") is None


def test_views_are_frozen() -> None:
    with pytest.raises(AttributeError):
        _order("pending").status = "cancelled"  # type: ignore[misc]
