"""A few seconds of `cim bench chat` against the real Rasa and action servers.

Correctness only: the customers get answers without errors, and every figure is written;
how fast is for `make bench-chat`, never asserted here.
"""

from __future__ import annotations

import json
from pathlib import Path

from tools.cli.main import main


def test_a_short_chat_benchmark_writes_its_figures(tmp_path: Path) -> None:
    code = main(
        [
            "bench",
            "chat",
            "--builds",
            "ours",
            "--loads",
            "4",
            "--seconds",
            "4",
            "--warmup",
            "1",
            "--think",
            "1",
            "--single-conversations",
            "1",
            "--long-turns",
            "12",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    result = json.loads((tmp_path / "chat.json").read_text())
    ours = result["builds"]["ours"]
    step = ours["steps"][0]
    assert step["turns"] > 0 and step["errors"] == 0 and step["timeouts"] == 0
    assert step["p50_ms"] > 0 and step["cpu_ms_per_turn"]["rasa"] > 0
    assert step["rss_mb"]["rasa"] > 100 and step["rss_mb"]["actions"] > 10
    assert ours["single_turns"] == 10 and ours["single_failures"] == 0
    assert ours["long_turns"] == 12 and ours["long_failures"] == 0
    assert ours["rasa_ready_s"] > 0 and ours["conversations"] > 0
    assert 0.3 <= result["meta"]["action_share"] <= 0.4
    markdown = (tmp_path / "chat.md").read_text()
    assert "| 4 | ours |" in markdown and "highest offered load held" in markdown
    assert (tmp_path / "chat.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
