"""Action-server calls over kept keep-alive connections, not a new connection per call.

Rasa's `EndpointConfig.session` builds a new aiohttp session, and so a new TCP connection,
for every call to the action server, and `EndpointConfig.request` closes it after the reply
(../shared/notes/rasa-capacity.md: no keep-alive on the action-server hop). Here each endpoint
keeps one session per event loop, with the same headers, auth and time-out as Rasa's, and
`async with endpoint.session()` leaves it open, so calls reuse keep-alive connections. An
idle connection is dropped after `KEEPALIVE_SECONDS`, before the action server (Sanic, and so
rasa_sdk: 5 s) closes it, so a request never goes out on a connection the server is closing.
Requests, replies and errors are Rasa's own: `EndpointConfig.request` is not replaced, and it
is reviewed with this patch because it is what the kept session serves.

The time-out of action calls is not this patch's business: see `action_timeout`.

Measured (bench/results/rasa-patches.md): within the noise of Rasa's own CPU (+1.1 ± 0.9 and
-0.6 ms/turn in two runs); what it saves is connection set-up on both ends of the socket.

Kind: speed (same requests, replies and errors; fewer connections).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_patches.base import Patch, Reviewed

# Idle connections are closed by us before the server closes them (Sanic: after 5 s).
KEEPALIVE_SECONDS = 2.0

_sessions: dict[tuple[int, Any], Any] = {}


class KeptSession:
    """`async with` gives the endpoint's session for this loop and leaves it open."""

    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint

    async def __aenter__(self) -> Any:
        import asyncio

        key = (id(self.endpoint), asyncio.get_running_loop())
        session = _sessions.get(key)
        if session is None or session.closed:
            session = _sessions[key] = _kept_session_for(self.endpoint)
        return session

    async def __aexit__(self, *_: object) -> None:
        return None


def _kept_session_for(endpoint: Any) -> Any:
    """What Rasa's `EndpointConfig.session` builds, with a short keep-alive connector."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
    )


def kept_session(self: Any) -> KeptSession:
    """`EndpointConfig.session` that keeps the session (and its connections) open."""
    return KeptSession(self)


PATCH = Patch(
    target="rasa.utils.endpoints:EndpointConfig.session",
    sha256="e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb",
    kind="speed",
    why=__doc__ or "",
    replacement=kept_session,
    relies_on=(
        Reviewed(
            "rasa.utils.endpoints:EndpointConfig.request",
            "ccdb778aed8208e23cde3c3f47eac7fbbbb735dac8f7ef7254d54451c64ad608",
        ),
    ),
    forget=_sessions.clear,  # open ones are closed with their event loop
)
