"""Train a real (tiny) Rasa model once, then parse through it like the server does."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.model_training import train_nlu
from rasa.shared.core.events import UserUttered

CONFIG = """\
recipe: default.v1
language: en
assistant_id: nlu-components-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: LogisticRegressionClassifier
    random_state: 42
  - name: bot.nlu.rule_entities.SpacyRuleEntityExtractor
  - name: FallbackClassifier
    threshold: 0.3
  - name: bot.nlu.interaction_type.InteractionTypeClassifier
"""

# Intent names that do not exist in the real data/nlu, so a component that read the
# working directory's data at inference time could not type them.
INTENTS = {
    ("informative", "say_hello"): ["hi", "hello", "hey there", "good morning", "hiya", "howdy"],
    ("service", "where_is_order"): [
        "where is my order",
        "where is my parcel",
        "track my order",
        "has my order shipped",
        "when does my order arrive",
        "order status please",
    ],
    ("conflict", "angry_customer"): [
        "this is terrible service",
        "I am very angry",
        "I want to complain",
        "your shop is awful",
        "worst purchase ever",
        "I am so disappointed",
    ],
}
PRODUCTS = ["Trail Runner 2", "Summit Hiking Boots"]


def write_project(root: Path) -> None:
    (root / "config.yml").write_text(CONFIG)
    for (type_name, intent), texts in INTENTS.items():
        path = root / "data" / "nlu" / type_name / f"{intent}.yml"
        path.parent.mkdir(parents=True)
        lines = "".join(f"    - {text}\n" for text in texts)
        path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}')
    lookup = "".join(f"    - {product}\n" for product in PRODUCTS)
    (root / "data" / "lookups").mkdir()
    (root / "data" / "lookups" / "product.yml").write_text(
        f'version: "3.1"\nnlu:\n- lookup: product\n  examples: |\n{lookup}'
    )


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    root = tmp_path_factory.mktemp("project")
    write_project(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # `nlu_dir: data/nlu` is relative to the working directory
        patch.setenv("RASA_CACHE_DIRECTORY", str(root / ".rasa" / "cache"))
        model = train_nlu("config.yml", "data", "models", fixed_model_name="nlu")
        assert model is not None
        (root / "data").rename(root / "data-trained-on")  # inference must not need it
        yield Agent.load(model)


def entities(parse_data: dict) -> list[tuple[str, str]]:
    return [(e["entity"], e["value"]) for e in parse_data["entities"]]


async def test_parse_adds_the_interaction_type(agent: Agent) -> None:
    parse_data = await agent.parse_message("where is my order")

    assert parse_data["intent"]["name"] == "where_is_order"
    assert parse_data["interaction_type"]["name"] == "service"
    assert 0.0 < parse_data["interaction_type"]["confidence"] <= 1.0


async def test_parse_adds_the_per_type_ranking(agent: Agent) -> None:
    parse_data = await agent.parse_message("I am so angry about this terrible shop")

    ranking = parse_data["interaction_type_ranking"]
    assert ranking[0]["name"] == parse_data["interaction_type"]["name"] == "conflict"
    assert {r["name"] for r in ranking} == {"informative", "service", "conflict"}
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


async def test_parse_adds_the_rule_entities(agent: Agent) -> None:
    parse_data = await agent.parse_message(
        "order #100234: the summit hiking boots cost $25, mail a+b@example.com"
    )

    assert entities(parse_data) == [
        ("order_number", "100234"),
        ("product", "Summit Hiking Boots"),
        ("amount", "25.00"),
        ("email", "a+b@example.com"),
    ]
    assert {e["extractor"] for e in parse_data["entities"]} == {"SpacyRuleEntityExtractor"}


async def test_the_interaction_type_is_stored_on_the_tracker(agent: Agent) -> None:
    assert agent.processor is not None
    await agent.processor.log_message(UserMessage("hello", sender_id="tracker-test"))

    tracker = await agent.processor.get_tracker("tracker-test")
    [uttered] = [e for e in tracker.events if isinstance(e, UserUttered)]
    assert uttered.parse_data["interaction_type"]["name"] == "informative"


async def test_odd_input_parses(agent: Agent) -> None:
    for text in ["", "😀", "\x00", "مرحبا 100234", "x" * 100_000]:
        parse_data = await agent.parse_message(text)
        assert "interaction_type" in parse_data


async def test_intent_payloads_lose_the_interaction_type(agent: Agent) -> None:
    # Known limitation: RegexMessageHandler rebuilds `/intent` messages after the
    # pipeline, keeping only text, intent, ranking and entities.
    parse_data = await agent.parse_message("/say_hello")

    assert parse_data["intent"]["name"] == "say_hello"
    assert "interaction_type" not in parse_data
