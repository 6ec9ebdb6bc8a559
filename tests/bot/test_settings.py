from __future__ import annotations

from dataclasses import fields

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
    [
        {"CIM_WEB_PORT": "eighty"},
        {"CIM_WEB_PORT": "-1"},
        {"CIM_ENV": "staging"},
        {"CIM_VERIFY_MAX_ATTEMPTS": "0"},
        {"CIM_DB_STATEMENT_TIMEOUT_MS": "-1"},
        {"CIM_ENCODER_CACHE_SIZE": "-1"},
    ],
)
def test_bad_values_are_refused_with_the_variable_named(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(environ)


@pytest.mark.parametrize("secret", ["", "change-me", "short", "dev-only-insecure-token-secret"])
def test_production_refuses_placeholder_secrets(secret: str) -> None:
    settings = Settings.from_env(
        {
            "CIM_ENV": "production",
            "CIM_TOKEN_SECRET": secret,
            "CIM_RASA_AUTH_TOKEN": "a-real-secret-0123456789",
        }
    )
    with pytest.raises(InsecureSettingsError, match="TOKEN_SECRET"):
        settings.check_secure()


PRODUCTION_SECRETS = {
    "CIM_ENV": "production",
    "CIM_TOKEN_SECRET": "tok-7Qm2xW9pL4vB8nR1cZ6yH3kT0sJ5dF",
    "CIM_RASA_AUTH_TOKEN": "api-4Hs8Kd1Wq7Zr2Xm9Lp6Vb3Nc0Tj5Gy",
    "CIM_CONSOLE_SECRET": "con-9Rt3Yw6Qa1Ze8Xs5Dc2Vf7Bg4Nh0Mj",
    "CIM_ACTION_TOKEN": "act-2Lk7Jh4Gf9Ds6Aq1Wz8Xc3Vb0Nm5Pt",
}


def test_production_accepts_real_secrets() -> None:
    Settings.from_env(PRODUCTION_SECRETS).check_secure()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"CIM_CONSOLE_SECRET": ""}, "CIM_CONSOLE_SECRET is missing"),
        ({"CIM_CONSOLE_SECRET": "x"}, "CIM_CONSOLE_SECRET is missing"),
        ({"CIM_ACTION_TOKEN": ""}, "CIM_ACTION_TOKEN is missing"),
        ({"CIM_CONSOLE_SECRET": "z" * 40}, "CIM_CONSOLE_SECRET has fewer than 8"),
        (
            {"CIM_CONSOLE_SECRET": PRODUCTION_SECRETS["CIM_TOKEN_SECRET"]},
            "CIM_TOKEN_SECRET and CIM_CONSOLE_SECRET are the same value",
        ),
    ],
)
def test_production_refuses_a_weak_missing_or_shared_secret(
    changes: dict[str, str], named: str
) -> None:
    with pytest.raises(InsecureSettingsError, match=named):
        Settings.from_env({**PRODUCTION_SECRETS, **changes}).check_secure()


def test_outside_production_the_console_key_is_a_dev_only_value_of_its_own() -> None:
    settings = Settings.from_env({"CIM_TOKEN_SECRET": "a shop secret"})
    assert settings.console_secret.startswith("dev-only") and settings.console_secret not in (
        settings.token_secret,
        settings.rasa_auth_token,
    )


def test_env_example_lists_every_setting() -> None:
    """A newcomer copies .env.example: a setting missing there is a setting nobody finds."""
    listed = {
        line.split("=", 1)[0].strip()
        for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    missing = [f.metadata["env"] for f in fields(Settings) if f.metadata["env"] not in listed]
    assert missing == []


def test_the_rasa_patch_settings_default_to_todays_behaviour() -> None:
    settings = Settings.from_env({})
    assert settings.action_timeout_seconds == 5
    assert settings.action_payload == "slim"
    assert settings.rasa_speed_patches is True


def test_the_rasa_patch_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "CIM_ACTION_TIMEOUT_SECONDS": "2.5",
            "CIM_ACTION_PAYLOAD": "full",
            "CIM_RASA_SPEED_PATCHES": "false",
        }
    )
    assert settings.action_timeout_seconds == 2.5
    assert settings.action_payload == "full"
    assert settings.rasa_speed_patches is False
    assert Settings.from_env({"CIM_RASA_SPEED_PATCHES": "0"}).rasa_speed_patches is False
    assert Settings.from_env({"CIM_ACTION_TIMEOUT_SECONDS": "0"}).action_timeout_seconds == 0


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CIM_ACTION_TIMEOUT_SECONDS": "-1"}, "CIM_ACTION_TIMEOUT_SECONDS"),
        ({"CIM_ACTION_TIMEOUT_SECONDS": "soon"}, "CIM_ACTION_TIMEOUT_SECONDS"),
        ({"CIM_ACTION_TIMEOUT_SECONDS": "nan"}, "CIM_ACTION_TIMEOUT_SECONDS"),
        ({"CIM_ACTION_TIMEOUT_SECONDS": "inf"}, "CIM_ACTION_TIMEOUT_SECONDS"),
        ({"CIM_ACTION_PAYLOAD": "tiny"}, "CIM_ACTION_PAYLOAD"),
        ({"CIM_RASA_SPEED_PATCHES": "maybe"}, "CIM_RASA_SPEED_PATCHES"),
    ],
)
def test_bad_rasa_patch_settings_are_refused_by_name(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "shop.example/privacy", "https://", "https://a b"]
)
def test_the_privacy_notice_must_be_an_http_url(url: str) -> None:
    with pytest.raises(SettingsError, match="CIM_PRIVACY_NOTICE_URL"):
        Settings.from_env({"CIM_PRIVACY_NOTICE_URL": url})
    notice = "https://shop.example/privacy"
    assert Settings.from_env({"CIM_PRIVACY_NOTICE_URL": notice}).privacy_notice_url == notice
    assert Settings.from_env({}).privacy_notice_url == ""
