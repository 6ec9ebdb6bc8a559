"""The simulation gate's rule and its stored runs, without Rasa: the runs are built from the
simulation runner's own result types and summarised by its own report code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from bot.settings import Settings
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from bot.trainer.simulation_gate import LATEST, SERVED, latest_run
from tests.bot.trainer.factories import labelled, project_copy
from tests.tools.retrain.factories import BEFORE, conversation, report, run
from tools.evaluation.simulate.record import Failure
from tools.retrain.job import retrain
from tools.retrain.serving import CURRENT
from tools.retrain.simulation_gate import (
    SimulationGate,
    compare,
    gate_from_settings,
)

SERVED_RUN = run(
    conversation("orders-1"),
    conversation("orders-2"),
    conversation("orders-3", resolved=False),
    conversation("conflict-1", routine=False, queued=True),
)


def test_the_same_results_pass() -> None:
    assert compare(SERVED_RUN, SERVED_RUN) is None


def test_fixing_one_and_breaking_another_routine_conversation_is_no_drop() -> None:
    swapped = run(
        conversation("orders-1"),
        conversation("orders-2", resolved=False),
        conversation("orders-3"),
        conversation("conflict-1", routine=False, queued=True),
    )
    assert compare(SERVED_RUN, swapped) is None


def test_a_drop_in_routine_resolution_is_refused_and_names_the_conversations() -> None:
    worse = run(
        conversation("orders-1", resolved=False),
        conversation("orders-2"),
        conversation("orders-3", resolved=False),
        conversation("conflict-1", routine=False, queued=True),
    )
    reason = compare(SERVED_RUN, worse)
    assert reason is not None
    assert "from 2/3 to 1/3" in reason and "orders-1" in reason


def test_a_needs_a_person_conversation_that_no_longer_reaches_the_queue_is_refused() -> None:
    better_but_unqueued = run(
        conversation("orders-1"),
        conversation("orders-2"),
        conversation("orders-3"),
        conversation("conflict-1", routine=False, queued=False, resolved=False),
    )
    reason = compare(SERVED_RUN, better_but_unqueued)
    assert reason is not None and "no longer reach the queue: conflict-1" in reason


def test_any_reply_with_another_customers_data_is_refused_even_without_a_baseline() -> None:
    leaking = run(
        conversation("orders-1", leaks=1),
        conversation("orders-2"),
        conversation("orders-3"),
        conversation("conflict-1", routine=False, queued=True),
    )
    for baseline in (SERVED_RUN, None):
        reason = compare(baseline, leaking)
        assert reason is not None and "another customer's data (orders-1)" in reason
    assert compare(None, SERVED_RUN) is None


def test_the_summary_keeps_each_failing_turn_for_the_page() -> None:
    assert SERVED_RUN["failing_total"] == 1
    [failing] = SERVED_RUN["failing"]
    assert failing["id"] == "orders-3"
    assert failing["turns"] == [
        {
            "turn": 1,
            "text": "customer text of orders-3",
            "reply": "bot reply to orders-3",
            "failures": ["states_status(order=target): no status shown"],
        }
    ]
    assert SERVED_RUN["categories"]["orders"]["resolved"] == 2


class Player:
    """Plays a fixed report per model file, counting the plays (no stack)."""

    def __init__(self, by_model: dict[str, dict[str, Any]]) -> None:
        self.by_model, self.played = by_model, list[str]()

    def __call__(self, model: Path, suite: Path) -> dict[str, Any]:
        self.played.append(model.name)
        return self.by_model[model.name]


def models(tmp_path: Path) -> tuple[Path, Path, Path]:
    (tmp_path / "suite.yml").write_text("conversations: []\n")
    served, candidate = tmp_path / "served.tar.gz", tmp_path / "candidate.tar.gz"
    served.write_bytes(b"served model")
    candidate.write_bytes(b"candidate model")
    return served, candidate, tmp_path / "suite.yml"


def test_the_served_run_is_played_once_then_reused_until_the_model_changes(
    tmp_path: Path,
) -> None:
    served, candidate, suite = models(tmp_path)
    good = report(conversation("orders-1"), conversation("conflict-1", routine=False, queued=True))
    player = Player({"served.tar.gz": good, "candidate.tar.gz": good})
    gate = SimulationGate(tmp_path / "models", suite, player=player, progress=lambda _: None)

    first = gate.check(candidate, served)
    assert first.refusal is None and player.played == ["served.tar.gz", "candidate.tar.gz"]
    gate.check(candidate, served)
    assert player.played[2:] == ["candidate.tar.gz"]  # the served run was stored
    served.write_bytes(b"another served model")  # e.g. a rollback: play it again
    gate.check(candidate, served)
    assert player.played[3:] == ["served.tar.gz", "candidate.tar.gz"]

    shown = latest_run(tmp_path / "models")
    assert shown is not None and shown["model"] == "candidate" and shown["verdict"] == "passed"
    gate.accepted(first)
    assert (tmp_path / "models" / "simulation" / SERVED).is_file()


def test_a_refused_candidate_is_recorded_as_a_refused_training_run(
    factory: sessionmaker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole `retrain`, its Rasa steps (training, tests) left out: the simulation
    refusal is the reason, and nothing is installed."""
    import tools.retrain.job as job_module

    labelled(factory, "my parcel has gone walkabout", "order_status")
    served, candidate, suite = models(tmp_path)
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / CURRENT).write_bytes(served.read_bytes())
    player = Player(
        {
            CURRENT: report(conversation("conflict-1", routine=False, queued=True)),
            "candidate.tar.gz": report(conversation("conflict-1", routine=False, queued=False)),
        }
    )
    gate = SimulationGate(models_dir, suite, player=player, progress=lambda _: None)
    workspace = project_copy(tmp_path / "workspace")

    def train(_: Any, out: Path) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        (out / "candidate.tar.gz").write_bytes(candidate.read_bytes())
        return out / "candidate.tar.gz"

    monkeypatch.setattr(job_module, "train", train)
    monkeypatch.setattr(job_module, "conversation_tests", lambda *_: None)
    monkeypatch.setattr(job_module, "regression_failures", lambda *_: None)
    outcome = retrain(
        workspace,
        models_dir=models_dir,
        new_uow=lambda: UoW(factory),
        requested_by="tina",
        progress=lambda _: None,
        measure=lambda *_: BEFORE,
        simulation=gate,
    )
    assert not outcome.accepted
    assert outcome.reason.startswith("the simulations: 1 simulated conversation(s) that need")
    assert (models_dir / CURRENT).read_bytes() == b"served model"  # nothing installed
    with UoW(factory) as uow:
        [recorded] = uow.reviews.runs(limit=1)
        assert recorded.outcome == "refused" and recorded.reason == outcome.reason
        assert recorded.metrics["simulation"]["candidate"]["needs_person_reached_queue"] == 0
        assert recorded.metrics["simulation"]["baseline"]["needs_person_reached_queue"] == 1
    assert (latest_run(models_dir) or {})["verdict"] == "refused"
    assert not (models_dir / "simulation" / LATEST).with_name(".latest.json.tmp").exists()


def test_the_setting_turns_the_gate_off_and_points_it_at_a_suite(tmp_path: Path) -> None:
    assert gate_from_settings(Settings(train_simulate=0), tmp_path) is None
    gate = gate_from_settings(Settings(train_simulate_suite="simulations/policies.yml"), tmp_path)
    assert gate is not None and gate.suite.name == "policies.yml" and gate.suite.is_file()
    default = gate_from_settings(Settings(), tmp_path)
    assert default is not None and default.suite.name == "simulations"


def test_a_conversation_failing_only_at_its_end_shows_its_last_turn() -> None:
    unqueued = conversation("conflict-1", routine=False, queued=False)
    unqueued.end_failures.append(Failure("handoff", "no handoff for this conversation"))
    [failing] = run(unqueued)["failing"]
    assert failing["end_failures"] == ["handoff: no handoff for this conversation"]
    assert [turn["text"] for turn in failing["turns"]] == ["customer text of conflict-1"]
