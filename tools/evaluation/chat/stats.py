"""The chat benchmark's figures: what each step of offered load got, and which step held.

A turn is one customer message and the reply to it. `TurnSample` is one turn as the load
generator saw it; `StepResult` sums a step up. Percentiles are nearest-rank, so every figure
is a latency some customer really waited.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

P95_BUDGET_MS = 300.0

OK, ERROR, TIMEOUT = "ok", "error", "timeout"


@dataclass(frozen=True)
class TurnSample:
    started: float  # seconds since the step began
    latency_ms: float
    outcome: str  # OK, ERROR or TIMEOUT
    action: bool = False
    silent: bool = False  # HTTP 200 with no bot message (e.g. a person owns the conversation)


@dataclass(frozen=True)
class ProcessUse:
    """CPU seconds a process used during a step and its resident memory at the end."""

    cpu_seconds: float
    rss_mb: float


@dataclass
class StepResult:
    offered: float  # turns/s the customers would send with instant replies
    customers: int
    seconds: float
    turns: int
    served_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    timeouts: int
    silent: int
    action_share: float
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)
    load_average: float | None = None  # the machine's 1-minute load at the end of the step

    @property
    def held(self) -> bool:
        return self.turns > 0 and self.errors + self.timeouts == 0 and self.p95_ms <= P95_BUDGET_MS

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "held": self.held}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN when there are none."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def summarise(
    samples: Sequence[TurnSample],
    *,
    offered: float,
    customers: int,
    seconds: float,
    processes: dict[str, ProcessUse] | None = None,
) -> StepResult:
    """One step's figures. Latency percentiles are over answered turns only; failures are
    counted apart (a time-out's latency is the client's limit, not the server's)."""
    answered = [s.latency_ms for s in samples if s.outcome == OK]
    served = len(answered)
    result = StepResult(
        offered=offered,
        customers=customers,
        seconds=seconds,
        turns=len(samples),
        served_per_s=served / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(answered, 50),
        p95_ms=percentile(answered, 95),
        p99_ms=percentile(answered, 99),
        errors=sum(s.outcome == ERROR for s in samples),
        timeouts=sum(s.outcome == TIMEOUT for s in samples),
        silent=sum(s.silent for s in samples),
        action_share=sum(s.action for s in samples) / len(samples) if samples else 0.0,
    )
    for name, use in (processes or {}).items():
        result.cpu_ms_per_turn[name] = 1000 * use.cpu_seconds / served if served else math.nan
        result.rss_mb[name] = use.rss_mb
    return result


def highest_held(steps: Sequence[StepResult]) -> float | None:
    """The highest offered load held (p95 within budget, no error or time-out), counting only
    steps below the first one that failed: a lucky step after a collapse does not count."""
    best = None
    for step in sorted(steps, key=lambda s: s.offered):
        if not step.held:
            break
        best = step.offered
    return best


def window_median(latencies: Sequence[float], turn: int, half_width: int = 5) -> float:
    """Median latency around `turn` (1-based), so one noisy turn does not decide."""
    if not 1 <= turn <= len(latencies):
        raise ValueError(f"turn {turn} is outside 1..{len(latencies)}")
    low = max(0, turn - 1 - half_width)
    high = min(len(latencies), turn + half_width)
    return percentile(latencies[low:high], 50)
