"""What the trainer's page gets as JSON: the review inbox, the runs, the data quality and the
latest simulation run, each shaped from its service's result by a pure function.

The page shows every string with textContent (trainer.js): inbox text is customer text,
redacted but still never HTML. Only the fields listed here leave the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.interaction_types import INTERACTION_TYPES

SIMULATION_FIELDS = (
    "model",
    "verdict",
    "refusal",
    "started_at",
    "recorded_at",
    "seconds",
    "suite",
    "overall",
    "failing",
    "failing_total",
)
CATEGORY_FIGURES = (
    "played",
    "resolved",
    "resolution_rate",
    "routine",
    "routine_resolved",
    "routine_rate",
)


def inbox_json(groups: Iterable[Any], intents: Mapping[str, str]) -> dict[str, Any]:
    """The open review items, grouped, and the intents and types a label may name."""
    return {
        "groups": [_group(group) for group in groups],
        "intents": [{"name": n, "type": t} for n, t in sorted(intents.items())],
        "types": list(INTERACTION_TYPES),
    }


def _group(group: Any) -> dict[str, Any]:
    return {
        "count": group.count,
        "suggestions": [{"intent": i, "confidence": c} for i, c in group.suggestions],
        "items": [
            {
                "id": item.id,
                "text": item.text,
                "count": item.count,
                "source": item.source,
                "details": item.details,
            }
            for item in group.items
        ],
    }


def run_json(run: Any) -> dict[str, Any]:
    """One training run of the record (`training_runs`)."""
    return {
        "id": run.id,
        "by": run.requested_by,
        "outcome": run.outcome,
        "reason": run.reason,
        "changes": len(run.changes or []),
        "metrics": run.metrics,
        "commit": run.commit,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def quality_json(found: Any) -> dict[str, Any]:
    """The data-quality findings (bot/trainer/quality.py, `examine`)."""
    return {
        "confused_pairs": [
            {"intent": t, "predicted": p, "count": c} for t, p, c in found.confused_pairs
        ],
        "confusion_matrix": "trainer/confusion.svg" if found.matrix_svg else None,
        "duplicates": [{"text": t, "intents": i} for t, i in found.duplicates],
        "near_duplicates": [
            {"a": a, "a_intent": ia, "b": b, "b_intent": ib, "similarity": round(s, 3)}
            for a, ia, b, ib, s in found.near_duplicates
        ],
        "small_intents": [{"intent": i, "examples": n} for i, n in found.small_intents],
        "entity_errors": [
            {"intent": i, "text": t, "problem": p} for i, t, p in found.entity_errors
        ],
        "checks": found.checks,
    }


def simulation_json(run: Mapping[str, Any] | None) -> dict[str, Any]:
    """The latest simulation run of the retraining gate: resolution overall and by category,
    and the failing conversations (simulated customers' text and the bot's replies). The
    comparison's data (every conversation by id) stays on the server."""
    if run is None:
        return {"run": None}
    categories = {
        name: {key: figures.get(key) for key in CATEGORY_FIGURES}
        for name, figures in (run.get("categories") or {}).items()
    }
    return {"run": {k: run.get(k) for k in SIMULATION_FIELDS} | {"categories": categories}}
