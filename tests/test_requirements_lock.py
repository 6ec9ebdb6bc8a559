"""requirements.lock is what pip installs with --require-hashes: every package pinned with its
hashes, and every pin of pyproject.toml (dev tools too) locked at that very version."""

from __future__ import annotations

import re

import tomli

from bot.settings import PROJECT_ROOT

LOCK = PROJECT_ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, tuple[str, int]]:
    """name -> (version, how many hashes)."""
    found: dict[str, tuple[str, int]] = {}
    name = ""
    for line in LOCK.read_text().splitlines():
        if pinned := PIN.match(line):
            name = canonical(pinned.group(1))
            found[name] = (pinned.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and name:
            version, hashes = found[name]
            found[name] = (version, hashes + 1)
    return found


def project_pins() -> dict[str, str]:
    project = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = (PIN.match(re.sub(r"\[[^]]*\]", "", requirement)) for requirement in requirements)
    return {canonical(pin.group(1)): pin.group(2) for pin in pins if pin}


def test_every_locked_package_has_a_hash() -> None:
    lock = locked()
    assert len(lock) > 150
    assert [name for name, (_, hashes) in lock.items() if hashes == 0] == []


def test_every_pin_of_pyproject_is_locked_at_its_version() -> None:
    lock = locked()
    pins = project_pins()
    assert {"rasa", "pytest", "import-linter", "pre-commit"} <= set(pins)
    assert {
        name: version for name, version in pins.items() if lock.get(name, ("",))[0] != version
    } == {}
