from __future__ import annotations

from pathlib import Path

from bot.cli.stack import Ports, services
from bot.settings import Settings


def test_every_service_listens_on_loopback_only() -> None:
    found = {s.name: s for s in services(Settings(), model=Path("m.tar.gz"), ports=Ports())}
    assert found["actions"].env["SANIC_HOST"] == "127.0.0.1"
    rasa_argv = list(found["rasa"].argv)
    assert rasa_argv[rasa_argv.index("--interface") + 1] == "127.0.0.1"
    assert found["shop"].env["CIM_WEB_HOST"] == "127.0.0.1"


def test_the_rasa_api_is_protected_by_the_auth_token() -> None:
    settings = Settings(rasa_auth_token="a-token-0123456789abc")
    rasa = next(s for s in services(settings, model=Path("m"), ports=Ports()) if s.name == "rasa")
    argv = list(rasa.argv)
    assert argv[argv.index("--auth-token") + 1] == "a-token-0123456789abc"


def test_services_find_each_other_on_the_chosen_ports() -> None:
    ports = Ports(rasa=1111, actions=2222, web=3333)
    env = services(Settings(), model=Path("m"), ports=ports)[0].env
    assert env["CIM_ACTION_URL"] == "http://127.0.0.1:2222/webhook"
    assert env["CIM_RASA_URL"] == "http://127.0.0.1:1111"
    assert "http://127.0.0.1:3333" in env["CIM_CORS_ORIGINS"]
