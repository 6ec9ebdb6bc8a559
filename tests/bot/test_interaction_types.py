from pathlib import Path

import pytest

from bot.interaction_types import (
    InteractionTypeError,
    declarations,
    load_mapping,
    untyped_intents,
)


def write(nlu_dir: Path, relative: str, *intents: str) -> Path:
    path = nlu_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = "".join(f"- intent: {i}\n  examples: |\n    - x\n" for i in intents)
    path.write_text(f"nlu:\n{blocks}")
    return path


def test_the_directory_is_the_type(tmp_path: Path) -> None:
    write(tmp_path, "service/order_status.yml", "order_status")
    write(tmp_path, "conflict/complaint.yml", "complaint")

    assert load_mapping(tmp_path) == {"order_status": "service", "complaint": "conflict"}


def test_nested_directories_take_the_top_level_type(tmp_path: Path) -> None:
    write(tmp_path, "service/orders/list_orders.yml", "list_orders")

    assert load_mapping(tmp_path) == {"list_orders": "service"}


def test_declarations_remember_their_source(tmp_path: Path) -> None:
    path = write(tmp_path, "sales/upgrade.yml", "upgrade")

    [declaration] = declarations(tmp_path)

    assert (declaration.intent, declaration.interaction_type, declaration.source) == (
        "upgrade",
        "sales",
        path,
    )


def test_files_without_intents_declare_nothing(tmp_path: Path) -> None:
    (tmp_path / "informative").mkdir()
    (tmp_path / "informative" / "empty.yml").write_text("")

    assert load_mapping(tmp_path) == {}


def test_an_intent_under_two_types_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "informative/greet.yml", "greet")
    write(tmp_path, "sales/greet.yml", "greet")

    with pytest.raises(InteractionTypeError, match="both 'informative' and 'sales'"):
        load_mapping(tmp_path)


def test_the_same_intent_twice_under_one_type_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "informative/greet.yml", "greet")
    write(tmp_path, "informative/more_greetings.yml", "greet")

    assert load_mapping(tmp_path) == {"greet": "informative"}


def test_an_unknown_type_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "chitchat/smalltalk.yml", "smalltalk")

    with pytest.raises(InteractionTypeError, match="unknown interaction type 'chitchat'"):
        load_mapping(tmp_path)


def test_a_file_outside_any_type_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "greet.yml", "greet")

    with pytest.raises(InteractionTypeError, match="must live in"):
        load_mapping(tmp_path)


def test_untyped_intents_skip_nlu_fallback_and_are_sorted() -> None:
    mapping = {"greet": "informative"}

    assert untyped_intents(["upgrade", "greet", "nlu_fallback", "affirm"], mapping) == [
        "affirm",
        "upgrade",
    ]


def test_every_project_intent_has_a_type_for_button_payloads() -> None:
    from bot.interaction_types import type_of

    assert type_of("request_human") == "conflict"
    assert type_of("order_status") == "service"
    assert type_of("nlu_fallback") is None
    assert type_of(None) is None
