from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from tools.processes.stack import Ports, action_token, merged_origins, services


def by_name(settings: Settings, ports: Ports | None = None) -> dict:
    return {s.name: s for s in services(settings, model=Path("m.tar.gz"), ports=ports or Ports())}


def test_every_service_listens_on_loopback_only() -> None:
    found = by_name(Settings())
    assert found["actions"].env["SANIC_HOST"] == "127.0.0.1"
    rasa_argv = list(found["rasa"].argv)
    assert rasa_argv[rasa_argv.index("--interface") + 1] == "127.0.0.1"
    assert found["shop"].env["CIM_WEB_HOST"] == "127.0.0.1"


def test_the_rasa_api_token_is_in_the_environment_never_on_the_command_line() -> None:
    rasa = by_name(Settings(rasa_auth_token="a-token-0123456789abc"))["rasa"]
    assert rasa.argv[1:4] == ["-m", "bot.rasa_server", "run"]
    assert "--auth-token" not in rasa.argv
    assert not any("a-token-0123456789abc" in arg for arg in rasa.argv)
    assert rasa.env["CIM_RASA_AUTH_TOKEN"] == "a-token-0123456789abc"


def test_rasa_and_the_action_server_share_one_action_token() -> None:
    found = by_name(Settings(action_token="an-action-token-0123456789"))
    assert found["actions"].argv[1:3] == ["-m", "bot.action_server"]
    assert found["actions"].env["CIM_ACTION_TOKEN"] == "an-action-token-0123456789"
    assert found["rasa"].env["CIM_ACTION_TOKEN"] == "an-action-token-0123456789"


def test_development_makes_one_action_token_per_process() -> None:
    first, again = by_name(Settings()), by_name(Settings())
    token = first["actions"].env["CIM_ACTION_TOKEN"]
    assert len(token) >= 32 and token == again["rasa"].env["CIM_ACTION_TOKEN"]
    assert action_token(Settings(env="test")) == token


def test_production_needs_its_own_action_token() -> None:
    with pytest.raises(ValueError, match="CIM_ACTION_TOKEN"):
        action_token(Settings(env="production"))


def test_services_find_each_other_on_the_chosen_ports() -> None:
    ports = Ports(rasa=1111, actions=2222, web=3333)
    env = services(Settings(), model=Path("m"), ports=ports)[0].env
    assert env["CIM_ACTION_URL"] == "http://127.0.0.1:2222/webhook"
    assert env["CIM_RASA_URL"] == "http://127.0.0.1:1111"
    assert "http://127.0.0.1:3333" in env["CIM_CORS_ORIGINS"]


def test_the_shops_origins_in_cim_cors_origins_are_kept_beside_the_demo_shops() -> None:
    settings = Settings(cors_origins="https://shop.example.com, https://www.example.com/")
    found = by_name(settings, Ports(rasa=1111, actions=2222, web=3333))
    expected = [
        "https://shop.example.com",
        "https://www.example.com",
        "http://127.0.0.1:3333",
        "http://localhost:3333",
    ]
    assert found["rasa"].env["CIM_CORS_ORIGINS"].split(",") == expected
    argv = list(found["rasa"].argv)
    assert argv[argv.index("--cors") + 1 : argv.index("--interface")] == expected


def test_origins_are_merged_once_each() -> None:
    assert merged_origins("a, b,,", "b,c", "") == "a,b,c"
