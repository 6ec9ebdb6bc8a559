"""The demo shop: a page of outdoor gear with the chat box, as a real shop would embed it.

Like a shop's backend, this server knows who is signed in (here: chosen with
``?customer=C0001``) and signs that customer's token server-side; the browser only ever
sees the signed token. Run with ``python -m bot.web.shop``.

That makes it a door into every demo account, open to anyone: with the production secret it
would mint real tokens for whoever asks (issue 14, finding 3). It refuses to start with
CIM_ENV=production, and no production topology runs it (`cim run --profile prod`,
deploy/compose.yml).
"""

from __future__ import annotations

import logging
import secrets
import sys
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.customer_tokens import sign_token
from bot.settings import Settings, SettingsError, get_settings
from bot.web.page import DemoCustomer, PageContext, Product, render_page

logger = logging.getLogger(__name__)

SETTINGS_KEY = web.AppKey("settings", Settings)

DEMO_CUSTOMERS = (
    DemoCustomer("C0001", "Maria Garcia"),
    DemoCustomer("C0002", "James Smith"),
    DemoCustomer("C0003", "Aiko Tanaka"),
)
PRODUCTS = (
    Product("Trail Runner 2", 89, "Light, grippy trail shoes for fast days out."),
    Product("Alpine Down Jacket", 229, "800-fill down that packs into its own pocket."),
    Product("Daypack 22L", 79, "A ventilated back panel and room for a day's kit."),
    Product("GPS Watch Pro", 299, "Maps, routes and a two-week battery on your wrist."),
)


class ShopRefused(SettingsError):
    """The demo shop would run in production, signing in anyone as a demo customer."""


def refuse_production(settings: Settings) -> None:
    if not settings.is_development:
        raise ShopRefused(
            "the demo shop does not run with CIM_ENV=production: it signs in anyone who asks "
            "as a demo customer. Embed the widget in your shop's own pages, with tokens your "
            "backend signs (README)."
        )


def create_app(settings: Settings) -> web.Application:
    """The shop's aiohttp application; tests build it with their own settings."""
    refuse_production(settings)
    _origin(settings.rasa_url)  # fail at start-up, not on the first page view
    app = web.Application()
    app[SETTINGS_KEY] = settings
    app.router.add_get("/", shop_page)
    app.router.add_get("/healthz", healthz)
    return app


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def shop_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    customer = find_customer(request.query.get("customer", ""))
    nonce = secrets.token_urlsafe(16)
    ctx = PageContext(
        shop_name=settings.shop_name,
        rasa_url=settings.rasa_url,
        customers=DEMO_CUSTOMERS,
        products=PRODUCTS,
        current=customer,
        chat_config=chat_config(settings, customer),
        nonce=nonce,
    )
    return web.Response(
        text=render_page(ctx), content_type="text/html", headers=_page_headers(settings, nonce)
    )


def find_customer(public_id: str) -> DemoCustomer | None:
    """Unknown ids are simply not signed in, as on a real shop."""
    return next((c for c in DEMO_CUSTOMERS if c.public_id == public_id), None)


def chat_config(settings: Settings, customer: DemoCustomer | None) -> dict[str, Any]:
    """The widget's `CimChat.init` options, as a shop's backend would render them."""
    config: dict[str, Any] = {
        "serverUrl": settings.rasa_url,
        "title": f"{settings.shop_name} help",
        "conversationScope": customer.public_id if customer else "anonymous",
        "colors": {"accent": "#1f6f50"},
        "position": "right",
        "language": "en",
    }
    greeting = f"Hi {customer.name.split()[0]}!" if customer else "Hi!"
    config["welcome"] = (
        f"{greeting} I'm the {settings.shop_name} assistant. Ask me about orders, returns, "
        "shipping or our gear."
    )
    if customer is not None:
        config["customerToken"] = sign_token(
            customer.public_id,
            secret=settings.token_secret,
            ttl_seconds=settings.token_ttl_seconds,
        )
    return config


def _page_headers(settings: Settings, nonce: str) -> dict[str, str]:
    """The page carries a customer token: never cache it; only our scripts may run."""
    rasa = _origin(settings.rasa_url)
    socket = rasa.replace("http", "ws", 1)
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}' {rasa}; "
        f"style-src 'nonce-{nonce}' {rasa}; connect-src {rasa} {socket}; "
        "img-src 'self' data: http: https:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"CIM_RASA_URL must be an http(s) URL, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        refuse_production(Settings.from_env())  # before anything else may fail
        settings = get_settings()
        app = create_app(settings)
    except (SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    web.run_app(app, host=settings.web_host, port=settings.web_port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
