"""The Rasa entry point: the API token from the environment only, and the settings checked
before Rasa (and the process bootstrap) starts."""

from __future__ import annotations

import sys

import pytest

from bot.rasa_server import RasaArgumentsError, main, rasa_argv
from bot.settings import get_settings

TOKEN = "an-api-token-0123456789abcdef"


def test_the_token_is_added_from_the_environment() -> None:
    argv = rasa_argv(["run", "--enable-api"], {"CIM_RASA_AUTH_TOKEN": TOKEN})
    assert argv == ["rasa", "run", "--enable-api", "--auth-token", TOKEN]


@pytest.mark.parametrize(
    ("args", "environ", "reason"),
    [
        (["run"], {}, "is not set"),
        (["run"], {"CIM_RASA_AUTH_TOKEN": ""}, "is not set"),
        (["run", "--auth-token", "x"], {"CIM_RASA_AUTH_TOKEN": TOKEN}, "command line"),
        (["run", "--auth-token=x"], {"CIM_RASA_AUTH_TOKEN": TOKEN}, "command line"),
        (["train"], {"CIM_RASA_AUTH_TOKEN": TOKEN}, "only `run`"),
        ([], {"CIM_RASA_AUTH_TOKEN": TOKEN}, "only `run`"),
    ],
)
def test_what_would_expose_or_omit_the_token_is_refused(
    args: list[str], environ: dict[str, str], reason: str
) -> None:
    with pytest.raises(RasaArgumentsError, match=reason):
        rasa_argv(args, environ)


def test_main_says_why_it_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CIM_RASA_AUTH_TOKEN", raising=False)
    assert main(["run", "--enable-api"]) == 2
    assert "CIM_RASA_AUTH_TOKEN is not set" in capsys.readouterr().err


def test_main_refuses_settings_the_product_cannot_run_with_before_rasa_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # main hands Rasa its own
    monkeypatch.setenv("CIM_RASA_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("CIM_ENV", "production")
    monkeypatch.setenv("CIM_TOKEN_SECRET", "changeme")
    get_settings.cache_clear()
    try:
        assert main(["run", "--enable-api"]) == 2
    finally:
        get_settings.cache_clear()
    assert "InsecureSettingsError" in capsys.readouterr().err
