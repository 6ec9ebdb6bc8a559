"""The production profile on one machine: `cim run --profile prod` (`make run-prod`).

What runs (every address on loopback; deploy/compose.yml spreads the same over machines):

- HAProxy (deploy/haproxy.cfg), terminating TLS (a self-signed certificate for loopback,
  tools/processes/tls.py), with cookie affinity to a Rasa replica and websockets proxied: the chat
  (widget, socket.io, REST, a page that shows the widget) on one origin, the agent console
  on an origin of its own, and plain HTTP redirected to the chat's;
- two Rasa replicas (deploy/endpoints.prod.yml, deploy/credentials.prod.yml), each with its
  own action server, which answers only its replica (CIM_ACTION_TOKEN);
- PostgreSQL (already running) for the tracker store, the customer store and the handoff
  queue, in a database of its own (created if missing);
- Redis (already running) for Rasa's lock store and socket.io's client manager.

No demo shop: it signs in anyone who asks as a demo customer (issue 14, finding 3). A shop
embeds the widget from its own pages, with tokens its own backend signs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.settings import PROJECT_ROOT, Settings
from tools.processes.stack import action_server_argv, action_token, merged_origins, rasa_argv
from tools.processes.supervisor import Service

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DEPLOY = PROJECT_ROOT / "deploy"
ENDPOINTS = DEPLOY / "endpoints.prod.yml"
CREDENTIALS = DEPLOY / "credentials.prod.yml"
PROXY_CONFIG = DEPLOY / "haproxy.cfg"
DEMO_PAGE = DEPLOY / "widget-demo.html"  # served by the proxy at the chat's /
DEFAULT_TLS_CERT = PROJECT_ROOT / "var" / "tls" / "loopback.pem"  # made if missing
DEFAULT_DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/cim_prod"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
REPLICAS = 2


@dataclass(frozen=True)
class ProdPorts:
    public: int = 8443  # the proxy's chat origin (TLS): what customers' browsers use
    console: int = 8444  # the proxy's console origin (TLS): what agents use
    http: int = 8000  # the proxy's plain HTTP: redirects to `public`
    rasa: tuple[int, ...] = (5005, 5006)
    actions: tuple[int, ...] = (5055, 5056)

    def __post_init__(self) -> None:
        if len(self.rasa) != REPLICAS or len(self.actions) != REPLICAS:
            raise ValueError(f"the profile runs {REPLICAS} Rasa replicas and action servers")
        every = [self.public, self.console, self.http, *self.rasa, *self.actions]
        if len(set(every)) != len(every):
            raise ValueError(f"ports must be distinct, got {every}")


@dataclass(frozen=True)
class ProdStores:
    """Where the shared state lives; `redis_url` is redis://host:port/db."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    redis_prefix: str = "cim"  # lock keys, and the socket.io pub/sub channel

    @property
    def database(self) -> URL:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise ValueError(
                f"the prod profile needs a PostgreSQL database URL, not {self.database_url!r}"
            ) from None
        if url.get_backend_name() != "postgresql" or not url.database:
            raise ValueError(f"the prod profile needs a PostgreSQL database URL, not {url!r}")
        return url


def public_url(ports: ProdPorts) -> str:
    """The chat's origin: the widget, socket.io, REST and Rasa's API, over TLS."""
    return f"https://127.0.0.1:{ports.public}"


def console_url(ports: ProdPorts) -> str:
    """The agent console's origin, over TLS; no page of the chat's origin shares it."""
    return f"https://127.0.0.1:{ports.console}"


def http_url(ports: ProdPorts) -> str:
    """Plain HTTP: a redirect to `public_url`, and the readiness check."""
    return f"http://127.0.0.1:{ports.http}"


def public_origins(ports: ProdPorts) -> str:
    return f"https://127.0.0.1:{ports.public},https://localhost:{ports.public}"


def proxy_binary() -> str:
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/sbin/haproxy") if Path(p).exists()), None
    )
    if found is None:
        raise FileNotFoundError(
            "HAProxy is not installed: `make prod-deps` (apt-get install -y haproxy, as root)"
        )
    return found


def ensure_database(stores: ProdStores) -> bool:
    """Create the profile's PostgreSQL database if missing; True if it created it."""
    import sqlalchemy as sa

    url = stores.database
    admin = sa.create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        future=True,
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(str(url.database))
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        admin.dispose()


