"""`cim kpis seed`, `cim kpis refresh` and `cim report` through the real command line."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.kpis.facts import follow_ups
from bot.kpis.metrics import summary
from bot.kpis.schema import ROLLUP_SUMS, KpiConversation
from bot.store.db import create_schema, get_engine, session_factory
from tests.bot.kpis import synthetic
from tools.cli.main import main
from tools.seed.databases import BACKENDS, temporary_database
from tools.seed.kpi_history import SeedOptions, seed

FACTS = KpiConversation.__table__
YEAR_END = date(2024, 12, 31)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    with temporary_database(request.param) as database:
        create_schema(get_engine(database))
        yield database


def test_seed_writes_a_year_whose_rollup_matches_its_facts(url: str) -> None:
    code = main(
        ["kpis", "seed", "--database-url", url, "--conversations", "3000", "--customers", "200"]
    )
    assert code == 0
    engine = get_engine(url)
    with engine.connect() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(FACTS)) == 3000
        days = db.execute(sa.select(sa.func.min(FACTS.c.day), sa.func.max(FACTS.c.day))).one()
        rolled = summary(db, start=date(2024, 1, 1), end=YEAR_END)[0].sums
        direct = db.execute(
            sa.select(
                sa.func.count(),
                sa.func.sum(sa.case((FACTS.c.handed_off, 1), else_=0)),
                sa.func.sum(FACTS.c.user_messages),
                sa.func.count(FACTS.c.csat),
            )
        ).one()
    assert days[0] >= date(2024, 1, 1) and days[1] <= YEAR_END
    assert (rolled["conversations"], rolled["handed_off"]) == (direct[0], direct[1])
    assert (rolled["user_messages"], rolled["csat_count"]) == (direct[2], direct[3])


def test_the_seed_follows_the_same_repeat_and_return_rules_as_the_facts(url: str) -> None:
    engine = get_engine(url)
    seed(engine, SeedOptions(conversations=2000, customers=50, days=60))
    columns = ("conversation_id", "customer_id", "started_at", "ended_at", "intent", "contained")
    with engine.connect() as db:
        rows = [
            dict(r._mapping)
            for r in db.execute(
                sa.select(*(FACTS.c[c] for c in columns), FACTS.c.false_reason, FACTS.c.repeat_7d)
            )
        ]
    seeded = {r["conversation_id"]: (r["repeat_7d"], r["false_reason"]) for r in rows}
    by_customer: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        if row["customer_id"] is not None:
            if row["false_reason"] == "returned_24h":
                row["false_reason"] = None
            by_customer.setdefault(row["customer_id"], []).append(row)
    for conversations in by_customer.values():
        follow_ups(conversations)  # type: ignore[arg-type]
        for row in conversations:
            assert (row["repeat_7d"], row["false_reason"]) == seeded[str(row["conversation_id"])]
    assert any(flag for flag, _ in seeded.values())
    assert any(reason == "returned_24h" for _, reason in seeded.values())


def test_refresh_derives_every_conversation_from_the_command_line(url: str) -> None:
    engine = get_engine(url)
    month = synthetic.write_month(session_factory(url), engine, days=3)
    assert main(["kpis", "refresh", "--database-url", url, "--tracker-url", url, "--all"]) == 0
    with engine.connect() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(FACTS)) == len(month.truths)


def _seeded_sqlite(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'kpis.db'}"
    engine = get_engine(url)
    create_schema(engine)
    seed(engine, SeedOptions(conversations=1500, customers=100, days=60))
    return url, engine


def test_report_is_one_self_contained_html_file_with_png_charts(tmp_path: Path) -> None:
    url, engine = _seeded_sqlite(tmp_path)
    out = tmp_path / "report.html"
    args = ["report", "--from", "2024-11-01", "--to", "2024-12-31", "--out", str(out)]
    assert main([*args, "--database-url", url]) == 0
    html = out.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) >= 9
    assert all(base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n") for image in images)
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing to fetch
    with engine.connect() as db:
        total = summary(db, start=date(2024, 11, 1), end=YEAR_END)[0].sums["conversations"]
    assert f"<td>{total:,}</td>" in html
    assert "@example.com" not in html and "Seed" not in html  # aggregates only


def test_report_refuses_a_range_that_ends_before_it_starts(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["report", "--from", "2024-12-31", "--to", "2024-01-01", "--out", str(out)]
    assert main([*args, "--database-url", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert not out.exists()


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", ""])
def test_report_refuses_a_malformed_date(tmp_path: Path, bad: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--from", bad, "--to", "2024-01-01", "--out", str(tmp_path / "r.html")])
    assert exit_.value.code == 2


@pytest.mark.parametrize("count", ["0", "-5", "many"])
def test_seed_refuses_a_bad_count(count: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["kpis", "seed", "--database-url", "sqlite://", "--conversations", count])
    assert exit_.value.code == 2


def test_rollup_sums_are_all_named() -> None:
    assert len(set(ROLLUP_SUMS)) == len(ROLLUP_SUMS)
