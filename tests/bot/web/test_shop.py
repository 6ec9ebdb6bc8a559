"""The demo shop page: the signed token it injects, and that nothing injected can run."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.customer_tokens import verify_token
from bot.settings import Settings
from bot.web.page import script_json
from bot.web.shop import create_app

SECRET = "test-secret-for-the-shop-tests"
RASA = "http://127.0.0.1:5005"
INIT = re.compile(r'<script nonce="[^"]+">if \(window\.CimChat\) CimChat\.init\((.*)\);</script>')

Fetch = Callable[..., Awaitable[tuple[str, Any]]]


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"env": "test", "token_secret": SECRET, "rasa_url": RASA}
    return Settings(**{**values, **overrides})


@pytest.fixture
async def fetch() -> AsyncIterator[Fetch]:
    clients: list[TestClient] = []

    async def get(path: str, **overrides: Any) -> tuple[str, Any]:
        client = TestClient(TestServer(create_app(settings(**overrides))))
        await client.start_server()
        clients.append(client)
        resp = await client.get(path)
        assert resp.status == 200
        return await resp.text(), resp

    yield get
    for client in clients:
        await client.close()


def chat_config(page: str) -> dict[str, Any]:
    match = INIT.search(page)
    assert match, "CimChat.init(...) not found"
    return dict(json.loads(match.group(1)))


async def test_a_signed_in_customer_gets_a_token_that_verifies(fetch: Fetch) -> None:
    page, _ = await fetch("/?customer=C0001")

    config = chat_config(page)
    claims = verify_token(config["customerToken"], secret=SECRET)
    assert claims is not None and claims.subject == "C0001"
    assert config["serverUrl"] == RASA
    assert config["conversationScope"] == "C0001"
    assert config["welcome"].startswith("Hi Maria!")
    assert '<option value="C0001" selected>Maria Garcia (C0001)</option>' in page


async def test_the_token_is_signed_with_the_configured_ttl(fetch: Fetch) -> None:
    page, _ = await fetch("/?customer=C0003", token_ttl_seconds=60)

    claims = verify_token(chat_config(page)["customerToken"], secret=SECRET)
    assert claims is not None and claims.subject == "C0003"
    assert verify_token(chat_config(page)["customerToken"], secret="another-secret") is None


async def test_an_anonymous_visitor_gets_no_token(fetch: Fetch) -> None:
    page, _ = await fetch("/")

    config = chat_config(page)
    assert "customerToken" not in config
    assert config["conversationScope"] == "anonymous"
    assert '<option value="">Anonymous</option>' in page
    assert " selected" not in page


@pytest.mark.parametrize("customer", ["C9999", "c0001", "", "C0001 ", "C0001,C0002"])
async def test_an_unknown_customer_id_is_anonymous(fetch: Fetch, customer: str) -> None:
    page, _ = await fetch(f"/?customer={customer}")

    assert "customerToken" not in chat_config(page)


async def test_a_script_in_the_query_string_is_not_reflected(fetch: Fetch) -> None:
    attack = (
        "%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E"
    )

    page, _ = await fetch(f"/?customer={attack}&x={attack}")

    assert "alert(1)" not in page
    assert page.count("<script") == 2


async def test_injected_text_is_escaped_in_html_and_in_the_script(fetch: Fetch) -> None:
    name = 'Trail</script><script>alert(1)</script>"\u2028&amp;'

    page, _ = await fetch("/", shop_name=name)

    assert "<script>alert(1)" not in page
    assert "\u2028" not in page.split("CimChat.init", 1)[1]
    assert "Trail&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in page
    assert chat_config(page)["title"] == f"{name} help"
    assert page.count("<script") == 2


async def test_the_page_loads_the_chat_box_from_the_rasa_server(fetch: Fetch) -> None:
    page, resp = await fetch("/?customer=C0002")

    nonce = re.search(r'<script src="[^"]+" nonce="([^"]+)"', page)
    assert f'<script src="{RASA}/webhooks/web/widget.js"' in page
    assert nonce and f"'nonce-{nonce.group(1)}'" in resp.headers["Content-Security-Policy"]
    assert (
        "connect-src http://127.0.0.1:5005 ws://127.0.0.1:5005"
        in (resp.headers["Content-Security-Policy"])
    )
    assert resp.headers["Cache-Control"] == "no-store"


async def test_the_page_shows_the_featured_products(fetch: Fetch) -> None:
    page, _ = await fetch("/")

    for name, price in [
        ("Trail Runner 2", "$89"),
        ("Alpine Down Jacket", "$229"),
        ("Daypack 22L", "$79"),
        ("GPS Watch Pro", "$299"),
    ]:
        assert f'<h3>{name}</h3><p class="price">{price}</p>' in page


async def test_healthz(fetch: Fetch) -> None:
    body, _ = await fetch("/healthz")

    assert json.loads(body) == {"status": "ok"}


def test_a_rasa_url_that_is_not_http_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="CIM_RASA_URL"):
        create_app(settings(rasa_url="javascript:alert(1)"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("</script>", '"\\u003c/script\\u003e"'),
        ("<!--", '"\\u003c!--"'),
        ("a&b", '"a\\u0026b"'),
        ("\u2028\u2029", '"\\u2028\\u2029"'),
        ("caf\u00e9", '"caf\u00e9"'),
    ],
)
def test_script_json_cannot_close_the_script_element(value: str, expected: str) -> None:
    assert script_json(value) == expected
    assert json.loads(script_json(value)) == value


def test_the_shop_refuses_production() -> None:
    """It signs in anyone as a demo customer; with the production secret, for real."""
    from bot.web.shop import ShopRefused

    with pytest.raises(ShopRefused, match="CIM_ENV=production"):
        create_app(settings(env="production"))


def test_the_shop_command_refuses_production_before_anything_else(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.web.shop import main

    monkeypatch.setenv("CIM_ENV", "production")  # and no secrets at all: still this message
    assert main() == 2
    assert "does not run with CIM_ENV=production" in capsys.readouterr().err
