"""Labels go into the training data in place: comments, order and style are kept."""

from __future__ import annotations

import pytest
import yaml

from bot.checks import check_project
from bot.trainer.data_files import (
    DataError,
    Workspace,
    add_examples,
    create_intent,
    regressions,
)


def examples_of(workspace: Workspace, kind: str, intent: str) -> list[str]:
    document = yaml.safe_load((workspace.nlu / kind / f"{intent}.yml").read_text())
    block = next(b for b in document["nlu"] if b["intent"] == intent)
    return [line[2:] for line in block["examples"].splitlines()]


def test_examples_are_appended_and_nothing_else_changes(workspace: Workspace) -> None:
    path = workspace.nlu / "service" / "order_status.yml"
    before = path.read_text()
    (path.parent / "order_status.yml").write_text("# owned by the orders team\n" + before)

    added = add_examples(workspace, "order_status", ["wheres my stuff at", "Where is my order?"])

    after = path.read_text()
    assert after.startswith("# owned by the orders team\n" + before.rstrip("\n"))
    assert examples_of(workspace, "service", "order_status")[-1] == "wheres my stuff at"
    assert added.examples == ("wheres my stuff at",) or "Where is my order?" in added.examples
    assert ("wheres my stuff at", "order_status") in regressions(workspace)
    assert not [p for p in check_project(workspace.root) if p.severity == "error"]


def test_the_same_example_twice_is_added_once(workspace: Workspace) -> None:
    add_examples(workspace, "greet", ["yo there buddy"])
    again = add_examples(workspace, "greet", ["  YO there   buddy "])
    assert again.examples == ()
    assert examples_of(workspace, "informative", "greet").count("yo there buddy") == 1
    assert regressions(workspace).count(("yo there buddy", "greet")) == 1


def test_an_example_of_another_intent_is_refused(workspace: Workspace) -> None:
    taken = examples_of(workspace, "conflict", "complaint")[0]
    with pytest.raises(DataError, match="already an example of 'complaint'"):
        add_examples(workspace, "greet", [taken])


def test_a_new_intent_gets_its_file_domain_entry_and_type(workspace: Workspace) -> None:
    domain_before = workspace.domain.read_text()
    created = create_intent(workspace, "gift_cards", "sales", ["can you engrave a gift card"])
    assert created.path == workspace.nlu / "sales" / "gift_cards.yml"
    assert workspace.intents()["gift_cards"] == "sales"
    domain_after = workspace.domain.read_text()
    assert "  - gift_cards\n" in domain_after
    assert domain_after.replace("  - gift_cards\n", "") == domain_before  # nothing else moved
    problems = [str(p) for p in check_project(workspace.root, min_examples=1)]
    assert not [p for p in problems if p.startswith("error")], problems


@pytest.mark.parametrize(
    ("intent", "kind", "texts", "message"),
    [
        ("Gift Cards", "sales", ["x y"], "intent name"),
        ("greet", "sales", ["x y"], "exists already"),
        ("gift_cards", "nonsense", ["x y"], "unknown interaction type"),
        ("gift_cards", "sales", ["", "   ", "\x00", 5], "no usable example"),
    ],
)
def test_bad_new_intents_are_refused(
    workspace: Workspace, intent: str, kind: str, texts: list, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        create_intent(workspace, intent, kind, texts)


def test_bad_examples(workspace: Workspace) -> None:
    with pytest.raises(DataError, match="unknown intent"):
        add_examples(workspace, "no_such_intent", ["hello"])
    added = add_examples(workspace, "greet", ["- | > # hi y'all: 🌞 مرحبا " + "x" * 900])
    assert added.examples[0].startswith("hi y'all: 🌞 مرحبا")
    assert len(added.examples[0]) <= 500
    assert examples_of(workspace, "informative", "greet")[-1] == added.examples[0]
