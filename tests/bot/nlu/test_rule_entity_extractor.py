from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.rule_entities import SpacyRuleEntityExtractor

RESOURCE = Resource("rule_entities")
NAME = "SpacyRuleEntityExtractor"


def lookup_data(*products: str, synonyms: dict[str, str] | None = None) -> TrainingData:
    return TrainingData(
        [Message(data={"text": "hi", "intent": "greet"})],
        entity_synonyms=synonyms or {},
        lookup_tables=[{"name": "product", "elements": list(products)}],
    )


def create(
    model_storage: ModelStorage, context: ExecutionContext, **config: Any
) -> SpacyRuleEntityExtractor:
    defaults = SpacyRuleEntityExtractor.get_default_config()
    return SpacyRuleEntityExtractor.create({**defaults, **config}, model_storage, RESOURCE, context)


@pytest.fixture
def extractor(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> SpacyRuleEntityExtractor:
    extractor = create(model_storage, execution_context)
    extractor.train(lookup_data("Trail Runner 2", "runner", synonyms={"runner": "Trail Runner 2"}))
    return extractor


def diet(entity: str, start: int, end: int, value: str) -> dict[str, Any]:
    return {
        "entity": entity,
        "start": start,
        "end": end,
        "value": value,
        "extractor": "DIETClassifier",
    }


def test_entities_are_in_rasa_format(extractor: SpacyRuleEntityExtractor) -> None:
    [message] = extractor.process([Message(data={"text": "is #100234 here?"})])

    assert message.as_dict(only_output_properties=True)["entities"] == [
        {
            "entity": "order_number",
            "start": 4,
            "end": 10,
            "value": "100234",
            "extractor": NAME,
            "confidence_entity": 1.0,
        }
    ]


def test_lookup_table_products_map_to_the_synonym_value(
    extractor: SpacyRuleEntityExtractor,
) -> None:
    [message] = extractor.process([Message(data={"text": "my RUNNER is torn"})])

    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("product", "Trail Runner 2")
    ]


def test_overlapping_entities_from_other_extractors_are_replaced(
    extractor: SpacyRuleEntityExtractor,
) -> None:
    text = "order 100234 for the trail runner 2 in Berlin"
    others = [
        diet("order_number", 6, 9, "100"),  # partial overlap with ours
        diet("product", 21, 26, "trail"),  # inside ours
        diet("city", 39, 45, "Berlin"),  # no overlap: kept
    ]

    [message] = extractor.process([Message(data={"text": text, "entities": others})])

    assert [(e["value"], e["extractor"]) for e in message.get("entities")] == [
        ("Berlin", "DIETClassifier"),
        ("100234", NAME),
        ("Trail Runner 2", NAME),
    ]


def test_other_extractors_never_output_the_types_rules_own(
    extractor: SpacyRuleEntityExtractor,
) -> None:
    text = "12 Baker Street, London NW1 6XE"
    others = [diet("order_number", 0, 2, "12"), diet("product", 3, 8, "Baker")]

    [message] = extractor.process([Message(data={"text": text, "entities": others})])

    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("product", "Baker")]


def test_other_entities_are_kept_when_rules_find_nothing(
    extractor: SpacyRuleEntityExtractor,
) -> None:
    others = [diet("city", 0, 6, "Berlin"), {"entity": "mood", "value": "happy"}]

    [message] = extractor.process([Message(data={"text": "Berlin is nice", "entities": others})])

    assert message.get("entities") == others


def test_processing_twice_does_not_duplicate_entities(extractor: SpacyRuleEntityExtractor) -> None:
    message = Message(data={"text": "mail a@b.io"})

    extractor.process(extractor.process([message]))

    assert len(message.get("entities")) == 1


@pytest.mark.parametrize("text", ["", " ", "😀", "\x00", None, "x" * 100_000])
def test_odd_messages_never_crash(extractor: SpacyRuleEntityExtractor, text: str | None) -> None:
    [message] = extractor.process([Message(data={"text": text})])

    assert message.get("entities") == []


def test_unknown_entity_types_are_a_config_error(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    with pytest.raises(InvalidConfigException, match="postcode"):
        create(model_storage, execution_context, entities=["email", "postcode"])


def test_a_subset_of_entities_can_be_enabled(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    extractor = create(model_storage, execution_context, entities=["amount"])
    extractor.train(lookup_data("Trail Runner 2"))

    [message] = extractor.process([Message(data={"text": "trail runner 2 for $5, #100234"})])

    assert [e["entity"] for e in message.get("entities")] == ["amount"]


def test_a_missing_lookup_table_warns(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    extractor = create(model_storage, execution_context, lookup_table="catalogue")

    with pytest.warns(UserWarning, match="no lookup table named 'catalogue'"):
        extractor.train(lookup_data("Trail Runner 2"))


def test_products_survive_persist_and_load(
    extractor: SpacyRuleEntityExtractor,
    model_storage: ModelStorage,
    execution_context: ExecutionContext,
) -> None:
    loaded = SpacyRuleEntityExtractor.load({}, model_storage, RESOURCE, execution_context)

    [message] = loaded.process([Message(data={"text": "the trail runner 2"})])

    assert loaded.products == extractor.products
    assert message.get("entities")[0]["value"] == "Trail Runner 2"


def test_load_without_stored_products_warns_but_still_extracts(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    with pytest.warns(UserWarning, match="Retrain"):
        loaded = SpacyRuleEntityExtractor.load({}, model_storage, RESOURCE, execution_context)

    [message] = loaded.process([Message(data={"text": "a@b.io"})])
    assert message.get("entities")[0]["entity"] == "email"
