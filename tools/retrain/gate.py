"""The NLU gate of `cim train`: cross-validated before and after the labels, judged.

Intent accuracy may drop by at most `max_accuracy_drop`; the conflict type's recall may not
drop at all, because a missed complaint costs more than a misread question. Folds are stable
(an example's fold is a hash of its intent and text), so adding labels moves no other example
between folds and "before" and "after" differ only by what the labels taught.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.interaction_types import load_mapping
from bot.trainer.data_files import Workspace


@dataclass(frozen=True)
class GatePolicy:
    max_accuracy_drop: float = 0.005
    folds: int = 3
    seed: int = 42


@dataclass(frozen=True)
class Metrics:
    intent_accuracy: float
    conflict_recall: float
    examples: int


def judge(before: Metrics, after: Metrics, policy: GatePolicy) -> str | None:
    """Why the candidate is refused, or None."""
    drop = before.intent_accuracy - after.intent_accuracy
    if drop > policy.max_accuracy_drop + 1e-9:
        return (
            f"cross-validated intent accuracy would drop by {100 * drop:.2f} points "
            f"({before.intent_accuracy:.4f} -> {after.intent_accuracy:.4f}); "
            f"at most {100 * policy.max_accuracy_drop:.2f} is allowed"
        )
    if after.conflict_recall < before.conflict_recall - 1e-9:
        return (
            f"conflict recall would drop ({before.conflict_recall:.4f} -> "
            f"{after.conflict_recall:.4f}); complaints must never be missed more often"
        )
    return None


def crossval_metrics(
    workspace: Workspace,
    policy: GatePolicy,
    cache: Path,
    *,
    only: frozenset[str] | None = None,
) -> Metrics:
    """Cross-validated intent accuracy and conflict recall, cached by data and config.

    `only` scores just those examples' held-out predictions (the gate scores the examples
    both data sets share).
    """
    key = _data_hash(workspace, policy)
    cached = cache / f"{key}.json"
    if cached.is_file():
        predictions = json.loads(cached.read_text())
    else:
        from tools.evaluation.crossval import rasa_output_on_stderr  # Rasa: loaded when used

        with rasa_output_on_stderr():
            predictions = asyncio.run(_stable_crossval(workspace, policy))
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(predictions))
    scored = [p for p in predictions if only is None or p["key"] in only]
    conflicts = [p for p in scored if p["type"] == "conflict"]
    return Metrics(
        intent_accuracy=sum(p["correct"] for p in scored) / max(1, len(scored)),
        conflict_recall=sum(p["predicted_type"] == "conflict" for p in conflicts)
        / max(1, len(conflicts)),
        examples=len(scored),
    )


def example_keys(workspace: Workspace) -> frozenset[str]:
    from tools.evaluation.folds import load_nlu_data

    data = load_nlu_data(workspace.nlu)
    return frozenset(_example_key(e.get("intent"), e.get("text")) for e in data.intent_examples)


async def _stable_crossval(workspace: Workspace, policy: GatePolicy) -> list[dict[str, Any]]:
    from tools.evaluation.folds import load_nlu_data, with_examples
    from tools.evaluation.runner import evaluate_split

    data = load_nlu_data(workspace.nlu)
    mapping = load_mapping(workspace.nlu)
    examples = data.intent_examples
    folds = [
        int(_example_key(e.get("intent"), e.get("text"))[:8], 16) % policy.folds for e in examples
    ]
    rows: list[dict[str, Any]] = []
    for fold in range(policy.folds):
        train = with_examples(data, [e for e, f in zip(examples, folds, strict=True) if f != fold])
        test = [e for e, f in zip(examples, folds, strict=True) if f == fold]
        result = await evaluate_split(workspace.config, train, test, mapping)
        for prediction in result.predictions:
            rows.append(
                {
                    "key": _example_key(prediction.intent, prediction.text),
                    "correct": prediction.classifier_intent == prediction.intent,
                    "type": prediction.interaction_type,
                    "predicted_type": prediction.predicted_type,
                }
            )
    return rows


def _example_key(intent: object, text: object) -> str:
    return hashlib.sha256(f"{intent}\x00{text}".encode()).hexdigest()


def _data_hash(workspace: Workspace, policy: GatePolicy) -> str:
    digest = hashlib.sha256(f"{policy.folds}:{policy.seed}".encode())
    for path in sorted(workspace.nlu.rglob("*.yml")):
        digest.update(str(path.relative_to(workspace.nlu)).encode())
        digest.update(path.read_bytes())
    digest.update(workspace.config.read_bytes())
    return digest.hexdigest()[:32]
