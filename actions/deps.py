"""Where actions get their collaborators; tests swap them for a database or a clock of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork

UowFactory = Callable[[], AbstractUnitOfWork]
Clock = Callable[[], datetime]

_factory: UowFactory | None = None
_clock: Clock | None = None


def new_uow() -> AbstractUnitOfWork:
    """A fresh unit of work; the engine behind it is created lazily on first use."""
    return (_factory or SqlAlchemyUnitOfWork)()


def now() -> datetime:
    return _clock() if _clock else datetime.now(timezone.utc)


def override_uow_factory(factory: UowFactory | None) -> None:
    """Point every action at another store (tests), or back at the default with None."""
    global _factory
    _factory = factory


def override_clock(clock: Clock | None) -> None:
    """Fix the time the actions see (tests of business hours), or back to real time with None."""
    global _clock
    _clock = clock
