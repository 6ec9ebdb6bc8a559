from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.interaction_types import InteractionTypeError
from bot.nlu.interaction_type import InteractionTypeClassifier, InteractionTypeTrainingError

RESOURCE = Resource("interaction_type")
DATA = {"greet": ["hi"], "order_status": ["where is my order"], "complaint": ["this is bad"]}


def training_data(**intents: list[str]) -> TrainingData:
    return TrainingData(
        [Message(data={"text": t, "intent": i}) for i, texts in intents.items() for t in texts]
    )


def write_nlu_file(nlu_dir: Path, type_name: str, intent: str, texts: list[str]) -> None:
    path = nlu_dir / type_name / f"{intent}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"    - {text}\n" for text in texts)
    path.write_text(f"nlu:\n- intent: {intent}\n  examples: |\n{lines}")


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    nlu_dir = tmp_path / "data" / "nlu"
    write_nlu_file(nlu_dir, "informative", "greet", DATA["greet"])
    write_nlu_file(nlu_dir, "service", "order_status", DATA["order_status"])
    write_nlu_file(nlu_dir, "conflict", "complaint", DATA["complaint"])
    return nlu_dir


def create(
    config: dict[str, Any], model_storage: ModelStorage, context: ExecutionContext
) -> InteractionTypeClassifier:
    defaults = InteractionTypeClassifier.get_default_config()
    return InteractionTypeClassifier.create(
        {**defaults, **config}, model_storage, RESOURCE, context
    )


def parsed(*ranking: tuple[str, float]) -> Message:
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": "x", "intent": intents[0], "intent_ranking": intents})


def test_training_reads_the_mapping_from_the_directory(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = create({"nlu_dir": str(nlu_dir)}, model_storage, execution_context)

    component.train(training_data(**DATA))

    assert component.mapping == {
        "greet": "informative",
        "order_status": "service",
        "complaint": "conflict",
    }


def test_nlu_dir_is_relative_to_the_working_directory(
    nlu_dir: Path,
    model_storage: ModelStorage,
    execution_context: ExecutionContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(nlu_dir.parent.parent)
    component = create({}, model_storage, execution_context)

    component.train(training_data(**DATA))

    assert component.mapping["greet"] == "informative"


def test_training_fails_on_an_intent_without_a_type(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = create({"nlu_dir": str(nlu_dir)}, model_storage, execution_context)

    with pytest.raises(InteractionTypeTrainingError, match="without an interaction type: upgrade"):
        component.train(training_data(**DATA, upgrade=["a better one please"]))


def test_training_errors_are_rasa_exceptions_so_the_cli_prints_them_plainly() -> None:
    assert issubclass(InteractionTypeTrainingError, RasaException)
    assert issubclass(InteractionTypeTrainingError, InteractionTypeError)


def test_training_fails_on_an_intent_under_two_types(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    write_nlu_file(nlu_dir, "sales", "greet", ["hello"])
    component = create({"nlu_dir": str(nlu_dir)}, model_storage, execution_context)

    with pytest.raises(InteractionTypeTrainingError, match="declared as both"):
        component.train(training_data(**DATA))


def test_a_missing_directory_warns_and_gives_no_type(
    tmp_path: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = create({"nlu_dir": str(tmp_path / "nowhere")}, model_storage, execution_context)

    with pytest.warns(UserWarning, match="interaction type None"):
        component.train(training_data(**DATA))
    [message] = component.process([parsed(("greet", 0.9))])

    assert message.get("interaction_type") == {"name": None, "confidence": 0.0}
    assert message.get("interaction_type_ranking") == []


def test_an_explicit_mapping_replaces_the_directory(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    config = {
        "nlu_dir": "nowhere",
        "mapping": {"informative": ["greet"], "service": ["order_status", "complaint"]},
    }
    component = create(config, model_storage, execution_context)

    component.train(training_data(**DATA))

    assert component.mapping["complaint"] == "service"


def test_process_adds_type_and_ranking_to_the_output(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = create({"nlu_dir": str(nlu_dir)}, model_storage, execution_context)
    component.train(training_data(**DATA))

    [message] = component.process(
        [parsed(("nlu_fallback", 0.4), ("complaint", 0.3), ("greet", 0.1))]
    )

    output = message.as_dict(only_output_properties=True)
    assert output["interaction_type"] == {"name": "conflict", "confidence": pytest.approx(0.75)}
    assert [r["name"] for r in output["interaction_type_ranking"]] == ["conflict", "informative"]


def test_type_weights_make_a_close_conflict_win(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    config = {"nlu_dir": str(nlu_dir), "type_weights": {"conflict": 2.0}}
    component = create(config, model_storage, execution_context)
    component.train(training_data(**DATA))

    [message] = component.process([parsed(("order_status", 0.5), ("complaint", 0.3))])

    assert message.get("interaction_type")["name"] == "conflict"


def test_bad_type_weights_are_a_rasa_error(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    with pytest.raises(RasaException, match="type_weights"):
        create({"type_weights": {"conflict": -1}}, model_storage, execution_context)


def test_without_a_ranking_the_top_intent_is_used(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = create({"nlu_dir": str(nlu_dir)}, model_storage, execution_context)
    component.train(training_data(**DATA))
    message = Message(data={"text": "x", "intent": {"name": "order_status", "confidence": 0.6}})

    [message] = component.process([message])

    assert message.get("interaction_type") == {"name": "service", "confidence": 1.0}


def test_a_message_without_any_intent_gets_no_type(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = create({"nlu_dir": str(nlu_dir)}, model_storage, execution_context)

    [message] = component.process([Message(data={"text": ""})])

    assert message.get("interaction_type") == {"name": None, "confidence": 0.0}


def test_load_uses_the_stored_mapping_not_the_directory(
    nlu_dir: Path, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    config = {"nlu_dir": str(nlu_dir)}
    create(config, model_storage, execution_context).train(training_data(**DATA))
    write_nlu_file(nlu_dir, "sales", "greet", ["hello"])  # would now fail to load

    loaded = InteractionTypeClassifier.load(config, model_storage, RESOURCE, execution_context)

    assert loaded.mapping["greet"] == "informative"


def test_load_without_a_stored_mapping_warns_and_gives_no_type(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    with pytest.warns(UserWarning, match="Retrain"):
        loaded = InteractionTypeClassifier.load({}, model_storage, RESOURCE, execution_context)

    [message] = loaded.process([parsed(("greet", 1.0))])
    assert message.get("interaction_type")["name"] is None


def test_moving_a_file_between_types_changes_the_fingerprint(nlu_dir: Path) -> None:
    config = {"nlu_dir": str(nlu_dir)}
    before = InteractionTypeClassifier.fingerprint_addon(config)
    source = nlu_dir / "informative" / "greet.yml"
    (nlu_dir / "sales").mkdir()
    source.rename(nlu_dir / "sales" / "greet.yml")

    assert InteractionTypeClassifier.fingerprint_addon(config) != before


def test_a_broken_directory_does_not_break_fingerprinting(nlu_dir: Path) -> None:
    (nlu_dir / "chitchat").mkdir()
    (nlu_dir / "chitchat" / "smalltalk.yml").write_text("nlu: []\n")

    addon = InteractionTypeClassifier.fingerprint_addon({"nlu_dir": str(nlu_dir)})

    assert addon is not None and addon.startswith("invalid:")
