"""Which requests come from another origin, and the console's exemption from sanic-cors."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from bot.console import origin
from bot.settings import get_settings


def request(
    scheme: str = "http", host: str = "console.test", ip: str = "10.0.0.9", **headers: str
) -> Any:
    return SimpleNamespace(
        scheme=scheme, host=host, ip=ip, method="GET", headers=headers, ctx=SimpleNamespace()
    )


@pytest.mark.parametrize(
    ("made", "foreign"),
    [
        (request(), False),  # no Origin, no Sec-Fetch-Site: not a browser's cross-origin call
        (request(Origin="http://console.test"), False),
        (request(scheme="ws", Origin="http://console.test"), False),  # the page's WebSocket
        (request(scheme="wss", Origin="https://console.test"), False),
        (request(Origin="http://shop.test"), True),
        (request(Origin="http://console.test:8000"), True),  # another port, another origin
        (request(Origin="https://console.test"), True),
        (request(Origin="null"), True),
        (request(**{"Sec-Fetch-Site": "same-origin"}), False),
        (request(**{"Sec-Fetch-Site": "none"}), False),  # typed in the address bar
        (request(**{"Sec-Fetch-Site": "same-site"}), True),
        (request(**{"Sec-Fetch-Site": "cross-site"}), True),
    ],
)
def test_a_request_is_foreign_when_the_browser_says_another_origin_made_it(
    made: Any, foreign: bool
) -> None:
    assert origin.is_foreign(made) is foreign


def test_a_configured_origin_wins_over_the_host() -> None:
    behind_proxy = request(host="10.0.0.5:5005", Origin="https://console.example")
    assert origin.is_foreign(behind_proxy)
    assert not origin.is_foreign(behind_proxy, "https://console.example/")


def test_only_a_trusted_proxy_says_the_browser_used_https(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIM_TRUSTED_PROXIES", "10.0.0.1")
    get_settings.cache_clear()
    try:
        tls = {"Origin": "https://console.test", "X-Forwarded-Proto": "https"}
        assert not origin.is_foreign(request(ip="10.0.0.1", **tls))
        assert origin.is_foreign(request(ip="203.0.113.9", **tls))
    finally:
        monkeypatch.delenv("CIM_TRUSTED_PROXIES")
        get_settings.cache_clear()


def test_only_a_top_level_page_load_is_a_navigation() -> None:
    link = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert origin.is_navigation(request(**link))
    assert not origin.is_navigation(request(**{**link, "Sec-Fetch-Dest": "iframe"}))
    assert not origin.is_navigation(request(**{"Sec-Fetch-Mode": "cors"}))


def test_the_console_gets_a_cors_rule_of_its_own_ahead_of_rasas() -> None:
    rasas = (re.compile(r"/.*"), {"origins": ["http://shop.test"], "supports_credentials": True})
    app: Any = SimpleNamespace(ctx=SimpleNamespace(sanic_cors=SimpleNamespace(resources=[rasas])))
    origin.exempt_from_cors(app, "/webhooks/console")
    origin.exempt_from_cors(app, "/webhooks/console")  # once is enough
    first, rule = app.ctx.sanic_cors.resources[0]
    assert len(app.ctx.sanic_cors.resources) == 2
    assert first.match("/webhooks/console/api/queue") and first.match("/webhooks/console")
    assert not first.match("/webhooks/consoles") and not first.match("/webhooks/web/webhook")
    assert rule["origins"] == [] and not rule["supports_credentials"]


def test_without_rasas_cors_there_is_nothing_to_exempt() -> None:
    app: Any = SimpleNamespace(ctx=SimpleNamespace())
    origin.exempt_from_cors(app, "/webhooks/console")
    assert not hasattr(app.ctx, "sanic_cors")
