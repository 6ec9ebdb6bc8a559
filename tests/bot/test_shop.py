"""shop.yml: one source for the answers, the queue's hours and the example identifiers."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.escalation import load_policy
from bot.shop import PROJECT_ROOT, load_shop, problems, project_shop, render_responses


def domain() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_project_domain_agrees_with_the_shop_facts() -> None:
    assert problems(project_shop(), domain()) == []


def test_the_queue_runs_on_the_hours_customers_are_told() -> None:
    queue = load_policy(PROJECT_ROOT / "escalation.yml").business_hours
    assert queue == project_shop().hours
    told = render_responses(project_shop())["utter_hours_contact"]
    assert told in [v["text"] for v in domain()["responses"]["utter_hours_contact"]]


def test_changed_hours_are_caught_until_the_answer_follows(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "shop.yml").read_text(encoding="utf-8")
    (tmp_path / "shop.yml").write_text(text.replace("sat: closed", 'sat: "10:00-14:00"'))
    shop = load_shop(tmp_path / "shop.yml")
    found = problems(shop, domain())
    assert any("utter_hours_contact" in problem for problem in found)
    assert "Saturday 10:00\u201314:00" in render_responses(shop)["utter_hours_contact"]
    (tmp_path / "escalation.yml").write_text("escalate_at: 1.0\n")
    assert load_policy(tmp_path / "escalation.yml").business_hours == shop.hours


def test_an_example_that_could_be_a_real_order_is_refused(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "shop.yml").read_text(encoding="utf-8")
    (tmp_path / "shop.yml").write_text(text.replace('"012345"', '"104321"'))
    found = problems(load_shop(tmp_path / "shop.yml"), domain())
    assert any("examples.order_number" in problem for problem in found)


def test_a_real_looking_number_in_any_response_is_refused() -> None:
    changed = domain()
    changed["responses"]["utter_clarify"] = [{"text": "Try 'where is order 100500?'"}]
    assert any("100500" in problem for problem in problems(project_shop(), changed))
