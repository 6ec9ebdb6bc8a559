"""`cim kpis bench`: the dashboard's queries over a seeded synthetic year, timed.

Seeds a fresh PostgreSQL schema (dropped afterwards) or SQLite file, then runs every query
a dashboard page, a drill-down or an export makes, over the whole year and over the last
30 days, each `repeat` times; the table shows the slowest run. As a baseline measured in
the same run, the year's aggregates are also computed straight from the fact table,
without the rollup. Results go to bench/results/kpis.{md,json}.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.kpis import export, metrics
from bot.kpis.access import FULL, REDACTED
from bot.kpis.refresh import rollup_sums
from bot.kpis.schema import KpiConversation, kpi_daily
from tools.seed.kpi_history import SeedOptions, seed

LIMIT_SECONDS = 2.0
FACTS = KpiConversation.__table__


@dataclass
class Timing:
    query: str
    span: str
    seconds: list[float] = field(default_factory=list)
    rows: int = 0

    @property
    def worst(self) -> float:
        return max(self.seconds)


@dataclass
class BenchResult:
    backend: str
    conversations: int
    seed_seconds: float
    rollup_rows: int
    timings: list[Timing]
    baseline: list[Timing]
    command: str
    load_average: tuple[float, float, float]  # when the queries started: the machine is shared
    machine: str = field(default_factory=lambda: f"{platform.machine()} {os.cpu_count()} cores")


def _queries(end: date, days: int) -> dict[str, Callable[[Connection], int]]:
    start = end - timedelta(days=days - 1)
    span: dict[str, Any] = {"start": start, "end": end}

    def drill(metric: str, dim: str | None = None, value: str | None = None, page: int = 1) -> Any:
        return lambda db: len(
            metrics.conversations(
                db, metrics.Drill(start, end, metric, dim, value), offset=(page - 1) * 50
            )
        )

    def counted(metric: str, dim: str | None = None, value: str | None = None) -> Any:
        return lambda db: metrics.count(db, metrics.Drill(start, end, metric, dim, value))

    queries: dict[str, Callable[[Connection], int]] = {
        "newest day": lambda db: int(
            db.scalar(sa.select(sa.func.max(kpi_daily.c.day))) is not None
        ),
        "totals": lambda db: len(metrics.summary(db, **span)),
    }
    for dimension in metrics.DIMENSIONS:
        queries[f"by {dimension}"] = partial(_count_groups, span=span, by=dimension)
    queries |= {
        "drill: all, page 1": drill("conversations"),
        "drill: all, page 200": drill("conversations", page=200),
        "drill: false containment": drill("false_contained"),
        "drill: handoffs, reason=failed_action": drill(
            "handed_off", "handoff_reason", "failed_action"
        ),
        "drill: unsatisfied, intent=complaint": drill("unsatisfied", "intent", "complaint"),
        "drill: NPS detractors, tier=vip": drill("nps_detractors", "customer_tier", "vip"),
        "drill count: all": counted("conversations"),
        "drill count: unsatisfied, intent=complaint": counted("unsatisfied", "intent", "complaint"),
        "CSV: table by intent": lambda db: (
            export.summary_csv(metrics.summary(db, **span, by="intent"), "intent").count("\n") - 1
        ),
        "CSV: false containment, supervisor": partial(
            _export, drill=metrics.Drill(start, end, "false_contained"), access=FULL
        ),
        "CSV: false containment, trainer (redacted)": partial(
            _export, drill=metrics.Drill(start, end, "false_contained"), access=REDACTED
        ),
    }
    return queries


def _export(db: Connection, *, drill: metrics.Drill, access: str) -> int:
    return export.export_conversations(db, drill, access=access).count("\n") - 1


def _count_groups(db: Connection, *, span: dict[str, Any], by: str) -> int:
    return len(metrics.summary(db, **span, by=by))


def _baseline(end: date, days: int) -> dict[str, Callable[[Connection], int]]:
    """The same aggregates straight from the facts: what the rollup saves."""
    start = end - timedelta(days=days - 1)
    sums = list(rollup_sums().values())
    where = FACTS.c.day.between(start, end)
    return {
        "totals (facts, no rollup)": lambda db: len(
            db.execute(sa.select(*sums).where(where)).all()
        ),
        "by intent (facts, no rollup)": lambda db: len(
            db.execute(sa.select(FACTS.c.intent, *sums).where(where).group_by(FACTS.c.intent)).all()
        ),
        "by day (facts, no rollup)": lambda db: len(
            db.execute(sa.select(FACTS.c.day, *sums).where(where).group_by(FACTS.c.day)).all()
        ),
    }


def _time(
    engine: Engine, queries: dict[str, Callable[[Connection], int]], span: str, repeat: int
) -> list[Timing]:
    timings = []
    for name, query in queries.items():
        timing = Timing(name, span)
        for _ in range(repeat):
            with engine.connect() as db:
                began = time.perf_counter()
                timing.rows = query(db)
                timing.seconds.append(time.perf_counter() - began)
        timings.append(timing)
    return timings


def run(engine: Engine, options: SeedOptions, *, repeat: int, command: str) -> BenchResult:
    began = time.perf_counter()
    seed(engine, options)
    seeded = time.perf_counter() - began
    with engine.connect() as db:
        rollup_rows = int(db.scalar(sa.select(sa.func.count()).select_from(kpi_daily)) or 0)
    load = os.getloadavg()
    timings, baseline = [], []
    for label, days in (("year", options.days), ("30 days", 30)):
        timings += _time(engine, _queries(options.end, days), label, repeat)
    baseline += _time(engine, _baseline(options.end, options.days), "year", repeat)
    return BenchResult(
        engine.dialect.name,
        options.conversations,
        seeded,
        rollup_rows,
        timings,
        baseline,
        command,
        load,
    )


def write(result: BenchResult, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    data = asdict(result)
    for group in ("timings", "baseline"):
        for timing, raw in zip(getattr(result, group), data[group], strict=True):
            raw["worst"] = timing.worst
    json_path, md_path = out / "kpis.json", out / "kpis.md"
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    md_path.write_text(markdown(result))
    return md_path, json_path


def markdown(result: BenchResult) -> str:
    slowest = max(t.worst for t in result.timings)
    verdict = "holds" if slowest <= LIMIT_SECONDS else "does NOT hold"
    lines = [
        f"# KPI dashboard queries over {result.conversations:,} conversations ({result.backend})",
        "",
        f"Command: `{result.command}`. Seeding took {result.seed_seconds:.1f} s; the rollup has "
        f"{result.rollup_rows:,} rows. Each query ran {len(result.timings[0].seconds)} times on a"
        " fresh connection; the slowest run is shown. The client ran at nice 19 on "
        f"{result.machine} with a load average of {result.load_average[0]:.1f} when the queries"
        " started (the machine is shared), so the times include waiting for a core.",
        f"Slowest dashboard query: {slowest:.3f} s, so the {LIMIT_SECONDS:.0f} s goal {verdict}.",
        "",
        "| query | range | slowest (s) | first run (s) | rows |",
        "|---|---|---:|---:|---:|",
    ]
    for t in [*result.timings, *result.baseline]:
        lines.append(f"| {t.query} | {t.span} | {t.worst:.3f} | {t.seconds[0]:.3f} | {t.rows:,} |")
    return "\n".join(lines) + "\n"
