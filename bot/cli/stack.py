"""The product's processes and how they find each other, for `cim run` and end-to-end tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bot.cli.supervisor import Service
from bot.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8000


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def shop_origins(ports: Ports) -> str:
    return f"http://127.0.0.1:{ports.web},http://localhost:{ports.web}"


def services(
    settings: Settings, *, model: Path, ports: Ports, var_dir: Path | None = None
) -> list[Service]:
    """Action server, demo shop, then the Rasa server (the slowest to start)."""
    rasa_url = f"http://127.0.0.1:{ports.rasa}"
    common = {
        "DATABASE_URL": settings.database_url,
        "CIM_ENV": settings.env,
        "CIM_TOKEN_SECRET": settings.token_secret,
        "CIM_RASA_AUTH_TOKEN": settings.rasa_auth_token,
        "CIM_RASA_URL": rasa_url,
        "CIM_ACTION_URL": f"http://127.0.0.1:{ports.actions}/webhook",
        "CIM_CORS_ORIGINS": shop_origins(ports),
        "CIM_WEB_HOST": "127.0.0.1",
        "CIM_WEB_PORT": str(ports.web),
        "CIM_ESCALATION_FILE": settings.escalation_file,
        "CIM_TRACKER_DB": str((var_dir or PROJECT_ROOT / "var") / "tracker.db"),
        "PYTHONUNBUFFERED": "1",
    }
    actions = Service(
        "actions",
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ports.actions)],
        ready_url=f"http://127.0.0.1:{ports.actions}/health",
        # rasa_sdk binds 0.0.0.0 unless told otherwise; anyone who can reach the action server
        # can post a tracker with any slots, so it listens on loopback only.
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
        [
            _bin("rasa"),
            "run",
            "--model",
            str(model),
            "--enable-api",
            "--auth-token",
            settings.rasa_auth_token,
            "--cors",
            *shop_origins(ports).split(","),
            "--interface",
            "127.0.0.1",
            "--port",
            str(ports.rasa),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ],
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
