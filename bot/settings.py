"""One typed settings object, read from the environment.

Every process (Rasa server, action server, web, CLI) builds the same `Settings` from the
environment; `.env.example` lists every variable. Outside development the project refuses
to start with a missing or placeholder secret.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from bot.secret_policy import MIN_SECRET_CHARS, secrets_problems

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_TOKEN_SECRET = "dev-only-insecure-token-secret"
DEV_RASA_TOKEN = "dev-only-rasa-token"
DEV_CONSOLE_SECRET = "dev-only-console-secret"
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret"})
ENVIRONMENTS = ("development", "test", "production")
MIN_REQUEST_BYTES = 64 * 1024  # the web channel's own body limit must fit under the server's
ACTION_PAYLOAD_SLIM = "slim"
ACTION_PAYLOAD_FULL = "full"
ACTION_PAYLOADS = (ACTION_PAYLOAD_SLIM, ACTION_PAYLOAD_FULL)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class SettingsError(ValueError):
    """A variable has a value the product cannot run with."""


class InsecureSettingsError(SettingsError):
    """A production process would start with a placeholder secret."""


def _env(name: str) -> dict[str, str]:
    return {"env": name}


@dataclass(frozen=True)
class Settings:
    env: str = field(default="development", metadata=_env("CIM_ENV"))
    database_url: str = field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'shop.db'}", metadata=_env("DATABASE_URL")
    )
    # HMAC secret shared with the shop's backend, which signs customer tokens.
    token_secret: str = field(default=DEV_TOKEN_SECRET, metadata=_env("CIM_TOKEN_SECRET"))
    token_ttl_seconds: int = field(default=3600, metadata=_env("CIM_TOKEN_TTL_SECONDS"))
    # Wrong email / order-number pairs allowed before the bot stops asking.
    verify_max_attempts: int = field(default=3, metadata=_env("CIM_VERIFY_MAX_ATTEMPTS"))
    # Counted on the server per email and per client (bot/services/verification.py): wrong
    # pairs one client may try, over all emails, before it waits too.
    verify_client_max_attempts: int = field(
        default=10, metadata=_env("CIM_VERIFY_CLIENT_MAX_ATTEMPTS")
    )
    # The first wait after the allowance (seconds); it doubles with each further failure,
    # up to the maximum, and failures are forgotten after a quiet period.
    verify_lock_seconds: int = field(default=60, metadata=_env("CIM_VERIFY_LOCK_SECONDS"))
    verify_max_lock_seconds: int = field(default=3600, metadata=_env("CIM_VERIFY_MAX_LOCK_SECONDS"))
    verify_forget_seconds: int = field(default=86400, metadata=_env("CIM_VERIFY_FORGET_SECONDS"))
    # How long a verification by email and order number lasts, within one chat session.
    verify_ttl_seconds: int = field(default=1800, metadata=_env("CIM_VERIFY_TTL_SECONDS"))
    # Handoffs one client (or one conversation) may open per window (actions/handoff.py).
    handoff_max_per_client: int = field(default=10, metadata=_env("CIM_HANDOFF_MAX_PER_CLIENT"))
    handoff_max_per_conversation: int = field(
        default=3, metadata=_env("CIM_HANDOFF_MAX_PER_CONVERSATION")
    )
    handoff_limit_window_seconds: int = field(
        default=600, metadata=_env("CIM_HANDOFF_LIMIT_WINDOW_SECONDS")
    )
    rasa_url: str = field(default="http://127.0.0.1:5005", metadata=_env("CIM_RASA_URL"))
    # Origins (comma-separated) of the pages that embed the widget; `cim run` adds its demo
    # shop's own. The chat channel (credentials.yml) and Rasa's --cors take the list.
    cors_origins: str = field(default="", metadata=_env("CIM_CORS_ORIGINS"))
    # The shop's privacy notice (an http(s) URL), linked from the widget's disclosure at the
    # top of each chat; empty: the disclosure has no link.
    privacy_notice_url: str = field(default="", metadata=_env("CIM_PRIVACY_NOTICE_URL"))
    rasa_auth_token: str = field(default=DEV_RASA_TOKEN, metadata=_env("CIM_RASA_AUTH_TOKEN"))
    web_host: str = field(default="127.0.0.1", metadata=_env("CIM_WEB_HOST"))
    web_port: int = field(default=8000, metadata=_env("CIM_WEB_PORT"))
    shop_name: str = field(default="Trailhead Outfitters", metadata=_env("CIM_SHOP_NAME"))
    # Escalation thresholds, team routing, SLAs and business hours.
    escalation_file: str = field(
        default=str(PROJECT_ROOT / "escalation.yml"), metadata=_env("CIM_ESCALATION_FILE")
    )
    # Signs agent console sessions; never derived from the token secret (the shop's backend
    # holds that one). Required in production, strong and unlike every other secret.
    console_secret: str = field(default=DEV_CONSOLE_SECRET, metadata=_env("CIM_CONSOLE_SECRET"))
    # The console's own origin (scheme://host[:port]) when a proxy rewrites the Host; empty:
    # the request's own. Console API and state-changing calls from any other are refused.
    console_origin: str = field(default="", metadata=_env("CIM_CONSOLE_ORIGIN"))
    # The longest a console session lasts, checked by the server on every request (seconds).
    console_session_max_seconds: int = field(
        default=28800, metadata=_env("CIM_CONSOLE_SESSION_MAX_SECONDS")
    )
    # Notified (POST, retried with backoff) of each new handoff; empty: no webhook.
    handoff_webhook_url: str = field(default="", metadata=_env("CIM_HANDOFF_WEBHOOK_URL"))
    # Where trainers' labels go: <root>/data, domain.yml, config.yml (cim train, the inbox).
    training_root: str = field(default=str(PROJECT_ROOT), metadata=_env("CIM_TRAINING_ROOT"))
    # current.tar.gz (served), previous.tar.gz (cim rollback), history/.
    models_dir: str = field(default=str(PROJECT_ROOT / "models"), metadata=_env("CIM_MODELS_DIR"))
    # How often the Rasa process brings the KPI facts up to date (0: never, e.g. cron instead).
    kpi_refresh_seconds: int = field(default=300, metadata=_env("CIM_KPI_REFRESH_SECONDS"))
    # How long each category of data is kept (bot/customer_data/retention_policy.py), and how
    # often the Rasa process purges what is past its window (0: never, e.g. cron runs
    # `cim privacy purge` instead).
    retention_file: str = field(
        default=str(PROJECT_ROOT / "retention.yml"), metadata=_env("CIM_RETENTION_FILE")
    )
    retention_purge_seconds: int = field(default=3600, metadata=_env("CIM_RETENTION_PURGE_SECONDS"))
    # Cross-validation folds of the retraining gate (cim train, the trainer page).
    gate_folds: int = field(default=3, metadata=_env("CIM_GATE_FOLDS"))
    # The retraining gate also plays the simulated customers against the candidate (1, the
    # default) or not (0: where a private stack per retrain is too slow); the suite played
    # (a folder or one category's .yml; empty: simulations/).
    train_simulate: int = field(default=1, metadata=_env("CIM_TRAIN_SIMULATE"))
    train_simulate_suite: str = field(default="", metadata=_env("CIM_TRAIN_SIMULATE_SUITE"))
    # How often each Rasa process sweeps the handoff queue (customers who left, closing time).
    queue_sweep_seconds: int = field(default=30, metadata=_env("CIM_QUEUE_SWEEP_SECONDS"))
    # NPS: the share of customers asked (percent, 0-100), and at most once per this many days.
    nps_share_percent: int = field(default=10, metadata=_env("CIM_NPS_SHARE_PERCENT"))
    nps_every_days: int = field(default=90, metadata=_env("CIM_NPS_EVERY_DAYS"))
    # The longest one customer-store statement may run or wait for a lock (ms; 0: no limit),
    # so a held lock gets the customer "can't reach the order system" instead of a hung turn.
    db_statement_timeout_ms: int = field(default=2000, metadata=_env("CIM_DB_STATEMENT_TIMEOUT_MS"))
    # Sentence vectors of recent messages kept by exact text (bot/nlu/encoder.py; 0: none).
    encoder_cache_size: int = field(default=4096, metadata=_env("CIM_ENCODER_CACHE_SIZE"))
    # Proxies (IP addresses or CIDR networks, comma-separated) whose X-Forwarded-For is
    # believed; empty: none, so the client is the TCP peer (bot/client_address.py).
    trusted_proxies: str = field(default="", metadata=_env("CIM_TRUSTED_PROXIES"))
    # Shared secret the Rasa server presents to the action server (empty: only in development).
    action_token: str = field(default="", metadata=_env("CIM_ACTION_TOKEN"))
    # Chat rate limits (bot/channels/ratelimit.py): messages in a row (burst) and per minute,
    # per client address and per conversation; far above what people type, so scripts only.
    chat_client_burst: int = field(default=100, metadata=_env("CIM_CHAT_CLIENT_BURST"))
    chat_client_per_minute: int = field(default=300, metadata=_env("CIM_CHAT_CLIENT_PER_MINUTE"))
    chat_conversation_burst: int = field(default=10, metadata=_env("CIM_CHAT_CONVERSATION_BURST"))
    chat_conversation_per_minute: int = field(
        default=30, metadata=_env("CIM_CHAT_CONVERSATION_PER_MINUTE")
    )
    # The largest request body the Rasa process reads (bytes); larger ones get 413 unread.
    max_request_bytes: int = field(default=256 * 1024, metadata=_env("CIM_MAX_REQUEST_BYTES"))
    # Rasa run-time patches (bot/rasa_patches/). A call to the action server still unanswered
    # after this many seconds is cut off and the customer gets an apology (0: Rasa's own
    # 300 s). endpoints.yml's `request_timeout` under action_endpoint, if set, overrides it.
    action_timeout_seconds: float = field(default=5.0, metadata=_env("CIM_ACTION_TIMEOUT_SECONDS"))
    # What the action server is sent: "slim" (earlier user messages without rankings or
    # metadata, so the customer's signed token is in the latest message only) or "full"
    # (Rasa's own body, every message whole).
    action_payload: str = field(default=ACTION_PAYLOAD_SLIM, metadata=_env("CIM_ACTION_PAYLOAD"))
    # The patches that only make Rasa faster (same results); false turns them all off, for
    # diagnosis, without changing the two settings above.
    rasa_speed_patches: bool = field(default=True, metadata=_env("CIM_RASA_SPEED_PATCHES"))

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"CIM_ENV must be one of {', '.join(ENVIRONMENTS)}")
        for name in (
            "token_ttl_seconds",
            "verify_max_attempts",
            "verify_client_max_attempts",
            "verify_lock_seconds",
            "verify_max_lock_seconds",
            "verify_forget_seconds",
            "verify_ttl_seconds",
            "handoff_max_per_client",
            "handoff_max_per_conversation",
            "handoff_limit_window_seconds",
            "web_port",
            "queue_sweep_seconds",
            "gate_folds",
            "console_session_max_seconds",
            "chat_client_burst",
            "chat_client_per_minute",
            "chat_conversation_burst",
            "chat_conversation_per_minute",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name.upper()} must be a positive number")
        if self.db_statement_timeout_ms < 0:
            raise SettingsError("CIM_DB_STATEMENT_TIMEOUT_MS must be 0 (no limit) or more")
        if self.retention_purge_seconds < 0:
            raise SettingsError("CIM_RETENTION_PURGE_SECONDS must be 0 (off) or more")
        if self.encoder_cache_size < 0:
            raise SettingsError("CIM_ENCODER_CACHE_SIZE must be 0 (no cache) or more")
        if self.max_request_bytes < MIN_REQUEST_BYTES:
            raise SettingsError(
                f"CIM_MAX_REQUEST_BYTES must be at least {MIN_REQUEST_BYTES} (the chat's 64 KB)"
            )
        if not 0 <= self.action_timeout_seconds < math.inf:
            raise SettingsError("CIM_ACTION_TIMEOUT_SECONDS must be 0 (Rasa's 300 s) or more")
        if self.action_payload not in ACTION_PAYLOADS:
            raise SettingsError(f"CIM_ACTION_PAYLOAD must be one of {', '.join(ACTION_PAYLOADS)}")
        if self.privacy_notice_url and not is_http_url(self.privacy_notice_url):
            raise SettingsError("CIM_PRIVACY_NOTICE_URL must be an http(s) URL (or empty)")
        object.__setattr__(self, "database_url", _absolute_sqlite(self.database_url))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        values: dict[str, object] = {}
        for spec in fields(cls):
            raw = environ.get(spec.metadata["env"])
            if raw is None or raw == "":
                continue
            values[spec.name] = PARSERS.get(str(spec.type), _as_text)(spec.metadata["env"], raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_development(self) -> bool:
        return self.env != "production"

    def check_secure(self) -> None:
        """Outside development, refuse placeholder, weak or shared secrets (see
        bot/secret_policy.py)."""
        if self.is_development:
            return
        problems = secrets_problems(
            {
                "CIM_TOKEN_SECRET": self.token_secret,
                "CIM_RASA_AUTH_TOKEN": self.rasa_auth_token,
                "CIM_CONSOLE_SECRET": self.console_secret,
                "CIM_ACTION_TOKEN": self.action_token,
            }
        )
        if problems:
            raise InsecureSettingsError(
                "Production (CIM_ENV=production) needs separate, strong secrets of at least "
                f"{MIN_SECRET_CHARS} varied characters: " + "; ".join(problems) + "."
            )


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _parse_float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


def _parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise SettingsError(f"{name} must be true or false, not {raw!r}")
    return word in TRUE_WORDS


def _as_text(_name: str, raw: str) -> str:
    return raw


PARSERS: dict[str, Callable[[str, str], object]] = {
    "int": _parse_int,
    "float": _parse_float,
    "bool": _parse_bool,
}


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host and nothing a page could not link to as it is."""
    parts = urlsplit(url)
    printable = not any(char.isspace() or ord(char) < 32 for char in url)
    return printable and parts.scheme in ("http", "https") and bool(parts.hostname)


def _absolute_sqlite(url: str) -> str:
    """Relative SQLite paths are resolved against the project root, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        relative = url[len(prefix) :]
        if relative and relative != ":memory:":
            return prefix + str(PROJECT_ROOT / relative)
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call `get_settings.cache_clear()` after changing env."""
    settings = Settings.from_env()
    settings.check_secure()
    return settings
