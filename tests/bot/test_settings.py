from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT, InsecureSettingsError, Settings, SettingsError


def test_defaults_suit_development() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'shop.db'}"
    settings.check_secure()


def test_values_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": "postgresql+psycopg2://u@h/db", "CIM_WEB_PORT": "9000", "CIM_ENV": "test"}
    )
    assert settings.database_url == "postgresql+psycopg2://u@h/db"
    assert settings.web_port == 9000


def test_relative_sqlite_paths_are_anchored_at_the_project() -> None:
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///var/x.db"})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'x.db'}"


@pytest.mark.parametrize(
    "environ",
    [{"CIM_WEB_PORT": "eighty"}, {"CIM_WEB_PORT": "-1"}, {"CIM_ENV": "staging"},
     {"CIM_VERIFY_MAX_ATTEMPTS": "0"}, {"CIM_DB_STATEMENT_TIMEOUT_MS": "-1"},
     {"CIM_ENCODER_CACHE_SIZE": "-1"}],
)
def test_bad_values_are_refused_with_the_variable_named(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(environ)


@pytest.mark.parametrize("secret", ["", "change-me", "short", "dev-only-insecure-token-secret"])
def test_production_refuses_placeholder_secrets(secret: str) -> None:
    settings = Settings.from_env({"CIM_ENV": "production", "CIM_TOKEN_SECRET": secret,
                                  "CIM_RASA_AUTH_TOKEN": "a-real-secret-0123456789"})
    with pytest.raises(InsecureSettingsError, match="TOKEN_SECRET"):
        settings.check_secure()


def test_production_accepts_real_secrets() -> None:
    Settings.from_env({"CIM_ENV": "production", "CIM_TOKEN_SECRET": "s3cr3t-0123456789-abc",
                       "CIM_RASA_AUTH_TOKEN": "another-secret-0123456789"}).check_secure()
