"""Round trip through a real trained model: MiniLM + ScopedIntentClassifier + FallbackClassifier."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.model_training import train_nlu

from tests.bot.nlu.test_trained_nlu_model import write_project

CONFIG = """\
recipe: default.v1
language: en
assistant_id: scoped-pipeline-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: bot.nlu.minilm.MiniLMFeaturizer
  - name: bot.nlu.scoped_classifier.ScopedIntentClassifier
  - name: bot.nlu.rule_entities.SpacyRuleEntityExtractor
  - name: FallbackClassifier
    threshold: 0.1
    ambiguity_threshold: 0.0
  - name: bot.nlu.interaction_type.InteractionTypeClassifier
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    root = tmp_path_factory.mktemp("project")
    write_project(root)
    (root / "config.yml").write_text(CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("RASA_CACHE_DIRECTORY", str(root / ".rasa" / "cache"))
        model = train_nlu("config.yml", "data", "models", fixed_model_name="nlu")
        assert model is not None
        (root / "data").rename(root / "data-trained-on")
        yield Agent.load(model)


async def test_a_trained_request_gets_its_intent_and_type(agent: Agent) -> None:
    parse_data = await agent.parse_message("where is my parcel")

    assert parse_data["intent"]["name"] == "where_is_order"
    assert parse_data["interaction_type"]["name"] == "service"
    assert parse_data["intent_ranking"][0]["name"] == "where_is_order"


async def test_a_message_unlike_anything_trained_falls_back(agent: Agent) -> None:
    parse_data = await agent.parse_message("what is the boiling point of mercury in kelvin")

    assert parse_data["intent"]["name"] == "nlu_fallback"
    # the type is still the most likely one: the ranking keeps its proportions
    assert parse_data["interaction_type"]["name"] in {"informative", "service", "conflict"}
    assert sum(r["confidence"] for r in parse_data["interaction_type_ranking"]) == pytest.approx(1)


async def test_a_complaint_is_a_conflict(agent: Agent) -> None:
    parse_data = await agent.parse_message("your shop is terrible, I am so angry")

    assert parse_data["interaction_type"]["name"] == "conflict"


async def test_entities_still_come_from_the_rules(agent: Agent) -> None:
    parse_data = await agent.parse_message("where is order #100234")

    assert [(e["entity"], e["value"]) for e in parse_data["entities"]] == [
        ("order_number", "100234")
    ]


async def test_odd_input_parses(agent: Agent) -> None:
    for text in ["", "😀", "\x00", "مرحبا 100234", "x" * 100_000]:
        parse_data = await agent.parse_message(text)
        assert parse_data["intent"]["name"] is not None
        assert "interaction_type" in parse_data


def test_the_model_archive_does_not_carry_the_encoder(agent: Agent) -> None:
    assert agent.model_name is not None
    archives = list(Path.cwd().glob("**/nlu.tar.gz"))
    assert all(a.stat().st_size < 5_000_000 for a in archives)
