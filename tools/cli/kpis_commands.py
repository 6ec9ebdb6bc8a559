"""`cim kpis refresh|seed|bench` and `cim report`; tools/cli/main.py adds them with one call.
Heavy imports happen inside the handlers, so building the parser stays cheap."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

RESULTS = Path("bench/results")


def add_commands(commands: Any) -> None:
    kpis = commands.add_parser("kpis", help="KPI facts: refresh them, seed a synthetic year, bench")
    kinds = kpis.add_subparsers(dest="kpis", required=True)

    refresh = kinds.add_parser("refresh", help="derive facts and rollups from recorded events")
    refresh.add_argument("--database-url", help="the store (default: DATABASE_URL)")
    refresh.add_argument("--tracker-url", help="the tracker store (default: CIM_TRACKER_DB)")
    refresh.add_argument("--since", type=_day, help="YYYY-MM-DD (default: a week before the last)")
    refresh.add_argument("--all", action="store_true", help="derive every conversation again")
    refresh.set_defaults(handler=_cmd_refresh)

    seed = kinds.add_parser("seed", help="a synthetic year of conversations (replaces KPI rows)")
    seed.add_argument("--database-url", required=True)
    _seed_options(seed)
    seed.set_defaults(handler=_cmd_seed)

    bench = kinds.add_parser("bench", help="time the dashboard's queries over a seeded year")
    bench.add_argument("--database-url", help="default: a temporary PostgreSQL schema")
    bench.add_argument("--repeat", type=int, default=3)
    bench.add_argument("--out", type=Path, default=RESULTS)
    _seed_options(bench)
    bench.set_defaults(handler=_cmd_bench)

    report = commands.add_parser("report", help="the KPIs as one self-contained HTML file")
    report.add_argument("--from", dest="start", type=_day, required=True, help="YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_day, required=True, help="YYYY-MM-DD")
    report.add_argument("--out", type=Path, default=Path("report.html"))
    report.add_argument("--database-url", help="default: DATABASE_URL")
    report.set_defaults(handler=_cmd_report)


def _seed_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conversations", type=_positive, default=1_000_000)
    parser.add_argument("--customers", type=_positive, default=50_000)
    parser.add_argument("--days", type=_positive, default=365)
    parser.add_argument("--end", type=_day, default=date(2024, 12, 31))


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date like 2024-06-30") from None


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a positive whole number")
    return value


def _store_url(given: str | None) -> str:
    from bot.settings import get_settings

    return given or get_settings().database_url


def _cmd_refresh(args: argparse.Namespace) -> int:
    from bot.kpis.refresh import refresh
    from bot.kpis.sources import tracker_engine
    from bot.store.db import get_engine

    start = datetime.combine(args.since, time(), tzinfo=timezone.utc) if args.since else None
    store = get_engine(_store_url(args.database_url))
    tracker = tracker_engine(store, args.tracker_url)
    result = refresh(store, tracker, since=start, full=args.all)
    print(f"refreshed {result.conversations} conversations over {result.days} days")
    return 0


def _options(args: argparse.Namespace) -> Any:
    from tools.seed.kpi_history import SeedOptions

    return SeedOptions(args.conversations, args.customers, args.days, args.end)


def _cmd_seed(args: argparse.Namespace) -> int:
    from bot.store.db import create_schema, get_engine
    from tools.seed.kpi_history import seed

    engine = get_engine(args.database_url)
    create_schema(engine)
    counts = seed(engine, _options(args))
    print(", ".join(f"{count:,} {name}" for name, count in counts.items()))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from bot.store.db import create_schema, get_engine
    from tools.evaluation.kpis_bench import run, write
    from tools.seed.databases import DatabaseUnavailableError, temporary_database

    os.nice(19)  # a benchmark never takes the machine from the people sharing it
    command = "cim " + " ".join(sys.argv[1:])
    try:
        with (
            nullcontext(args.database_url)
            if args.database_url
            else temporary_database("postgresql") as url
        ):
            engine = get_engine(url)
            create_schema(engine)
            result = run(engine, _options(args), repeat=args.repeat, command=command)
    except DatabaseUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in write(result, args.out):
        print(f"wrote {path}")
    print(path.with_suffix(".md").read_text())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from bot.kpis.report import render
    from bot.kpis.schema import create_kpi_schema
    from bot.store.db import get_engine

    if args.end < args.start:
        print("error: --to is before --from", file=sys.stderr)
        return 2
    engine = get_engine(_store_url(args.database_url))
    create_kpi_schema(engine)
    with engine.connect() as db:
        html = render(db, start=args.start, end=args.end)
    args.out.write_text(html, encoding="utf-8")
    print(f"wrote {args.out} ({len(html):,} bytes)")
    return 0
