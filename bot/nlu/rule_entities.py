"""Rule-based entities on a blank spaCy pipeline: no model download, no training cost.

Order numbers, emails, phones and amounts have shapes rules get right every time,
and products come from the `product` lookup table. Entities that a statistical
extractor (DIET) found earlier in the pipeline are dropped where they overlap ours,
and dropped altogether for the types whose shape rules own (`authoritative`: a DIET
"order number" of "12" in a street address must never reach a slot), so rules win
where they apply and DIET handles the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_patterns import ENTITY_TYPES, PRODUCT, EntityRules, Found
from bot.nlu.storage import load_json, persist_json

ENTITIES_KEY = "entities"
LOOKUP_TABLE_KEY = "lookup_table"
AUTHORITATIVE_KEY = "authoritative"

PRODUCTS_FILE_NAME = "products.json"


def products_from(training_data: TrainingData, table_name: str) -> tuple[bool, dict[str, str]]:
    """(whether the lookup table exists, phrase -> canonical product name).

    A phrase that is also an entity synonym maps to the synonym's value, so a lookup
    table may list "lamp" next to "Aurora Desk Lamp" without DIET-style annotation.
    """
    synonyms = {key.lower(): value for key, value in training_data.entity_synonyms.items()}
    for table in training_data.lookup_tables:
        if table.get("name") == table_name and isinstance(table.get("elements"), list):
            phrases = [str(p).strip() for p in table["elements"] if str(p).strip()]
            return True, {p: synonyms.get(p.lower(), p) for p in phrases}
    return False, {}


def _overlaps(entity: Mapping[str, Any], spans: Iterable[tuple[int, int]]) -> bool:
    start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    return any(start < other_end and other_start < end for other_start, other_end in spans)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class SpacyRuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts email, order_number, phone, amount and product by rule."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # The entity types to extract; any subset of
            # email, order_number, phone, amount, product.
            ENTITIES_KEY: list(ENTITY_TYPES),
            # The name of the lookup table (in the NLU training data) whose phrases
            # are products. Matched case-insensitively, token by token; stored in the
            # model at training time.
            LOOKUP_TABLE_KEY: "product",
            # Entity types only the rules may output: other extractors' entities of
            # these types are dropped even where no rule fired. Products stay open to
            # DIET, for names the lookup table does not know.
            AUTHORITATIVE_KEY: ["email", "order_number", "phone", "amount"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        products: Mapping[str, str] | None = None,
    ) -> None:
        """Creates the extractor; `products` maps phrase -> canonical product name."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.products: dict[str, str] = dict(products or {})
        self._rules = EntityRules(self._enabled(), self.products)

    def _enabled(self) -> list[str]:
        enabled = list(self._config[ENTITIES_KEY])
        if unknown := sorted(set(enabled) - set(ENTITY_TYPES)):
            raise InvalidConfigException(
                f"{self.name}: unknown entity types {unknown} in '{ENTITIES_KEY}'; "
                f"choose from {list(ENTITY_TYPES)}."
            )
        return enabled

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyRuleEntityExtractor:
        """Creates a new, untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Reads the product phrases from the lookup table and stores them in the model."""
        table_name = self._config[LOOKUP_TABLE_KEY]
        found, self.products = products_from(training_data, table_name)
        if not found and PRODUCT in self._rules.enabled:
            rasa.shared.utils.io.raise_warning(
                f"{self.name}: no lookup table named '{table_name}' with a list of phrases "
                f"in the training data; no '{PRODUCT}' entities will be extracted."
            )
        self._rules = EntityRules(self._rules.enabled, self.products)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the rule entities and drops other extractors' entities that overlap them."""
        for message in messages:
            text = message.get(TEXT)
            found = self._rules.find(text) if isinstance(text, str) else []
            spans = [(f.start, f.end) for f in found]
            owned = set(self._config[AUTHORITATIVE_KEY])
            kept = [
                entity
                for entity in message.get(ENTITIES) or []
                if entity.get(EXTRACTOR) != self.name
                and entity.get(ENTITY_ATTRIBUTE_TYPE) not in owned
                and not _overlaps(entity, spans)
            ]
            message.set(ENTITIES, kept + [self._as_entity(f) for f in found], add_to_output=True)
        return messages

    def _as_entity(self, found: Found) -> dict[str, Any]:
        return {
            ENTITY_ATTRIBUTE_TYPE: found.entity,
            ENTITY_ATTRIBUTE_START: found.start,
            ENTITY_ATTRIBUTE_END: found.end,
            ENTITY_ATTRIBUTE_VALUE: found.value,
            EXTRACTOR: self.name,
            ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
        }

    def persist(self) -> None:
        """Stores the product phrases; the rules themselves live in code."""
        persist_json(self._model_storage, self._resource, PRODUCTS_FILE_NAME, self.products)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpacyRuleEntityExtractor:
        """Loads the stored product phrases (see parent class for full docstring)."""
        products = load_json(
            model_storage,
            resource,
            PRODUCTS_FILE_NAME,
            missing=f"{cls.__name__}: no stored products in the model; "
            f"no '{PRODUCT}' entities will be extracted.",
        )
        return cls(config, model_storage, resource, products)
