"""The NLU gate's rule, on figures (the cross-validation itself: tests/e2e/test_trainer_flow.py)."""

from __future__ import annotations

from tests.tools.retrain.factories import BEFORE
from tools.retrain.gate import GatePolicy, Metrics, judge


def test_the_gate() -> None:
    policy = GatePolicy()
    assert judge(BEFORE, Metrics(0.896, 0.95, 101), policy) is None  # 0.4 points
    refused = judge(BEFORE, Metrics(0.893, 0.96, 101), policy)
    assert refused is not None and "drop by 0.70 points" in refused
    refused = judge(BEFORE, Metrics(0.95, 0.94, 101), policy)
    assert refused is not None and "conflict recall would drop" in refused
