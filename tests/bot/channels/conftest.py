"""A real Sanic server with the web channel mounted and a fake Rasa behind it."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
from rasa.core.channels.channel import UserMessage
from rasa.server import configure_cors
from sanic import Sanic

from bot.channels.clients import CLIENT_KEY, ClientKeys
from bot.channels.web import WebChatInput
from tests.waiting import until

Reply = Callable[[UserMessage], Awaitable[None]]

# Several Sanic apps per process: without test mode Sanic 21.12 "touches up" its own class
# again for the second app and fails (KeyError: '_run_request_middleware').
Sanic.test_mode = True


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


@dataclass
class FakeRasa:
    """Stands in for `agent.handle_message`; tests swap `reply` to make it fail or stay silent."""

    reply: Reply = echo
    received: list[UserMessage] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await self.reply(message)


@dataclass
class ChannelServer:
    url: str
    channel: WebChatInput
    rasa: FakeRasa
    clients: list[socketio.AsyncClient] = field(default_factory=list)

    def with_client(self, metadata: dict[str, Any], address: str = "127.0.0.1") -> dict[str, Any]:
        """`metadata` as Rasa gets it from a client at `address`: with the channel's key."""
        return {**metadata, CLIENT_KEY: ClientKeys(self.channel.secret).key_for(address)}

    async def client(self, **connect: Any) -> Client:
        sio = socketio.AsyncClient(reconnection=False)
        client = Client(sio)
        await sio.connect(self.url, transports=connect.pop("transports", ["polling"]), **connect)
        self.clients.append(sio)
        return client

    async def drop(self, client: Client) -> None:
        """Server-side disconnect: a polling client's own disconnect waits out a long poll."""
        assert self.channel.sio is not None
        await self.channel.sio.disconnect(client.sio.get_sid())
        await until(lambda: not client.sio.connected, timeout=5, what="the client dropped")


class Client:
    """A python-socketio client that records every event the server sends it."""

    def __init__(self, sio: socketio.AsyncClient) -> None:
        self.sio = sio
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "error"):
            sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def next_event(self, timeout: float = 5.0) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def no_event(self, wait: float = 0.3) -> bool:
        await asyncio.sleep(wait)
        return self.events.empty()

    async def start_session(self, session_id: str | None = None, **extra: Any) -> str:
        await self.sio.emit("session_request", {"session_id": session_id, **extra})
        name, confirmed = await self.next_event()
        assert name == "session_confirm"
        return str(confirmed)

    async def say(self, session_id: str, message: Any, **extra: Any) -> None:
        await self.sio.emit("user_uttered", {"session_id": session_id, "message": message, **extra})


def loopback_socket() -> socket.socket:
    """A listening socket on a free port (Sanic 21.12 turns port=0 into 8000)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(100)
    return sock


async def start_channel_server(
    channel: WebChatInput, rasa: FakeRasa, configure: Callable[[Sanic], None] | None = None
) -> tuple[Any, str]:
    app = Sanic(f"test_web_channel_{uuid.uuid4().hex}")
    if configure is not None:
        configure(app)
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/web")
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()  # Sanic-Cors installs its middleware here, as under `rasa run`
    await server.start_serving()
    await server.after_start()
    assert server.server is not None
    port = server.server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def stop_channel_server(server: Any, channel: WebChatInput) -> None:
    await server.before_stop()  # the channel closes its sockets and stops socket.io here
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)
    await server.after_stop()


@pytest.fixture
def channel_options() -> dict[str, Any]:
    return {}


@pytest.fixture
def rasa_cors() -> str | None:
    """Origins given to `rasa run --cors`; None mounts the channel without Sanic-Cors."""
    return None


@pytest.fixture
async def server(
    channel_options: dict[str, Any], rasa_cors: str | None
) -> AsyncIterator[ChannelServer]:
    channel = WebChatInput(**channel_options)
    rasa = FakeRasa()

    def configure(app: Sanic) -> None:
        if rasa_cors is not None:
            configure_cors(app, rasa_cors)

    running, url = await start_channel_server(channel, rasa, configure)
    harness = ChannelServer(url=url, channel=channel, rasa=rasa)
    yield harness
    await channel.close_sockets()  # CLOSE packets release pending long polls at once
    await until(
        lambda: not any(client.connected for client in harness.clients),
        timeout=5,
        what="every client told to go",
    )
    for client in harness.clients:
        await client.disconnect()
    await stop_channel_server(running, channel)
