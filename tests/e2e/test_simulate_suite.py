"""The product's example suite (simulations/) in CI: every conversation through a product of
its own, judged by what customers were told and what the store shows afterwards.

Issue 20's targets hold on the embedded default (SQLite), and a subset runs on PostgreSQL.
A failure prints the failing conversations, turn by turn, as `cim simulate` reports them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.cli.main import main
from tools.evaluation.simulate.report import markdown
from tools.seed.databases import temporary_database

POSTGRES_CATEGORIES = ("cancellation", "address_change", "verification")


def _simulate(tmp_path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    code = main(["simulate", "--start-stack", "--require-targets", "--json", str(out), *options])
    return code, json.loads(out.read_text())


def _failing(report: dict[str, Any]) -> str:
    return markdown(report).split("## Failing conversations", 1)[-1][:20000]


def test_the_whole_suite_meets_the_targets_on_the_embedded_default(tmp_path: Path) -> None:
    code, report = _simulate(tmp_path)
    overall = report["overall"]

    assert code == 0, _failing(report)
    assert overall["not_played"] == 0, _failing(report)
    assert overall["routine_rate"] >= 0.95 and overall["needs_person_queue_rate"] == 1.0
    assert overall["replies_with_other_customer_data"] == 0
    assert overall["played"] >= 150


def test_a_subset_meets_the_targets_on_postgresql(tmp_path: Path) -> None:
    categories = [option for name in POSTGRES_CATEGORIES for option in ("--category", name)]
    with temporary_database("postgresql") as url:
        code, report = _simulate(tmp_path, "--database-url", url, *categories)

    assert report["meta"]["database"] == "postgresql"
    assert code == 0, _failing(report)
    assert report["overall"]["not_played"] == 0 and report["overall"]["played"] >= 30
    assert set(report["categories"]) == set(POSTGRES_CATEGORIES)
