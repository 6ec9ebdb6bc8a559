"""The chat benchmark's figures, on samples whose answers are known."""

from __future__ import annotations

import math

import pytest

from tools.evaluation.chat.stats import (
    ERROR,
    OK,
    TIMEOUT,
    ProcessUse,
    StepResult,
    TurnSample,
    highest_held,
    percentile,
    summarise,
    window_median,
)


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # unsorted input


def test_percentile_of_nothing_is_nan_and_bad_q_is_refused() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def _samples(latencies: list[float], outcome: str = OK, action: bool = False) -> list[TurnSample]:
    return [TurnSample(i * 0.1, ms, outcome, action) for i, ms in enumerate(latencies)]


def test_a_step_counts_failures_apart_from_latency() -> None:
    samples = _samples([10.0] * 18, action=True) + _samples([5000.0], TIMEOUT)
    samples += _samples([1.0], ERROR) + _samples([20.0] * 10)
    step = summarise(
        samples,
        offered=10,
        customers=50,
        seconds=2.0,
        processes={"rasa": ProcessUse(0.28, 600.0)},
    )
    assert (step.turns, step.errors, step.timeouts) == (30, 1, 1)
    assert step.served_per_s == 14.0  # 28 answered in 2 s
    assert step.p50_ms == 10.0 and step.p95_ms == 20.0  # the time-out's 5 s is not a latency
    assert step.action_share == pytest.approx(18 / 30)
    assert step.cpu_ms_per_turn["rasa"] == pytest.approx(10.0)  # 280 ms over 28 served turns
    assert step.rss_mb["rasa"] == 600.0
    assert not step.held  # an error and a time-out


def _step(offered: float, p95: float, errors: int = 0) -> StepResult:
    return StepResult(offered, int(offered * 5), 10, 100, offered, 1, p95, p95, errors, 0, 0, 0.3)


def test_a_step_holds_within_budget_and_without_errors() -> None:
    assert _step(20, 300.0).held
    assert not _step(20, 301.0).held
    assert not _step(20, 10.0, errors=1).held
    assert not StepResult(20, 100, 10, 0, 0, math.nan, math.nan, math.nan, 0, 0, 0, 0).held


def test_the_highest_held_load_stops_at_the_first_failure() -> None:
    steps = [_step(100, 250.0), _step(20, 15.0), _step(150, 900.0), _step(200, 120.0)]
    assert highest_held(steps) == 100  # 200 came after a collapse: a lucky step
    assert highest_held([_step(20, 400.0)]) is None
    assert highest_held([]) is None


def test_window_median_around_a_turn() -> None:
    latencies = [1.0] * 5 + [100.0] + [1.0] * 194 + [3.0] * 10
    assert window_median(latencies, 6) == 1.0  # one slow turn does not decide
    assert window_median(latencies, 210) == 3.0
    with pytest.raises(ValueError):
        window_median(latencies, 0)


def test_a_step_serialises_with_its_verdict() -> None:
    data = _step(50, 100.0).as_dict()
    assert data["held"] is True and data["offered"] == 50
