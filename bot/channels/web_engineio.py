"""The web channel's socket.io server and its engine.io endpoint, like Rasa's SocketBlueprint.

What it adds to Rasa's: a polling POST that engine.io would answer by closing the session
(and holding the request until a poll took the CLOSE, so the client hangs) is refused here
at once; origins are checked by engine.io itself when the channel lists them (and then
Sanic-Cors, Rasa's `--cors`, adds no second header); on shutdown every client is told to
reconnect now, not after a ping timeout; with `socketio_redis_url` every replica's emits
reach every replica's sockets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from bot.channels import validation as checks
from bot.channels.web_rest import MAX_BODY_BYTES

if TYPE_CHECKING:
    from bot.channels.web_protocol import WebChannel

REDIS_SCHEMES = ("redis", "rediss", "redis+sentinel", "unix")


def socket_server(channel: WebChannel) -> AsyncServer:
    """The channel's socket.io server, with its origins and its client manager."""
    origins = channel.cors_allowed_origins
    if origins and channel.human_handoff:  # the agent console is served by this server
        origins = checks.listed_or_same_origin(origins)  # type: ignore[assignment]
    return AsyncServer(
        async_mode="sanic",
        # [] turns engine.io's CORS handling off, which is Rasa's choice.
        cors_allowed_origins=origins or [],
        max_http_buffer_size=MAX_BODY_BYTES,
        **client_manager(channel.socketio_redis_url, channel.socketio_redis_channel),
    )


def client_manager(redis_url: str | None, redis_channel: str) -> dict[str, Any]:
    """Nothing (the in-process manager) unless a Redis URL is given."""
    if not redis_url:
        return {}
    from urllib.parse import urlsplit

    from socketio import AsyncRedisManager

    scheme = urlsplit(redis_url).scheme
    if scheme not in REDIS_SCHEMES:
        raise ValueError(
            "socketio_redis_url must be a redis:// (or rediss://, unix://) URL, "
            f"not {scheme or 'no'} scheme"
        )
    return {"client_manager": AsyncRedisManager(redis_url, channel=redis_channel)}


async def handle_engineio(channel: WebChannel, request: Request) -> HTTPResponse:
    assert channel.sio is not None
    refused = refused_polling_post(request)
    if refused is not None:
        return refused
    try:
        result = await channel.sio.handle_request(request)
    except KeyError:  # engine.io 4.15: a POST to a session the client closed
        return response.text("Bad Request: the session is disconnected", status=400)
    if channel.cors_allowed_origins is not None:
        # engine.io has checked the origin and set the CORS headers; Sanic-Cors (Rasa's
        # `--cors`) would add a second Access-Control-Allow-Origin, which browsers reject.
        setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
    return result


async def close(sio: AsyncServer) -> None:
    """Tell every client to reconnect now rather than after a ping timeout, then stop."""
    for socket in list(sio.eio.sockets.values()):
        await socket.close(wait=False)  # wait=True would hang on an idle polling client
    await sio.shutdown()


def refused_polling_post(request: Request) -> HTTPResponse | None:
    """What engine.io would answer by closing the session and holding the POST until a poll
    took the CLOSE packet (the client hangs): a body over the packet limit, or a packet type
    a client does not send. Answered here, at once; the session stays."""
    if request.method != "POST" or request.args.get("j") is not None:  # JSONP: form-encoded
        return None
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        return response.text("Payload Too Large", status=413)
    if not checks.polling_packets_ok(body):
        return response.text("Bad Request: not a client packet", status=400)
    return None
