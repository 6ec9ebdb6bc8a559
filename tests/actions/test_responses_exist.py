"""Every response an action sends by name exists in domain.yml (a typo would be silent)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_every_response_used_by_actions_is_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        used |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text()))
    assert used, "no responses found: the pattern is wrong"
    assert sorted(used - set(domain["responses"])) == []


def test_every_action_in_the_domain_is_implemented() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert sorted(set(domain["actions"]) - set(executor.actions)) == []
