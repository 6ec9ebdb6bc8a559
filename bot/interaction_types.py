"""Interaction types, declared once: by where an intent's examples live.

An intent's examples live in `data/nlu/<interaction type>/<intent>.yml`, so the
directory *is* the declaration and nothing else repeats it. Routing depends on
the first three types; the rest refine reporting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

INFORMATIVE = "informative"
SERVICE = "service"
CONFLICT = "conflict"
TRANSACTIONAL = "transactional"
FEEDBACK = "feedback"
RELATIONSHIP = "relationship"
SALES = "sales"

INTERACTION_TYPES: tuple[str, ...] = (
    INFORMATIVE,
    SERVICE,
    CONFLICT,
    TRANSACTIONAL,
    FEEDBACK,
    RELATIONSHIP,
    SALES,
)

# Predicted by FallbackClassifier, never trained: it carries no type of its own.
UNTYPED_INTENTS = frozenset({"nlu_fallback"})


class InteractionTypeError(ValueError):
    """The data declares an intent under no type, an unknown type, or two types."""


@dataclass(frozen=True)
class TypeDeclaration:
    intent: str
    interaction_type: str
    source: Path


def _intents_in(path: Path) -> list[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [item["intent"] for item in document.get("nlu", []) if "intent" in item]


def declarations(nlu_dir: Path) -> list[TypeDeclaration]:
    """Every (intent, type) pair declared under `nlu_dir`, in a stable order."""
    found: list[TypeDeclaration] = []
    for path in sorted(nlu_dir.rglob("*.yml")):
        relative = path.relative_to(nlu_dir)
        if len(relative.parts) < 2:
            raise InteractionTypeError(
                f"{path}: NLU files must live in data/nlu/<interaction type>/, "
                f"one of {', '.join(INTERACTION_TYPES)}"
            )
        type_name = relative.parts[0]
        if type_name not in INTERACTION_TYPES:
            raise InteractionTypeError(f"{path}: unknown interaction type {type_name!r}")
        found.extend(TypeDeclaration(i, type_name, path) for i in _intents_in(path))
    return found


def load_mapping(nlu_dir: Path) -> dict[str, str]:
    """Map each intent to its interaction type; an intent under two types is an error."""
    mapping: dict[str, str] = {}
    for declaration in declarations(nlu_dir):
        known = mapping.setdefault(declaration.intent, declaration.interaction_type)
        if known != declaration.interaction_type:
            raise InteractionTypeError(
                f"intent {declaration.intent!r} is declared as both {known!r} and "
                f"{declaration.interaction_type!r} ({declaration.source})"
            )
    return mapping


def untyped_intents(intents: Iterable[str], mapping: Mapping[str, str]) -> list[str]:
    """The intents (e.g. from domain.yml) that no data file gives a type."""
    return sorted(i for i in set(intents) - UNTYPED_INTENTS if i not in mapping)


@lru_cache(maxsize=1)
def project_mapping() -> dict[str, str]:
    """The project's own mapping, read once on first use (never at import time)."""
    from bot.settings import PROJECT_ROOT

    return load_mapping(PROJECT_ROOT / "data" / "nlu")


def type_of(intent: str | None) -> str | None:
    """The project's type for an intent, for messages the NLU pipeline did not type.

    Button payloads such as ``/request_human`` skip the pipeline, so their parse data
    carries no ``interaction_type``.
    """
    return project_mapping().get(intent) if intent else None
