"""The retraining job and its record, without training (the end-to-end test trains)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.customer_data.erasure_training import flag_retrain, retrain_reasons
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from bot.trainer.data_files import Workspace
from bot.trainer.retrain import pending_labels
from tests.bot.trainer.factories import labelled
from tests.tools.retrain.factories import BEFORE
from tools.retrain.gate import GatePolicy, Metrics
from tools.retrain.job import retrain, rollback
from tools.retrain.serving import CURRENT, PREVIOUS


def test_a_retrain_that_lowers_conflict_recall_is_refused_and_recorded(
    factory: sessionmaker, workspace: Workspace, tmp_path: Path
) -> None:
    labelled(factory, "this is outrageous, fix it now", "greet")
    data_before = {p: p.read_text() for p in workspace.nlu.rglob("*.yml")}

    def measure(ws: Workspace, policy: GatePolicy, cache: Path) -> Metrics:
        return BEFORE if ws == workspace else Metrics(0.9, 0.90, 101)

    outcome = retrain(
        workspace,
        models_dir=tmp_path / "models",
        new_uow=partial(UoW, factory),
        requested_by="tina",
        measure=measure,
        progress=lambda _: None,
    )
    assert not outcome.accepted and "conflict recall would drop" in outcome.reason
    assert {p: p.read_text() for p in workspace.nlu.rglob("*.yml")} == data_before
    with UoW(factory) as uow:
        run = uow.reviews.runs()[0]
        assert (run.outcome, run.requested_by) == ("refused", "tina")
        assert run.reason == outcome.reason
        assert run.metrics["delta"]["conflict_recall"] == pytest.approx(-0.05)
        assert run.changes[0]["text"] == "this is outrageous, fix it now"
    assert len(pending_labels(UoW(factory))) == 1  # still waiting for a better try


def test_nothing_to_train(factory: sessionmaker, workspace: Workspace, tmp_path: Path) -> None:
    outcome = retrain(
        workspace,
        models_dir=tmp_path / "models",
        new_uow=partial(UoW, factory),
        requested_by="x",
        progress=lambda _: None,
    )
    assert not outcome.accepted and "no new labels" in outcome.reason


def test_a_workspace_flagged_by_an_erasure_is_retrained_without_labels(
    factory: sessionmaker, workspace: Workspace, tmp_path: Path
) -> None:
    flag_retrain(
        workspace.data, reason="erasure of ERASED-0A1B2C3D4", now=datetime.now(timezone.utc)
    )
    measured: list[Path] = []

    def measure(ws: Workspace, policy: GatePolicy, cache: Path) -> Metrics:
        measured.append(ws.root)
        return BEFORE if ws == workspace else Metrics(0.9, 0.90, 101)

    outcome = retrain(
        workspace,
        models_dir=tmp_path / "models",
        new_uow=partial(UoW, factory),
        requested_by="tina",
        measure=measure,
        progress=lambda _: None,
    )
    assert "no new labels" not in outcome.reason and len(measured) == 2
    assert not outcome.accepted  # refused by the gate: the flag stays for the next try
    [reason] = retrain_reasons(workspace.data)
    assert reason.endswith("erasure of ERASED-0A1B2C3D4")


def test_rollback_swaps_the_models(factory: sessionmaker, tmp_path: Path) -> None:
    (tmp_path / CURRENT).write_text("new")
    assert not rollback(tmp_path, new_uow=partial(UoW, factory), requested_by="x").accepted
    (tmp_path / PREVIOUS).write_text("old")
    outcome = rollback(tmp_path, new_uow=partial(UoW, factory), requested_by="x")
    assert outcome.accepted
    assert (tmp_path / CURRENT).read_text() == "old" and (tmp_path / PREVIOUS).read_text() == "new"
    with UoW(factory) as uow:
        assert uow.reviews.runs()[0].outcome == "rolled_back"
