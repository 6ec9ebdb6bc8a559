"""Trainer test data made the way trainers make it: review items labelled through the inbox,
and a private copy of the project's data to change freely. Shared by tests/bot/trainer (what
the console reads) and tests/tools/retrain (the job that trains them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.inbox import service
from bot.inbox.service import Observation, record
from bot.settings import PROJECT_ROOT
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from bot.trainer.data_files import Workspace


def labelled(
    factory: sessionmaker, text: str, intent: str, *, new_intent_type: str | None = None
) -> int:
    """A fallback message recorded in the inbox and labelled `intent`; its item id."""
    item = record(UoW(factory), Observation(text=text, source="fallback"))
    assert item is not None
    known = {"greet", "complaint", "order_status"}
    done = service.decide(
        UoW(factory),
        item_ids=[item.id],
        decision="label",
        intent=intent,
        known_intents=known,
        new_intent_type=new_intent_type,
    )
    assert done.ok, done.reason
    return item.id


def project_copy(root: Path) -> Workspace:
    """A copy of the project's data, domain and config under `root`."""
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    return Workspace(root)
