"""The product's processes and how they find each other, for `cim run` and end-to-end tests."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings
from tools.processes.supervisor import Service


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8000


def shop_origins(ports: Ports) -> str:
    return f"http://127.0.0.1:{ports.web},http://localhost:{ports.web}"


def merged_origins(*lists: str) -> str:
    """Comma-separated origins, each once, in the order given (blanks and empties dropped)."""
    seen: dict[str, None] = {}
    for origins in lists:
        seen.update((o.strip().rstrip("/"), None) for o in origins.split(",") if o.strip())
    return ",".join(seen)


@lru_cache(maxsize=1)
def _generated_action_token() -> str:
    return secrets.token_urlsafe(32)


def action_token(settings: Settings) -> str:
    """The secret Rasa presents to the action server: CIM_ACTION_TOKEN, or outside production,
    when it is unset, one made for this process, so every service it starts agrees and a
    restarted one still does; nobody outside the process tree knows it."""
    if settings.action_token:
        return settings.action_token
    if not settings.is_development:
        raise ValueError("CIM_ACTION_TOKEN is required in production")
    return _generated_action_token()


def action_server_argv(port: int) -> list[str]:
    """bot.action_server (rasa_sdk behind the shared secret), not `python -m rasa_sdk`."""
    return [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)]


def rasa_argv(
    *, model: Path, port: int, origins: Iterable[str], files: tuple[str, str]
) -> list[str]:
    """`rasa run` through bot.rasa_server, which adds the API token from CIM_RASA_AUTH_TOKEN
    in-process: the token is never on a command line. `files`: credentials, endpoints."""
    credentials, endpoints = files
    return [
        sys.executable,
        "-m",
        "bot.rasa_server",
        "run",
        "--model",
        str(model),
        "--enable-api",
        "--cors",
        *origins,
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--credentials",
        credentials,
        "--endpoints",
        endpoints,
    ]


def services(
    settings: Settings, *, model: Path, ports: Ports, var_dir: Path | None = None
) -> list[Service]:
    """Action server, demo shop, then the Rasa server (the slowest to start). The widget may
    be embedded by the demo shop and by every origin of CIM_CORS_ORIGINS."""
    rasa_url = f"http://127.0.0.1:{ports.rasa}"
    origins = merged_origins(settings.cors_origins, shop_origins(ports))
    common = {
        "DATABASE_URL": settings.database_url,
        "CIM_ENV": settings.env,
        "CIM_TOKEN_SECRET": settings.token_secret,
        "CIM_RASA_AUTH_TOKEN": settings.rasa_auth_token,
        "CIM_RASA_URL": rasa_url,
        "CIM_ACTION_URL": f"http://127.0.0.1:{ports.actions}/webhook",
        "CIM_ACTION_TOKEN": action_token(settings),
        "CIM_CORS_ORIGINS": origins,
        "CIM_WEB_HOST": "127.0.0.1",
        "CIM_WEB_PORT": str(ports.web),
        "CIM_ESCALATION_FILE": settings.escalation_file,
        "CIM_TRACKER_DB": str((var_dir or PROJECT_ROOT / "var") / "tracker.db"),
        "PYTHONUNBUFFERED": "1",
    }
    actions = Service(
        "actions",
        action_server_argv(ports.actions),
        ready_url=f"http://127.0.0.1:{ports.actions}/health",
        # It answers only requests with the shared secret, and listens on loopback only.
        env={**common, "SANIC_HOST": "127.0.0.1"},
        cwd=PROJECT_ROOT,
    )
    shop = Service(
        "shop",
        [sys.executable, "-m", "bot.web.shop"],
        ready_url=f"http://127.0.0.1:{ports.web}/healthz",
        env=common,
        cwd=PROJECT_ROOT,
    )
    rasa = Service(
        "rasa",
        rasa_argv(
            model=model,
            port=ports.rasa,
            origins=origins.split(","),
            files=("credentials.yml", "endpoints.yml"),
        ),
        ready_url=f"{rasa_url}/",
        env=common,
        cwd=PROJECT_ROOT,
    )
    return [actions, shop, rasa]


def ensure_demo_agent(settings: Settings, database_url: str | None = None) -> bool:
    """A demo agent for trying the console in development (`cim run`, either profile), in
    `database_url` (default: the settings' store); production has none."""
    from bot.services.agents import ensure_demo_agent as ensure
    from bot.store.db import session_factory
    from bot.store.unit_of_work import SqlAlchemyUnitOfWork

    ensure(SqlAlchemyUnitOfWork(session_factory(database_url or settings.database_url)), settings)
    return True
