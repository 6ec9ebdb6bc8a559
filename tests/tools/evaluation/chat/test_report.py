"""chat.md and chat.png from a result whose figures are known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.evaluation.chat.report import markdown, write
from tools.evaluation.chat.stats import StepResult


def _step(offered: float, p95: float, errors: int = 0) -> dict[str, Any]:
    customers = int(offered * 5)
    step = StepResult(offered, customers, 40, 800, offered, 10, p95, p95 * 2, errors, 0, 0, 0.33)
    step.cpu_ms_per_turn, step.rss_mb = {"rasa": 20.0, "actions": 3.0}, {"rasa": 700.0}
    return step.as_dict()


def _build(steps: list[dict[str, Any]], single: float, held: float | None) -> dict[str, Any]:
    return {
        "steps": steps,
        "highest_held": held,
        "single_p50_ms": single,
        "single_action_p50_ms": single * 2,
        "turn_10_ms": single,
        "turn_200_ms": single * 1.5,
        "long_ratio": 1.5,
        "rasa_ready_s": 12.0,
        "rss_idle_mb": 650.0,
        "mb_per_1000_conversations": None,
    }


RESULT = {
    "meta": {
        "command": "cim bench chat",
        "when": "2026-01-01 00:00 UTC",
        "cores": 2,
        "think_mean_s": 5.0,
        "step_seconds": 40.0,
        "warmup_s": 5.0,
        "scripts": 6,
        "action_share": 0.32,
        "notes": ["stock: capped at 20 epochs"],
        "loadgen_cpu_ms_per_turn": 1.5,
    },
    "builds": {
        "ours": _build([_step(20, 50.0), _step(50, 120.0), _step(100, 900.0)], 10.0, 50),
        "stock": _build([_step(20, 2000.0)], 60.0, None),
    },
}


def test_the_table_puts_ours_and_stock_side_by_side() -> None:
    text = markdown(RESULT)
    assert "| single customer: p50 turn (ms) | 10.0 | 60.0 | 6.0x |" in text
    assert "| highest offered load held (turns/s) | 50 | none |" in text
    assert "| 50 | stock | not run: an earlier step failed |" in text
    assert "| 100 | ours | 500 | 100.0 | 10.0 | 900 | 1800 | 0 |" in text
    assert "| 700 | - | no |" in text
    assert "stock: capped at 20 epochs" in text


def test_write_makes_markdown_json_and_a_png(tmp_path: Path) -> None:
    write(RESULT, tmp_path)
    assert json.loads((tmp_path / "chat.json").read_text())["builds"]["ours"]["highest_held"] == 50
    assert (tmp_path / "chat.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "chat.md").read_text().startswith("# Chat benchmark")
