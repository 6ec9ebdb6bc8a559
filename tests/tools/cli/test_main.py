"""`cim`'s sub-commands reach the code they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.cli.main import build_parser, main
from tools.evaluation.simulate.cli import run_from_args


def test_simulate_is_a_cim_command_with_the_runner_behind_it() -> None:
    args = build_parser().parse_args(["simulate", "--rasa-url", "http://127.0.0.1:9"])
    assert args.handler is run_from_args
    assert args.rasa_url == "http://127.0.0.1:9"


def test_simulate_needs_a_product_to_talk_to() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate"])


def test_simulate_refuses_a_broken_suite_with_an_error(tmp_path: Path) -> None:
    suite = tmp_path / "broken.yml"
    suite.write_text("conversations:\n  - id: x\n    turns: [{say: hi, expect: [{nonsense: 1}]}]\n")
    code = main(["simulate", "--suite", str(suite), "--rasa-url", "http://127.0.0.1:9"])
    assert code == 2