def _store_env(stores: ProdStores) -> dict[str, str]:
    db = stores.database
    redis = urlsplit(stores.redis_url)
    if redis.scheme != "redis":
        raise ValueError(f"the prod profile needs a redis:// URL, not {stores.redis_url!r}")
    return {
        "DATABASE_URL": db.render_as_string(hide_password=False),
        "CIM_PG_HOST": db.host or "127.0.0.1",
        "CIM_PG_PORT": str(db.port or 5432),
        "CIM_PG_DB": str(db.database),
        "CIM_PG_USER": db.username or "postgres",
        "CIM_PG_PASSWORD": db.password or "",
        "CIM_PG_LOGIN_DB": "postgres",
        "CIM_REDIS_HOST": redis.hostname or "127.0.0.1",
        "CIM_REDIS_PORT": str(redis.port or 6379),
        "CIM_REDIS_DB": redis.path.strip("/") or "0",
        "CIM_REDIS_PASSWORD": redis.password or "",
        "CIM_REDIS_PREFIX": stores.redis_prefix,
        "CIM_SOCKETIO_REDIS_URL": stores.redis_url,
        "CIM_SOCKETIO_CHANNEL": f"{stores.redis_prefix}-socketio",
        # Rasa's conversation lock in Redis outlives a killed replica by its lifetime (60 s
        # by default), and the conversation's next turn waits for it on the surviving one.
        # A turn takes well under a second, so 10 s frees a dead replica's conversations fast.
        "TICKET_LOCK_LIFETIME": "10",
    }


def _common_env(settings: Settings, ports: ProdPorts, stores: ProdStores) -> dict[str, str]:
    """What every replica and action server is told."""
    return {
        **_store_env(stores),
        "CIM_ENV": settings.env,
        "CIM_TOKEN_SECRET": settings.token_secret,
        "CIM_RASA_AUTH_TOKEN": settings.rasa_auth_token,
        "CIM_CONSOLE_SECRET": settings.console_secret,
        "CIM_ACTION_TOKEN": action_token(settings),
        "CIM_RASA_URL": public_url(ports),  # the widget is reached through the proxy
        "CIM_CONSOLE_ORIGIN": console_url(ports),
        "CIM_CORS_ORIGINS": merged_origins(settings.cors_origins, public_origins(ports)),
        "CIM_TRUSTED_PROXIES": "127.0.0.1",  # the proxy; its X-Forwarded-For is believed
        "CIM_MAX_REQUEST_BYTES": str(settings.max_request_bytes),
        "CIM_ESCALATION_FILE": settings.escalation_file,
        "PYTHONUNBUFFERED": "1",
    }


def _proxy(settings: Settings, ports: ProdPorts, tls_cert: Path) -> Service:
    return Service(
        "proxy",
        [proxy_binary(), "-db", "-f", str(PROXY_CONFIG)],
        ready_url=f"{http_url(ports)}/proxy-ready",
        env={
            "CIM_PROXY_BIND": f"127.0.0.1:{ports.public}",
            "CIM_CONSOLE_BIND": f"127.0.0.1:{ports.console}",
            "CIM_PROXY_HTTP_BIND": f"127.0.0.1:{ports.http}",
            "CIM_PUBLIC_URL": public_url(ports),
            "CIM_TLS_CERT": str(tls_cert),
            "CIM_DEMO_PAGE": str(DEMO_PAGE),
            "CIM_MAX_REQUEST_BYTES": str(settings.max_request_bytes),
            **{f"CIM_RASA{i}_ADDR": f"127.0.0.1:{p}" for i, p in enumerate(ports.rasa, 1)},
        },
        cwd=PROJECT_ROOT,
    )


def services(
    settings: Settings,
    *,
    model: Path,
    ports: ProdPorts,
    stores: ProdStores,
    tls_cert: Path = DEFAULT_TLS_CERT,
) -> list[Service]:
    """Action servers, the Rasa replicas (slowest), then the proxy."""
    common = _common_env(settings, ports, stores)
    found = [
        Service(
            f"actions{i}",
            action_server_argv(port),
            ready_url=f"http://127.0.0.1:{port}/health",
            env={**common, "SANIC_HOST": "127.0.0.1"},
            cwd=PROJECT_ROOT,
        )
        for i, port in enumerate(ports.actions, start=1)
    ]
    origins = common["CIM_CORS_ORIGINS"].split(",")
    for i, (port, actions) in enumerate(zip(ports.rasa, ports.actions, strict=True), start=1):
        found.append(
            Service(
                f"rasa{i}",
                rasa_argv(
                    model=model,
                    port=port,
                    origins=origins,
                    files=(str(CREDENTIALS), str(ENDPOINTS)),
                ),
                ready_url=f"http://127.0.0.1:{port}/",
                env={**common, "CIM_ACTION_URL": f"http://127.0.0.1:{actions}/webhook"},
                cwd=PROJECT_ROOT,
            )
        )
    found.append(_proxy(settings, ports, tls_cert))
    return found


