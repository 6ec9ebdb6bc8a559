"""The production profile's deploy files, checked by their own validators: the Compose
Specification's JSON schema (vendored in deploy/schemas), HAProxy's `-c`, and Rasa's own
reader for the endpoints and credentials files with the variables the profile sets."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.settings import PROJECT_ROOT, Settings
from tools.processes import prod
from tools.processes.supervisor import Service

DEPLOY = PROJECT_ROOT / "deploy"
SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def compose_errors(document: Any) -> list[str]:
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yml").read_text()))


def profile_services(tmp_path: Path) -> dict[str, Service]:
    from tools.processes.tls import ensure_self_signed

    settings = Settings(env="test", escalation_file=str(tmp_path / "escalation.yml"))
    ensure_self_signed(tmp_path / "tls.pem")
    found = prod.services(
        settings,
        model=tmp_path / "model.tar.gz",
        ports=prod.ProdPorts(),
        stores=prod.ProdStores(),
        tls_cert=tmp_path / "tls.pem",
    )
    return {service.name: service for service in found}


def test_the_compose_file_follows_the_compose_specification() -> None:
    assert compose_errors(compose()) == []


def test_the_schema_check_catches_a_broken_compose_file() -> None:
    broken = copy.deepcopy(compose())
    broken["services"]["rasa1"]["ports"] = 8000  # must be a list
    broken["services"]["proxy"]["restart_policy"] = "always"  # no such key
    errors = compose_errors(broken)
    assert any("rasa1" in e and "ports" in e for e in errors), errors
    assert any("restart_policy" in e for e in errors), errors


def test_compose_runs_what_the_local_profile_runs(tmp_path: Path) -> None:
    services = compose()["services"]
    assert set(services) == {"proxy", "rasa1", "rasa2", "actions1", "actions2", "postgres", "redis"}
    assert set(profile_services(tmp_path)) == {"proxy", "rasa1", "rasa2", "actions1", "actions2"}
    assert (
        services["rasa1"]["environment"]["CIM_ACTION_URL"]
        != (services["rasa2"]["environment"]["CIM_ACTION_URL"])
    )
    for name in ("rasa1", "rasa2"):
        assert "deploy/endpoints.prod.yml" in services[name]["command"]
        assert "deploy/credentials.prod.yml" in services[name]["command"]
    proxy_env = services["proxy"]["environment"]
    config = (DEPLOY / "haproxy.cfg").read_text()
    assert set(VARIABLE.findall(config)) == set(proxy_env)


@pytest.mark.parametrize("name", ["endpoints.prod.yml", "credentials.prod.yml"])
def test_every_variable_of_the_rasa_files_is_set_by_the_profile_and_compose(
    name: str, tmp_path: Path
) -> None:
    used = set(VARIABLE.findall((DEPLOY / name).read_text()))
    assert used
    for replica in ("rasa1", "rasa2"):
        assert used <= set(profile_services(tmp_path)[replica].env), replica
        assert used <= set(compose()["services"][replica]["environment"]), replica


def test_rasa_reads_the_prod_endpoints_as_postgresql_and_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.utils import AvailableEndpoints

    for key, value in profile_services(tmp_path)["rasa1"].env.items():
        monkeypatch.setenv(key, value)
    endpoints = AvailableEndpoints.read_endpoints(str(DEPLOY / "endpoints.prod.yml"))
    assert endpoints.tracker_store is not None and endpoints.lock_store is not None
    tracker = endpoints.tracker_store
    assert tracker.type == "bot.trackers.store.CachedSQLTrackerStore"
    assert tracker.kwargs["dialect"] == "postgresql" and tracker.kwargs["db"] == "cim_prod"
    assert endpoints.lock_store.type == "redis"
    assert str(endpoints.lock_store.kwargs["db"]) == "2"  # redis-py takes either
    assert endpoints.action is not None
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    token = profile_services(tmp_path)["actions1"].env["CIM_ACTION_TOKEN"]
    assert endpoints.action.headers == {"X-Cim-Action-Token": token}


@pytest.mark.apt  # haproxy, from `make test-deps`
def test_haproxy_accepts_its_configuration_with_the_profiles_variables(tmp_path: Path) -> None:
    proxy = profile_services(tmp_path)["proxy"]
    checked = subprocess.run(
        [proxy.argv[0], "-c", "-f", str(prod.PROXY_CONFIG)],
        env=proxy.env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.apt  # haproxy, from `make test-deps`
def test_haproxy_rejects_a_configuration_without_its_variables() -> None:
    checked = subprocess.run(
        [prod.proxy_binary(), "-c", "-f", str(prod.PROXY_CONFIG)],
        env={},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode != 0


def test_the_profile_refuses_clashing_ports_and_other_databases() -> None:
    with pytest.raises(ValueError, match="distinct"):
        prod.ProdPorts(public=9000, console=9000)
    with pytest.raises(ValueError, match="distinct"):
        prod.ProdPorts(http=5005)
    with pytest.raises(ValueError, match="2 Rasa replicas"):
        prod.ProdPorts(rasa=(5005,))
    with pytest.raises(ValueError, match="PostgreSQL"):
        _ = prod.ProdStores(database_url="sqlite:///x.db").database
    with pytest.raises(ValueError, match="redis://"):
        prod.services(
            Settings(env="test"),
            model=Path("m"),
            ports=prod.ProdPorts(),
            stores=prod.ProdStores(redis_url="http://127.0.0.1:6379/2"),
        )


def test_cim_run_takes_the_prod_profile_and_its_ports() -> None:
    from tools.cli.main import build_parser

    args = build_parser().parse_args(
        ["run", "--profile", "prod", "--public-port", "9000", "--rasa-ports", "9005,9006"]
    )
    assert args.profile == "prod" and args.public_port == 9000
    assert args.console_port == 8444 and args.http_port == 8000
    assert args.rasa_ports == (9005, 9006) and args.actions_ports == (5055, 5056)
    assert build_parser().parse_args(["run"]).profile == "embedded"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--profile", "prod", "--rasa-ports", "a,b"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--profile", "cloud"])


@pytest.mark.parametrize(
    ("database_url", "message"),
    [
        ("sqlite:///var/x.db", "needs a PostgreSQL database URL"),
        ("postgresql+psycopg2://postgres@127.0.0.1:9/cim_prod", "PostgreSQL at"),
        ("not a url", "PostgreSQL"),
    ],
)
def test_cim_run_prod_says_what_is_wrong_with_the_database(
    database_url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools.cli.main import main

    code = main(["run", "--profile", "prod", "--prod-database-url", database_url])
    assert code == 2
    assert message in capsys.readouterr().err


def test_no_production_topology_runs_the_demo_shop(tmp_path: Path) -> None:
    """It signs in anyone as a demo customer (issue 14, finding 3)."""
    commands = [" ".join(s.argv) for s in profile_services(tmp_path).values()]
    commands += [str(s.get("command", "")) for s in compose()["services"].values()]
    assert not any("bot.web.shop" in command for command in commands)
    assert "CIM_SHOP_ADDR" not in (DEPLOY / "haproxy.cfg").read_text()


def test_no_command_line_holds_the_rasa_token(tmp_path: Path) -> None:
    for name, service in profile_services(tmp_path).items():
        token = service.env.get("CIM_RASA_AUTH_TOKEN")
        assert "--auth-token" not in service.argv, name
        assert token is None or token not in " ".join(service.argv), name
    for name in ("rasa1", "rasa2"):
        command = compose()["services"][name]["command"]
        assert command.startswith("python -m bot.rasa_server run"), command
        assert "--auth-token" not in command and "CIM_RASA_AUTH_TOKEN" not in command
    assert '"bot.rasa_server"' in (DEPLOY / "Dockerfile").read_text()


def test_compose_keeps_the_action_servers_on_the_internal_network() -> None:
    document = compose()
    assert document["networks"]["internal"]["internal"] is True
    for name in ("actions1", "actions2"):
        service = document["services"][name]
        assert service["command"].startswith("python -m bot.action_server"), name
        assert service["networks"] == ["internal"] and "ports" not in service, name
        assert service["environment"]["CIM_ACTION_TOKEN"].startswith("${CIM_ACTION_TOKEN:?")
    assert "internal" not in document["services"]["proxy"]["networks"]
    published = [name for name, s in document["services"].items() if s.get("ports")]
    assert published == ["proxy"]


def test_compose_gives_the_proxy_its_certificate_as_a_secret() -> None:
    document = compose()
    proxy = document["services"]["proxy"]
    assert proxy["secrets"] == [{"source": "tls_cert", "target": "tls.pem"}]
    assert proxy["environment"]["CIM_TLS_CERT"] == "/run/secrets/tls.pem"
    assert "CIM_TLS_CERT_FILE" in document["secrets"]["tls_cert"]["file"]
    trusted = document["services"]["rasa1"]["environment"]["CIM_TRUSTED_PROXIES"]
    assert proxy["networks"]["edge"]["ipv4_address"] == trusted


def test_the_proxy_serves_the_demo_page_it_is_given() -> None:
    """HAProxy answers `file` content from one buffer (16 kB); the page must fit in it."""
    page = prod.DEMO_PAGE.read_text()
    assert len(page.encode()) < 8 * 1024
    assert 'src="/webhooks/web/widget.js"' in page and "customerToken" not in page
    assert "<script>" not in page  # the page's CSP allows no inline script
