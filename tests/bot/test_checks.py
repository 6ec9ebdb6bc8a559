from pathlib import Path

import pytest

from bot.checks import Problem, check_project, main

GOOD = {
    ("informative", "greet"): [f"hello number {i}" for i in range(20)],
    ("service", "order_status"): [
        f"where is order [10023{i % 10}](order_number) {i}" for i in range(20)
    ],
}


def write_project(
    root: Path,
    nlu: dict[tuple[str, str], list[str]],
    intents: list[object] | None = None,
) -> Path:
    for (type_name, intent), texts in nlu.items():
        write_examples(root / "data" / "nlu" / type_name / f"{intent}.yml", intent, texts)
    declared = intents if intents is not None else [intent for _, intent in nlu]
    lines = "".join(f"  - {item}\n" for item in declared)
    (root / "domain.yml").write_text(f'version: "3.1"\nintents:\n{lines}')
    return root


def write_examples(path: Path, intent: str, texts: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"    - {text}\n" for text in texts)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}')


def errors(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems if p.severity == "error"]


def test_good_data_passes(tmp_path: Path) -> None:
    assert check_project(write_project(tmp_path, GOOD)) == []


def test_domain_intents_may_be_mappings_and_nlu_fallback_needs_no_type(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, GOOD, ["greet", "{order_status: {use_entities: []}}", "nlu_fallback"]
    )

    assert check_project(root) == []


def test_a_domain_intent_without_a_type_fails(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD, ["greet", "order_status", "upgrade"])

    assert errors(check_project(root)) == [
        "intent 'upgrade' has no interaction type: put its examples in "
        f"{tmp_path}/data/nlu/<type>/<intent>.yml"
    ]


def test_examples_outside_a_type_directory_fail(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD)
    write_examples(root / "data" / "nlu" / "upgrade.yml", "upgrade", ["x"] * 20)

    found = errors(check_project(root))

    assert any("must live in data/nlu/<interaction type>/" in e for e in found)
    assert "intent 'upgrade' has training examples but is not in the domain" in found


def test_an_unknown_type_directory_fails(tmp_path: Path) -> None:
    root = write_project(tmp_path, {**GOOD, ("chitchat", "smalltalk"): ["x"] * 20})

    assert any("unknown interaction type 'chitchat'" in e for e in errors(check_project(root)))


def test_an_intent_under_two_types_fails(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD)
    write_examples(root / "data" / "nlu" / "sales" / "greet.yml", "greet", ["hey you"])

    assert any("declared as both" in e for e in errors(check_project(root)))


def test_examples_for_an_intent_missing_from_the_domain_fail(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD, ["greet"])

    assert errors(check_project(root)) == [
        "intent 'order_status' has training examples but is not in the domain"
    ]


def test_too_few_examples_fail(tmp_path: Path) -> None:
    root = write_project(tmp_path, {**GOOD, ("sales", "upgrade"): ["a better one"] * 1})

    assert errors(check_project(root)) == ["intent 'upgrade' has 1 examples, fewer than 20"]
    assert check_project(root, min_examples=1) == []


def test_the_same_example_under_two_intents_fails(tmp_path: Path) -> None:
    texts = [*GOOD[("informative", "greet")][:19], "Where is  order 100230 0"]
    root = write_project(tmp_path, {**GOOD, ("informative", "greet"): texts})

    assert errors(check_project(root)) == [
        "example 'where is order 100230 0' is under several intents: ['greet', 'order_status']"
    ]


def test_the_same_example_twice_in_one_intent_is_a_warning(tmp_path: Path) -> None:
    texts = [*GOOD[("informative", "greet")], "hello number 0"]
    root = write_project(tmp_path, {**GOOD, ("informative", "greet"): texts})

    [problem] = check_project(root)

    assert problem.severity == "warning"
    assert "'hello number 0' is listed twice" in problem.message


def test_examples_given_as_a_list_of_texts_are_counted(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD)
    path = root / "data" / "nlu" / "informative" / "greet.yml"
    items = "".join(f"  - text: hi {i}\n" for i in range(20))
    path.write_text(f"nlu:\n- intent: greet\n  examples:\n{items}")

    assert check_project(root) == []


def test_broken_yaml_is_reported_not_raised(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD)
    (root / "data" / "nlu" / "informative" / "broken.yml").write_text("nlu: [\n")

    assert any("not valid YAML" in e for e in errors(check_project(root)))


def test_a_missing_domain_fails(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD)
    (root / "domain.yml").unlink()

    assert errors(check_project(root)) == [f"{root}: no domain.yml"]


def test_main_prints_problems_and_returns_1_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path, GOOD, ["greet", "order_status", "upgrade"])

    assert main([str(root)]) == 1
    out = capsys.readouterr().out
    assert "error: intent 'upgrade' has no interaction type" in out
    assert "1 error(s), 0 warning(s)" in out


def test_main_returns_0_on_good_data(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD)

    assert main([str(root), "--min-examples", "5"]) == 0
