"""The console answers its own pages only: no CORS, and no calls made by other origins.

Rasa's `--cors` (sanic-cors) covers the whole app, so a script on a widget's origin (the
shop) could read the console's JSON with an agent's cookie: the shop and the console are on
the same *site* (127.0.0.1, or one host behind a proxy), so SameSite=Strict sends it. Two
things stop that:

- `exempt_from_cors`: the console's paths get a sanic-cors rule of their own, with no
  allowed origin, ahead of Rasa's; and each console request is marked as already evaluated
  (`SANIC_CORS_EVALUATED`, as bot/channels/web.py does), so no Access-Control-* header is
  ever added to a console response, preflights included.
- `is_foreign`: a request whose `Origin` is not the console's own, or whose
  `Sec-Fetch-Site` is `same-site` or `cross-site`, is refused (403), unless it is a
  top-level navigation (a link to a page, which a cookie-less login form then answers).

The console's own origin is CIM_CONSOLE_ORIGIN when a proxy rewrites the Host, else the
request's own scheme://host.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from sanic import Sanic
from sanic.request import Request
from sanic_cors.core import SANIC_CORS_EVALUATED

FOREIGN_SITES = frozenset({"same-site", "cross-site"})


def own_origin(request: Request, configured: str = "") -> str:
    return configured.rstrip("/") or f"{_scheme(request)}://{request.host}"


def _scheme(request: Request) -> str:
    """The scheme the browser used: behind a TLS proxy we trust (CIM_TRUSTED_PROXIES), the
    one it forwards; anyone else's X-Forwarded-Proto is ignored."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if forwarded in ("http", "https") and _from_trusted_proxy(request):
        return forwarded
    scheme = str(request.scheme)
    return {"ws": "http", "wss": "https"}.get(scheme, scheme)  # a WebSocket's page origin


def _from_trusted_proxy(request: Request) -> bool:
    from bot.client_address import parse_trusted
    from bot.settings import get_settings

    try:
        peer = ipaddress.ip_address(request.ip)
    except ValueError:
        return False
    return any(peer in network for network in parse_trusted(get_settings().trusted_proxies))


def is_foreign(request: Request, configured: str = "") -> bool:
    """Whether the browser says this request was made by a page of another origin."""
    if request.headers.get("Sec-Fetch-Site", "").lower() in FOREIGN_SITES:
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin.rstrip("/") != own_origin(request, configured)


def is_navigation(request: Request) -> bool:
    """A top-level GET of a page (a link, the address bar): no script sees the answer."""
    mode = request.headers.get("Sec-Fetch-Mode", "").lower()
    dest = request.headers.get("Sec-Fetch-Dest", "").lower()
    return request.method == "GET" and mode == "navigate" and dest in ("", "document")


def refused(request: Request, configured: str = "") -> bool:
    """The rule for every console request: another origin's call is refused (403), a
    top-level navigation is served (a link, which a cookie-less login form then answers)."""
    return is_foreign(request, configured) and not is_navigation(request)


def mark_no_cors(request: Request) -> None:
    """sanic-cors skips a request that is marked as evaluated: it adds no headers."""
    setattr(request.ctx, SANIC_CORS_EVALUATED, "1")


def exempt_from_cors(app: Sanic, prefix: str) -> None:
    """Give `prefix` (the console's URL prefix) a sanic-cors rule that allows no origin,
    ahead of the app's own rules; without Rasa's --cors there is nothing to do."""
    context: Any = getattr(app.ctx, "sanic_cors", None)
    resources = getattr(context, "resources", None)
    if not isinstance(resources, list) or not resources:
        return
    pattern = re.compile(re.escape(prefix.rstrip("/")) + r"(/.*)?$")
    if any(
        rule is pattern or getattr(rule, "pattern", None) == pattern.pattern
        for rule, _ in resources
    ):
        return
    options = {
        **resources[0][1],
        "origins": [],
        "supports_credentials": False,
        "always_send": False,
    }
    resources.insert(0, (pattern, options))
