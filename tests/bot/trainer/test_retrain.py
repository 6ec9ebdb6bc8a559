"""The retraining gate and its record, without training (the end-to-end test trains)."""

from __future__ import annotations

import subprocess
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.inbox import service
from bot.inbox.service import Observation, record
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from bot.trainer.data_files import Workspace
from bot.trainer.retrain import (
    CURRENT,
    PREVIOUS,
    GatePolicy,
    Metrics,
    TrainingBusy,
    _git_commit,
    _training_lock,
    judge,
    pending_labels,
    retrain,
    rollback,
)
from tests.bot.services.conftest import SMALL_SEED
from tools.seed.databases import seeded_database

BEFORE = Metrics(intent_accuracy=0.9, conflict_recall=0.95, examples=100)


@pytest.fixture
def factory() -> sessionmaker:
    with seeded_database("sqlite", **SMALL_SEED) as made:
        yield made


def labelled(factory: sessionmaker, text: str, intent: str, **options: str) -> int:
    item = record(UoW(factory), Observation(text=text, source="fallback"))
    assert item is not None
    known = {"greet", "complaint", "order_status"}
    done = service.decide(
        UoW(factory),
        item_ids=[item.id],
        decision="label",
        intent=intent,
        known_intents=known,
        **options,
    )
    assert done.ok, done.reason
    return item.id


def test_the_gate() -> None:
    policy = GatePolicy()
    assert judge(BEFORE, Metrics(0.896, 0.95, 101), policy) is None  # 0.4 points
    refused = judge(BEFORE, Metrics(0.893, 0.96, 101), policy)
    assert refused is not None and "drop by 0.70 points" in refused
    refused = judge(BEFORE, Metrics(0.95, 0.94, 101), policy)
    assert refused is not None and "conflict recall would drop" in refused


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
        models_dir=tmp_path,
        new_uow=partial(UoW, factory),
        requested_by="x",
        progress=lambda _: None,
    )
    assert not outcome.accepted and "no new labels" in outcome.reason


def test_pending_labels_include_new_intents_and_out_of_scope(factory: sessionmaker) -> None:
    labelled(factory, "gift card please", "gift_cards", new_intent_type="sales")
    item = record(UoW(factory), Observation(text="whats the weather", source="fallback"))
    assert item is not None
    service.decide(UoW(factory), item_ids=[item.id], decision="out_of_scope")
    labels = pending_labels(UoW(factory))
    assert [(label.intent, label.new_type) for label in labels] == [
        ("gift_cards", "sales"),
        ("out_of_scope", None),
    ]


def test_rollback_swaps_the_models(factory: sessionmaker, tmp_path: Path) -> None:
    (tmp_path / CURRENT).write_text("new")
    assert not rollback(tmp_path, new_uow=partial(UoW, factory), requested_by="x").accepted
    (tmp_path / PREVIOUS).write_text("old")
    outcome = rollback(tmp_path, new_uow=partial(UoW, factory), requested_by="x")
    assert outcome.accepted
    assert (tmp_path / CURRENT).read_text() == "old" and (tmp_path / PREVIOUS).read_text() == "new"
    with UoW(factory) as uow:
        assert uow.reviews.runs()[0].outcome == "rolled_back"


def test_one_training_at_a_time(tmp_path: Path) -> None:
    with _training_lock(tmp_path), pytest.raises(TrainingBusy), _training_lock(tmp_path):
        pass


def test_accepted_data_is_committed_where_it_is_a_git_repository(workspace: Workspace) -> None:
    from bot.trainer.retrain import Outcome

    outcome = Outcome(True, "ok", BEFORE, Metrics(0.91, 0.96, 101), changes=[{"text": "x"}])
    assert _git_commit(workspace, "tina", outcome) is None  # not a repository: the table only
    git = partial(subprocess.run, cwd=workspace.root, check=True, capture_output=True)
    git(["git", "init", "-q"])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "."])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start"])
    (workspace.nlu / "informative" / "greet.yml").write_text(
        (workspace.nlu / "informative" / "greet.yml").read_text() + "    - yo yo\n"
    )
    commit = _git_commit(workspace, "tina", outcome)
    assert commit is not None
    log = git(["git", "log", "-1", "--format=%an%n%B"], text=True).stdout
    assert log.startswith("tina\nTraining data: 1 label(s) from the review inbox by tina")
    assert "intent accuracy 0.9000 -> 0.9100" in log
