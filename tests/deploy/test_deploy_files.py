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

from bot.cli import prod
from bot.cli.supervisor import Service
from bot.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def compose_errors(document: Any) -> list[str]:
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yml").read_text()))


def profile_services(tmp_path: Path) -> dict[str, Service]:
    settings = Settings(env="test", escalation_file=str(tmp_path / "escalation.yml"))
    found = prod.services(
        settings, model=tmp_path / "model.tar.gz", ports=prod.ProdPorts(), stores=prod.ProdStores()
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


def test_compose_runs_what_the_local_profile_runs() -> None:
    services = compose()["services"]
    assert {"proxy", "rasa1", "rasa2", "actions1", "actions2", "shop", "postgres", "redis"} <= set(
        services
    )
    assert services["rasa1"]["environment"]["CIM_ACTION_URL"] != (
        services["rasa2"]["environment"]["CIM_ACTION_URL"]
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
        prod.ProdPorts(public=8000, shop=8000)
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
    from bot.cli.main import build_parser

    args = build_parser().parse_args(
        ["run", "--profile", "prod", "--public-port", "9000", "--rasa-ports", "9005,9006"]
    )
    assert args.profile == "prod" and args.public_port == 9000
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
    from bot.cli.main import main

    code = main(["run", "--profile", "prod", "--prod-database-url", database_url])
    assert code == 2
    assert message in capsys.readouterr().err
