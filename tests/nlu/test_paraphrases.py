"""The fallback threshold checked on our own in-domain paraphrases, not only on CLINC150.

The FallbackClassifier's threshold (config.yml) was chosen on CLINC150; a threshold that
catches out-of-scope queries there may still send real customers' wordings to the fallback.
tests/nlu/paraphrases.yml holds paraphrases written apart from data/nlu. This test parses
them with the trained model (models/current.tar.gz) and requires in-scope accuracy and a
fallback rate the product can live with; run the module to print the figures at candidate
thresholds (`python -m tests.nlu.test_paraphrases`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PARAPHRASES = Path(__file__).with_name("paraphrases.yml")
MODEL = ROOT / "models" / "current.tar.gz"
CANDIDATES = (0.04, 0.06, 0.08, 0.10, 0.12, 0.15)
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Scored:
    text: str
    expected: str
    predicted: str  # the classifier's top intent before the fallback
    confidence: float


def paraphrases() -> list[tuple[str, str]]:
    data: dict[str, list[str]] = yaml.safe_load(PARAPHRASES.read_text())
    return [(text, intent) for intent, texts in data.items() for text in texts]


def training_texts() -> set[str]:
    """Every example in data/nlu, without entity markup, lowercased."""
    import re

    texts: set[str] = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                plain = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip().removeprefix("- "))
                texts.add(plain.lower())
    return texts


async def score(model: Path) -> list[Scored]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [
        _scored(text, intent, await agent.parse_message(text)) for text, intent in paraphrases()
    ]


def _scored(text: str, expected: str, parsed: dict[str, Any]) -> Scored:
    top = next(r for r in parsed["intent_ranking"] if r["name"] != FALLBACK)
    return Scored(text, expected, top["name"], float(top["confidence"]))


def at(threshold: float, scored: list[Scored]) -> tuple[float, float]:
    """(in-scope accuracy, fallback rate) at `threshold`, out_of_scope examples excluded."""
    inside = [s for s in scored if s.expected != "out_of_scope"]
    kept = [s for s in inside if s.confidence >= threshold]
    correct = sum(s.predicted == s.expected for s in kept)
    return correct / len(inside), 1 - len(kept) / len(inside)


@pytest.fixture(scope="module")
def scored() -> Iterator[list[Scored]]:
    if not MODEL.exists():
        pytest.skip("no trained model: make train")
    yield asyncio.run(score(MODEL))


def test_the_paraphrases_are_not_training_examples() -> None:
    seen = training_texts()
    assert [text for text, _ in paraphrases() if text.lower() in seen] == []


def test_in_domain_paraphrases_are_understood_at_the_configured_threshold(
    scored: list[Scored],
) -> None:
    threshold = _configured_threshold()
    accuracy, fallback_rate = at(threshold, scored)
    wrong = [(s.text, s.expected, s.predicted) for s in scored if s.predicted != s.expected]
    assert accuracy >= 0.85, wrong
    assert fallback_rate <= 0.05


def _configured_threshold() -> float:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    step = next(s for s in config["pipeline"] if s["name"] == "FallbackClassifier")
    return float(step["threshold"])


def main() -> None:
    scored_ = asyncio.run(score(Path(sys.argv[1]) if len(sys.argv) > 1 else MODEL))
    print(f"{len(scored_)} paraphrases; threshold: in-scope accuracy, fallback rate")
    for threshold in CANDIDATES:
        accuracy, fallback_rate = at(threshold, scored_)
        print(f"  {threshold:.2f}: {accuracy:.3f}  {fallback_rate:.3f}")
    for s in scored_:
        if s.predicted != s.expected:
            print(f"  wrong: {s.text!r} -> {s.predicted} {s.confidence:.3f} (not {s.expected})")


if __name__ == "__main__":
    main()
