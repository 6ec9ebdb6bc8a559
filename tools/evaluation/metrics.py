"""Pure metric functions over labels and entity spans; no Rasa, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from tools.evaluation.predictions import Span


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Confusion:
    intent: str
    predicted: str
    count: int


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def scores_from_counts(tp: int, fp: int, fn: int) -> Scores:
    """Precision, recall and F1; 0.0 where a ratio has nothing to divide by (as sklearn does)."""
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision=precision, recall=recall, f1=f1, support=tp + fn)


def accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Share of positions where the prediction equals the truth."""
    return _ratio(sum(t == p for t, p in zip(truth, predicted, strict=True)), len(truth))


def rate(values: Sequence[Hashable], label: Hashable) -> float:
    """Share of `values` equal to `label` (e.g. how often `nlu_fallback` was predicted)."""
    return _ratio(sum(v == label for v in values), len(values))


def label_scores(
    truth: Sequence[Hashable], predicted: Sequence[Hashable], label: Hashable
) -> Scores:
    """One-vs-rest precision, recall and F1 of `label`."""
    pairs = list(zip(truth, predicted, strict=True))
    tp = sum(t == label and p == label for t, p in pairs)
    fp = sum(t != label and p == label for t, p in pairs)
    fn = sum(t == label and p != label for t, p in pairs)
    return scores_from_counts(tp, fp, fn)


def per_label_scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Scores]:
    """Scores of every label that occurs in the truth, in name order."""
    return {label: label_scores(truth, predicted, label) for label in sorted(set(truth))}


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean F1 over the true labels: a small intent counts as much as a big one."""
    scores = per_label_scores(truth, predicted)
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


def confused_pairs(
    truth: Sequence[str], predicted: Sequence[str], top: int = 10
) -> list[Confusion]:
    """The `top` most frequent (true, predicted) mistakes; ties in name order."""
    counts = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Confusion(intent=t, predicted=p, count=n) for (t, p), n in ranked[:top]]


def entity_scores(
    gold: Sequence[frozenset[Span]], predicted: Sequence[frozenset[Span]]
) -> dict[str, Scores]:
    """Per entity type: a predicted span is right only if the same type, start and end is gold."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for expected, found in zip(gold, predicted, strict=True):
        tp.update(entity for entity, _, _ in expected & found)
        fp.update(entity for entity, _, _ in found - expected)
        fn.update(entity for entity, _, _ in expected - found)
    types = sorted(set(tp) | set(fp) | set(fn))
    return {e: scores_from_counts(tp[e], fp[e], fn[e]) for e in types}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile, interpolating linearly between ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
