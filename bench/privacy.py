"""Issue 17's privacy jobs on the seeded 1M-conversation KPI data set, timed.

    nice -n 10 .venv/bin/python bench/privacy.py [--conversations 1000000]

Why: an erasure and a retention run must stay usable on a year of real traffic, and the
two touch the biggest table the product has (kpi_conversations). As `cim kpis bench` does,
this seeds a temporary PostgreSQL schema (dropped afterwards) with the synthetic year
(tools/seed/kpi_history.py: customers, KPI facts pointing at them, ratings), plus Rasa's
`events` table (empty: the KPI seed writes no trackers). Then it times:

- baselines, in the same run for a shared, noisy machine: `SELECT count(*)` on the facts and
  a retention purge with nothing expired (the clock at the seeded year's end);
- one `erase_customer` of the seeded customer with the most KPI facts;
- one retention `purge` with the clock moved so that about half the year is past its window
  (ratings past 365 days go, facts past 400 days lose their identity), in batches.

Writes bench/results/privacy.md (command, machine load, figures). Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from bot.customer_data.erasure import erase_customer  # noqa: E402
from bot.customer_data.locations import DataLocations  # noqa: E402
from bot.customer_data.retention import load_policy, purge  # noqa: E402
from bot.customer_data.retention_runs import PurgeRun  # noqa: E402
from bot.kpis.schema import KpiConversation  # noqa: E402
from bot.store.db import create_schema, get_engine, session_factory  # noqa: E402
from bot.store.models import Customer  # noqa: E402
from bot.store.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from tools.seed.databases import temporary_database  # noqa: E402
from tools.seed.kpi_history import SeedOptions, seed  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "privacy.md"
SECRET = "bench-privacy-secret-0123456789"
FACTS = KpiConversation.__table__
T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    what: str
    seconds: float
    rows: int
    detail: str = ""


def timed(action: Callable[[], T]) -> tuple[T, float]:
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def locations_for(url: str, engine: Engine, data_dir: Path) -> DataLocations:
    factory = session_factory(url)
    return DataLocations(
        new_uow=lambda: SqlAlchemyUnitOfWork(factory), tracker_engine=engine, data_dir=data_dir
    )


def busiest_customer(engine: Engine) -> tuple[str, int]:
    """The seeded customer with the most KPI facts: their public id and fact count."""
    return _customer_by_facts(engine, median=False)


def typical_customer(engine: Engine) -> tuple[str, int]:
    """The seeded customer with the median number of KPI facts (among those with any)."""
    return _customer_by_facts(engine, median=True)


def _customer_by_facts(engine: Engine, *, median: bool) -> tuple[str, int]:
    c = FACTS.c
    per_customer = (
        sa.select(c.customer_id, sa.func.count().label("facts"))
        .where(c.customer_id.is_not(None))
        .group_by(c.customer_id)
        .subquery()
    )
    with engine.connect() as db:
        offset = int(db.scalar(sa.select(sa.func.count()).select_from(per_customer)) or 0) // 2
        query = sa.select(per_customer.c.customer_id, per_customer.c.facts)
        if median:
            query = query.order_by(per_customer.c.facts, per_customer.c.customer_id).offset(offset)
        else:
            query = query.order_by(per_customer.c.facts.desc(), per_customer.c.customer_id)
        customer_id, facts = db.execute(query.limit(1)).one()
        public_id = db.scalar(sa.select(Customer.public_id).where(Customer.id == customer_id))
    return str(public_id), int(facts)


def count_facts(engine: Engine) -> int:
    with engine.connect() as db:
        return int(db.scalar(sa.select(sa.func.count()).select_from(FACTS)) or 0)


def identified_facts(engine: Engine) -> int:
    with engine.connect() as db:
        query = sa.select(sa.func.count()).where(FACTS.c.customer_id.is_not(None))
        return int(db.scalar(query) or 0)


class LiveProbe:
    """Live traffic while a job runs: every 20 ms one short transaction updating a random KPI
    fact (the table the purge rewrites), timed. Says whether the batches lock others out."""

    def __init__(self, engine: Engine, highest_id: int) -> None:
        self.engine, self.highest_id = engine, highest_id
        self.seconds: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LiveProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        rng = random.Random(7)
        touch = FACTS.update().values(user_messages=FACTS.c.user_messages)
        while not self._stop.wait(0.02):
            began = time.perf_counter()
            try:
                with self.engine.begin() as db:
                    db.execute(touch.where(FACTS.c.id == rng.randint(1, self.highest_id)))
            except SQLAlchemyError:
                self.failures += 1
            self.seconds.append(time.perf_counter() - began)

    def summary(self) -> str:
        if not self.seconds:
            return "live updates: none ran"
        ordered = sorted(self.seconds)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        median = statistics.median(ordered)
        return (
            f"live updates meanwhile: {len(ordered)}, median {median * 1000:.1f}"
            f" ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms,"
            f" failed {self.failures}"
        )


def purge_figure(what: str, locations: DataLocations, now: datetime, batch: int) -> Figure:
    engine = get_engine_of(locations)
    with LiveProbe(engine, highest_fact(engine)) as live:
        run, seconds = timed(lambda: purge(locations, load_policy(), now=now, batch_size=batch))
    return Figure(what, seconds, run.removed, f"{_purge_detail(run)}; {live.summary()}")


def get_engine_of(locations: DataLocations) -> Engine:
    assert locations.tracker_engine is not None  # the bench keeps both in one database
    return locations.tracker_engine


def highest_fact(engine: Engine) -> int:
    with engine.connect() as db:
        return int(db.scalar(sa.select(sa.func.max(FACTS.c.id))) or 1)


def erase_figure(locations: DataLocations, public_id: str, their_facts: int, who: str) -> Figure:
    what = f"erase_customer, {who}: {public_id} ({their_facts:,} KPI facts)"
    engine = get_engine_of(locations)
    began = time.perf_counter()
    with LiveProbe(engine, highest_fact(engine)) as live:
        try:
            receipt = erase_customer(locations, public_id=public_id, actor="bench", secret=SECRET)
        except SQLAlchemyError as error:  # e.g. the statement time-out: a finding, reported
            failed = f"FAILED: {error.orig or error}"
            return Figure(what, time.perf_counter() - began, 0, failed)
        seconds = time.perf_counter() - began
    removed = ", ".join(f"{k}: {v}" for k, v in sorted(receipt.removed.items()) if v)
    return Figure(what, seconds, receipt.total, f"{removed}; {live.summary()}")


def _purge_detail(run: PurgeRun) -> str:
    parts = [
        f"{name}: {result.total:,} in {result.batches} batches"
        for name, result in sorted(run.categories.items())
        if result.total or result.error
    ]
    errors = [f"{n} failed: {r.error}" for n, r in run.categories.items() if r.error]
    return "; ".join(parts + errors) or "nothing expired"


def run_bench(url: str, options: SeedOptions, batch: int) -> tuple[list[Figure], dict[str, Any]]:
    # Seeded without the product's statement time-out (a 1M-row rollup takes longer); the
    # jobs timed below run on the product's own engine, with it (CIM_DB_STATEMENT_TIMEOUT_MS).
    loader = sa.create_engine(url, future=True)
    create_schema(loader)
    SQLTrackerStore.SQLEvent.__table__.create(loader, checkfirst=True)
    counts, seed_seconds = timed(lambda: seed(loader, options))
    loader.dispose()
    engine = get_engine(url)
    facts_before = count_facts(engine)
    public_id, their_facts = busiest_customer(engine)
    typical_id, typical_facts = typical_customer(engine)
    end = datetime.combine(options.end, datetime.max.time(), tzinfo=timezone.utc)
    moved = end + timedelta(days=400 - options.days // 2)
    with tempfile.TemporaryDirectory(prefix="cim-bench-data-") as data_dir:
        where = locations_for(url, engine, Path(data_dir))
        load = os.getloadavg()
        figures = [
            Figure("baseline: SELECT count(*) FROM kpi_conversations", *_counted(engine)),
            purge_figure(
                "baseline: purge, nothing expired (clock at the year's end)", where, end, batch
            ),
        ]
        figures.append(erase_figure(where, typical_id, typical_facts, "a typical customer"))
        figures.append(erase_figure(where, public_id, their_facts, "the busiest customer"))
        identified = identified_facts(engine)
        figures.append(purge_figure(f"purge, clock moved to {moved:%Y-%m-%d}", where, moved, batch))
    facts_after = count_facts(engine)
    meta = {
        "seed": counts,
        "seed_seconds": seed_seconds,
        "load": load,
        "batch": batch,
        "facts_before": facts_before,
        "facts_after": facts_after,
        "identified_before_purge": identified,
        "identified_after_purge": identified_facts(engine),
    }
    return figures, meta


def _counted(engine: Engine) -> tuple[float, int]:
    rows, seconds = timed(lambda: count_facts(engine))
    return seconds, rows


def markdown(figures: list[Figure], meta: dict[str, Any], command: str) -> str:
    load = ", ".join(f"{x:.2f}" for x in meta["load"])
    lines = [
        "# Privacy jobs on the seeded KPI year (issue 17)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, shared; load average"
        f" (1/5/15 min) when the timings began: {load}  ",
        f"Backend: PostgreSQL (temporary schema, dropped afterwards); seeded {meta['seed']}"
        f" in {meta['seed_seconds']:.1f} s; purge batch size {meta['batch']}.",
        "",
        "| what | seconds | rows touched | detail |",
        "|---|---:|---:|---|",
        *[f"| {f.what} | {f.seconds:.2f} | {f.rows:,} | {f.detail} |" for f in figures],
        "",
        f"KPI facts: {meta['facts_before']:,} before, {meta['facts_after']:,} after (the"
        " erasure and the purge keep every fact; they remove identities and rated comments)."
        f" Facts with a customer: {meta['identified_before_purge']:,} before the moved-clock"
        f" purge, {meta['identified_after_purge']:,} after.",
        "",
        "The busiest customer is where the seed's exponential pick of a customer is clamped"
        " (the last seeded one gets the tail, about 5% of identified conversations): a worst"
        " case, not a real shopper; the typical one has the median count of facts.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    options = SeedOptions(
        conversations=args.conversations, customers=args.customers, end=date(2024, 12, 31)
    )
    command = "bench/privacy.py " + " ".join(sys.argv[1:] if argv is None else argv)
    with temporary_database("postgresql") as url:
        figures, meta = run_bench(url, options, args.batch)
    text = markdown(figures, meta, command.strip())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
