"""`make run` (`cim run`) honours CIM_CORS_ORIGINS: a shop's page on another origin embeds the
widget and chats, in Chromium.

`cim run` used to overwrite CIM_CORS_ORIGINS with its demo shop's origin, so the README's advice
to shops (list your origin there) did nothing: the widget on the shop's page could not open
its socket. Here `cim run` runs as a user runs it, as a process of its own, with its own
database, conversations and ports; a page on a third origin embeds the widget with one tag.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from aiohttp import web

from tests.browser import expect, open_chat_page
from tests.e2e.stack import MODEL, START_TIMEOUT, always_open_policy, free_port
from tests.waiting import wait_until

REPLY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class CimRun:
    rasa: int
    web: int
    log: Path


def _wait_until_ready(process: subprocess.Popen[bytes], cim: CimRun) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"cim run exited with {process.returncode}:\n{cim.log.read_text()}")
        return "Press Ctrl-C" in cim.log.read_text(errors="replace")

    wait_until(
        ready,
        timeout=START_TIMEOUT,
        interval=0.2,
        what=lambda: f"'Press Ctrl-C' in {cim.log}:\n{cim.log.read_text(errors='replace')}",
    )


@pytest.fixture(scope="module")
def page_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def cim_run(tmp_path_factory: pytest.TempPathFactory, page_port: int) -> Iterator[CimRun]:
    tmp = tmp_path_factory.mktemp("cim-run")
    cim = CimRun(rasa=free_port(), web=free_port(), log=tmp / "cim-run.log")
    env = {
        **os.environ,
        "CIM_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp / 'shop.db'}",
        "CIM_ESCALATION_FILE": str(always_open_policy(tmp)),
        "CIM_CORS_ORIGINS": f"http://127.0.0.1:{page_port}",  # the shop's own origin
    }
    argv = [
        os.path.join(os.path.dirname(sys.executable), "cim"),
        "run",
        "--model",
        str(MODEL),
        "--rasa-port",
        str(cim.rasa),
        "--actions-port",
        str(free_port()),
        "--web-port",
        str(cim.web),
        "--var-dir",
        str(tmp / "var"),
    ]
    with cim.log.open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(process, cim)
        yield cim
    finally:
        process.send_signal(signal.SIGINT)  # cim run stops its services, as on Ctrl-C
        process.wait(timeout=60)


@asynccontextmanager
async def shop_page(port: int, rasa_url: str) -> AsyncIterator[str]:
    """A shop's page on its own origin, embedding the widget with one tag, as the README says."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
        '<link rel="icon" href="data:,"></head><body><h1>Another shop</h1>'
        f'<script src="{rasa_url}/webhooks/web/widget.js" '
        'data-title="Trailhead Outfitters help"></script></body></html>'
    )

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def test_a_widget_on_a_listed_origin_chats(cim_run: CimRun, page_port: int) -> None:
    rasa_url = f"http://127.0.0.1:{cim_run.rasa}"
    async with shop_page(page_port, rasa_url) as url, open_chat_page(url) as chat:
        await chat.wait_ready()
        await chat.open_chat()
        await chat.say("what is your return policy?")
        bot = chat.log.locator(".cim-msg--bot .cim-bubble")
        await expect()(bot.filter(has_text="30 days")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    assert any(s.startswith(f"ws://127.0.0.1:{cim_run.rasa}/socket.io/") for s in chat.sockets)


def test_the_demo_shop_still_embeds_it_and_other_origins_are_still_refused(
    cim_run: CimRun,
) -> None:
    """The demo shop's origin is added to the list, not replaced by it; an origin on neither
    list gets no socket."""
    for origin, allowed in (
        (f"http://127.0.0.1:{cim_run.web}", True),
        ("http://127.0.0.1:1", False),
    ):
        handshake = requests.get(
            f"http://127.0.0.1:{cim_run.rasa}/socket.io/",
            params={"EIO": "4", "transport": "polling"},
            headers={"Origin": origin},
            timeout=10,
        )
        assert (handshake.status_code == 200) is allowed, (origin, handshake.status_code)
