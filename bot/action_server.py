"""The action server, answering only the Rasa server: `python -m bot.action_server`.

rasa_sdk's webhook runs whatever tracker it is sent, so anyone who reached it could post a
hand-made tracker with another customer's `customer_id` and read that customer's profile
(issue 14, finding 13). Rasa presents a shared secret, CIM_ACTION_TOKEN, in a header on
every call (endpoints.yml: `action_endpoint.headers`); this server builds rasa_sdk's own
application and refuses any request without the secret, except its health check.

It listens on SANIC_HOST (rasa_sdk's variable; default here 127.0.0.1, not rasa_sdk's
0.0.0.0) and sends no CORS headers: no browser has any business calling it.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Cim-Action-Token"
OPEN_PATHS = frozenset({"/health"})  # the supervisor's and Docker's readiness check
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055

Middleware = Callable[[Any], Awaitable[Any]]


class ActionTokenError(SettingsError):
    """The action server would start without a usable shared secret."""


def required_token(settings: Settings) -> str:
    """The shared secret, refused when missing in any environment (`cim run` makes one for
    development); production's rules for its strength are `Settings.check_secure`'s."""
    settings.check_secure()
    if not settings.action_token:
        raise ActionTokenError(
            "CIM_ACTION_TOKEN is not set: the action server answers only the Rasa server "
            "that presents it (`cim run` sets one for development)."
        )
    return settings.action_token


def token_guard(token: str) -> Middleware:
    """A Sanic request middleware: 401 unless the request carries `token` (compared in
    constant time), health checks excepted."""
    expected = token.encode("utf-8")

    async def require_token(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        given = str(request.headers.get(TOKEN_HEADER, "")).encode("utf-8")
        if hmac.compare_digest(given, expected):
            return None
        from sanic.response import json

        logger.warning("refused a request to %s without the action token", request.path)
        return json({"error": "the action server answers the Rasa server only"}, status=401)

    return require_token


def create_app(token: str, actions: str = "actions") -> Any:
    """rasa_sdk's Sanic application for `actions`, behind the token guard, without CORS."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from rasa_sdk.plugin import plugin_manager

    app = create_sdk_app(actions, cors_origins=None)
    app.register_middleware(token_guard(token), "request")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__)
    parser.add_argument("--actions", default="actions", help="the actions package")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        settings = Settings.from_env()
        token = required_token(settings)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from rasa_sdk import utils

    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    host = os.environ.get("SANIC_HOST", DEFAULT_HOST)
    logger.info("Action server on http://%s:%d (Rasa's calls only)", host, args.port)
    create_app(token, args.actions).run(host, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
