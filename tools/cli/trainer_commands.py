"""`cim train`, `cim rollback`, `cim inbox`, `cim quality`: the trainers' commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_trainer_commands(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train the labels from the review inbox: gated, hot-loaded, recorded",
    )
    train.add_argument("--by", default="cli", help="who asked, for the record")
    train.add_argument(
        "--folds",
        type=int,
        default=None,
        help="cross-validation folds of the gate (CIM_GATE_FOLDS)",
    )
    train.add_argument(
        "--max-drop", type=float, default=0.5, help="accuracy points the gate allows"
    )
    train.add_argument("--no-reload", action="store_true", help="don't load it into the server")
    train.add_argument("--force", action="store_true", help="train even without new labels")
    train.add_argument(
        "--no-simulate",
        action="store_true",
        help="skip the simulation gate (as CIM_TRAIN_SIMULATE=0)",
    )
    train.set_defaults(handler=_cmd_train)

    rollback = commands.add_parser("rollback", help="serve the previous model again")
    rollback.add_argument("--by", default="cli")
    rollback.add_argument("--no-reload", action="store_true")
    rollback.set_defaults(handler=_cmd_rollback)

    inbox = commands.add_parser("inbox", help="the review inbox, grouped, most frequent first")
    inbox.add_argument("--limit", type=int, default=20)
    inbox.set_defaults(handler=_cmd_inbox)

    quality = commands.add_parser("quality", help="data quality: duplicates, sizes, confusions")
    quality.add_argument("--root", type=Path, default=None, help="default: CIM_TRAINING_ROOT")
    quality.add_argument(
        "--crossval",
        type=Path,
        default=None,
        help="a crossval report.json for the confused pairs and the matrix",
    )
    quality.add_argument("--out", type=Path, default=Path("results/quality"))
    quality.set_defaults(handler=_cmd_quality)


def _context() -> tuple[Any, Path, Any, Any]:
    from bot.settings import get_settings
    from bot.store.unit_of_work import SqlAlchemyUnitOfWork
    from bot.trainer.data_files import Workspace
    from tools.retrain.serving import ModelServer

    settings = get_settings()
    server = ModelServer(settings.rasa_url, settings.rasa_auth_token)
    return (
        Workspace(Path(settings.training_root)),
        Path(settings.models_dir),
        SqlAlchemyUnitOfWork,
        server,
    )


def _cmd_train(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from tools.retrain.gate import GatePolicy
    from tools.retrain.job import retrain
    from tools.retrain.serving import TrainingBusy
    from tools.retrain.simulation_gate import gate_from_settings

    workspace, models_dir, new_uow, server = _context()
    folds = args.folds or get_settings().gate_folds
    simulation = None if args.no_simulate else gate_from_settings(get_settings(), models_dir)
    policy = GatePolicy(max_accuracy_drop=args.max_drop / 100, folds=folds)
    try:
        outcome = retrain(
            workspace,
            models_dir=models_dir,
            new_uow=new_uow,
            requested_by=args.by,
            policy=policy,
            server=None if args.no_reload else server,
            force=args.force,
            simulation=simulation,
        )
    except TrainingBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(outcome.summary())
    return 0 if outcome.accepted else 1


def _cmd_rollback(args: argparse.Namespace) -> int:
    from tools.retrain.job import rollback
    from tools.retrain.serving import TrainingBusy

    _, models_dir, new_uow, server = _context()
    try:
        outcome = rollback(
            models_dir,
            new_uow=new_uow,
            requested_by=args.by,
            server=None if args.no_reload else server,
        )
    except TrainingBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(outcome.summary())
    return 0 if outcome.accepted else 1


def _cmd_inbox(args: argparse.Namespace) -> int:
    from bot.inbox.service import list_groups

    _, _, new_uow, _ = _context()
    for group in list_groups(new_uow())[: args.limit]:
        hints = ", ".join(f"{intent} {confidence:.2f}" for intent, confidence in group.suggestions)
        print(f"{group.count:5d}  {group.text}  [{hints}]")
        for item in group.items[1:]:
            print(f"       · {item.text}")
    return 0


def _cmd_quality(args: argparse.Namespace) -> int:
    from bot.trainer.quality import report

    workspace, _, _, _ = _context()
    root = args.root or workspace.root
    text, errors = report(root, crossval_report=args.crossval, out=args.out)
    print(text)
    return 1 if errors else 0