def print_ready(ports: ProdPorts, stores: ProdStores, *, demo_agent: bool, tls_cert: Path) -> None:
    from bot.services.agents import DEMO_PASSWORD, DEMO_USERNAME

    public = public_url(ports)
    login = f" (demo agent: {DEMO_USERNAME} / {DEMO_PASSWORD})" if demo_agent else ""
    print(
        "\n"
        "  Production profile: HAProxy (TLS) -> 2 Rasa replicas (+2 action servers), "
        "PostgreSQL, Redis\n"
        f"  The chat (a page with the widget): {public}/  ({http_url(ports)}/ redirects there)\n"
        f"  Agent console (its own origin):    {console_url(ports)}/webhooks/console/{login}\n"
        f"  TLS certificate (self-signed):     {tls_cert}\n"
        f"  Replicas (direct):             "
        + ", ".join(f"http://127.0.0.1:{p}/" for p in ports.rasa)
        + "\n"
        f"  Stores:                        {stores.database!r}, {stores.redis_url}\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )


def _ports(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"comma-separated port numbers, not {text!r}") from None


def add_prod_arguments(run: Any) -> None:
    """`cim run --profile prod` options; the embedded profile ignores them."""
    defaults = ProdPorts()
    add = run.add_argument
    add("--public-port", type=int, default=defaults.public, help="prod: the chat's TLS port")
    add("--console-port", type=int, default=defaults.console, help="prod: the console's TLS port")
    add("--http-port", type=int, default=defaults.http, help="prod: plain HTTP (redirects)")
    add("--rasa-ports", type=_ports, default=defaults.rasa, help="prod: e.g. 5005,5006")
    add("--actions-ports", type=_ports, default=defaults.actions, help="prod: e.g. 5055,5056")
    add(
        "--prod-database-url",
        default=os.environ.get("CIM_PROD_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"prod: PostgreSQL, created if missing (default {DEFAULT_DATABASE_URL})",
    )
    add(
        "--prod-redis-url",
        default=os.environ.get("CIM_PROD_REDIS_URL", DEFAULT_REDIS_URL),
        help=f"prod: Redis for locks and socket.io (default {DEFAULT_REDIS_URL})",
    )
    add(
        "--tls-cert",
        type=Path,
        default=Path(os.environ.get("CIM_PROD_TLS_CERT", DEFAULT_TLS_CERT)),
        help="prod: the proxy's certificate and key, one PEM (default: a self-signed one "
        f"for loopback, made if missing, in {DEFAULT_TLS_CERT.relative_to(PROJECT_ROOT)})",
    )


def run_prod(args: argparse.Namespace) -> int:
    """`cim run --profile prod`: prepare the stores, start everything, watch, stop."""
    from bot.settings import get_settings
    from tools.processes.stack import ensure_demo_agent
    from tools.processes.supervisor import serve

    if not args.model.exists():
        print(f"error: no trained model at {args.model}; run `make train` first", file=sys.stderr)
        return 2
    stores = ProdStores(args.prod_database_url, args.prod_redis_url)
    try:
        ports = ProdPorts(
            public=args.public_port,
            console=args.console_port,
            http=args.http_port,
            rasa=args.rasa_ports,
            actions=args.actions_ports,
        )
        settings = get_settings()
        prepared = prepare(stores, tls_cert=args.tls_cert)
        started = services(
            settings, model=args.model, ports=ports, stores=stores, tls_cert=args.tls_cert
        )
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # sqlalchemy's OperationalError: PostgreSQL unreachable
        # the URL parsed (ValueError otherwise); its repr hides a password
        print(f"error: PostgreSQL at {stores.database!r}: {error}", file=sys.stderr)
        return 2
    if prepared:
        print(prepared)
    demo_agent = settings.is_development and ensure_demo_agent(
        settings, str(_store_env(stores)["DATABASE_URL"])
    )
    return serve(
        started,
        start_timeout=args.start_timeout,
        on_ready=lambda: print_ready(ports, stores, demo_agent=demo_agent, tls_cert=args.tls_cert),
    )


def prepare(stores: ProdStores, *, tls_cert: Path = DEFAULT_TLS_CERT) -> str:
    """The database (created if missing), its schema and the demo seed, and the proxy's TLS
    certificate (the default one made if missing, another one must exist); what was done."""
    from tools.processes.tls import ensure_self_signed
    from tools.seed.demo_store import ensure_seeded

    done = []
    if tls_cert == DEFAULT_TLS_CERT and ensure_self_signed(tls_cert):
        done.append(f"made a self-signed TLS certificate for loopback, {tls_cert}")
    elif not tls_cert.is_file():
        raise FileNotFoundError(f"no TLS certificate at {tls_cert}")
    if ensure_database(stores):
        done.append(f"created the database {stores.database.database}")
    if ensure_seeded(_store_env(stores)["DATABASE_URL"]):
        done.append("seeded the demo customer store")
    return "; ".join(done)
